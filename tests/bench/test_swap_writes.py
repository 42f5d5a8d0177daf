"""The swap's ARM writes do not grow with the instance count (issue 12, benchmark 1 as a count)."""

from __future__ import annotations

import pytest

from bench.bench_deployments import deploy
from bench.common import local_stack, spec_for, target
from tests.conftest import TEST_TIME_SCALE

pytestmark = pytest.mark.e2e


def test_a_swap_of_six_instances_writes_as_often_as_a_swap_of_two():
    writes = {}
    with local_stack(TEST_TIME_SCALE) as ls:
        for size in (2, 6):
            tgt = target(f"writes-{size}")
            first, second = ls.seeder(tgt).everything(("1.0.0", "1.1.0"))
            deploy(ls, spec_for(tgt, first, size), tgt.resource_group)
            swap = deploy(ls, spec_for(tgt, second, size), tgt.resource_group)
            writes[size] = swap["writesByKind"]
    assert writes[6] == writes[2]
    # one model change and one upgrade per scale set, whatever the count
    assert writes[2]["manualupgrade"] == 2 and writes[2]["scale-set PATCH"] >= 2
