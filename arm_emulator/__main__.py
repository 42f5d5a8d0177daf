"""python -m arm_emulator --port 8443 --state-dir DIR --time-scale S [--no-throttling]"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="arm_emulator", description="Local Azure Resource Manager emulator")
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    parser.add_argument("--state-dir", type=Path, default=Path(".local/arm"))
    parser.add_argument("--time-scale", type=float, default=1.0,
                        help="real seconds per simulated second (0.01 makes Azure 100x faster)")
    parser.add_argument("--no-throttling", action="store_true")
    parser.add_argument("--event-grid-endpoint", default=None,
                        help="loopback URL that receives ResourceWriteSuccess events for image versions")
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the emulator listens on loopback only")
    if args.time_scale <= 0:
        parser.error("--time-scale must be positive")
    from .core.eventgrid import is_loopback_url

    if args.event_grid_endpoint and not is_loopback_url(args.event_grid_endpoint):
        parser.error("--event-grid-endpoint must be an http(s) URL on a loopback address")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    import uvicorn

    def save() -> None:
        try:
            path = save_state(emulator, state_dir)
            logging.getLogger("arm_emulator").info("Saved the emulated Azure to %s", path)
        except Exception:  # noqa: BLE001 - the exit goes on; the last snapshot stays
            logging.getLogger("arm_emulator").exception("could not save the emulated Azure")

    _Server = _server_class(save)
    from .core.asgi import make_app
    from .core.emulator import Emulator
    from .core.persistence import load_state, save_state
    from .core.tls import ensure_certificates

    cert, key = ensure_certificates(args.state_dir.resolve())
    emulator = Emulator(args.time_scale, not args.no_throttling, args.event_grid_endpoint)
    state_dir = args.state_dir.resolve()
    load_state(emulator, state_dir)

    def ticker():
        # keeps simulated time moving (instances provisioning, timeline) while nobody asks
        while True:
            time.sleep(0.02)
            try:
                emulator.tick()
            except Exception:  # noqa: BLE001 - never let the ticker die; the error is logged
                logging.getLogger("arm_emulator").exception("tick failed")

    threading.Thread(target=ticker, daemon=True, name="sim-clock").start()
    config = uvicorn.Config(make_app(emulator), host=args.host, port=args.port, ssl_certfile=str(cert),
                            ssl_keyfile=str(key), log_level="warning", access_log=False, lifespan="off")
    logging.getLogger("arm_emulator").info("ARM emulator on https://%s:%d (time scale %s, throttling %s)",
                                           args.host, args.port, args.time_scale,
                                           "off" if args.no_throttling else "on")
    _Server(config).run()
    return 0


def _server_class(on_exit):
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame):
            # the state is written once here (persistence.py); then stop at once instead of waiting
            # for clients' idle keep-alive connections to go away
            on_exit()
            logging.shutdown()
            os._exit(0)

    return Server


if __name__ == "__main__":
    sys.exit(main())
