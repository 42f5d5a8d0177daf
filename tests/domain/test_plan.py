"""domain.plan: Setup's decisions as one function (the deployment and the dry run both use it)."""

from __future__ import annotations

from domain.capacity import RAISED_TO_LIVE
from domain.model import ImageVersionSummary, LoadBalancerSummary
from domain.plan import capacity_origins, check_target, plan_document, plan_setup, plan_warnings
from domain.spec import parse_spec
from tests.domain.builders import IMAGE, autoscale, profile, scale_set, spec_payload

SAME_AS_RUNNING = {"mode": "sameAsRunning"}
POOLS = {"prod-backend-pool": "/lb/prod", "stage-backend-pool": "/lb/stage"}


def spec(**changes):
    return parse_spec(spec_payload(**changes))


def member(revision: int, capacity: int, day: int):
    return scale_set(f"web__{revision}", capacity=capacity, revision_tag=f"web__{revision}",
                     created=f"202611{day:02d}T050000Z")


def image(provisioning="Succeeded", replication="Completed") -> ImageVersionSummary:
    return ImageVersionSummary(id=IMAGE, name="1.4.0", provisioning_state=provisioning, replication_state=replication)


def balancer(balanced=("/lb/prod", "/lb/stage")) -> LoadBalancerSummary:
    return LoadBalancerSummary(id="/lb", name="web-lb", location="westeurope", backend_pool_ids=POOLS,
                               balanced_pool_ids=list(balanced))


def test_a_first_deployment_plans_revision_1_at_the_fixed_capacity_with_nothing_to_retire():
    plan = plan_setup(spec(instances={"mode": "fixed", "min": 1, "max": 4, "desired": 3}), [], None, [], "http")
    assert (plan.revision, plan.new_name, plan.old) == (1, "web__1", None)
    assert (plan.capacity.to_json(), plan.capacity_origin, plan.upgrade_target) == (
        {"min": 1, "max": 4, "desired": 3}, "fixed", 3)
    assert not plan.retention.delete and not plan.retention.scale_to_zero and plan.refusal is None


def test_same_as_running_takes_the_live_default_profile_and_says_so():
    setting = autoscale("web__2", [profile("Profile1", "2", "8", "5")])
    lineage = [member(1, 0, 1), member(2, 4, 2)]
    plan = plan_setup(spec(instances=SAME_AS_RUNNING, upgrade={"unit": "percent", "value": 50}), lineage, setting,
                      ["web__1", "web__2", "web-base"], "http")
    assert (plan.revision, plan.new_name, plan.old.name) == (3, "web__3", "web__2")
    assert (plan.capacity.desired, plan.capacity_origin, plan.upgrade_target) == (5, "autoscaleDefaultProfile", 3)
    assert plan.autoscale == setting
    document = plan_document(spec(), plan, [])
    assert document["capacity"]["from"] == {"min": "autoscaleDefaultProfile", "max": "autoscaleDefaultProfile",
                                            "desired": "autoscaleDefaultProfile"}
    assert document["autoscale"] == {"from": "web__2_Autoscale", "name": "web__3_Autoscale", "enabled": True}


def test_same_as_running_without_autoscale_takes_the_live_capacity():
    plan = plan_setup(spec(instances=SAME_AS_RUNNING), [member(1, 4, 1)], None, ["web__1"], "http")
    assert (plan.capacity.to_json(), plan.capacity_origin) == ({"min": 4, "max": 4, "desired": 4}, "liveCapacity")


def test_retention_deletes_beyond_versions_to_keep_and_scales_the_kept_to_zero():
    lineage = [member(1, 2, 1), member(2, 3, 2), member(3, 4, 3)]
    plan = plan_setup(spec(versionsToKeep=3), lineage, None, [], "http")
    assert plan.retention.scale_to_zero == ["web__2"] and plan.retention.delete == ["web__1"]


def test_a_name_owned_by_another_scale_set_is_refused_before_any_write():
    plan = plan_setup(spec(), [], None, ["WEB__1"], "http")
    assert plan.refusal and "[web__1] already exists" in plan.refusal


def test_a_new_scale_set_of_zero_instances_over_a_live_one_would_empty_prod():
    plan = plan_setup(spec(instances={"mode": "fixed", "min": 0, "max": 4, "desired": 0}), [member(1, 2, 1)],
                      None, ["web__1"], "http")
    assert plan.empties_prod and "[web__1]" in plan.empties_prod


def test_an_event_for_the_version_already_running_is_skipped_an_http_request_is_not():
    running = scale_set("web__1", capacity=2, revision_tag="web__1", created="20261101T050000Z")
    running = type(running)(**{**running.to_json(), "image_id": IMAGE})
    assert plan_setup(spec(), [running], None, [], "eventgrid").skip
    assert plan_setup(spec(), [running], None, [], "http").skip is None


def test_check_target_names_every_missing_part_and_finds_the_pools_case_insensitively():
    found = check_target(spec(prodBackendPool="PROD-backend-pool"), balancer(), scale_set("web-base"), [], image())
    assert (found.problems, found.prod_pool_id, found.stage_pool_id) == ([], "/lb/prod", "/lb/stage")
    missing = check_target(spec(stageBackendPool="nope"), None, None, [], None)
    assert len(missing.problems) == 3
    broken = check_target(spec(stageBackendPool="nope"), balancer(), scale_set("web-base"), ["Flexible"],
                          image(provisioning="Failed"))
    assert [p.split(" ")[1] for p in broken.problems] == ["stage", "Virtual", "image"]


def test_warnings_name_no_health_monitoring_an_unbalanced_stage_pool_and_a_replicating_image():
    assert plan_warnings(spec(), "healthProbe", balancer(), "/lb/stage", image(), "westeurope") == []
    warnings = plan_warnings(spec(), None, balancer(balanced=["/lb/prod"]), "/lb/stage",
                             image(replication="InProgress"), "westeurope")
    assert ["not monitored" in warnings[0], "stage-backend-pool" in warnings[1], "replicating" in warnings[2]] == [
        True, True, True]


def test_a_desired_raised_to_what_prod_runs_says_so_while_min_and_max_come_from_the_profile():
    assert capacity_origins(RAISED_TO_LIVE) == {"min": "autoscaleDefaultProfile", "max": "autoscaleDefaultProfile",
                                                "desired": "liveCapacity"}
    assert capacity_origins("fixed") == {"min": "fixed", "max": "fixed", "desired": "fixed"}
