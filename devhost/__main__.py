"""python -m devhost start --app-dir . --port 7071 --time-scale 1 [--state-dir DIR]"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path


class _UtcFormatter(logging.Formatter):
    converter = time.gmtime

    def formatTime(self, record, datefmt=None):  # noqa: N802 - logging API
        t = time.strftime("%Y-%m-%dT%H:%M:%S", self.converter(record.created))
        return f"{t}.{int(record.msecs):03d}Z"

    def format(self, record):
        base = super().format(record)
        return base


def configure_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_UtcFormatter("[%(asctime)s] %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("uvicorn.access", "azure.core.pipeline.policies.http_logging_policy", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # line-buffer stdout so the log file follows the host in real time
    try:
        sys.stdout.reconfigure(line_buffering=True)
    except AttributeError:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devhost", description="Local Azure Functions + Durable Functions host")
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="run the function app")
    start.add_argument("--app-dir", type=Path, default=Path("."), help="directory holding function_app.py")
    start.add_argument("--port", type=int, default=7071)
    start.add_argument("--host", default="127.0.0.1", help="address to bind (loopback by default)")
    start.add_argument("--time-scale", type=float, default=1.0,
                       help="virtual seconds per real second is 1/S: 0.01 makes durable timers 100x shorter")
    start.add_argument("--state-dir", type=Path, default=None,
                       help="durable state directory (default <app-dir>/.local/devhost)")
    start.add_argument("--script", default="function_app.py", help="the app's entry module file")
    start.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)

    configure_logging(args.verbose)
    import uvicorn

    from .server import DevHost

    host = DevHost(args.app_dir, args.port, args.time_scale, args.state_dir, args.host, args.script)
    config = uvicorn.Config(host.app, host=args.host, port=args.port, log_config=None, access_log=False,
                            lifespan="on", timeout_graceful_shutdown=3,
                            # The Durable SDK's aiohttp session keeps idle connections 15 s; a server that
                            # closed them sooner (uvicorn's default is 5 s) races its reuse: reset on POST.
                            timeout_keep_alive=75)
    server = uvicorn.Server(config)
    server.run()
    return 0 if server.started else 1


if __name__ == "__main__":
    sys.exit(main())
