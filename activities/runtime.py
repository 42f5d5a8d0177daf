"""What every activity needs: the Azure clients and the deployment log, built once per process."""

from __future__ import annotations

import logging
from functools import lru_cache

from gateway.clients import AzureClients, get_clients
from gateway.storage import DeploymentLogs

logger = logging.getLogger("vmss_bluegreen.activities")


def clients() -> AzureClients:
    return get_clients()


@lru_cache(maxsize=1)
def _logs() -> DeploymentLogs:
    return DeploymentLogs(get_clients().blob_service())


def log(deployment_id: str, *lines: str) -> bool:
    """Append Harness-style lines to the deployment log (and the host log); False when the deployment
    log did not take them.

    Best effort: the log is bookkeeping, and its failure must not fail the Azure work around it (an
    activity that has changed Azure and then fails would be retried or rolled back for nothing; an
    append blob takes at most 50,000 blocks, which a long wait polling every second can reach).
    The lines still reach the host log.
    """
    for line in lines:
        logger.info("[%s] %s", deployment_id, line)
    if not lines:
        return True
    try:
        _logs().append(deployment_id, *lines)
    except Exception:  # noqa: BLE001  (any storage failure: the lines are in the host log above)
        logger.warning("[%s] could not append %d line(s) to the deployment log", deployment_id, len(lines),
                       exc_info=True)
        return False
    return True
