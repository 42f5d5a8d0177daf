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


async def is_running(client: df.DurableOrchestrationClient, instance_id: str) -> bool:
    status = await client.get_status(instance_id)
    return bool(status) and status.runtime_status in LIVE_STATES


async def claim_target(client: df.DurableOrchestrationClient, locks: TargetLocks, key: str, owner: str) -> str | None:
    """Take the lock for `owner`; None when it now holds it, else the id of the live holder."""
    holder = await asyncio.to_thread(locks.holder, key)
    holder_alive = bool(holder) and holder != owner and await is_running(client, holder)

    def alive(candidate: str) -> bool:
        # A holder that appeared after our check is presumed live: refusing is the safe side.
        return holder_alive if candidate == holder else True

    return await asyncio.to_thread(locks.acquire, key, owner, alive)
