"""Long-running operations the way ARM answers them.

A write answers 201/200/202 with `Azure-AsyncOperation` (and `Location` for POST/DELETE). The
operation status resource reports InProgress until the simulated duration has passed, then
Succeeded or Failed (with an ARM error).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import ArmError
from .http import Context, Response

# on_done(at) may return an error dict {"code","message"} to end the operation Failed
Done = Callable[[float], dict | None]
Failed = Callable[[float, dict], None]


@dataclass
class Operation:
    id: str
    subscription: str
    provider: str
    location: str
    start: float
    due: float
    status: str = "InProgress"
    end: float | None = None
    error: dict | None = None
    extra: dict = field(default_factory=dict)


class LroEngine:
    def __init__(self, emulator) -> None:
        self.emulator = emulator
        self.ops: dict[str, Operation] = {}

    def reset(self) -> None:
        self.ops.clear()

    def start(self, ctx: Context, *, subscription: str, provider: str, location: str, duration: float,
              on_done: Done | None = None, on_failed: Failed | None = None,
              fail_with: dict | None = None) -> Operation:
        """Start an operation lasting `duration` simulated seconds.

        `fail_with` ends it Failed regardless (used for outcomes known up front).
        An injected `lroStatus: Failed` fault on the request does the same; an injected `lroSeconds`
        makes it last at least that long (the resource keeps its Creating/Updating state meanwhile).
        """
        now = ctx.now
        duration = max(duration, ctx.lro_seconds or 0.0)
        op = Operation(uuid.uuid4().hex, subscription, provider, _loc(location), now, now + max(duration, 0))
        self.ops[op.id] = op
        injected = ctx.fail_lro

        def finish(at: float) -> None:
            error = fail_with
            if injected:
                error = {"code": "InternalExecutionError",
                         "message": "The operation failed (fault injected by the ARM emulator)."}
            if error is None and on_done is not None:
                error = on_done(at)
            elif error is not None and on_failed is not None:
                on_failed(at, error)
            op.end = at
            if error is None:
                op.status = "Succeeded"
            else:
                op.status = "Failed"
                op.error = error

        self.emulator.scheduler.at(op.due, finish)
        return op

    def headers(self, ctx: Context, op: Operation, *, location: bool, initial: bool = True) -> dict[str, str]:
        base = f"{ctx.base_url}/subscriptions/{op.subscription}/providers/{op.provider}/locations/{op.location}"
        api = f"?api-version={ctx.api_version}" if ctx.api_version else ""
        h = {"Azure-AsyncOperation": f"{base}/operations/{op.id}{api}"}
        retry_after = self._retry_after(op, ctx.now)
        # The generated compute/network SDKs parse Retry-After of the FIRST answer with int(): a
        # fractional value (time scale < 1) would crash them, so it only goes on poll answers
        # (read by azure-core with float()); the first wait is the client's polling_interval.
        if not initial or retry_after.isdigit():
            h["Retry-After"] = retry_after
        if location:
            h["Location"] = f"{base}/operationResults/{op.id}{api}"
        return h

    def _retry_after(self, op: Operation, now: float) -> str:
        remaining = op.due - now
        # poll roughly as often as a client of real Azure would, in simulated time
        return self.emulator.clock.retry_after(min(max(remaining, 1.0), 15.0))

    def get(self, op_id: str) -> Operation:
        op = self.ops.get(op_id)
        if op is None:
            raise ArmError(f"The operation '{op_id}' was not found.", status=404, code="NotFound")
        return op

    def status_body(self, op: Operation) -> dict:
        clock = self.emulator.clock
        body = {"name": op.id, "status": op.status, "startTime": clock.iso(op.start)}
        if op.end is not None:
            body["endTime"] = clock.iso(op.end)
        if op.error:
            body["error"] = op.error
        return body

    # ---- handlers for the pollable URLs
    def handle_status(self, ctx: Context) -> Response:
        op = self.get(ctx.params["operationId"])
        headers = {}
        if op.status == "InProgress":
            headers["Retry-After"] = self._retry_after(op, ctx.now)
        return Response(200, self.status_body(op), headers)

    def handle_result(self, ctx: Context) -> Response:
        op = self.get(ctx.params["operationId"])
        if op.status == "InProgress":
            h = self.headers(ctx, op, location=True, initial=False)
            h.pop("Azure-AsyncOperation")
            return Response(202, None, h)
        if op.status == "Failed":
            return Response(400, {"error": op.error})
        return Response(200, None)


def _loc(location: str) -> str:
    return (location or "westus").replace(" ", "").lower()
