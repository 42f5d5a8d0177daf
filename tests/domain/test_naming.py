from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.naming import (
    NAME_CHARS_REPLACED,
    autoscale_name,
    normalise_name,
    parse_revision,
    revision_tag,
    target_key,
    vmss_name,
)
from tests.domain.builders import SUB


def test_the_contract_lists_exactly_these_characters():
    assert sorted(NAME_CHARS_REPLACED) == sorted(
        ["-", "+", "*", "/", "\\", " ", "&", "$", '"', "'", ".", "|"]
    )


@pytest.mark.parametrize("char", list(NAME_CHARS_REPLACED))
def test_each_listed_character_becomes_two_underscores(char):
    assert normalise_name(f"a{char}b{char}") == "a__b__"


def test_other_characters_and_underscores_are_left_alone():
    assert normalise_name("Web_App#1") == "Web_App#1"


@given(st.text(max_size=30))
def test_normalisation_is_idempotent_and_removes_every_listed_character(text):
    once = normalise_name(text)
    assert normalise_name(once) == once
    assert not set(once) & set(NAME_CHARS_REPLACED)


def test_scale_set_name_and_revision_tag_use_double_underscore():
    assert vmss_name("web", 3) == "web__3"
    assert revision_tag("infra-1", 3) == "infra-1__3"
    assert autoscale_name("web__3") == "web__3_Autoscale"


@pytest.mark.parametrize(
    ("tag", "infra", "revision"),
    [
        ("web__1", "web", 1),
        ("web__12", "web", 12),
        ("web__007", "web", 7),
        ("my__app__3", "my__app", 3),
        ("Yy2p-W6eX__4", "Yy2p-W6eX", 4),
        ("web__", "web", None),
        ("web__x", "web", None),
        ("web__1a", "web", None),
        ("web__-1", "web", None),
        ("web__ 1", "web", None),
        ("web__1 ", "web", None),
        ("web__+1", "web", None),
        ("web__١", "web", None),  # a non-ASCII digit
        ("web_1", "web", None),
        ("web1", "web", None),
        ("WEB__1", "web", None),  # case-sensitive, as Harness's startsWith
        ("web__x__3", "web", None),  # revision 3 of lineage web__x, not of web
        ("webapp__3", "web", None),
        ("", "web", None),
        (None, "web", None),
        ("web__1", "", None),
    ],
)
def test_parse_revision_accepts_only_infra_id_double_underscore_number(tag, infra, revision):
    assert parse_revision(tag, infra) == revision


@given(st.text(min_size=1, max_size=20), st.integers(0, 10**6))
def test_parse_revision_reads_back_what_revision_tag_wrote(infra, revision):
    assert parse_revision(revision_tag(infra, revision), infra) == revision


def test_target_key_is_stable_lowercase_and_blob_safe():
    key = target_key(SUB, "RG-Web", "My__App/../x")
    assert key == target_key(SUB.upper(), "rg-web", "my__app/../X")
    assert re.fullmatch(r"[a-z0-9-]+", key)
    assert key.startswith("rg-web-my-app-x-")
    assert len(key) <= 120


def test_target_keys_differ_per_subscription_group_and_infrastructure():
    keys = {
        target_key(SUB, "rg", "web"),
        target_key(SUB.replace("0b1f", "0b1e"), "rg", "web"),
        target_key(SUB, "rg2", "web"),
        target_key(SUB, "rg", "web2"),
        target_key(SUB, "rg-w", "eb"),  # same readable part as rg/web would give after joining
        target_key(SUB, "rg", "w-eb"),
    }
    assert len(keys) == 6


def test_target_key_of_a_name_with_nothing_readable_is_still_a_key():
    assert re.fullmatch(r"[a-z0-9]{32}", target_key(SUB, "", "..."))
