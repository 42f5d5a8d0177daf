"""Profile names (they become blob names) and the HTTP write conditions of the profiles API."""

from __future__ import annotations

import pytest

from triggers.profiles import etag_header, profile_name_problem, write_conditions


@pytest.mark.parametrize("name", ["web", "web-prod", "web_prod_2", "A", "0day", "x" * 63])
def test_safe_profile_names(name):
    assert profile_name_problem(name) is None


@pytest.mark.parametrize("name", [
    "", "x" * 64, "-web", "_web", "web.json", "..", "a/b", "a\\b", "web prod", "wéb", "web%2Fx", "web?", "a\nb",
    None, 7,
])
def test_unsafe_profile_names(name):
    assert profile_name_problem(name)


def test_write_conditions():
    assert write_conditions({}) == (None, False, None)
    assert write_conditions({"If-Match": '"0x8D"'}) == ('"0x8D"', False, None)
    assert write_conditions({"if-match": "*"}) == ("*", False, None)
    assert write_conditions({"If-None-Match": "*"}) == (None, True, None)
    assert write_conditions({"If-None-Match": '"0x8D"'})[2]
    assert write_conditions({"If-Match": '"a"', "If-None-Match": "*"})[2]
    assert write_conditions({"If-Match": '"a", "b"'})[2]


def test_etags_travel_quoted():
    assert etag_header("0x8DB") == '"0x8DB"'
    assert etag_header('"0x8DB"') == '"0x8DB"'
    assert etag_header('W/"x"') == 'W/"x"'
