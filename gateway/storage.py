"""Blob Storage (Azurite locally): deployment logs, target locks, deployment profiles, event markers.

Containers are created on first use. Concurrency is handled with ETag conditions only
(`If-None-Match: *` to create, `If-Match: <etag>` to replace or delete), never with blob leases, so no
crashed writer can leave anything stuck.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from azure.core import MatchConditions
from azure.core.exceptions import (
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.storage.blob import BlobServiceClient, ContentSettings

from domain.naming import target_key
from gateway.errors import GatewayError, PreconditionFailed

logger = logging.getLogger("vmss_bluegreen.storage")

LOGS_CONTAINER = "deployment-logs"
LOCKS_CONTAINER = "locks"
PROFILES_CONTAINER = "profiles"
MARKERS_CONTAINER = "event-markers"


class _Container:
    """A container client that creates its container once, on first use."""

    def __init__(self, blob_service: BlobServiceClient, name: str) -> None:
        self._client = blob_service.get_container_client(name)
        self._ready = False
        self._lock = threading.Lock()

    def client(self):
        if not self._ready:
            with self._lock:
                if not self._ready:
                    try:
                        self._client.create_container()
                    except ResourceExistsError:
                        pass
                    self._ready = True
        return self._client

    def blob(self, name: str):
        return self.client().get_blob_client(name)


def _quoted(etag: str) -> str:
    """ETags as HTTP carries them: quoted (callers may hand them over without the quotes)."""
    etag = etag.strip()
    if etag == "*" or etag.startswith('"') or etag.startswith("W/"):
        return etag
    return f'"{etag}"'


def _utc_stamp(now: datetime | None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# -- deployment logs -----------------------------------------------------------------------------


class DeploymentLogs:
    """An append blob `deployment-logs/<deployment id>.log` per deployment, one timestamped line per entry."""

    def __init__(self, blob_service: BlobServiceClient) -> None:
        self._container = _Container(blob_service, LOGS_CONTAINER)

    @staticmethod
    def blob_name(deployment_id: str) -> str:
        return f"{deployment_id}.log"

    def append(self, deployment_id: str, *lines: str, now: datetime | None = None) -> None:
        """Append the lines (each prefixed with an ISO UTC timestamp) in one append-block call.

        A line with embedded newlines becomes several lines, each with the timestamp.
        """
        stamp = _utc_stamp(now)
        physical = [part for line in lines for part in (str(line).splitlines() or [""])]
        if not physical:
            return
        data = "".join(f"{stamp} {part}\n" for part in physical).encode("utf-8")
        blob = self._container.blob(self.blob_name(deployment_id))
        try:
            blob.append_block(data)
        except ResourceNotFoundError:
            try:
                blob.create_append_blob(
                    match_condition=MatchConditions.IfMissing,
                    content_settings=ContentSettings(content_type="text/plain; charset=utf-8"),
                )
            except (ResourceExistsError, ResourceModifiedError):
                pass  # created concurrently
            blob.append_block(data)

    def try_append(self, deployment_id: str, *lines: str) -> bool:
        """`append`, best effort: False (and a warning in the host log) when the blob did not take the
        lines. The log is bookkeeping: its failure must not fail the Azure work or the API call around
        it (an append blob takes at most 50,000 blocks, which a long wait polling every second reaches)."""
        try:
            self.append(deployment_id, *lines)
        except Exception:  # noqa: BLE001  (any storage failure: the caller has the lines in the host log)
            logger.warning("[%s] could not append %d line(s) to the deployment log", deployment_id, len(lines),
                           exc_info=True)
            return False
        return True

    def read(self, deployment_id: str) -> str | None:
        try:
            return self._container.blob(self.blob_name(deployment_id)).download_blob().readall().decode("utf-8")
        except ResourceNotFoundError:
            return None


# -- target locks ---------------------------------------------------------------------------------


# How long after its claim a holder whose orchestration cannot be found yet still counts as live. The
# POST claims the lock, then starts the orchestration under the same id; on a loaded host that start
# can take any time up to the invocation's end, and an invocation cannot outlive host.json's
# `functionTimeout` (10 minutes). A claim whose POST died before starting holds the target no longer.
CLAIM_START_DEADLINE = timedelta(minutes=10)
_START_BY = "startby"  # blob metadata: the instant (ISO, UTC) by which the owner's orchestration exists


def _utc_now() -> datetime:
    return datetime.now(UTC)


class TargetLocks:
    """One deployment at a time per target: a blob `locks/<key>` whose content is the owner's id.

    `acquire` is race-safe without leases: the blob is created with `If-None-Match: *` and taken over
    with `If-Match: <etag of the holder read>`, so of two concurrent acquirers exactly one wins and the
    other sees the winner. A holder for which `is_alive(holder)` is False is taken over, so a lock can
    never stay stuck after a crash or termination. Until the start deadline the claim wrote with it
    (`start_deadline` after the claim, by the claimer's clock) a holder counts as alive whatever
    `is_alive` says: its owner took the lock before starting its orchestration, which may not be
    visible yet however slow the host, and must not be taken over in that gap.
    """

    def __init__(self, blob_service: BlobServiceClient, start_deadline: timedelta = CLAIM_START_DEADLINE,
                 clock: Callable[[], datetime] = _utc_now) -> None:
        self._container = _Container(blob_service, LOCKS_CONTAINER)
        self.start_deadline = start_deadline
        self._clock = clock

    @staticmethod
    def target_key(subscription_id: str, resource_group: str, infrastructure_id: str) -> str:
        """The lock key of a deployment target: `domain.naming.target_key` (case-insensitive, blob-safe)."""
        return target_key(subscription_id, resource_group, infrastructure_id)

    def _read(self, key: str) -> tuple[str, str, datetime | None] | None:
        """The holder, the blob's etag, and the holder's start deadline."""
        try:
            downloader = self._container.blob(key).download_blob()
            content = downloader.readall().decode("utf-8").strip()
        except ResourceNotFoundError:
            return None
        properties = downloader.properties
        start_by = (properties.metadata or {}).get(_START_BY)
        if start_by:
            deadline: datetime | None = datetime.fromisoformat(start_by).astimezone(UTC)
        elif properties.last_modified is not None:  # a lock written before start deadlines were recorded
            deadline = properties.last_modified.astimezone(UTC) + self.start_deadline
        else:
            deadline = None
        return content, properties.etag, deadline

    def holder(self, key: str) -> str | None:
        current = self._read(key)
        return current[0] if current else None

    def acquire(
        self,
        key: str,
        owner: str,
        is_alive: Callable[[str], bool],
        *,
        honour_start_deadline: bool = True,
    ) -> str | None:
        """None when `owner` holds the lock now (also when it held it already); else the live holder's id.

        `honour_start_deadline=False` is for a holder known to have run and ended: taken over at once.
        """
        if not owner:
            raise ValueError("owner is required")
        blob = self._container.blob(key)
        for _attempt in range(20):
            metadata = {_START_BY: (self._clock() + self.start_deadline).astimezone(UTC).isoformat()}
            try:
                blob.upload_blob(owner.encode("utf-8"), metadata=metadata, match_condition=MatchConditions.IfMissing)
                return None
            except (ResourceExistsError, ResourceModifiedError):
                pass
            current = self._read(key)
            if current is None:
                continue  # released meanwhile: try to create again
            holder, etag, start_by = current
            if holder == owner:
                return None
            starting = honour_start_deadline and start_by is not None and self._clock() < start_by
            if holder and (starting or is_alive(holder)):
                return holder
            try:
                blob.upload_blob(owner.encode("utf-8"), overwrite=True, metadata=metadata, etag=etag,
                                 match_condition=MatchConditions.IfNotModified)
                return None
            except (ResourceModifiedError, ResourceNotFoundError, ResourceExistsError):
                time.sleep(0.01)
                continue  # somebody else moved first: look again
        raise GatewayError(f"lock '{key}': could not settle who holds it (too much contention)")

    def release(self, key: str, owner: str) -> bool:
        """Delete the lock if `owner` holds it; True when released by this call."""
        current = self._read(key)
        if current is None or current[0] != owner:
            return False
        try:
            self._container.blob(key).delete_blob(etag=current[1], match_condition=MatchConditions.IfNotModified)
        except (ResourceModifiedError, ResourceNotFoundError):
            return False
        return True


# Durable runtime statuses of a holder that still runs (by name: the gateway does not import the
# Durable SDK, whose client the triggers and activities pass in).
LIVE_RUNTIME_STATES = frozenset({"Pending", "Running", "ContinuedAsNew", "Suspended"})


class OrchestrationStatuses(Protocol):
    """What of the Durable client the lock needs: an instance's status, or None when it is unknown."""

    def get_status(self, instance_id: str) -> Awaitable[Any]: ...


async def holder_state(client: OrchestrationStatuses, instance_id: str) -> str:
    """"running", "ended" (it ran and stopped: failed, completed, terminated) or "unknown"."""
    status = await client.get_status(instance_id)
    if not status:
        return "unknown"
    runtime = getattr(status.runtime_status, "name", status.runtime_status)
    return "running" if runtime in LIVE_RUNTIME_STATES else "ended"


async def claim_target(client: OrchestrationStatuses, locks: TargetLocks, key: str, owner: str) -> str | None:
    """Take the lock for `owner`; None when it now holds it, else the id of the live holder.

    The holder is live while its orchestration runs: that is what keeps the lock from staying stuck
    after a failure, a termination or a crash. A holder whose orchestration is not found yet may be one
    that has claimed the lock and not yet started it, however slowly: it stays live until the start
    deadline its claim recorded (`CLAIM_START_DEADLINE`). One that ran and ended is taken over at once.
    """
    holder = await asyncio.to_thread(locks.holder, key)
    state = await holder_state(client, holder) if holder and holder != owner else "unknown"

    def alive(candidate: str) -> bool:
        # A holder that appeared after our check is presumed live: refusing is the safe side.
        return state == "running" if candidate == holder else True

    honour = state != "ended"
    return await asyncio.to_thread(lambda: locks.acquire(key, owner, alive, honour_start_deadline=honour))


# -- profiles -------------------------------------------------------------------------------------


class ProfileStore:
    """JSON documents `profiles/<name>.json` with ETag-conditioned writes."""

    SUFFIX = ".json"

    def __init__(self, blob_service: BlobServiceClient) -> None:
        self._container = _Container(blob_service, PROFILES_CONTAINER)

    def _blob(self, name: str):
        if not name or "/" in name:
            raise ValueError(f"invalid profile name: {name!r}")
        return self._container.blob(name + self.SUFFIX)

    def get(self, name: str) -> tuple[dict[str, Any], str] | None:
        try:
            downloader = self._blob(name).download_blob()
            data = downloader.readall()
        except ResourceNotFoundError:
            return None
        return json.loads(data.decode("utf-8")), downloader.properties.etag

    def put(
        self, name: str, doc: dict[str, Any], if_match: str | None = None, if_none_match: bool = False
    ) -> str:
        """Write the document; returns its new ETag.

        `if_match`: only replace that version (PreconditionFailed when it changed or is gone);
        `if_none_match`: only create (PreconditionFailed when it exists).
        """
        if if_match is not None and if_none_match:
            raise ValueError("if_match and if_none_match are exclusive")
        data = json.dumps(doc, sort_keys=True, indent=2).encode("utf-8")
        settings = ContentSettings(content_type="application/json")
        kwargs: dict[str, Any] = {"content_settings": settings}
        if if_match is not None and if_match.strip() != "*":
            kwargs.update(overwrite=True, etag=_quoted(if_match), match_condition=MatchConditions.IfNotModified)
        elif if_match is not None:
            kwargs.update(overwrite=True, match_condition=MatchConditions.IfPresent)
        elif if_none_match:
            kwargs.update(match_condition=MatchConditions.IfMissing)
        else:
            kwargs.update(overwrite=True)
        try:
            result = self._blob(name).upload_blob(data, **kwargs)
        except (ResourceModifiedError, ResourceExistsError) as exc:
            raise PreconditionFailed(f"profile '{name}' was changed or already exists") from exc
        except ResourceNotFoundError as exc:
            raise PreconditionFailed(f"profile '{name}' does not exist") from exc
        return result["etag"]

    def delete(self, name: str, if_match: str | None = None) -> bool:
        kwargs: dict[str, Any] = {}
        if if_match is not None and if_match.strip() != "*":
            kwargs.update(etag=_quoted(if_match), match_condition=MatchConditions.IfNotModified)
        try:
            self._blob(name).delete_blob(**kwargs)
        except ResourceNotFoundError:
            return False
        except ResourceModifiedError as exc:
            raise PreconditionFailed(f"profile '{name}' was changed") from exc
        return True

    def list(self) -> list[tuple[str, dict[str, Any], str]]:
        result = []
        for item in self._container.client().list_blobs():
            if not item.name.endswith(self.SUFFIX):
                continue
            name = item.name[: -len(self.SUFFIX)]
            got = self.get(name)
            if got is not None:
                result.append((name, got[0], got[1]))
        return sorted(result, key=lambda entry: entry[0])


# -- event markers ---------------------------------------------------------------------------------


class EventMarkers:
    """Create-once markers (`event-markers/<key>`), to act on an event only once."""

    def __init__(self, blob_service: BlobServiceClient) -> None:
        self._container = _Container(blob_service, MARKERS_CONTAINER)

    def mark_once(self, key: str, content: str = "") -> bool:
        """True the first time `key` is marked, False every later time (also under concurrency)."""
        try:
            self._container.blob(key).upload_blob(content.encode("utf-8"), match_condition=MatchConditions.IfMissing)
        except (ResourceExistsError, ResourceModifiedError):
            return False
        return True

    def is_marked(self, key: str) -> bool:
        try:
            self._container.blob(key).get_blob_properties()
        except ResourceNotFoundError:
            return False
        return True

    def unmark(self, key: str) -> bool:
        try:
            self._container.blob(key).delete_blob()
        except ResourceNotFoundError:
            return False
        return True
