"""The history benchmark's engine drives the real steady_state_wait through the Durable SDK's replay:
a long wait is cut into bounded generations (counts only, no timing)."""

from __future__ import annotations

import math

from bench.bench_history import MAX_EVENTS, POLL_SECONDS, wait_for
from orchestrators.steady_state_wait import POLLS_PER_GENERATION


def test_a_half_hour_wait_continues_as_new_every_twenty_polls_and_never_loads_over_200_events():
    result = wait_for(0.5)

    polls = int(0.5 * 3600 / POLL_SECONDS) + 1
    assert result["polls"] == polls
    assert result["generations"] == math.ceil(polls / POLLS_PER_GENERATION)
    assert result["maxEventsPerGeneration"] <= MAX_EVENTS
    # each generation is replayed once when it starts, then once per activity answer and per timer
    assert result["replays"] == 2 * polls + result["generations"] - 1
