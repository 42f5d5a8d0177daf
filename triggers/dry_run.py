"""`POST /api/deployments?dryRun=true`: Setup's validation and decisions with reads only (CONTRACT §5).

The reads are those of the `validate_target` and `inspect_lineage` activities; the decisions are the
same pure functions Setup acts on (`domain.plan`), so the plan is what the deployment would do now.
"""

from __future__ import annotations

import asyncio

import azure.functions as func

from domain.lineage import active_member, lineage_members
from domain.plan import plan_document, plan_setup, plan_warnings
from domain.spec import DeploymentSpec
from gateway import autoscale, validation
from gateway.clients import get_clients
from triggers.http import error_response, json_response


def _invalid(problems: list[str]) -> func.HttpResponse:
    return error_response(400, "InvalidDeploymentTarget", "; ".join(problems),
                          [{"field": "", "message": p} for p in problems])


def _plan(spec: DeploymentSpec) -> func.HttpResponse:
    c = get_clients()
    sub, rg = spec.subscription_id, spec.resource_group
    target = validation.read_target(c, spec, with_scale_sets=True)
    balancer, inspection, image, check = target.balancer, target.inspection, target.image, target.check
    if target.problems:
        return _invalid(target.problems)
    assert balancer is not None and inspection is not None and image is not None
    if image.failed_in(inspection.summary.location):
        return _invalid([f"Image version [{image.name}] failed to replicate (provisioning {image.provisioning_state}, "
                         f"replication {image.replication_state})"])
    scale_sets = target.scale_sets or []  # the list the base was read from: the lineage, as Setup reads it
    active = active_member(lineage_members(scale_sets, spec.infrastructure_id), check.prod_pool_id)
    # As inspect_lineage reads it: only an enabled setting sizes anything, wherever it lives.
    setting = autoscale.find_autoscale(c, sub, rg, active.summary.id, enabled_only=True) if active else None
    plan = plan_setup(spec, scale_sets, setting, [s.name for s in scale_sets], "http", check.prod_pool_id,
                      check.stage_pool_id)
    refusals = [r for r in (plan.refusal, plan.empties_prod) if r]
    if refusals:
        return _invalid(refusals)
    warnings = plan_warnings(spec, inspection.health_monitoring, balancer, check.stage_pool_id, image,
                             inspection.summary.location)
    return json_response(plan_document(spec, plan, warnings))


async def dry_run_response(spec: DeploymentSpec) -> func.HttpResponse:
    return await asyncio.to_thread(_plan, spec)
