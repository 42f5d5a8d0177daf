"""When a scale set is steady: the judgement the polling loop applies to each poll."""

from __future__ import annotations

from domain.model import InstanceCounts


def is_steady(counts: InstanceCounts, target: int, require_latest_model: bool = False) -> bool:
    """Exactly `target` instances, every one provisioned AND healthy (Harness checked count OR
    provisioned, and could swap onto instances that were not serving yet)."""
    if counts.total != target or counts.provisioned != target or counts.healthy != target:
        return False
    return not require_latest_model or counts.latest_model == target


def describe(counts: InstanceCounts, target: int) -> str:
    return (f"{counts.total}/{target} instances, {counts.provisioned} provisioned, {counts.healthy} healthy, "
            f"{counts.failed} failed")
