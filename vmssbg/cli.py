"""`vmssbg`: every command of CONTRACT §8 over the HTTP API of §5.

Exit codes (scripts and CI pipelines rely on them): 0 succeeded or accepted, 2 bad input or an API
4xx, 3 Failed, 4 RolledBack, 5 Terminated, 6 API unreachable.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from typing import IO, Any

import click
from click.shell_completion import CompletionItem, get_completion_class
from rich.console import Console
from rich.text import Text

from vmssbg import __version__, render, watch
from vmssbg.client import Api, ApiError, Unreachable
from vmssbg.config import resolve

EXIT_OK, EXIT_BAD_INPUT, EXIT_UNREACHABLE, EXIT_UNEXPECTED = 0, 2, 6, 1
OUTPUTS = ("table", "json")


class BadInput(Exception):
    """Input the CLI refuses before (or instead of) asking the API: exit 2."""

    def __init__(self, message: str, details: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


@dataclass
class State:
    url: str | None = None
    key: str | None = None
    output: str = "table"
    _api: Api | None = field(default=None, repr=False)

    @property
    def api(self) -> Api:
        if self._api is None:
            self._api = Api(resolve(self.url, self.key))
        return self._api

    @property
    def json(self) -> bool:
        return self.output == "json"


PIPED_WIDTH = 160  # piped or in CI: wrapping at 80 columns helps no one reading a log file


def _width(stream: IO[str]) -> int | None:
    if os.environ.get("COLUMNS") or (hasattr(stream, "isatty") and stream.isatty()):
        return None  # rich measures the terminal, or reads COLUMNS
    return PIPED_WIDTH


def console() -> Console:
    return Console(highlight=False, width=_width(sys.stdout))


def error_console() -> Console:
    return Console(stderr=True, highlight=False, width=_width(sys.stderr))


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, default=str))


def report_error(state: State, code: str, message: str, details: list[dict[str, str]], status: int | None = None
                 ) -> None:
    if state.json:
        body: dict[str, Any] = {"error": {"code": code, "message": message, "details": details}}
        if status is not None:
            body["status"] = status
        emit_json(body)
        return
    err = error_console()
    prefix = f"Error ({status} {code})" if status is not None else "Error"
    err.print(Text(f"{prefix}: {message}", style="bold red"), soft_wrap=True)
    for detail in details:
        field_name = detail.get("field") or "(body)"
        err.print(Text(f"  {field_name}: {detail.get('message', '')}", style="red"), soft_wrap=True)


class VmssbgGroup(click.Group):
    """Turns the API's errors into exit codes and messages, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        state = ctx.ensure_object(State)
        try:
            return super().invoke(ctx)
        except ApiError as exc:
            report_error(state, exc.code, exc.message, exc.details, exc.status)
            ctx.exit(EXIT_BAD_INPUT if 400 <= exc.status < 500 else EXIT_UNEXPECTED)
        except BadInput as exc:
            report_error(state, "InvalidInput", exc.message, exc.details)
            ctx.exit(EXIT_BAD_INPUT)
        except Unreachable as exc:
            report_error(state, "ApiUnreachable", str(exc), [])
            ctx.exit(EXIT_UNREACHABLE)
        except KeyboardInterrupt:
            error_console().print("interrupted")
            ctx.exit(130)


def set_output(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value:
        ctx.ensure_object(State).output = value
    return value


def output_option(function):
    return click.option("--output", "-o", type=click.Choice(OUTPUTS), default=None, expose_value=False,
                        is_eager=True, callback=set_output,
                        help="table (default, for people) or json (for scripts)")(function)


def complete_deployment_ids(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Tab completion of deployment ids from the API (silent when it cannot be reached)."""
    try:
        api = Api(resolve(), timeout=3)
        views = api.list()
    except Exception:  # completion must never print a traceback into the user's shell
        return []
    return [CompletionItem(v["id"], help=f"{v.get('status')} {v.get('newVmss') or ''}")
            for v in views if str(v.get("id", "")).startswith(incomplete)]


def deployment_id_argument(function):
    return click.argument("deployment_id", metavar="ID", shell_complete=complete_deployment_ids)(function)


def load_json_file(handle: IO[str], what: str) -> Any:
    try:
        return json.load(handle)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{handle.name} is not valid JSON: {exc}",
                       [{"field": "", "message": f"malformed JSON in the {what} file"}]) from exc


@click.group(cls=VmssbgGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--url", metavar="URL", default=None,
              help="The function app's URL [env VMSSBG_URL, else FUNCTIONS_URL in .local/stack.env].")
@click.option("--key", metavar="KEY", default=None,
              help="A function key [env VMSSBG_KEY, else FUNCTION_KEY in .local/stack.env].")
@output_option
@click.version_option(__version__, prog_name="vmssbg")
@click.pass_context
def cli(ctx: click.Context, url: str | None, key: str | None) -> None:
    """Blue/green deployments of Azure VM Scale Sets, from the command line."""
    state = ctx.ensure_object(State)
    state.url, state.key = url, key


pass_state = click.make_pass_decorator(State, ensure=True)


# -- deployments ----------------------------------------------------------------------------------

def finish(state: State, view: dict[str, Any], out: Console) -> None:
    if state.json:
        emit_json(view)
    else:
        out.print(render.final_line(view), soft_wrap=True)
    sys.exit(render.exit_code(view))


def wait_for(state: State, deployment_id: str, interval: float) -> dict[str, Any]:
    if state.json:
        return watch.wait_quietly(state.api, deployment_id, interval)
    return watch.follow(state.api, deployment_id, console(), interval)


@cli.command()
@click.argument("spec_file", metavar="SPEC.json", type=click.File("r", encoding="utf-8"))
@click.option("--wait", is_flag=True, help="Follow the deployment live until it ends; exit with its outcome.")
@click.option("--dry-run", is_flag=True, help="Validate against Azure (reads only) and print the plan.")
@click.option("--interval", type=click.FloatRange(0.1, 60), default=1.0, show_default=True,
              help="Seconds between polls with --wait.")
@output_option
@pass_state
def deploy(state: State, spec_file: IO[str], wait: bool, dry_run: bool, interval: float) -> None:
    """Start a deployment from a DeploymentSpec file ('-' reads standard input)."""
    spec = load_json_file(spec_file, "spec")
    out = console()
    if dry_run:
        plan = state.api.start(spec, dry_run=True)
        if plan.get("deploymentUri") and plan.get("id"):
            raise BadInput(f"This API does not support dry runs: it started deployment {plan['id']} instead. "
                           f"Abort it with: vmssbg abort {plan['id']}")
        if state.json:
            emit_json(plan)
        else:
            out.print(render.mapping(plan, title="Plan (nothing was written)"))
        return
    accepted = state.api.start(spec)
    deployment_id = accepted["id"]
    if not wait:
        if state.json:
            emit_json(accepted)
        else:
            out.print(f"Deployment [bold]{deployment_id}[/] started.")
            out.print(f"Follow it with: vmssbg status {deployment_id} --watch", markup=False)
        return
    if not state.json:
        out.print(f"Deployment [bold]{deployment_id}[/] started.")
    finish(state, wait_for(state, deployment_id, interval), out)


@cli.command()
@deployment_id_argument
@click.option("--watch", "-w", is_flag=True, help="Redraw until the deployment ends; exit with its outcome.")
@click.option("--interval", type=click.FloatRange(0.1, 60), default=1.0, show_default=True)
@output_option
@pass_state
def status(state: State, deployment_id: str, watch: bool, interval: float) -> None:
    """Show one deployment: its steps, instances, scale sets, approval and the end of its log.

    Exits 0 while it runs or once it succeeded, 3 Failed, 4 RolledBack, 5 Terminated."""
    out = console()
    if watch:
        finish(state, wait_for(state, deployment_id, interval), out)
    view = state.api.get(deployment_id)
    if state.json:
        emit_json(view)
    else:
        out.print(render.deployment(view, state.api.log(deployment_id).splitlines(), crop_log=False))
    sys.exit(render.exit_code(view))


@cli.command()
@deployment_id_argument
@click.option("--follow", "-f", is_flag=True, help="Print new lines as they come, until the deployment ends.")
@click.option("--interval", type=click.FloatRange(0.1, 60), default=1.0, show_default=True)
@output_option
@pass_state
def logs(state: State, deployment_id: str, follow: bool, interval: float) -> None:
    """Print a deployment's log (with --follow, exit with the deployment's outcome)."""
    if not follow:
        text = state.api.log(deployment_id)
        if state.json:
            emit_json({"id": deployment_id, "lines": text.splitlines()})
        else:
            click.echo(text, nl=not text.endswith("\n") and bool(text))
        return
    lines: list[str] = []
    view = watch.follow_log(state.api, deployment_id, lines.append if state.json else click.echo, interval)
    if state.json:
        emit_json({"id": deployment_id, "lines": lines, "status": view.get("status")})
    sys.exit(render.exit_code(view))


@cli.command("list")
@click.option("--status", "status_filter", metavar="STATUS",
              type=click.Choice(["Pending", "Running", "AwaitingApproval", "Paused", "Succeeded", "Failed",
                                 "RolledBack", "Terminated"]), help="Only deployments in this status.")
@click.option("--resource-group", "-g", metavar="RG", help="Only deployments to this resource group.")
@output_option
@pass_state
def list_deployments(state: State, status_filter: str | None, resource_group: str | None) -> None:
    """List deployments, newest first."""
    views = state.api.list(status_filter, resource_group)
    if state.json:
        emit_json({"value": views})
    else:
        console().print(render.deployments_table(views))


@cli.command()
@click.option("--resource-group", "-g", metavar="RG", required=True)
@click.option("--subscription", "-s", metavar="S", help="Subscription id.")
@output_option
@pass_state
def targets(state: State, resource_group: str, subscription: str | None) -> None:
    """The lineages of scale sets in a resource group and which one serves prod now."""
    value = state.api.targets(resource_group, subscription)
    if state.json:
        emit_json({"value": value})
    else:
        console().print(render.targets_table(value))


# -- operator actions -----------------------------------------------------------------------------

def decide(state: State, deployment_id: str, action: str, comment: str | None) -> None:
    view = state.api.get(deployment_id)
    if view.get("status") != "AwaitingApproval":
        raise BadInput(f"Deployment {deployment_id} is {view.get('status')} (phase {view.get('phase')}), "
                       "not awaiting approval: there is nothing to " + action + ".")
    approval = view.get("approval") or {}
    body: dict[str, Any] = {"comment": comment or ""}
    if approval.get("token"):
        body["token"] = approval["token"]
    if not state.json:
        desired, current, healthy = render.capacity_counts(view)
        verb = "Approving" if action == "approve" else "Rejecting"
        outcome = ("swap it into prod" if action == "approve" else "roll back (the old scale set keeps serving)")
        out = Console(highlight=False, soft_wrap=True)
        out.print(Text(f"{verb} deployment {deployment_id}", style="bold"))
        out.print(Text(f"  new scale set {view.get('newVmss')} (revision {view.get('revision')}), "
                       f"{healthy}/{desired} healthy ({current} running), will {outcome}"))
        out.print(Text(f"  old scale set {view.get('oldVmss') or '(none)'} in resource group "
                       f"{view.get('resourceGroup')}"))
        if approval.get("requestedAt"):
            out.print(Text(f"  approval requested {approval['requestedAt']}, times out {approval.get('timeoutAt')}"))
    answer = state.api.act(deployment_id, action, body)
    accepted(state, deployment_id, action, answer)


def accepted(state: State, deployment_id: str, action: str, answer: dict[str, Any]) -> None:
    if state.json:
        emit_json(answer or {"id": deployment_id, "action": action})
    else:
        console().print(f"[green]{action}[/] accepted for deployment [bold]{deployment_id}[/].")


@cli.command()
@deployment_id_argument
@click.option("--comment", "-c", default="", help="Recorded with the decision and in the log.")
@output_option
@pass_state
def approve(state: State, deployment_id: str, comment: str) -> None:
    """Approve a deployment awaiting approval: it swaps into prod."""
    decide(state, deployment_id, "approve", comment)


@cli.command()
@deployment_id_argument
@click.option("--comment", "-c", default="", help="Recorded with the decision and in the log.")
@output_option
@pass_state
def reject(state: State, deployment_id: str, comment: str) -> None:
    """Reject a deployment awaiting approval: it rolls back."""
    decide(state, deployment_id, "reject", comment)


def simple_action(name: str, help_text: str):
    @cli.command(name, help=help_text)
    @deployment_id_argument
    @output_option
    @pass_state
    def command(state: State, deployment_id: str) -> None:
        accepted(state, deployment_id, name, state.api.act(deployment_id, name))

    return command


abort = simple_action("abort", "Stop a running deployment and roll it back.")
pause = simple_action("pause", "Pause a deployment: no further Azure writes, its timers wait.")
resume = simple_action("resume", "Resume a paused deployment where it stopped.")


@cli.command()
@deployment_id_argument
@click.option("--wait", is_flag=True, help="Follow the undo deployment live until it ends.")
@click.option("--interval", type=click.FloatRange(0.1, 60), default=1.0, show_default=True)
@output_option
@pass_state
def undo(state: State, deployment_id: str, wait: bool, interval: float) -> None:
    """Bring back the scale set a succeeded deployment replaced (a new deployment of kind undo)."""
    answer = state.api.act(deployment_id, "undo")
    new_id = answer.get("id")
    if wait and new_id:
        if not state.json:
            console().print(f"Undo deployment [bold]{new_id}[/] started.")
        finish(state, wait_for(state, new_id, interval), console())
    if state.json:
        emit_json(answer)
    else:
        console().print(f"Undo deployment [bold]{new_id}[/] started. Follow it with: "
                        f"vmssbg status {new_id} --watch", markup=True)


# -- profiles -------------------------------------------------------------------------------------

@cli.group()
def profiles() -> None:
    """Deployment profiles: a DeploymentSpec without image, plus imageDefinition."""


@profiles.command("put")
@click.argument("name")
@click.argument("profile_file", metavar="FILE", type=click.File("r", encoding="utf-8"))
@output_option
@pass_state
def put_profile(state: State, name: str, profile_file: IO[str]) -> None:
    """Create or replace profile NAME from FILE."""
    stored = state.api.put_profile(name, load_json_file(profile_file, "profile"))
    if state.json:
        emit_json(stored)
    else:
        console().print(f"Profile [bold]{name}[/] saved.")


@profiles.command("get")
@click.argument("name")
@output_option
@pass_state
def get_profile(state: State, name: str) -> None:
    """Show profile NAME (as stored, with defaults filled in)."""
    profile = state.api.get_profile(name)
    if state.json:
        emit_json(profile)
    else:
        console().print(render.mapping(profile, title=f"Profile {name}"))


@profiles.command("list")
@output_option
@pass_state
def list_profiles(state: State) -> None:
    """List profiles by name."""
    entries = state.api.list_profiles()
    if state.json:
        emit_json({"value": entries})
        return
    from rich.table import Table

    table = Table(title=f"{len(entries)} profile(s)", title_justify="left")
    for column in ("name", "enabled", "image definition", "resource group", "scale set name"):
        table.add_column(column)
    for entry in entries:
        profile = entry.get("profile") or {}
        table.add_row(entry.get("profileName", ""), str(profile.get("enabled", "")),
                      str(profile.get("imageDefinition", "")).rsplit("/galleries/", 1)[-1],
                      str(profile.get("resourceGroup", "")), str(profile.get("name", "")))
    console().print(table)


@profiles.command("delete")
@click.argument("name")
@output_option
@pass_state
def delete_profile(state: State, name: str) -> None:
    """Delete profile NAME."""
    state.api.delete_profile(name)
    if state.json:
        emit_json({"profileName": name, "deleted": True})
    else:
        console().print(f"Profile [bold]{name}[/] deleted.")


# -- shell completion -----------------------------------------------------------------------------

@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
@output_option
@pass_state
def completion(state: State, shell: str) -> None:
    """Print the shell completion script: eval "$(vmssbg completion bash)"."""
    completion_class = get_completion_class(shell)
    assert completion_class is not None
    script = completion_class(cli, {}, "vmssbg", "_VMSSBG_COMPLETE").source()
    if state.json:
        emit_json({"shell": shell, "script": script})
    else:
        click.echo(script)


def main(argv: list[str] | None = None) -> int:
    try:
        cli.main(args=argv, prog_name="vmssbg", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0
