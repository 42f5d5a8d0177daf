"""The Event Grid function `image_version_published` (CONTRACT §5, issue 5).

A gallery image version written in a watched resource group (or subscription) raises
`Microsoft.Resources.ResourceWriteSuccess` on its Event Grid system topic. For every enabled profile
whose `imageDefinition` is the version's parent, one blue/green deployment is started, queued behind
any deployment running on the same target. The orchestration then waits for the version to be
replicated and refuses to deploy a version older than the one running.

Duplicates: Event Grid delivers at least once, and one write can raise several events. Each
(profile, image version) pair maps to one deterministic instance id; a delivery starts nothing when
that instance exists (however it ended) or when a create-once marker for it is already there (a
concurrent delivery got there first).

The pure parts (`parse_event`, `deployment_instance_id`, `select_profiles`) carry the decisions and
are unit-tested without Azure; the function only wires them to storage, ARM and the durable client.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from domain.contracts import Source
from domain.resource_ids import ImageVersionId, same_resource
from domain.spec import ProfileSpec, SpecError, parse_profile
from gateway.clients import get_clients
from gateway.storage import EventMarkers, ProfileStore
from triggers.deployments import start_deployment

bp = df.Blueprint()
logger = logging.getLogger("vmss_bluegreen.eventgrid")

FUNCTION_NAME = "image_version_published"
WRITE_SUCCESS = "Microsoft.Resources.ResourceWriteSuccess"
IMAGE_VERSION_WRITE = "Microsoft.Compute/galleries/images/versions/write"
INSTANCE_PREFIX = "evt-"
# An image version's resource id is a few hundred characters; a longer subject is refused unparsed.
MAX_SUBJECT_LENGTH = 2048


# --- pure: what the event says ---------------------------------------------------------------------


@dataclass(frozen=True)
class GalleryEvent:
    """What the function needs of one delivered event, whatever its schema."""

    schema: str  # "EventGrid" | "CloudEvents"
    id: str | None
    event_type: str | None
    subject: str | None
    topic: str | None
    operation_name: str | None
    correlation_id: str | None


@dataclass(frozen=True)
class Verdict:
    """`image_version` when the event asks for deployments, else why it is ignored or rejected."""

    image_version: ImageVersionId | None
    outcome: str  # "accepted" | "ignored" | "rejected"
    reason: str

    @property
    def accepted(self) -> bool:
        return self.outcome == "accepted"


def _as_mapping(event: Any) -> dict[str, Any]:
    """The event as the JSON object Event Grid sent (func.EventGridEvent, func.CloudEvent, dict, str)."""
    if isinstance(event, (bytes, bytearray)):
        event = event.decode("utf-8")
    if isinstance(event, str):
        event = json.loads(event)
    if isinstance(event, list) and len(event) == 1:
        event = event[0]
    if isinstance(event, Mapping):
        return dict(event)
    data = event.get_json() if hasattr(event, "get_json") else getattr(event, "data", None)
    if hasattr(event, "specversion"):  # func.CloudEvent
        return {"specversion": event.specversion, "id": event.id, "type": event.type, "source": event.source,
                "subject": event.subject, "data": data}
    return {"id": getattr(event, "id", None), "eventType": getattr(event, "event_type", None),
            "subject": getattr(event, "subject", None), "topic": getattr(event, "topic", None), "data": data}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def read_event(event: Any) -> GalleryEvent:
    """Normalise an Event Grid-schema or CloudEvents 1.0 event. Raises ValueError when it is neither."""
    body = _as_mapping(event)
    data = body.get("data")
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            data = None
    data = data if isinstance(data, Mapping) else {}
    cloud = "specversion" in body
    return GalleryEvent(
        schema="CloudEvents" if cloud else "EventGrid",
        id=_text(body.get("id")),
        event_type=_text(body.get("type") if cloud else body.get("eventType")),
        subject=_text(body.get("subject")),
        topic=_text(body.get("source") if cloud else body.get("topic")),
        operation_name=_text(data.get("operationName")),
        correlation_id=_text(data.get("correlationId")),
    )


def _subject_candidates(event: GalleryEvent) -> list[str]:
    """The subject, and (CloudEvents with a subject relative to its source) source + subject."""
    subject = event.subject or ""
    candidates = [subject]
    if event.topic and subject.startswith("/") and not subject.lower().startswith("/subscriptions/"):
        candidates.append(event.topic.rstrip("/") + subject)
    return candidates


def judge(event: GalleryEvent) -> Verdict:
    """Whether the event is a gallery image version write, and which version it names."""
    if (event.event_type or "").lower() != WRITE_SUCCESS.lower():
        return Verdict(None, "ignored", f"event type [{event.event_type}] is not {WRITE_SUCCESS}")
    if (event.operation_name or "").lower() != IMAGE_VERSION_WRITE.lower():
        return Verdict(None, "ignored", f"operation [{event.operation_name}] is not {IMAGE_VERSION_WRITE}")
    if not event.subject:
        return Verdict(None, "rejected", "the event has no subject (the image version's resource id)")
    if len(event.subject) > MAX_SUBJECT_LENGTH:
        return Verdict(None, "rejected", f"the subject is over {MAX_SUBJECT_LENGTH} characters: no resource id is")
    problem = ""
    for candidate in _subject_candidates(event):
        try:
            return Verdict(ImageVersionId.parse(candidate), "accepted", "image version written")
        except ValueError as error:
            problem = problem or str(error)
    return Verdict(None, "rejected", f"subject [{event.subject}] is not an image version resource id: {problem}")


def parse_event(event: Any) -> tuple[GalleryEvent | None, Verdict]:
    """`read_event` then `judge`; an event that cannot be read at all is rejected."""
    try:
        gallery_event = read_event(event)
    except (ValueError, TypeError, AttributeError, RecursionError) as error:
        # Whatever is wrong with one event is that event's problem: it is rejected, never raised, so
        # it neither fails the delivery (Event Grid would redeliver it forever) nor stops the others.
        return None, Verdict(None, "rejected", f"unreadable event: {str(error)[:200]}")
    return gallery_event, judge(gallery_event)


# --- pure: who deploys it ---------------------------------------------------------------------------


def deployment_instance_id(profile_name: str, image_version_id: str) -> str:
    """The deterministic orchestration id of (profile, image version): `evt-<32 hex>`.

    ARM ids are case-insensitive, so the version id is canonicalised (parsed, lower-cased); profile
    names are blob names, which are case-sensitive, so the name is kept as given.
    """
    try:
        canonical = ImageVersionId.parse(image_version_id).id
    except ValueError:
        canonical = image_version_id.rstrip("/")
    identity = f"{profile_name}\n{canonical.lower()}"
    return INSTANCE_PREFIX + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Candidate:
    name: str
    profile: ProfileSpec


def select_profiles(documents: Iterable[tuple[str, Any]], image_version: ImageVersionId
                    ) -> tuple[list[Candidate], list[str]]:
    """The enabled, valid profiles following `image_version`'s image definition; and notes on the rest."""
    chosen: list[Candidate] = []
    notes: list[str] = []
    parent = image_version.image_definition_id
    for name, document in documents:
        try:
            profile = parse_profile(document)
        except SpecError as error:
            notes.append(f"profile [{name}] is invalid and was ignored: {error}")
            continue
        if not same_resource(profile.image_definition, parent):
            continue
        if not profile.enabled:
            notes.append(f"profile [{name}] follows {parent} but is disabled")
            continue
        chosen.append(Candidate(name, profile))
    return chosen, notes


def excluded_from_latest_note(profile: Candidate, exclude_from_latest: bool, version: str) -> str | None:
    """Why the profile does not deploy a version published with excludeFromLatest, or None."""
    if exclude_from_latest and not profile.profile.deploy_excluded_from_latest:
        return (f"profile [{profile.name}]: image version [{version}] is excluded from latest "
                "(set deployExcludedFromLatest to deploy such versions)")
    return None


# --- wiring ------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _profiles() -> ProfileStore:
    return ProfileStore(get_clients().blob_service())


@lru_cache(maxsize=1)
def _markers() -> EventMarkers:
    return EventMarkers(get_clients().blob_service())


def _exclude_from_latest(image_version_id: str) -> bool | None:
    """The version's publishingProfile.excludeFromLatest; None when the version does not exist."""
    from gateway.gallery import get_image_version

    summary = get_image_version(get_clients(), image_version_id)
    return None if summary is None else summary.exclude_from_latest


async def _start_for(client: df.DurableOrchestrationClient, candidate: Candidate, version: ImageVersionId,
                     event: GalleryEvent, excluded: dict[str, bool | None]) -> str | None:
    """Start the deployment of `version` for one profile; returns its instance id when started."""
    instance_id = deployment_instance_id(candidate.name, version.id)
    where = f"profile [{candidate.name}], image version [{version.id}], deployment [{instance_id}]"
    if await client.get_status(instance_id):
        logger.info("Duplicate event %s: %s already exists; nothing new started", event.id, where)
        return None
    if not candidate.profile.deploy_excluded_from_latest:
        if "value" not in excluded:
            excluded["value"] = await asyncio.to_thread(_exclude_from_latest, version.id)
        if excluded["value"] is None:
            logger.warning("Image version [%s] was not found; %s not started", version.id, where)
            return None
        note = excluded_from_latest_note(candidate, bool(excluded["value"]), version.version)
        if note:
            logger.info("Skipped: %s", note)
            return None
    try:
        spec = candidate.profile.to_deployment_spec(version.id)
    except SpecError as error:
        logger.error("Profile [%s] cannot deploy [%s]: %s", candidate.name, version.id, error)
        return None
    marker = json.dumps({"event": event.id, "profile": candidate.name, "imageVersion": version.id,
                         "at": datetime.now(UTC).isoformat()})
    if not await asyncio.to_thread(_markers().mark_once, instance_id, marker):
        logger.info("Duplicate event %s: %s was already claimed by another delivery", event.id, where)
        return None
    source = Source(kind="eventgrid", profile=candidate.name, image_version=version.id,
                    correlation_id=event.correlation_id)
    try:
        await start_deployment(client, spec, instance_id, source, queue_when_busy=True)
    except Exception:
        # Give the redelivery Event Grid makes after this failure a chance to start it.
        await asyncio.to_thread(_markers().unmark, instance_id)
        raise
    logger.info("Started %s", where)
    return instance_id


async def handle_event(event: Any, client: df.DurableOrchestrationClient) -> list[str]:
    """Everything the function does; returns the ids of the deployments it started."""
    gallery_event, verdict = parse_event(event)
    event_id = gallery_event.id if gallery_event else None
    if verdict.outcome == "ignored":
        logger.info("Event %s ignored: %s", event_id, verdict.reason)
        return []
    if not verdict.accepted or gallery_event is None or verdict.image_version is None:
        logger.warning("Event %s rejected: %s", event_id, verdict.reason)
        return []
    version = verdict.image_version
    documents = await asyncio.to_thread(_profiles().list)
    candidates, notes = select_profiles(((name, doc) for name, doc, _etag in documents), version)
    for note in notes:
        logger.info("Event %s: %s", event_id, note)
    if not candidates:
        logger.info("Event %s: no enabled profile follows image definition [%s]; nothing to deploy",
                    event_id, version.image_definition_id)
        return []
    started: list[str] = []
    excluded: dict[str, bool | None] = {}
    for candidate in candidates:
        instance_id = await _start_for(client, candidate, version, gallery_event, excluded)
        if instance_id:
            started.append(instance_id)
    return started


@bp.event_grid_trigger(arg_name="event")
@bp.durable_client_input(client_name="client")
async def image_version_published(event: func.EventGridEvent, client: df.DurableOrchestrationClient) -> None:
    """Event Grid schema or CloudEvents 1.0: the worker's eventGridTrigger converter (azure-functions 1.26)
    hands a CloudEvents body over as func.CloudEvent and an Event Grid one as func.EventGridEvent, whatever
    the annotation; the annotation stays EventGridEvent because the worker refuses a Union at indexing.
    tests/triggers/test_eventgrid_binding.py decodes both through that converter."""
    await handle_event(event, client)
