"""Typed inputs of the orchestrations and activities.

Orchestrators build them, activities parse them; both sides share these definitions so a field
renamed on one side cannot silently drift from the other. Each activity input names its activity
(`activity`), so an orchestrator calls an activity by the input it builds and cannot pair a name with
the wrong input. Everything is JSON-plain so the Durable history stores it as is.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar, Self

ORCHESTRATOR_NAME = "bluegreen_deployment"
UNDO_ORCHESTRATOR_NAME = "undo_deployment"
# Every orchestration that is a deployment of the API (`kind` deploy or undo).
DEPLOYMENT_ORCHESTRATIONS = frozenset({ORCHESTRATOR_NAME, UNDO_ORCHESTRATOR_NAME})


# The deployment step an activity works for, added to its input by the orchestrator and taken out by
# the activities' blueprint before the contract reads it: telemetry groups a step's work by it.
STEP_KEY = "_step"
# Present (True) in an activity's input when its caller waits Azure's "busy" out (orchestration version 3):
# the blueprint then answers Azure's throttling (429) or an operation in progress (409) with the marker
# below instead of failing: {BUSY_MARKER: {"retryAfterSeconds": s, "reason": "..."}}.
BUSY_OK_KEY = "_busy_ok"
BUSY_MARKER = "_azureBusy"
# In `read_instance_counts`' answer beside the counts: Compute's rate-limit header as {policy: requests left}.
RATE_LIMIT_KEY = "rate_limit_remaining"


def busy_answer(result: object) -> dict | None:
    """The busy marker's content when `result` is one; None for any real answer."""
    if isinstance(result, dict) and isinstance(result.get(BUSY_MARKER), dict):
        return result[BUSY_MARKER]
    return None


# Present (True) in an activity's input when its caller follows Azure's long-running operations itself
# (orchestration version 4): a write activity then STARTS its operation and answers at once with the marker
# below instead of holding a worker while Azure works:
# {OPERATION_MARKER: {"url": <Azure-AsyncOperation or Location URL, or None>, "retryAfterSeconds": s | None,
#                     "what": "<the operation, for the log>", "result": <the answer once it succeeded>}}.
# With a `url` the caller reads the operation's status (`read_operation`) until it ends; without one it
# waits a poll interval. Then, without a "result", it calls the same activity again, which checks what
# holds already and starts the next operation or gives its final answer.
FOLLOWS_OPERATIONS_KEY = "_follows_operations"
OPERATION_MARKER = "_azureOperation"


def pending_operation(result: object) -> dict | None:
    """The pending-operation marker's content when `result` is one; None for any real answer."""
    if isinstance(result, dict) and isinstance(result.get(OPERATION_MARKER), dict):
        return result[OPERATION_MARKER]
    return None


def operation_marker(url: str | None, retry_after_seconds: float | None, what: str,
                     **result: object) -> dict:
    """The marker an activity answers with (see FOLLOWS_OPERATIONS_KEY); `result=...` when the operation's
    success is all that is left to know."""
    return {OPERATION_MARKER: {"url": url, "retryAfterSeconds": retry_after_seconds, "what": what, **result}}


# The `status` of an operation followed: what `read_operation` answers (gateway/operations.py) and, with
# OPERATION_TIMED_OUT, what the `follow_operation` sub-orchestration ends with. UNKNOWN: no status URL, or
# its record is gone (the caller reads the resource again).
OPERATION_IN_PROGRESS, OPERATION_SUCCEEDED, OPERATION_FAILED = "InProgress", "Succeeded", "Failed"
OPERATION_UNKNOWN, OPERATION_TIMED_OUT = "Unknown", "TimedOut"


class _Contract:
    activity: ClassVar[str | None] = None  # the activity this is the input of
    orchestration: ClassVar[str | None] = None  # or the orchestration

    def to_json(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"{cls.__name__}: unexpected fields {sorted(unknown)}")
        return cls(**data)


@dataclass(frozen=True)
class Source(_Contract):
    """Who asked for the deployment: an HTTP caller or a gallery event for a profile."""

    kind: str = "http"  # "http" | "eventgrid"
    profile: str | None = None
    image_version: str | None = None
    correlation_id: str | None = None


@dataclass(frozen=True)
class DeploymentInput(_Contract):
    """Input of the `bluegreen_deployment` orchestration."""

    orchestration: ClassVar[str | None] = ORCHESTRATOR_NAME

    deployment_id: str
    spec: dict[str, Any]  # DeploymentSpec.to_json()
    lock_key: str
    source: dict[str, Any] = field(default_factory=lambda: Source().to_json())
    # Event-started deployments wait for a busy target instead of failing.
    queue_when_busy: bool = False


@dataclass(frozen=True)
class ScaleSetRef(_Contract):
    deployment_id: str
    subscription_id: str
    resource_group: str
    name: str


@dataclass(frozen=True)
class ClearAutoscaleInput(ScaleSetRef):
    """Delete the autoscale setting targeting the scale set."""

    activity: ClassVar[str | None] = "clear_autoscale"


@dataclass(frozen=True)
class InstanceCountsInput(ScaleSetRef):
    activity: ClassVar[str | None] = "read_instance_counts"


@dataclass(frozen=True)
class RetireScaleSetInput(ScaleSetRef):
    """Out of every backend pool, scaled to 0, deleted (rollback's end for the new scale set)."""

    activity: ClassVar[str | None] = "retire_scale_set"


@dataclass(frozen=True)
class ValidateTargetInput(_Contract):
    activity: ClassVar[str | None] = "validate_target"

    deployment_id: str
    spec: dict[str, Any]
    # Version 4: read the base from one list of the resource group's scale sets and answer the lineage
    # (`inspect_lineage`'s answer, under "lineage") from that same list.
    read_lineage: bool = False


@dataclass(frozen=True)
class ImageRef(_Contract):
    activity: ClassVar[str | None] = "check_image_version"

    deployment_id: str
    image_version_id: str


@dataclass(frozen=True)
class LineageInput(_Contract):
    activity: ClassVar[str | None] = "inspect_lineage"

    deployment_id: str
    subscription_id: str
    resource_group: str
    infrastructure_id: str
    # When given, the active member is the one in this pool (CONTRACT §4), not the newest running one.
    prod_pool_id: str | None = None


@dataclass(frozen=True)
class RetentionInput(_Contract):
    activity: ClassVar[str | None] = "apply_retention"

    deployment_id: str
    subscription_id: str
    resource_group: str
    scale_to_zero: list[str]
    delete: list[str]


@dataclass(frozen=True)
class ReleaseOrphansInput(_Contract):
    """Lineage members a dead deployment left in the stage pool (`domain.lineage.stage_orphans`): out of
    the stage pool and scaled to 0 at Setup, before the new scale set joins it."""

    activity: ClassVar[str | None] = "release_stage_orphans"

    deployment_id: str
    subscription_id: str
    resource_group: str
    names: list[str]
    stage_pool_id: str


@dataclass(frozen=True)
class CreateScaleSetInput(_Contract):
    activity: ClassVar[str | None] = "create_scale_set"

    deployment_id: str
    subscription_id: str
    resource_group: str
    base_name: str
    name: str
    image_id: str
    tags: dict[str, str]
    stage_pool_id: str
    stage_pool_name: str
    user_data: str | None = None
    # The Key Vault secret id of a password-login base's admin password (the id only: the gateway
    # reads the value inside the create call, so it never enters orchestration history).
    admin_password_secret_id: str | None = None


@dataclass(frozen=True)
class ResizeInput(_Contract):
    activity: ClassVar[str | None] = "resize_scale_set"

    deployment_id: str
    subscription_id: str
    resource_group: str
    name: str
    capacity: int
    # The old scale set scaled to 0 after the swap (the log says so in Harness's words).
    downsizing_old: bool = False
    # The scale set as a write of this deployment just answered it (version 4: Upgrade passes the create's
    # answer), so the activity does not read it again before its PATCH; a retry PATCHes the same capacity.
    known: dict[str, Any] | None = None


@dataclass(frozen=True)
class AutoscaleInput(_Contract):
    activity: ClassVar[str | None] = "put_autoscale"

    deployment_id: str
    subscription_id: str
    resource_group: str
    setting: dict[str, Any]  # AutoscaleSnapshot.to_json()


@dataclass(frozen=True)
class RouteInput(_Contract):
    """Move a scale set between backend pools and set its BG_VERSION tag, then apply to instances.
    `prod_pool_id` names the prod pool in the log (any other pool is the stage pool)."""

    activity: ClassVar[str | None] = "route_scale_set"

    deployment_id: str
    subscription_id: str
    resource_group: str
    name: str
    remove_pool_ids: list[str]
    add_pool_ids: list[str]
    bg_version: str | None
    prod_pool_id: str = ""
    # Set by the orchestrator when it calls again after the model update it started succeeded (version 4):
    # the upgrade policy mode the update's answer gave; only the instances' upgrade is left.
    upgrade_mode: str | None = None


@dataclass(frozen=True)
class OperationInput(_Contract):
    """Read the status of a long-running operation once (its Azure-AsyncOperation or Location URL)."""

    activity: ClassVar[str | None] = "read_operation"

    deployment_id: str
    subscription_id: str
    url: str
    what: str


@dataclass(frozen=True)
class FollowInput(_Contract):
    """Input of the `follow_operation` sub-orchestration (orchestration version 4): follow one operation an
    activity started (`operation_marker`) until it ends or `deadline` passes."""

    orchestration: ClassVar[str | None] = "follow_operation"

    deployment_id: str
    subscription_id: str
    url: str | None  # None: nothing to read, the activity is called again after one wait
    what: str
    retry_after_seconds: float | None
    poll_interval_seconds: int
    deadline: str  # ISO 8601 UTC, orchestration clock
    step: str  # the deployment step it works for (telemetry)
    reads_done: int = 0


@dataclass(frozen=True)
class LogInput(_Contract):
    activity: ClassVar[str | None] = "append_log"

    deployment_id: str
    lines: list[str]


@dataclass(frozen=True)
class LockInput(_Contract):
    key: str
    owner: str


@dataclass(frozen=True)
class AcquireLockInput(LockInput):
    activity: ClassVar[str | None] = "acquire_target_lock"


@dataclass(frozen=True)
class ReleaseLockInput(LockInput):
    activity: ClassVar[str | None] = "release_target_lock"


@dataclass(frozen=True)
class WaitInput(_Contract):
    """Input of the `steady_state_wait` sub-orchestration."""

    orchestration: ClassVar[str | None] = "steady_state_wait"

    deployment_id: str
    subscription_id: str
    resource_group: str
    name: str
    target: int
    deadline: str  # ISO 8601 UTC, orchestration clock
    poll_interval_seconds: int
    # During the swap the instances must also run the latest model (the pool change).
    require_latest_model: bool = False
    polls_done: int = 0
    purpose: str = "steady state"
    # None: judge from the poll whether health is reported; True: the scale set monitors health.
    health_monitored: bool | None = None
    # After the swap autoscale may already have grown the scale set past the target (its minimum).
    at_least_target: bool = False


@dataclass(frozen=True)
class UndoInput(_Contract):
    """Input of the `undo_deployment` orchestration: a deployment input (the undone deployment's spec,
    see domain.undo.undo_spec) plus what it undoes."""

    orchestration: ClassVar[str | None] = UNDO_ORCHESTRATOR_NAME

    deployment_id: str
    spec: dict[str, Any]
    lock_key: str
    undoes: str  # the undone deployment's id
    undone_vmss: str  # the scale set that deployment put into prod
    revived: dict[str, Any]  # domain.view.ReplacedScaleSet.to_json(): the scale set to bring back
    source: dict[str, Any] = field(default_factory=lambda: Source().to_json())

    def deployment(self) -> DeploymentInput:
        return DeploymentInput(self.deployment_id, self.spec, self.lock_key, self.source)


@dataclass(frozen=True)
class StartNotificationsInput(_Contract):
    """Start the delivery of one status change's event to each webhook (fire and forget)."""

    activity: ClassVar[str | None] = "start_notification_delivery"

    deployment_id: str
    sequence: int
    webhooks: list[str]
    event: dict[str, Any]  # the CloudEvents event (domain.notifications.cloud_event)


@dataclass(frozen=True)
class DeliveryInput(_Contract):
    """Input of the `deliver_notification` orchestration: one event to one webhook, retried."""

    orchestration: ClassVar[str | None] = "deliver_notification"

    deployment_id: str
    url: str
    event: dict[str, Any]


@dataclass(frozen=True)
class PostWebhookInput(_Contract):
    """One signed POST of an event; the signing key is read by the activity, never passed in."""

    activity: ClassVar[str | None] = "post_webhook"

    deployment_id: str
    url: str
    event: dict[str, Any]
    attempt: int = 1
