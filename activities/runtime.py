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
    """Append Harness-style lines to the deployment log (best effort) and the host log; False when
    the deployment log did not take them."""
    for line in lines:
        logger.info("[%s] %s", deployment_id, line)
    return not lines or _logs().try_append(deployment_id, *lines)
