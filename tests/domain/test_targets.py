"""domain.targets: lineages of a resource group from tags, and the scale set serving prod."""

from __future__ import annotations

from domain.targets import infrastructure_ids, targets_document
from tests.domain.builders import scale_set


def tagged(name, tag, capacity=0, colour=None, created="20261101T050000Z"):
    return scale_set(name, capacity=capacity, revision_tag=tag, created=created,
                     tags={"BG_VERSION": colour} if colour else None)


def test_lineages_are_named_by_their_revision_tags_whoever_made_them():
    scale_sets = [tagged("a__1", "web__1"), tagged("b__3", "web__x__3"), tagged("base", None),
                  tagged("odd", "web__"), tagged("h__2", "3f2a-harness__2")]
    assert infrastructure_ids(scale_sets) == ["3f2a-harness", "web", "web__x"]


def test_the_live_scale_set_is_the_newest_blue_one_with_instances_not_a_newer_one_still_in_stage():
    scale_sets = [tagged("web__1", "web__1", 2, "BLUE", "20261101T050000Z"),
                  tagged("web__2", "web__2", 2, "GREEN", "20261102T050000Z")]
    [lineage] = targets_document(scale_sets, {"web": "d1"})["value"]
    assert (lineage["liveVmss"], lineage["runningDeployment"]) == ("web__1", "d1")
    assert [m["name"] for m in lineage["members"]] == ["web__2", "web__1"]


def test_without_colour_tags_the_live_scale_set_is_the_newest_with_instances():
    scale_sets = [tagged("web__1", "web__1", 2, None, "20261101T050000Z"),
                  tagged("web__2", "web__2", 0, None, "20261102T050000Z")]
    assert targets_document(scale_sets, {})["value"][0]["liveVmss"] == "web__1"
