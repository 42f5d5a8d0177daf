"""One virtual clock per host: virtual_now = start + real elapsed / time_scale."""

from __future__ import annotations

import time
from datetime import UTC, datetime

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class VirtualClock:
    def __init__(self, time_scale: float = 1.0, start: float | None = None):
        if time_scale <= 0:
            raise ValueError("time scale must be positive")
        self.time_scale = time_scale
        self._start = time.time() if start is None else start
        self._mono0 = time.monotonic()

    def now(self) -> float:
        """Virtual time as seconds since the epoch."""
        return self._start + (time.monotonic() - self._mono0) / self.time_scale

    def real_delay(self, virtual_at: float) -> float:
        """Real seconds to wait until the virtual clock reaches `virtual_at` (>= 0)."""
        return max(0.0, (virtual_at - self.now()) * self.time_scale)


def to_datetime(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def iso_event(ts: float) -> str:
    """History event timestamp format the SDK parses (%Y-%m-%dT%H:%M:%S.%fZ)."""
    return to_datetime(ts).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_status(ts: float) -> str:
    """Status payload format of the Durable HTTP API (ToString("s") + "Z")."""
    return to_datetime(ts).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> float:
    """Parse an ISO-8601 timestamp (Z or offset, any fraction) to epoch seconds."""
    text = value.strip()
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    # Python < 3.11 fromisoformat is strict about fractions; 3.11 accepts most forms.
    if "." in text:
        head, _, rest = text.partition(".")
        frac = ""
        tail = ""
        for i, ch in enumerate(rest):
            if not ch.isdigit():
                tail = rest[i:]
                break
            frac += ch
        text = head + ("." + (frac + "000000")[:6] if frac else "") + tail
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()
