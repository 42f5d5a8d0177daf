"""The deployment request (CONTRACT §3) and deployment profiles (issue 5), validated in full.

`parse_spec` / `parse_profile` report every bad field at once, each as the camelCase JSON path the
caller sent (`instances.min`, `upgrade.value`), so a 400 tells the user everything to fix.

Decisions where the contract is silent:
- Validation is strict JSON typing: `"5"` is not a number and `1` is not a boolean.
- `infrastructureId`, when given, is kept exactly as given (not normalised): it must match the
  HARNESS_REVISION tags of an existing lineage, Harness's included, character for character. Its
  default is the normalised name.
- `name` (given or derived from app/service/env) is normalised, then must be a valid scale set base
  name: ASCII letters, digits and `_`, starting with a letter or digit, at most 58 characters (room
  for `__<revision>` within Azure's 64).
- `userData`'s 64 KiB limit applies to the base64 text (what Azure measures and stores).
- Backend pools are compared case-insensitively (Azure names are).
- An `approval` block means approval is required unless it says `"required": false`.
- `upgrade.unit` defaults to `percent`; `upgrade.value` (default 100) is required when `unit` is given.
- An explicit `"name": null` or `"infrastructureId": null` asks for the default, like an absent field.
- The image may live in another subscription than the scale set (Azure allows it); a trailing `/`
  on the image id is dropped. An explicit `name` wins over app/service/env.
- Keys are camelCase; the snake_case attribute names are accepted too (Python callers).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from domain import defaults
from domain.naming import NAME_CHARS_REPLACED, normalise_name
from domain.notifications import MAX_WEBHOOKS, webhook_url_problem
from domain.resource_ids import ImageDefinitionId, ImageVersionId, is_guid, name_problem, same_resource


class SpecError(ValueError):
    """An invalid request. `details` holds one `{"field", "message"}` per bad field."""

    code = "InvalidDeploymentSpec"

    def __init__(self, message: str, details: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = list(details or [])

    def to_json(self) -> dict[str, Any]:
        """The error envelope of CONTRACT §5."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


_MODEL_CONFIG = ConfigDict(
    alias_generator=to_camel, populate_by_name=True, extra="forbid", strict=True, frozen=True
)

_RULE = "spec_rule"  # error type of cross-field rules; ctx["field"] is the path below the error's loc


def _rule_error(field: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(_RULE, message, {"field": field})


# --- field types ---------------------------------------------------------------------------------


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _resource_name(max_length: int):
    def check(value: str) -> str:
        problem = name_problem(value)
        if problem:
            raise ValueError(problem)
        if len(value) > max_length:
            raise ValueError(f"must be at most {max_length} characters")
        return value

    check.max_length = max_length  # type: ignore[attr-defined]  # docs/spec.md shows it (scripts/spec_doc.py)
    return AfterValidator(check)


def _guid(value: str) -> str:
    if not is_guid(value):
        raise ValueError("must be a GUID like 00000000-0000-0000-0000-000000000000")
    return value


def _image_version_id(value: str) -> str:
    ImageVersionId.parse(value)
    # A trailing '/' would end up inside ARM request URLs; the id's own case is kept.
    return value.removesuffix("/")


def _image_definition_id(value: str) -> str:
    ImageDefinitionId.parse(value)
    return value.removesuffix("/")


def _infrastructure_id(value: str) -> str:
    _non_blank(value)
    if value != value.strip():
        raise ValueError("must not start or end with whitespace")
    if len(value) > defaults.MAX_INFRASTRUCTURE_ID_LENGTH:
        raise ValueError(f"must be at most {defaults.MAX_INFRASTRUCTURE_ID_LENGTH} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("must not contain control characters")
    return value


def _user_data(value: str) -> str:
    if not value:
        raise ValueError("must not be empty (omit userData for none)")
    if len(value) > defaults.USER_DATA_MAX_ENCODED_CHARS:
        raise ValueError(
            f"must be at most {defaults.USER_DATA_MAX_ENCODED_CHARS} characters of base64 (64 KiB)"
        )
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("must be valid base64") from None
    return value


_BASE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_]*", re.ASCII)


def check_base_name(normalised: str) -> str:
    if not normalised:
        raise ValueError("must not be empty")
    if len(normalised) > defaults.MAX_BASE_NAME_LENGTH:
        raise ValueError(
            f"normalised to {normalised!r}, longer than {defaults.MAX_BASE_NAME_LENGTH} characters"
        )
    if not _BASE_NAME.fullmatch(normalised):
        raise ValueError(
            f"normalised to {normalised!r}: a scale set base name must start with a letter or digit "
            f"and hold only letters, digits and '_' (each of {NAME_CHARS_REPLACED} becomes '__')"
        )
    return normalised


# Key Vault DNS suffixes of Azure's clouds (public, China, US Government).
KEY_VAULT_DNS_SUFFIXES = (".vault.azure.net", ".vault.azure.cn", ".vault.usgovcloudapi.net")
_SECRET_NAME = re.compile(r"[0-9A-Za-z-]{1,127}", re.ASCII)
_SECRET_VERSION = re.compile(r"[0-9a-fA-F]{32}", re.ASCII)
_VAULT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]", re.ASCII)


def parse_key_vault_secret_id(value: str) -> tuple[str, str, str | None]:
    """(vault URL, secret name, version or None) of `https://<vault>.vault.azure.net/secrets/<name>[/<version>]`;
    ValueError naming what is wrong otherwise."""
    from urllib.parse import urlsplit

    parts = urlsplit(value.strip())
    host = (parts.hostname or "").lower()
    suffix = next((s for s in KEY_VAULT_DNS_SUFFIXES if host.endswith(s)), None)
    if parts.scheme != "https" or suffix is None or parts.port not in (None, 443) or parts.query or parts.fragment:
        raise ValueError("must be a Key Vault secret id: https://<vault>.vault.azure.net/secrets/<name>[/<version>]")
    if not _VAULT_NAME.fullmatch(host[: -len(suffix)]):
        raise ValueError(f"names no valid vault ({host!r}): 3-24 letters, digits and '-'")
    segments = [s for s in parts.path.split("/") if s]
    if not 2 <= len(segments) <= 3 or segments[0] != "secrets":
        raise ValueError("must name a secret: https://<vault>.vault.azure.net/secrets/<name>[/<version>]")
    if not _SECRET_NAME.fullmatch(segments[1]):
        raise ValueError(f"secret name {segments[1]!r} must be 1-127 letters, digits and '-'")
    version = segments[2] if len(segments) == 3 else None
    if version is not None and not _SECRET_VERSION.fullmatch(version):
        raise ValueError(f"secret version {version!r} must be 32 hexadecimal characters")
    return f"https://{host}", segments[1], version


def _key_vault_secret_id(value: str) -> str:
    vault, name, version = parse_key_vault_secret_id(value)
    return f"{vault}/secrets/{name}" + (f"/{version}" if version else "")


NonBlankStr = Annotated[str, AfterValidator(_non_blank)]
Guid = Annotated[str, AfterValidator(_guid)]
ImageVersionIdStr = Annotated[str, AfterValidator(_image_version_id)]
ImageDefinitionIdStr = Annotated[str, AfterValidator(_image_definition_id)]
InfrastructureId = Annotated[str, AfterValidator(_infrastructure_id)]
UserData = Annotated[str, AfterValidator(_user_data)]


# --- nested models -------------------------------------------------------------------------------


class FixedInstances(BaseModel):
    model_config = _MODEL_CONFIG

    mode: Literal["fixed"] = "fixed"
    min: int = Field(ge=0, le=defaults.MAX_INSTANCES)
    max: int = Field(ge=1, le=defaults.MAX_INSTANCES)
    desired: int = Field(ge=0, le=defaults.MAX_INSTANCES)

    @model_validator(mode="after")
    def _ordered(self) -> FixedInstances:
        problems = fixed_instances_problems(self.min, self.max, self.desired)
        if problems:
            field, message = problems[0]
            raise _rule_error(field, message)
        return self


def fixed_instances_problems(minimum: int, maximum: int, desired: int) -> list[tuple[str, str]]:
    """`0 <= min <= desired <= max`, each violation blamed on one field."""
    if minimum > maximum:
        # No desired could fit, so blaming it too would only add noise.
        return [("min", f"must be <= max ({maximum})")]
    problems = []
    if desired < minimum:
        problems.append(("desired", f"must be >= min ({minimum})"))
    elif desired > maximum:
        problems.append(("desired", f"must be <= max ({maximum})"))
    return problems


class SameAsRunningInstances(BaseModel):
    model_config = _MODEL_CONFIG

    mode: Literal["sameAsRunning"] = "sameAsRunning"


Instances = Annotated[FixedInstances | SameAsRunningInstances, Field(discriminator="mode")]


class UpgradeSpec(BaseModel):
    """How many instances the new scale set gets in the Upgrade step (see capacity.upgrade_target)."""

    model_config = _MODEL_CONFIG

    unit: Literal["percent", "count"] = defaults.UPGRADE_UNIT
    value: int = defaults.UPGRADE_VALUE

    @model_validator(mode="before")
    @classmethod
    def _value_required_when_given(cls, data: Any) -> Any:
        # `{"unit": "count"}` alone must not silently mean a count of 100.
        if isinstance(data, Mapping) and "unit" in data and "value" not in data:
            raise _rule_error("value", "is required when unit is given")
        return data

    @model_validator(mode="after")
    def _in_range(self) -> UpgradeSpec:
        problem = upgrade_value_problem(self.unit, self.value)
        if problem:
            raise _rule_error("value", problem)
        return self


def upgrade_value_problem(unit: str, value: int) -> str | None:
    if unit == "percent" and not 1 <= value <= 100:
        return "a percent must be between 1 and 100"
    if unit == "count" and not 1 <= value <= defaults.MAX_INSTANCES:
        return f"a count must be between 1 and {defaults.MAX_INSTANCES}"
    return None


class ApprovalSpec(BaseModel):
    model_config = _MODEL_CONFIG

    required: bool = defaults.APPROVAL_REQUIRED
    timeout_minutes: int = Field(
        default=defaults.APPROVAL_TIMEOUT_MINUTES,
        ge=defaults.APPROVAL_TIMEOUT_MINUTES_RANGE[0],
        le=defaults.APPROVAL_TIMEOUT_MINUTES_RANGE[1],
    )
    on_timeout: Literal["reject", "approve"] = defaults.APPROVAL_ON_TIMEOUT


class KeyVaultSecretRef(BaseModel):
    """Where the admin password of a password-login base lives. Only the id travels (through
    orchestration history too); the value is read by the gateway just before the create."""

    model_config = _MODEL_CONFIG

    key_vault_secret_id: Annotated[str, AfterValidator(_key_vault_secret_id)]


def _webhook_url(value: str) -> str:
    problem = webhook_url_problem(value)
    if problem:
        raise ValueError(problem)
    return value


WebhookUrl = Annotated[str, AfterValidator(_webhook_url)]


class NotificationsSpec(BaseModel):
    """Where every status change of the deployment is POSTed (CONTRACT §5, Notifications)."""

    model_config = _MODEL_CONFIG

    webhooks: list[WebhookUrl] = Field(min_length=1, max_length=MAX_WEBHOOKS)


# --- the request ---------------------------------------------------------------------------------


def _key(data: Mapping[str, Any], name: str) -> str | None:
    """The key under which `data` holds field `name` (camelCase alias or snake_case name)."""
    for key in (to_camel(name), name):
        if key in data:
            return key
    return None


class _TargetSpec(BaseModel):
    """Everything of a DeploymentSpec but the image: what a profile and a request share."""

    model_config = _MODEL_CONFIG

    subscription_id: Guid
    resource_group: Annotated[str, _resource_name(90)]
    # Always set after validation (given, or derived from app/service/env); normalised.
    name: str
    app: NonBlankStr | None = None
    service: NonBlankStr | None = None
    env: NonBlankStr | None = None
    infrastructure_id: InfrastructureId
    base_vmss: Annotated[str, _resource_name(64)]
    instances: Instances = Field(default_factory=SameAsRunningInstances)
    upgrade: UpgradeSpec = Field(default_factory=UpgradeSpec)
    load_balancer: Annotated[str, _resource_name(80)]
    prod_backend_pool: Annotated[str, _resource_name(80)]
    stage_backend_pool: Annotated[str, _resource_name(80)]
    steady_state_timeout_minutes: int = Field(
        default=defaults.STEADY_STATE_TIMEOUT_MINUTES,
        ge=defaults.STEADY_STATE_TIMEOUT_MINUTES_RANGE[0],
        le=defaults.STEADY_STATE_TIMEOUT_MINUTES_RANGE[1],
    )
    poll_interval_seconds: int = Field(
        default=defaults.POLL_INTERVAL_SECONDS,
        ge=defaults.POLL_INTERVAL_SECONDS_RANGE[0],
        le=defaults.POLL_INTERVAL_SECONDS_RANGE[1],
    )
    downsize_old_vmss: bool = defaults.DOWNSIZE_OLD_VMSS
    resize_strategy: Literal["resizeNewFirst", "downsizeOldFirst"] = defaults.RESIZE_STRATEGY
    versions_to_keep: int = Field(
        default=defaults.VERSIONS_TO_KEEP,
        ge=defaults.VERSIONS_TO_KEEP_RANGE[0],
        le=defaults.VERSIONS_TO_KEEP_RANGE[1],
    )
    approval: ApprovalSpec | None = None
    scale_down_delay_seconds: int = Field(
        default=defaults.SCALE_DOWN_DELAY_SECONDS,
        ge=defaults.SCALE_DOWN_DELAY_SECONDS_RANGE[0],
        le=defaults.SCALE_DOWN_DELAY_SECONDS_RANGE[1],
    )
    user_data: UserData | None = None
    admin_password: KeyVaultSecretRef | None = None
    notifications: NotificationsSpec | None = None

    @model_validator(mode="before")
    @classmethod
    def _fill_derived_defaults(cls, data: Any) -> Any:
        """name from app/service/env, infrastructureId from the name, when not given."""
        if not isinstance(data, Mapping):
            return data
        data = dict(data)
        for field in ("name", "infrastructure_id"):
            key = _key(data, field)
            if key is not None and data[key] is None:
                del data[key]  # an explicit null asks for the default, as an absent field does
        if _key(data, "name") is None:
            parts = [data.get(k) for k in (_key(data, n) for n in ("app", "service", "env")) if k]
            if len(parts) == 3 and all(isinstance(p, str) and p.strip() for p in parts):
                data["name"] = "_".join(parts)
        name = data.get("name")
        if _key(data, "infrastructure_id") is None and isinstance(name, str):
            data["infrastructureId"] = normalise_name(name)
        return data

    @field_validator("name")
    @classmethod
    def _normalise_name(cls, value: str) -> str:
        return check_base_name(normalise_name(value))

    @model_validator(mode="after")
    def _cross_field_rules(self) -> _TargetSpec:
        problems = spec_rule_problems(
            prod_pool=self.prod_backend_pool,
            stage_pool=self.stage_backend_pool,
            fixed_max=self.instances.max if isinstance(self.instances, FixedInstances) else None,
            upgrade_unit=self.upgrade.unit,
            upgrade_value=self.upgrade.value,
        )
        if problems:
            raise _rule_error(*problems[0])
        return self

    def to_json(self) -> dict[str, Any]:
        """The camelCase request; `parse_spec(spec.to_json()) == spec`."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def spec_rule_problems(
    *,
    prod_pool: object,
    stage_pool: object,
    fixed_max: object,
    upgrade_unit: object,
    upgrade_value: object,
) -> list[tuple[str, str]]:
    """Rules across top-level fields, as (field path, message). Arguments may be raw JSON values:
    a rule whose inputs are not even the right type is left to the field's own error."""
    problems = []
    if (
        isinstance(prod_pool, str)
        and isinstance(stage_pool, str)
        and prod_pool
        and prod_pool.casefold() == stage_pool.casefold()
    ):
        problems.append(("stageBackendPool", "must differ from prodBackendPool"))
    if (
        upgrade_unit == "count"
        and _is_int(upgrade_value)
        and _is_int(fixed_max)
        and upgrade_value > fixed_max  # type: ignore[operator]
    ):
        problems.append(("upgrade.value", f"a count of {upgrade_value} is above instances.max ({fixed_max})"))
    return problems


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class DeploymentSpec(_TargetSpec):
    """A validated deployment request. Attributes are snake_case; JSON is camelCase."""

    image: ImageVersionIdStr

    @property
    def image_version(self) -> ImageVersionId:
        return ImageVersionId.parse(self.image)


class ProfileSpec(_TargetSpec):
    """A deployment profile: a DeploymentSpec without `image`, deployed for each new version of
    `imageDefinition` while `enabled`."""

    image_definition: ImageDefinitionIdStr
    enabled: bool = defaults.PROFILE_ENABLED
    # Versions published with excludeFromLatest are skipped unless this says otherwise.
    deploy_excluded_from_latest: bool = defaults.DEPLOY_EXCLUDED_FROM_LATEST

    def matches_image_version(self, image_version_id: str) -> bool:
        try:
            version = ImageVersionId.parse(image_version_id)
        except ValueError:
            return False
        return same_resource(version.image_definition_id, self.image_definition)

    def to_deployment_spec(self, image_version_id: str) -> DeploymentSpec:
        """The request this profile makes for `image_version_id`, a version of its image definition."""
        try:
            version = ImageVersionId.parse(image_version_id)
        except ValueError as error:
            raise SpecError(str(error), [{"field": "image", "message": str(error)}]) from None
        if not same_resource(version.image_definition_id, self.image_definition):
            message = f"image version {image_version_id} is not a version of {self.image_definition}"
            raise SpecError(message, [{"field": "image", "message": message}])
        payload = self.to_json()
        for key in ("imageDefinition", "enabled", "deployExcludedFromLatest"):
            payload.pop(key, None)
        payload["image"] = image_version_id
        return parse_spec(payload)


# --- parsing with field details ------------------------------------------------------------------

_FIELD_NAMES = frozenset(
    name
    for model in (_TargetSpec, DeploymentSpec, ProfileSpec, FixedInstances, UpgradeSpec, ApprovalSpec,
                  NotificationsSpec)
    for name in model.model_fields
)
_UNION_TAGS = {"instances": ("fixed", "sameAsRunning")}


def _field_path(loc: tuple[Any, ...]) -> list[str]:
    path: list[str] = []
    for index, part in enumerate(loc):
        if index > 0 and path[-1] in _UNION_TAGS and part in _UNION_TAGS[path[-1]]:
            continue  # pydantic puts the discriminator's value in the path; JSON has no such level
        text = str(part)
        path.append(to_camel(text) if text in _FIELD_NAMES else text)
    return path


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field"
    if kind in ("union_tag_not_found", "union_tag_invalid"):
        return "must be 'fixed' or 'sameAsRunning'"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _details(error: ValidationError) -> list[dict[str, str]]:
    details = []
    for item in error.errors():
        path = _field_path(tuple(item["loc"]))
        if item["type"] == _RULE:
            path += str(item["ctx"]["field"]).split(".")
        elif item["type"] in ("union_tag_not_found", "union_tag_invalid"):
            path.append("mode")
        details.append({"field": ".".join(path), "message": _message(item)})
    return details


def _raw_rule_details(payload: Mapping[str, Any]) -> list[dict[str, str]]:
    """Cross-field rules checked on the raw payload, so they are reported even when some other
    field is invalid (pydantic only runs model-level rules on an otherwise valid model)."""

    def get(data: object, name: str) -> Any:
        if not isinstance(data, Mapping):
            return None
        key = _key(data, name)
        return data[key] if key else None

    instances = get(payload, "instances")
    upgrade = get(payload, "upgrade")
    fixed_max = get(instances, "max") if get(instances, "mode") == "fixed" else None
    details = []
    if get(instances, "mode") == "fixed":
        bounds = [get(instances, key) for key in ("min", "max", "desired")]
        if all(_is_int(bound) for bound in bounds):
            details += [
                {"field": f"instances.{field}", "message": message}
                for field, message in fixed_instances_problems(*bounds)
            ]
    problems = spec_rule_problems(
        prod_pool=get(payload, "prod_backend_pool"),
        stage_pool=get(payload, "stage_backend_pool"),
        fixed_max=fixed_max,
        upgrade_unit=get(upgrade, "unit") or defaults.UPGRADE_UNIT,
        upgrade_value=get(upgrade, "value"),
    )
    return details + [{"field": field, "message": message} for field, message in problems]


def _name_required_detail(payload: Mapping[str, Any], details: list[dict[str, str]]) -> None:
    for detail in details:
        if detail["field"] == "name" and detail["message"] == "is required":
            detail["message"] = "is required unless app, service and env are all given"


def _validate(model: type[_TargetSpec], payload: Any, what: str) -> Any:
    if not isinstance(payload, Mapping):
        message = f"the {what} must be a JSON object"
        raise SpecError(message, [{"field": "", "message": message}])
    try:
        result = model.model_validate(payload)
        details: list[dict[str, str]] = []
    except ValidationError as error:
        result = None
        details = _details(error)
    details += _raw_rule_details(payload)
    if not details:
        return result
    _name_required_detail(payload, details)
    bad_fields = {d["field"] for d in details}
    if "name" in bad_fields and _key(payload, "infrastructure_id") is None:
        # The default infrastructureId derives from the name: one mistake, one detail.
        details = [d for d in details if d["field"] != "infrastructureId"]
    unique: dict[str, dict[str, str]] = {}
    for detail in details:
        # Rules are seen twice (by the model and by the raw check): one detail per field.
        unique.setdefault(detail["field"], detail)
    details = list(unique.values())
    count = len(details)
    summary = "; ".join(f"{d['field'] or '(body)'}: {d['message']}" for d in details[:3])
    message = f"invalid {what}: {count} problem{'s' if count != 1 else ''} ({summary}{'; ...' if count > 3 else ''})"
    raise SpecError(message, details)


def parse_spec(payload: Any) -> DeploymentSpec:
    """Validate a deployment request (a decoded JSON object). Raises SpecError listing every bad field."""
    return _validate(DeploymentSpec, payload, "deployment spec")


def parse_profile(payload: Any) -> ProfileSpec:
    """Validate a deployment profile (a decoded JSON object). Raises SpecError listing every bad field."""
    return _validate(ProfileSpec, payload, "deployment profile")
