"""The admin API (no auth): request log, timeline, faults, reset; plus the fault injector."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .errors import DEFAULT_CODES, ArmError

DROPS = frozenset({"request", "response"})


@dataclass
class Fault:
    method: str
    path: re.Pattern
    times: int
    status: int | None = None
    lro_failed: bool = False
    retry_after: str | None = None
    code: str | None = None
    message: str | None = None
    # "request": the connection is closed before the request is handled (nothing applied);
    # "response": it is handled (a write applies), then the connection is closed instead of answering.
    drop: str | None = None
    # The operation the request starts lasts at least this many simulated seconds (a slow Azure).
    lro_seconds: float | None = None
    # The request is carried out, then answered with `status`: the answer was lost on its way back (e.g.
    # ARM's gateway timed out while the resource provider accepted the write).
    answer_lost: bool = False

    @property
    def kind(self) -> str:
        if self.lro_seconds is not None:
            return "slow"
        if self.lro_failed:
            return "lro"
        return "lost" if self.answer_lost else "status"

    def describe(self) -> dict:
        d = {"method": self.method, "path": self.path.pattern, "times": self.times}
        if self.status is not None:
            d["status"] = self.status
        if self.lro_failed:
            d["lroStatus"] = "Failed"
        if self.lro_seconds is not None:
            d["lroSeconds"] = self.lro_seconds
        if self.answer_lost:
            d["answerLost"] = True
        if self.retry_after is not None:
            d["retryAfter"] = self.retry_after
        if self.drop is not None:
            d["drop"] = self.drop
        return d


class FaultInjector:
    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def add(self, spec: dict) -> Fault:
        if not isinstance(spec, dict):
            raise ArmError("A fault must be a JSON object.")
        unknown = set(spec) - {"method", "path", "status", "times", "retryAfter", "lroStatus", "lroSeconds", "code",
                               "message", "answerLost", "drop"}
        if unknown:
            raise ArmError(f"Unknown fault fields: {sorted(unknown)}")
        try:
            path = re.compile(str(spec.get("path", "")))
        except re.error as exc:
            raise ArmError(f"Invalid path regex: {exc}") from exc
        times = spec.get("times", 1)
        if not isinstance(times, int) or times < 1:
            raise ArmError("'times' must be a positive integer.")
        method = str(spec.get("method", "*")).upper()
        status, lro, seconds, drop = spec.get("status"), spec.get("lroStatus"), spec.get("lroSeconds"), spec.get("drop")
        if sum(value is not None for value in (status, lro, seconds, drop)) != 1:
            raise ArmError("A fault needs exactly one of 'status', 'lroStatus', 'lroSeconds' or 'drop'.")
        if drop is not None and drop not in DROPS:
            raise ArmError(f"'drop' must be one of {sorted(DROPS)}.")
        if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, int | float)
                                    or seconds < 0):
            raise ArmError("'lroSeconds' must be a number of simulated seconds >= 0.")
        if lro is not None and str(lro).lower() != "failed":
            raise ArmError("'lroStatus' can only be 'Failed'.")
        if status is not None and (not isinstance(status, int) or not 400 <= status <= 599):
            raise ArmError("'status' must be an HTTP error status (400-599).")
        retry_after = spec.get("retryAfter")
        lost = spec.get("answerLost", False)
        if not isinstance(lost, bool) or (lost and status is None):
            raise ArmError("'answerLost' is true or false, and goes with a 'status'.")
        fault = Fault(method, path, times, status, lro is not None,
                      None if retry_after is None else str(retry_after), spec.get("code"), spec.get("message"),
                      drop=drop, lro_seconds=None if seconds is None else float(seconds), answer_lost=lost)
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        self.faults.clear()

    def take(self, method: str, path: str, *, lro: bool = False, kind: str | None = None) -> Fault | None:
        """The first matching fault of the kind asked for (`kind` "status", "lost", "lro" or "slow"; `lro=True`
        is "lro"), consuming one of its `times`."""
        kind = kind or ("lro" if lro else "status")
        for fault in self.faults:
            if fault.kind != kind:
                continue
            if fault.method not in ("*", method):
                continue
            if not fault.path.search(path):
                continue
            fault.times -= 1
            if fault.times <= 0:
                self.faults.remove(fault)
            return fault
        return None

    @staticmethod
    def error_for(fault: Fault) -> ArmError:
        headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
        return ArmError(fault.message or f"Fault injected by the ARM emulator (HTTP {fault.status}).",
                        status=fault.status, code=fault.code or DEFAULT_CODES.get(fault.status, "Error"),
                        headers=headers)


class RequestLog:
    def __init__(self) -> None:
        self.entries: list[dict] = []

    def add(self, at: str, method: str, path: str, query: str, status: int, dropped: str | None = None) -> None:
        """`dropped`: the injected drop ("request" or "response") that closed the connection instead of
        answering `status` (0 when the request was never handled)."""
        entry = {"seq": len(self.entries) + 1, "at": at, "method": method, "path": path, "query": query,
                 "status": status}
        if dropped:
            entry["dropped"] = dropped
        self.entries.append(entry)

    def clear(self) -> None:
        self.entries.clear()


class Timeline:
    """One entry per change of a backend pool's members or of their health."""

    def __init__(self) -> None:
        self.entries: list[dict] = []
        self._last: dict[str, tuple[tuple, tuple]] = {}
        self._ids: dict[str, str] = {}

    def observe(self, at: str, pools: dict[str, tuple[str, list[str], list[str]]]) -> None:
        """`pools`: lowercased pool id -> (pool id, member vm ids, healthy vm ids)."""
        for key in sorted(set(pools) | set(self._last)):
            pool_id, members, healthy = pools.get(key, (None, [], []))
            state = (tuple(members), tuple(healthy))
            if self._last.get(key, ((), ())) != state:
                if pool_id is None:
                    pool_id = self._ids.get(key, key)
                self.entries.append({"at": at, "pool": pool_id, "members": list(members),
                                     "healthy": list(healthy)})
            if key in pools:
                self._last[key] = state
                self._ids[key] = pool_id
            else:
                self._last.pop(key, None)

    def clear(self) -> None:
        self.entries.clear()
        self._last.clear()
        self._ids.clear()


def dumps(obj) -> bytes:
    return json.dumps(obj).encode()
