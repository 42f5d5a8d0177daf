"""docs/spec.md from the pydantic models of domain/spec.py: every field, its type, default and range.

`python -m scripts.spec_doc` rewrites the page; `--check` exits 1 when the page differs from the
models (tests/docs/test_spec_doc.py does the same), so the page cannot drift from what is validated.
What a field means comes from DESCRIPTIONS below; a field without one is listed all the same.
"""

from __future__ import annotations

import argparse
import sys
import types
import typing
from pathlib import Path
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from domain import defaults, spec

PAGE = Path(__file__).resolve().parent.parent / "docs" / "spec.md"

DESCRIPTIONS = {
    "subscriptionId": "Azure subscription (GUID) of the resource group.",
    "resourceGroup": "Resource group of the base scale set, the load balancer and the new scale sets.",
    "name": "Scale set base name; new scale sets are `<name>__<revision>`. Default `<app>_<service>_<env>` "
            f"when all three are given, else required. Normalised: each of `{spec.NAME_CHARS_REPLACED}` "
            f"becomes `__`; then ASCII letters, digits and `_`, at most {defaults.MAX_BASE_NAME_LENGTH} characters.",
    "app": "With `service` and `env`, makes the default `name`.",
    "service": "See `app`.",
    "env": "See `app`.",
    "infrastructureId": "The lineage: scale sets tagged `HARNESS_REVISION=<infrastructureId>__<N>` (Harness's too). "
                        "Default: the normalised `name`. Kept exactly as given, at most "
                        f"{defaults.MAX_INFRASTRUCTURE_ID_LENGTH} characters.",
    "baseVmss": "The base (template) scale set every new scale set copies (Uniform orchestration, SSH login).",
    "instances": "Capacity of the new scale set: [Fixed instances](#fixed-instances) or "
                 "[same as running](#same-as-running-instances) (the live scale set's autoscale default profile, "
                 "else its capacity, else 0/10/6).",
    "upgrade": "How many of the desired instances the Upgrade step brings up before the swap: [Upgrade](#upgrade).",
    "loadBalancer": "The load balancer holding both backend pools.",
    "prodBackendPool": "The pool serving production.",
    "stageBackendPool": "The pool the new scale set waits in before the swap; must differ from `prodBackendPool` "
                        "(compared case-insensitively).",
    "steadyStateTimeoutMinutes": "How long each steady-state wait may take before the deployment rolls back.",
    "pollIntervalSeconds": "The time between two counts of the instances during a steady-state wait. Longer only "
                           "when Compute's `x-ms-ratelimit-remaining-resource` runs low (what is left of a policy is "
                           "spread over its window: 3 reads left of `HighCostGet3Min` wait at least 60 s); never "
                           "shorter.",
    "downsizeOldVmss": "Scale the old scale set to 0 after the swap.",
    "resizeStrategy": "`downsizeOldFirst`: the old scale set is downsized before the new one's autoscale "
                      "setting is attached.",
    "versionsToKeep": "After a deployment the lineage holds at most this many scale sets, the new one and the "
                      "one it replaced included; older ones are deleted at Setup.",
    "approval": "An [Approval](#approval) block: the deployment waits for an operator before the swap.",
    "scaleDownDelaySeconds": "The old scale set stays at full size this long after the swap, ready for an "
                             "instant rollback.",
    "userData": f"Base64 user data set on the new scale set, at most {defaults.USER_DATA_MAX_ENCODED_CHARS} "
                "base64 characters.",
    "adminPassword": "For a base that logs in with a password (Windows, or Linux with password login), whose "
                     "password Azure never returns: [Admin password](#admin-password).",
    "notifications": "Webhooks told of every status change: [Notifications](#notifications).",
    "keyVaultSecretId": "`https://<vault>.vault.azure.net/secrets/<name>[/<version>]`. Read with the app's "
                        "identity just before the create; never logged, never in history or status.",
    "webhooks": "1 to 5 URLs, `https` (plain `http` only to a loopback address). Each gets a CloudEvents 1.0 "
                "event signed `X-Signature-256: sha256=<HMAC-SHA256 of the body>` with the app setting "
                "`WEBHOOK_SIGNING_KEY` (without it such a deployment is refused); see docs/notifications.md.",
    "image": "Resource id of a Compute Gallery image version "
             "(`/subscriptions/.../galleries/<g>/images/<i>/versions/<v>`).",
    "imageDefinition": "Resource id of the gallery image definition whose new versions this profile deploys.",
    "enabled": "A disabled profile deploys nothing.",
    "deployExcludedFromLatest": "Also deploy versions published with `excludeFromLatest`.",
    "mode": "Which kind of capacity.",
    "min": "Minimum instances (autoscale minimum).",
    "max": "Maximum instances (autoscale maximum).",
    "desired": "Instances the new scale set runs; `min <= desired <= max`.",
    "unit": "`percent` of the desired instances (rounded half up, at least 1) or a `count`.",
    "value": f"Percent 1..100, or count 1..{defaults.MAX_INSTANCES} (not above `instances.max`); required "
             "when `unit` is given.",
    "required": "Whether the deployment waits for approval at all.",
    "timeoutMinutes": "How long to wait for a decision.",
    "onTimeout": "What a timeout decides.",
}

SECTIONS: list[tuple[str, type[BaseModel], str]] = [
    ("Deployment spec", spec.DeploymentSpec,
     "The body of `POST /api/deployments` (JSON, camelCase keys). Unknown fields are refused (400)."),
    ("Profile", spec.ProfileSpec,
     "The body of `PUT /api/profiles/{name}`: a deployment spec without `image`, plus `imageDefinition`."),
    ("Fixed instances", spec.FixedInstances, "`instances` with `mode` `fixed`."),
    ("Same as running instances", spec.SameAsRunningInstances, "`instances` with `mode` `sameAsRunning`."),
    ("Upgrade", spec.UpgradeSpec, "`upgrade`."),
    ("Approval", spec.ApprovalSpec, "`approval`."),
    ("Admin password", spec.KeyVaultSecretRef, "`adminPassword`."),
    ("Notifications", spec.NotificationsSpec, "`notifications`."),
]


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _type_name(typing.get_args(annotation)[0])
    if origin is typing.Literal:
        return " \\| ".join(f"`\"{v}\"`" for v in typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        parts = [_type_name(a) for a in typing.get_args(annotation) if a is not type(None)]
        return " \\| ".join(parts)
    if origin is list:
        return f"list of {_type_name(typing.get_args(annotation)[0])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"object ({annotation.__name__})"
    return {str: "string", int: "integer", bool: "boolean"}.get(annotation, str(annotation))


def _constraints(info: FieldInfo) -> list[Any]:
    found = list(info.metadata)
    annotation = info.annotation
    while typing.get_origin(annotation) is typing.Annotated:
        found += list(typing.get_args(annotation)[1:])
        annotation = typing.get_args(annotation)[0]
    return found


def _range(info: FieldInfo) -> str:
    low = high = None
    length = None
    for item in _constraints(info):
        if isinstance(item, annotated_types.Ge):
            low = item.ge
        elif isinstance(item, annotated_types.Le):
            high = item.le
        elif hasattr(getattr(item, "func", None), "max_length"):
            length = item.func.max_length
    if low is not None or high is not None:
        return f"{'' if low is None else low}..{'' if high is None else high}"
    return f"at most {length} characters" if length else ""


def _default(name: str, info: FieldInfo) -> str:
    if name in ("name", "infrastructureId"):
        return "derived (see text)"
    if info.default_factory is not None:
        made = info.default_factory()
        return f"`{made.model_dump_json(by_alias=True)}`" if isinstance(made, BaseModel) else f"`{made!r}`"
    if info.default is PydanticUndefined:
        return "required"
    if info.default is None:
        return "none"
    value = info.default
    return f"`{str(value).lower() if isinstance(value, bool) else value}`"


def render() -> str:
    lines = ["# The deployment spec and profiles", "",
             "Generated from the pydantic models in `domain/spec.py` by `python -m scripts.spec_doc`; "
             "`tests/docs/test_spec_doc.py` fails when this page and the models differ. Keys are camelCase; "
             "JSON types are strict (`\"5\"` is not a number). Every problem of a request is reported at once, "
             "each as `{\"field\", \"message\"}` in a 400 answer.", ""]
    for title, model, intro in SECTIONS:
        lines += [f"## {title}", "", intro, "", "| field | type | default | range | meaning |",
                  "|---|---|---|---|---|"]
        for field_name, info in model.model_fields.items():
            alias = info.alias or field_name
            lines.append(f"| `{alias}` | {_type_name(info.annotation)} | {_default(alias, info)} | {_range(info)} | "
                         f"{DESCRIPTIONS.get(alias, '').replace('|', chr(92) + '|')} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="spec_doc", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/spec.md differs from the models")
    args = parser.parse_args(argv)
    page = render()
    if args.check:
        if not PAGE.exists() or PAGE.read_text() != page:
            print(f"{PAGE} differs from domain/spec.py: run `python -m scripts.spec_doc`", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(page)
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
