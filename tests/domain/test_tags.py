from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.tags import (
    BG_VERSION,
    BLUE,
    CREATED,
    GREEN,
    HARNESS_REVISION,
    NAME,
    format_created,
    get_tag,
    new_scale_set_tags,
    parse_created,
    with_bg_version,
)


def test_tag_names_are_harness_ones():
    assert (HARNESS_REVISION, NAME, CREATED, BG_VERSION, BLUE, GREEN) == (
        "HARNESS_REVISION",
        "Name",
        "Created",
        "BG_VERSION",
        "BLUE",
        "GREEN",
    )


def test_created_is_formatted_as_compact_utc():
    assert format_created(datetime(2026, 11, 26, 5, 3, 9, 999, tzinfo=UTC)) == "20261126T050309Z"


def test_created_converts_other_time_zones_to_utc():
    paris = timezone(timedelta(hours=1))
    assert format_created(datetime(2026, 11, 26, 6, 0, 0, tzinfo=paris)) == "20261126T050000Z"


def test_naive_datetime_is_taken_as_utc_like_the_orchestration_clock():
    assert format_created(datetime(2026, 1, 2, 3, 4, 5)) == "20260102T030405Z"


@given(st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31)))
def test_created_round_trips_to_the_second(moment):
    assert parse_created(format_created(moment)) == moment.replace(microsecond=0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "2026-11-26T05:00:00Z",
        "20261126T050000",
        "20261126T0500Z",
        "20261326T050000Z",
        "20261126T050000z",
        5,
    ],
)
def test_created_that_is_not_the_exact_shape_parses_to_none(text):
    assert parse_created(text) is None


def test_new_scale_set_tags_keep_base_tags_and_replace_identity():
    base = {"team": "web", "HARNESS_REVISION": "base__9", "Name": "web-base", "cost": "42"}
    created = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)
    assert new_scale_set_tags(base, "web", 2, "web__2", created) == {
        "team": "web",
        "cost": "42",
        "HARNESS_REVISION": "web__2",
        "Name": "web__2",
        "Created": "20261126T050000Z",
        "BG_VERSION": "GREEN",
    }
    assert base["Name"] == "web-base"  # not mutated


def test_new_scale_set_tags_drop_base_tags_that_differ_only_in_case():
    base = {"name": "web-base", "harness_revision": "x__1", "created": "old", "bg_version": "BLUE"}
    tags = new_scale_set_tags(base, "web", 1, "web__1", datetime(2026, 1, 1, tzinfo=UTC))
    assert set(tags) == {"HARNESS_REVISION", "Name", "Created", "BG_VERSION"}


def test_new_scale_set_tags_from_no_base_tags():
    tags = new_scale_set_tags(None, "web", 1, "web__1", datetime(2026, 1, 1, tzinfo=UTC))
    assert tags[BG_VERSION] == GREEN


def test_with_bg_version_replaces_the_colour_whatever_its_case():
    assert with_bg_version({"bg_version": "GREEN", "team": "web"}, BLUE) == {
        "team": "web",
        "BG_VERSION": "BLUE",
    }
    assert with_bg_version(None, GREEN) == {"BG_VERSION": "GREEN"}


def test_with_bg_version_refuses_other_colours():
    with pytest.raises(ValueError):
        with_bg_version({}, "RED")


def test_get_tag_prefers_exact_name_then_any_case():
    assert get_tag({"created": "a", "Created": "b"}, "Created") == "b"
    assert get_tag({"CREATED": "a"}, "Created") == "a"
    assert get_tag({}, "Created") is None
    assert get_tag(None, "Created") is None
