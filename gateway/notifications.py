"""Starting the deliveries of one status change: one `deliver_notification` orchestration per webhook.

Shared by the orchestrator's `start_notification_delivery` activity and the pause/resume routes, whose
status changes no orchestrator sees (a suspended orchestration does not run). Idempotent: the delivery
instance ids come from the deployment and the change's sequence, so a retried start finds them started.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, Protocol

from domain.contracts import DeliveryInput


class DeliveryStarter(Protocol):
    """What of the Durable client starting deliveries needs."""

    def get_status(self, instance_id: str) -> Awaitable[Any]: ...

    def start_new(self, orchestration_function_name: str, instance_id: str | None = None,
                  client_input: Any | None = None) -> Awaitable[str]: ...


def delivery_instance_id(deployment_id: str, sequence: int | str, index: int) -> str:
    return f"{deployment_id}-notify-{sequence}-{index}"


async def start_deliveries(client: DeliveryStarter, deployment_id: str, sequence: int | str, webhooks: list[str],
                           event: dict[str, Any]) -> int:
    """Start the delivery of `event` to each webhook not started yet; returns how many it started."""
    started = 0
    for index, url in enumerate(webhooks):
        instance_id = delivery_instance_id(deployment_id, sequence, index)
        if await client.get_status(instance_id):
            continue
        delivery = DeliveryInput(deployment_id=deployment_id, url=url, event=event)
        await client.start_new(delivery.orchestration, instance_id, delivery.to_json())
        started += 1
    return started
