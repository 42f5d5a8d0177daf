"""The `undo_deployment` orchestration: take back a succeeded deployment.

An undo is a blue/green deployment whose "new" scale set is the one the undone deployment replaced
(the revived one) and whose "old" one is the scale set that deployment put into prod. It runs as a
`BlueGreenDeployment` with its own Setup, Upgrade and autoscale moment, and the very same lock, log,
steady-state waits, verified swap, Downsize and rollback machinery. Decisions are in `domain/undo.py`.
"""

from __future__ import annotations

import azure.durable_functions as df

from domain import steps as S
from domain.capacity import Capacity
from domain.contracts import AutoscaleInput, ClearAutoscaleInput, DeploymentInput, LineageInput, UndoInput
from domain.lineage import active_member, lineage_members
from domain.model import AutoscaleSnapshot, ScaleSetSummary
from domain.resource_ids import backend_pool_id
from domain.rollout import AutoscaleAttach, Done
from domain.tags import GREEN
from domain.undo import UNDO_STEPS, ParkRevived, revival_problem, undo_rollback_plan
from domain.view import CapacityView, ReplacedScaleSet, replaced_scale_set
from orchestrators.bluegreen import BlueGreenDeployment, Step, StepFailed
from orchestrators.notifications import notifying

bp = df.Blueprint()


class UndoDeployment(BlueGreenDeployment):
    def read_input(self, context: df.DurableOrchestrationContext) -> DeploymentInput:
        self.request = UndoInput.from_json(context.get_input())
        return self.request.deployment()

    def __init__(self, context: df.DurableOrchestrationContext) -> None:
        super().__init__(context)
        self.revived = ReplacedScaleSet.model_validate(self.request.revived)
        self.view = self.view.model_copy(update={"kind": "undo", "undoes": self.request.undoes})
        # Judged from each poll: the revived scale set's own model says whether health is monitored.
        self.health_monitored = None

    def step_table(self) -> dict[str, Step]:
        table = {S.SETUP: self.setup, S.UPGRADE: self.restore, S.SWAP: self.swap, S.DOWNSIZE: self.downsize}
        assert tuple(table) == UNDO_STEPS
        return table

    def setup(self):
        """Nothing is written here: Azure must still show the undone scale set serving and the revived
        one in the lineage, else the undo fails with nothing changed."""
        spec = self.spec
        self.prod_pool_id = backend_pool_id(self.sub, self.rg, spec.load_balancer, spec.prod_backend_pool)
        self.stage_pool_id = backend_pool_id(self.sub, self.rg, spec.load_balancer, spec.stage_backend_pool)
        lineage = yield self.call(LineageInput(deployment_id=self.id, subscription_id=self.sub, resource_group=self.rg,
                                               infrastructure_id=spec.infrastructure_id))
        members = lineage_members([ScaleSetSummary.from_json(m) for m in lineage["members"]],
                                  spec.infrastructure_id)
        active = active_member(members)
        problem = revival_problem(members, active, self.request.undone_vmss, self.revived.name)
        if problem is not None or active is None:
            raise StepFailed(S.SETUP, problem or "no active scale set")
        revived = next(m for m in members if m.name.lower() == self.revived.name.lower())
        self.old = active.summary
        if lineage["active_autoscale"]:
            self.old_autoscale = AutoscaleSnapshot.from_json(lineage["active_autoscale"])
        self.new_name = revived.name
        self.target = self.revived.capacity
        self.capacity = Capacity(min=self.target, max=max(self.target, 1), desired=self.target)
        self.publish(revision=revived.revision, new_vmss=self.new_name, old_vmss=self.old.name,
                     capacity=CapacityView(desired=self.target, current=revived.capacity, healthy=0),
                     replaced=replaced_scale_set(self.old, self.old_autoscale))
        if self.target == 0:
            raise StepFailed(S.SETUP, f"[{self.new_name}] had 0 instances before deployment [{self.request.undoes}]: "
                                      f"swapping it in would leave prod without instances")
        yield self.log(f"Undoing deployment [{self.request.undoes}]: [{self.new_name}] back to [{self.target}] "
                       f"instance(s) in place of [{self.old.name}]")

    def restore(self):
        """The revived scale set, autoscale cleared while it grows, into the stage pool (at its current
        size, often 0, so the model change is cheap) and back to its old capacity, steady and healthy."""
        assert self.new_name
        self.did(Done.NEW_CREATED)  # from here a rollback parks the revived scale set again
        yield self.call(ClearAutoscaleInput(deployment_id=self.id, subscription_id=self.sub, resource_group=self.rg,
                                            name=self.new_name))
        routed = yield self.call(self.route(self.new_name, [], [self.stage_pool_id], GREEN))
        yield self.call(self.resize(self.new_name, self.target))
        # Under Automatic or Rolling, instances it kept join the stage pool when Azure upgrades them: version 4
        # waits for that too (the instances added by the resize run the latest model from the start).
        rolled_by_azure = self.flow.waits_platform_upgrades and bool((routed or {}).get("platform_upgrades"))
        yield from self.wait_steady(S.UPGRADE, self.new_name, self.target, require_latest_model=rolled_by_azure)

    def attach_autoscale(self, moment: AutoscaleAttach):
        """The revived scale set gets back the autoscale setting it had, once it serves prod again."""
        if moment != AutoscaleAttach.AFTER_SWAP or self.revived.autoscale is None:
            return
        yield self.call(AutoscaleInput(deployment_id=self.id, subscription_id=self.sub, resource_group=self.rg,
                                       setting=self.revived.autoscale))

    def rollback_actions(self) -> list:
        return undo_rollback_plan(self.done, self.old, self.old_autoscale is not None, self.new_name,
                                  clear_autoscale_first=self.flow.rollback_clears_old_autoscale)

    def undo(self, action):
        if not isinstance(action, ParkRevived):
            yield from super().undo(action)
            return
        yield self.call(ClearAutoscaleInput(deployment_id=self.id, subscription_id=self.sub, resource_group=self.rg,
                                            name=action.name))
        routed = yield self.call(self.route(action.name, [self.prod_pool_id, self.stage_pool_id], [], GREEN))
        yield from self.follow_platform_upgrade(S.ROLLBACK, action.name, routed, "out of the backend pools")
        yield self.call(self.resize(action.name, 0))


@bp.orchestration_trigger(context_name="context")
def undo_deployment(context: df.DurableOrchestrationContext):
    deployment = UndoDeployment(context)
    result = yield from notifying(context, deployment.run(), lambda: deployment.view, deployment.spec)
    return result
