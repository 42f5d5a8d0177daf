"""python -m bench: run every bench/bench_*.py module's main() in turn (their tables are printed, their figures
written to bench/results/<name>.json)."""

from __future__ import annotations

import importlib
import inspect
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# The six tables of issue 12 in their order, then any other benchmark.
ORDER = ("bench_deployments", "bench_fleet", "bench_history", "bench_devhost_throughput", "bench_trigger_latency")


def _ordered() -> list[str]:
    names = [path.stem for path in HERE.glob("bench_*.py")]
    return [n for n in ORDER if n in names] + sorted(n for n in names if n not in ORDER)


def main(argv: list[str] | None = None) -> int:
    only = set(argv if argv is not None else sys.argv[1:])
    failures = 0
    for name in _ordered():
        if only and name not in only and name.removeprefix("bench_") not in only:
            continue
        print(f"\n== {name} ==", flush=True)
        try:
            module = importlib.import_module(f"bench.{name}")
            try:
                params = inspect.signature(module.main).parameters
            except (TypeError, ValueError):
                params = {}
            code = module.main([]) if params else module.main()
        except Exception:  # noqa: BLE001 - one failing benchmark must not hide the others
            traceback.print_exc()
            code = 1
        failures += 1 if code else 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
