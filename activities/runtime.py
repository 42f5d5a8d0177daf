"""What every activity needs: the Azure clients and the deployment log, built once per process."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from gateway.clients import AzureClients, get_clients
from gateway.storage import DeploymentLogs

logger = logging.getLogger("vmss_bluegreen.activities")

_follows_operations: ContextVar[bool] = ContextVar("follows_operations", default=False)


@contextmanager
def following_operations(follows: bool) -> Iterator[None]:
    """Within: the caller follows long-running operations itself (its input carried
    FOLLOWS_OPERATIONS_KEY; set by the activities' blueprint)."""
    token = _follows_operations.set(follows)
    try:
        yield
    finally:
        _follows_operations.reset(token)


def follows_operations() -> bool:
    """Whether this activity's caller follows long-running operations itself (orchestration version 4): a
    write then starts its operation and the activity answers at once with `domain.contracts.operation_marker`."""
    return _follows_operations.get()


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
