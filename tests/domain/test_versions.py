from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.versions import compare_versions, is_valid_version, parse_version
from tests.domain.builders import IMAGE


def test_version_parses_into_three_integers():
    assert parse_version("1.4.0") == (1, 4, 0)


def test_version_of_an_image_version_id_is_its_last_segment():
    assert parse_version(IMAGE) == (1, 4, 0)


def test_leading_zeros_are_read_as_azure_does():
    assert parse_version("1.04.0") == (1, 4, 0)


@pytest.mark.parametrize(
    "text", ["", "1", "1.4", "1.4.0.0", "1.4.x", "latest", "v1.4.0", "1.4.0 ", "-1.0.0", "2147483648.0.0"]
)
def test_malformed_versions_raise(text):
    with pytest.raises(ValueError):
        parse_version(text)
    assert not is_valid_version(text)


def test_non_string_version_is_not_valid():
    assert not is_valid_version(None)


@pytest.mark.parametrize(
    ("a", "b", "older"),
    [
        ("1.3.9", "1.4.0", True),
        ("1.4.0", "1.4.0", False),
        ("1.10.0", "1.9.0", False),  # numeric, not lexical
        ("1.9.0", "1.10.0", True),
        ("0.0.1", "0.0.2", True),
        ("2.0.0", "1.99.99", False),
    ],
)
def test_versions_compare_numerically(a, b, older):
    assert (compare_versions(a, b) < 0) is older


@given(st.tuples(*[st.integers(0, 2**31 - 1)] * 3), st.tuples(*[st.integers(0, 2**31 - 1)] * 3))
def test_ordering_matches_tuple_ordering(a, b):
    text_a, text_b = ".".join(map(str, a)), ".".join(map(str, b))
    assert compare_versions(text_a, text_b) == (a > b) - (a < b)
