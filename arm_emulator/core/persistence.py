"""The emulated Azure kept across restarts, in the emulator's state directory (CONTRACT §1, §7).

At shutdown the emulator settles what is pending (each change due later is applied at its own
simulated instant, as if Azure had carried on while nobody looked) and writes its resources, every
service's state object, to `<state-dir>/state.pickle`; at start it reads them back and its simulated
clock resumes where it stopped, so timestamps never go backwards. The services' model classes are
pickled as they are: the emulator object they refer to is written as a reference and bound to the
new emulator on load, so no service needs code of its own for this. A snapshot this code cannot read
(written by another version of the models) is moved aside and the emulator starts empty, saying so.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("arm_emulator")

STATE_FILE = "state.pickle"
FORMAT = 1
_EMULATOR_REF = "emulator"


def state_path(state_dir: Path) -> Path:
    return Path(state_dir) / STATE_FILE


def _backends(emulator) -> dict[str, Any]:
    return {name: getattr(emulator, name) for name in emulator.BACKENDS}


class _Pickler(pickle.Pickler):
    def __init__(self, file, emulator) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.emulator = emulator

    def persistent_id(self, obj):
        return _EMULATOR_REF if obj is self.emulator else None


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, emulator) -> None:
        super().__init__(file)
        self.emulator = emulator

    def persistent_load(self, pid):
        if pid == _EMULATOR_REF:
            return self.emulator
        raise pickle.UnpicklingError(f"unknown reference {pid!r}")


def save_state(emulator, state_dir: Path) -> Path:
    """Settle what is pending and write the snapshot (atomically: a crash mid-write keeps the last one)."""
    path = state_path(state_dir)
    with emulator.lock:
        settled_at = emulator.scheduler.settle(emulator._observe)  # noqa: SLF001 - the emulator's own hook
        buffer = io.BytesIO()
        _Pickler(buffer, emulator).dump({"format": FORMAT, "clock": max(emulator.clock.now(), settled_at),
                                         "backends": _backends(emulator)})
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_bytes(buffer.getvalue())
    os.replace(partial, path)
    return path


def load_state(emulator, state_dir: Path) -> bool:
    """Read the snapshot into `emulator`; False when there is none (or it could not be read)."""
    path = state_path(state_dir)
    if not path.exists():
        return False
    try:
        with path.open("rb") as file:
            data = _Unpickler(file, emulator).load()
        if data.get("format") != FORMAT or set(data["backends"]) != set(emulator.BACKENDS):
            raise ValueError(f"snapshot format {data.get('format')} with services {sorted(data['backends'])}")
    except Exception as exc:  # noqa: BLE001 - any unreadable snapshot: keep it for inspection, start empty
        aside = path.with_name(f"{STATE_FILE}.unreadable-{int(time.time())}")
        os.replace(path, aside)
        log.warning("Could not read the saved emulator state (%s); moved it to %s and started empty", exc, aside)
        return False
    with emulator.lock:
        for name, backend in data["backends"].items():
            setattr(emulator, name, backend)
        emulator.clock.resume_at(data["clock"])
    log.info("Loaded the emulated Azure saved in %s", path)
    return True
