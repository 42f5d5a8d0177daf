"""Who is running: the target lock's holder is live only while its orchestration runs.

This is what keeps the lock from staying stuck after a failure, a termination or a crash: a
holder whose orchestration has ended (or never existed) is taken over by the next deployment.
"""

from __future__ import annotations

import asyncio

import azure.durable_functions as df
from azure.durable_functions.models.OrchestrationRuntimeStatus import OrchestrationRuntimeStatus

from gateway.storage import TargetLocks

LIVE_STATES = {
    OrchestrationRuntimeStatus.Pending,
    OrchestrationRuntimeStatus.Running,
    OrchestrationRuntimeStatus.ContinuedAsNew,
    OrchestrationRuntimeStatus.Suspended,
}


async def holder_state(client: df.DurableOrchestrationClient, instance_id: str) -> str:
    """"running", "ended" (it ran and stopped: failed, completed, terminated) or "unknown"."""
    status = await client.get_status(instance_id)
    if not status:
        return "unknown"
    return "running" if status.runtime_status in LIVE_STATES else "ended"


async def is_running(client: df.DurableOrchestrationClient, instance_id: str) -> bool:
    return await holder_state(client, instance_id) == "running"


async def claim_target(client: df.DurableOrchestrationClient, locks: TargetLocks, key: str, owner: str) -> str | None:
    """Take the lock for `owner`; None when it now holds it, else the id of the live holder.

    A holder whose orchestration is not found yet may be one that has just claimed the lock and is
    about to start: the lock's grace period covers it. One that ran and ended is taken over at once.
    """
    holder = await asyncio.to_thread(locks.holder, key)
    state = await holder_state(client, holder) if holder and holder != owner else "unknown"

    def alive(candidate: str) -> bool:
        # A holder that appeared after our check is presumed live: refusing is the safe side.
        return state == "running" if candidate == holder else True

    grace = 0.0 if state == "ended" else None
    return await asyncio.to_thread(lambda: locks.acquire(key, owner, alive, grace_seconds=grace))
