"""Start and stop the local stack: ARM emulator, Azurite and devhost, on loopback only.

Used by `make up` / `make down` (writes `.local/stack.env` and `.local/pids/*.pid`) and by the
tests, which start private copies on free ports.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
# Azurite's well-known development account (public, documented, not a secret).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
DEFAULT_FUNCTION_KEY = "local-function-key"
# The keys devhost checks as the Functions host does (devhost/keys.py).
ACCESS_KEY_SETTINGS = ("FUNCTION_KEY", "MASTER_KEY", "DURABLE_SYSTEM_KEY", "EVENTGRID_SYSTEM_KEY")


def new_keys(names: tuple[str, ...] = ACCESS_KEY_SETTINGS) -> dict[str, str]:
    """Fresh random keys (as Azure generates them: never in the repository)."""
    return {name: secrets.token_urlsafe(32) for name in names}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def azurite_connection_string(blob_port: int, queue_port: int, table_port: int) -> str:
    base = f"http://{LOOPBACK}"
    return (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
        f"BlobEndpoint={base}:{blob_port}/{AZURITE_ACCOUNT};"
        f"QueueEndpoint={base}:{queue_port}/{AZURITE_ACCOUNT};"
        f"TableEndpoint={base}:{table_port}/{AZURITE_ACCOUNT};"
    )


def _wait_until(check, what: str, timeout: float, proc: subprocess.Popen | None, log: Path | None):
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise RuntimeError(f"{what} exited with code {proc.returncode} while starting:\n{tail}")
        try:
            if check():
                return
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready yet"
            last_error = exc
        time.sleep(0.05)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise TimeoutError(f"{what} not ready after {timeout}s (last error: {last_error}):\n{tail}")


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((LOOPBACK, port)) == 0


@dataclass
class Service:
    name: str
    proc: subprocess.Popen
    log_path: Path

    def stop(self, timeout: float = 5.0) -> None:
        stop_process(self.proc.pid, timeout, self.proc)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass


def stop_process(pid: int, timeout: float = 5.0, proc: subprocess.Popen | None = None) -> None:
    """SIGTERM the process group, then SIGKILL what is left.

    With `proc` (our own child), its exit is noticed through poll(): an unreaped child stays a
    zombie that killpg(pid, 0) still finds, which would make every stop wait the full timeout.
    """
    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return
        if proc is None and _reaped(pid):
            return
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _reaped(pid: int) -> bool:
    """Whether `pid`, a child of this process that `up` started without keeping its Popen (`make up` then
    `make down` in one process, as the tests do), has exited: reaped here, else it stays a zombie."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # not our child: its parent reaps it
        return False
    return done == pid


def _spawn(name: str, args: list[str], log_path: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "ab")  # noqa: SIM115 - handed to the child
    full_env = {**os.environ, **(env or {})}
    return subprocess.Popen(
        args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=full_env, start_new_session=True
    )


@dataclass
class ArmEmulator(Service):
    port: int = 0
    state_dir: Path = field(default_factory=Path)

    @property
    def endpoint(self) -> str:
        return f"https://{LOOPBACK}:{self.port}"

    @property
    def ca_bundle(self) -> Path:
        return self.state_dir / "ca.pem"


def start_arm_emulator(
    state_dir: Path, port: int | None = None, time_scale: float = 1.0, throttling: bool = True,
    log_path: Path | None = None, timeout: float = 20.0,
) -> ArmEmulator:
    port = port or free_port()
    state_dir = Path(state_dir).resolve()
    log_path = log_path or state_dir.parent / f"arm_emulator-{port}.log"
    args = [sys.executable, "-m", "arm_emulator", "--port", str(port), "--state-dir", str(state_dir),
            "--time-scale", str(time_scale)]
    if not throttling:
        args.append("--no-throttling")
    proc = _spawn("arm_emulator", args, log_path)
    emulator = ArmEmulator("arm_emulator", proc, log_path, port=port, state_dir=state_dir)

    def ready() -> bool:
        if not emulator.ca_bundle.exists():
            return False
        ctx = ssl.create_default_context(cafile=str(emulator.ca_bundle))
        with urllib.request.urlopen(f"{emulator.endpoint}/_emulator/requests", context=ctx, timeout=1) as r:
            return r.status == 200

    _wait_until(ready, "ARM emulator", timeout, proc, log_path)
    return emulator


@dataclass
class Azurite(Service):
    blob_port: int = 0
    queue_port: int = 0
    table_port: int = 0

    @property
    def connection_string(self) -> str:
        return azurite_connection_string(self.blob_port, self.queue_port, self.table_port)


def azurite_command() -> list[str]:
    local = ROOT / "node_modules" / ".bin" / "azurite"
    return [str(local)] if local.exists() else ["npx", "azurite"]


def start_azurite(
    location: Path, blob_port: int | None = None, queue_port: int | None = None,
    table_port: int | None = None, log_path: Path | None = None, timeout: float = 30.0,
) -> Azurite:
    blob_port, queue_port, table_port = blob_port or free_port(), queue_port or free_port(), table_port or free_port()
    location = Path(location).resolve()
    location.mkdir(parents=True, exist_ok=True)
    log_path = log_path or location.parent / f"azurite-{blob_port}.log"
    args = azurite_command() + [
        "--silent", "--location", str(location), "--skipApiVersionCheck",
        "--blobHost", LOOPBACK, "--queueHost", LOOPBACK, "--tableHost", LOOPBACK,
        "--blobPort", str(blob_port), "--queuePort", str(queue_port), "--tablePort", str(table_port),
    ]
    proc = _spawn("azurite", args, log_path)
    azurite = Azurite("azurite", proc, log_path, blob_port=blob_port, queue_port=queue_port, table_port=table_port)
    _wait_until(lambda: all(_port_open(p) for p in (blob_port, queue_port, table_port)),
                "Azurite", timeout, proc, log_path)
    return azurite


@dataclass
class Devhost(Service):
    port: int = 0
    function_key: str = DEFAULT_FUNCTION_KEY
    master_key: str = ""
    durable_key: str = ""  # the durabletask_extension system key: /runtime/webhooks/durabletask
    eventgrid_key: str = ""  # the eventgrid_extension system key: /runtime/webhooks/eventgrid

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"


def start_devhost(
    app_dir: Path, env: dict[str, str], port: int | None = None, time_scale: float = 1.0,
    log_path: Path | None = None, timeout: float = 30.0, extra_args: list[str] | None = None,
) -> Devhost:
    """Start devhost with `env` as app settings (AzureWebJobsStorage, ARM_*, FUNCTION_KEY, ...)."""
    port = port or free_port()
    log_path = log_path or Path(app_dir).resolve() / ".local" / f"devhost-{port}.log"
    args = [sys.executable, "-m", "devhost", "start", "--app-dir", str(app_dir), "--port", str(port),
            "--time-scale", str(time_scale), *(extra_args or [])]
    proc = _spawn("devhost", args, log_path, env)
    host = Devhost("devhost", proc, log_path, port=port, function_key=env.get("FUNCTION_KEY", ""),
                   master_key=env.get("MASTER_KEY", ""), durable_key=env.get("DURABLE_SYSTEM_KEY", ""),
                   eventgrid_key=env.get("EVENTGRID_SYSTEM_KEY", ""))

    def ready() -> bool:
        with urllib.request.urlopen(f"{host.url}/admin/host/status", timeout=1) as r:
            return r.status == 200

    _wait_until(ready, "devhost", timeout, proc, log_path)
    return host


# ---------------------------------------------------------------------------------------------
# make up / make down

LOCAL = ROOT / ".local"
PIDS = LOCAL / "pids"
STACK_ENV = LOCAL / "stack.env"
SERVICES = ("arm_emulator", "azurite", "devhost")


def log_paths(local: Path = LOCAL) -> dict[str, Path]:
    """Where each process of the stack writes its log (`make logs` follows them)."""
    return {name: local / "logs" / f"{name}.log" for name in SERVICES}


def stack_settings(arm: ArmEmulator, azurite: Azurite, devhost_port: int, time_scale: float,
                   previous: dict[str, str]) -> dict[str, str]:
    """The settings of `.local/stack.env` (CONTRACT §1): everything devhost needs, keys included.

    Keys survive make down / make up (management URLs handed out earlier keep working; `previous` is
    the old stack.env) and make clean forgets them. The function key is the documented local one
    (docs/api.md); the master, system and signing keys are random.
    """
    fresh = {**new_keys((*ACCESS_KEY_SETTINGS, "WEBHOOK_SIGNING_KEY")), "FUNCTION_KEY": DEFAULT_FUNCTION_KEY}
    return {
        "ARM_ENDPOINT": arm.endpoint,
        "ARM_CA_BUNDLE": str(arm.ca_bundle),
        "ARM_CREDENTIAL": "emulator",
        "FUNCTIONS_URL": f"http://{LOOPBACK}:{devhost_port}",
        "AzureWebJobsStorage": azurite.connection_string,
        "TIME_SCALE": str(time_scale),
        "KEYVAULT_ENDPOINT": arm.endpoint,  # the emulator serves Key Vault's secrets API too
        **{name: previous.get(name) or value for name, value in fresh.items()},
    }


def up(time_scale: float, arm_port: int = 8443, devhost_port: int = 7071,
       azurite_ports: tuple[int, int, int] = (10000, 10001, 10002), local: Path = LOCAL) -> dict[str, str]:
    """Start the stack with its state in `local` (`.local` for make up; tests use a temporary one and
    free ports). Every process keeps its state there across down/up: the emulator in `arm/`, Azurite
    in `azurite/`, devhost (durable history) in `devhost/`, the keys in `stack.env`."""
    down(quiet=True, local=local)
    pids, stack_env, logs = local / "pids", local / "stack.env", log_paths(local)
    pids.mkdir(parents=True, exist_ok=True)
    arm = start_arm_emulator(local / "arm", arm_port, time_scale, log_path=logs["arm_emulator"])
    (pids / "arm_emulator.pid").write_text(str(arm.proc.pid))
    azurite = start_azurite(local / "azurite", *azurite_ports, log_path=logs["azurite"])
    (pids / "azurite.pid").write_text(str(azurite.proc.pid))
    settings = stack_settings(arm, azurite, devhost_port, time_scale,
                              read_stack_env(stack_env) if stack_env.exists() else {})
    stack_env.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    stack_env.chmod(0o600)
    host = start_devhost(ROOT, settings, devhost_port, time_scale, log_path=logs["devhost"],
                         extra_args=["--state-dir", str(local / "devhost")])
    (pids / "devhost.pid").write_text(str(host.proc.pid))
    return settings


def down(quiet: bool = False, local: Path = LOCAL) -> None:
    for name in ("devhost", "azurite", "arm_emulator"):
        pid_file = local / "pids" / f"{name}.pid"
        if not pid_file.exists():
            continue
        try:
            stop_process(int(pid_file.read_text().strip()))
        except ValueError:
            pass
        pid_file.unlink(missing_ok=True)
        if not quiet:
            print(f"stopped {name}")


def _alive(pid_file: Path) -> bool:
    try:
        os.kill(int(pid_file.read_text().strip()), 0)
    except (OSError, ValueError):
        return False
    return True


def running(local: Path = LOCAL) -> dict[str, str] | None:
    """The settings of the stack `make up` started in `local` when all three of its processes run
    (and devhost answers), else None."""
    stack_env = local / "stack.env"
    if not stack_env.exists() or not all(_alive(local / "pids" / f"{name}.pid") for name in SERVICES):
        return None
    settings = read_stack_env(stack_env)
    try:
        with urllib.request.urlopen(f"{settings['FUNCTIONS_URL']}/admin/host/status", timeout=2) as r:
            return settings if r.status == 200 else None
    except (OSError, KeyError):
        return None


def read_stack_env(path: Path = STACK_ENV) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    up_cmd = sub.add_parser("up", help="start the local stack in the background")
    up_cmd.add_argument("--time-scale", type=float, default=float(os.environ.get("TIME_SCALE", "1")))
    sub.add_parser("down", help="stop the local stack")
    args = parser.parse_args(argv)
    if args.command == "up":
        settings = up(args.time_scale)
        print(f"ARM emulator  {settings['ARM_ENDPOINT']}  (CA {settings['ARM_CA_BUNDLE']})")
        print("Azurite       http://127.0.0.1:10000-10002")
        print(f"devhost       {settings['FUNCTIONS_URL']}  (keys: FUNCTION_KEY, MASTER_KEY, DURABLE_SYSTEM_KEY, "
              "EVENTGRID_SYSTEM_KEY)")
        print(f"settings in   {STACK_ENV.relative_to(ROOT)}; stop with: make down")
        print("logs in       " + ", ".join(str(p.relative_to(ROOT)) for p in log_paths().values())
              + "; follow them with: make logs")
        print("seed the demo Azure of the docs' examples with: make seed")
    else:
        down()
    return 0


if __name__ == "__main__":
    sys.exit(main())
