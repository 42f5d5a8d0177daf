from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from domain import defaults
from domain.naming import NAME_CHARS_REPLACED
from domain.spec import (
    ApprovalSpec,
    DeploymentSpec,
    FixedInstances,
    SameAsRunningInstances,
    SpecError,
    UpgradeSpec,
    parse_spec,
)
from tests.domain.builders import GALLERY_IMAGE, IMAGE, SUB, spec_payload


def problems(payload) -> dict[str, str]:
    with pytest.raises(SpecError) as caught:
        parse_spec(payload)
    details = caught.value.details
    fields = [d["field"] for d in details]
    assert len(fields) == len(set(fields)), f"one detail per field, got {details}"
    assert all(d["message"] for d in details)
    return {d["field"]: d["message"] for d in details}


# --- a valid request and its defaults ------------------------------------------------------------


def test_minimal_request_gets_every_default_of_the_contract():
    spec = parse_spec(spec_payload())
    assert spec.instances == SameAsRunningInstances()
    assert spec.upgrade == UpgradeSpec(unit="percent", value=100)
    assert spec.steady_state_timeout_minutes == 20
    assert spec.poll_interval_seconds == 15
    assert spec.downsize_old_vmss is True
    assert spec.resize_strategy == "resizeNewFirst"
    assert spec.versions_to_keep == 3
    assert spec.approval is None
    assert spec.scale_down_delay_seconds == 0
    assert spec.user_data is None
    assert spec.app is None and spec.service is None and spec.env is None


def test_defaults_module_holds_the_contract_values():
    assert defaults.STEADY_STATE_TIMEOUT_MINUTES == 20
    assert defaults.POLL_INTERVAL_SECONDS == 15
    assert defaults.VERSIONS_TO_KEEP == 3
    assert defaults.APPROVAL_TIMEOUT_MINUTES == 60
    assert defaults.APPROVAL_ON_TIMEOUT == "reject"
    assert defaults.SCALE_DOWN_DELAY_SECONDS == 0
    assert defaults.DOWNSIZE_OLD_VMSS is True


def test_request_fields_read_as_snake_case_attributes():
    spec = parse_spec(spec_payload())
    assert spec.subscription_id == SUB
    assert spec.resource_group == "rg-web"
    assert spec.base_vmss == "web-base"
    assert spec.image == IMAGE
    assert spec.load_balancer == "web-lb"
    assert spec.prod_backend_pool == "prod-backend-pool"
    assert spec.stage_backend_pool == "stage-backend-pool"
    assert spec.image_version.version == "1.4.0"


def test_snake_case_keys_are_accepted_too():
    payload = spec_payload()
    payload["subscription_id"] = payload.pop("subscriptionId")
    assert parse_spec(payload).subscription_id == SUB


def test_fixed_instances_are_kept_as_given():
    spec = parse_spec(spec_payload(instances={"mode": "fixed", "min": 1, "max": 5, "desired": 3}))
    assert spec.instances == FixedInstances(min=1, max=5, desired=3)


def test_approval_block_alone_requires_approval_with_safe_defaults():
    spec = parse_spec(spec_payload(approval={}))
    assert spec.approval == ApprovalSpec(required=True, timeout_minutes=60, on_timeout="reject")


def test_approval_with_every_field():
    spec = parse_spec(spec_payload(approval={"required": True, "timeoutMinutes": 5, "onTimeout": "approve"}))
    assert spec.approval.timeout_minutes == 5 and spec.approval.on_timeout == "approve"


def test_spec_is_immutable():
    spec = parse_spec(spec_payload())
    with pytest.raises(ValidationError):
        spec.name = "other"  # type: ignore[misc]


# --- name, normalisation, infrastructure id -----------------------------------------------------


@pytest.mark.parametrize("char", list(NAME_CHARS_REPLACED))
def test_each_listed_character_in_the_name_becomes_double_underscore(char):
    assert parse_spec(spec_payload(name=f"web{char}app")).name == "web__app"


def test_name_with_every_listed_character_at_once():
    assert parse_spec(spec_payload(name="a-b+c*d/e\\f g&h$i\"j'k.l|m")).name == "__".join("abcdefghijklm")


def test_name_defaults_to_app_service_env_normalised():
    spec = parse_spec(spec_payload(name=None, app="my-app", service="web", env="prod"))
    assert spec.name == "my__app_web_prod"
    assert spec.infrastructure_id == "my__app_web_prod"


def test_explicit_name_wins_over_app_service_env():
    spec = parse_spec(spec_payload(name="front", app="a", service="s", env="e"))
    assert spec.name == "front"


def test_infrastructure_id_defaults_to_the_normalised_name():
    assert parse_spec(spec_payload(name="web.app")).infrastructure_id == "web__app"


def test_explicit_infrastructure_id_is_kept_verbatim_to_match_harness_lineages():
    spec = parse_spec(spec_payload(infrastructureId="Yy2p-W6eX.STS1yFZ4"))
    assert spec.infrastructure_id == "Yy2p-W6eX.STS1yFZ4"


def test_name_of_58_characters_is_accepted():
    assert parse_spec(spec_payload(name="a" * 58)).name == "a" * 58


def test_name_counts_its_length_after_normalisation():
    # 29 dots become 58 characters with the leading letter: 59 in all.
    assert "name" in problems(spec_payload(name="a" + "." * 29))


# --- accepted boundaries -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("steadyStateTimeoutMinutes", 1),
        ("steadyStateTimeoutMinutes", 1440),
        ("pollIntervalSeconds", 1),
        ("pollIntervalSeconds", 300),
        ("versionsToKeep", 2),
        ("versionsToKeep", 10),
        ("scaleDownDelaySeconds", 0),
        ("scaleDownDelaySeconds", 86400),
        ("resizeStrategy", "resizeNewFirst"),
        ("resizeStrategy", "downsizeOldFirst"),
        ("downsizeOldVmss", False),
        ("upgrade", {"unit": "percent", "value": 1}),
        ("upgrade", {"unit": "percent", "value": 100}),
        ("upgrade", {"unit": "count", "value": 1}),
        ("upgrade", {"unit": "count", "value": 1000}),
        ("upgrade", {"value": 50}),
        ("instances", {"mode": "fixed", "min": 0, "max": 1, "desired": 0}),
        ("instances", {"mode": "fixed", "min": 1000, "max": 1000, "desired": 1000}),
        ("instances", {"mode": "sameAsRunning"}),
        ("approval", {"required": False}),
        ("approval", {"timeoutMinutes": 1}),
        ("approval", {"timeoutMinutes": 10080}),
        ("userData", base64.b64encode(b"#!/bin/sh\necho hi\n").decode()),
        ("userData", "A" * defaults.USER_DATA_MAX_ENCODED_CHARS),
        ("app", "web"),
        ("image", IMAGE.replace("Microsoft.Compute", "microsoft.compute")),
        (
            "image",
            IMAGE.replace("Microsoft.Compute", "MICROSOFT.COMPUTE").replace(
                "resourceGroups", "resourcegroups"
            ),
        ),
        ("image", IMAGE + "/"),
        ("image", IMAGE.replace(SUB, SUB.upper())),
        ("subscriptionId", SUB.upper()),
        ("resourceGroup", "rg_(with).parens-90" + "x" * 71),
    ],
)
def test_values_at_the_edge_of_each_rule_are_accepted(field, value):
    spec = parse_spec(spec_payload(**{field: value}))
    assert spec.to_json()[field] is not None


def test_count_upgrade_equal_to_fixed_max_is_accepted():
    parse_spec(
        spec_payload(
            instances={"mode": "fixed", "min": 0, "max": 4, "desired": 2},
            upgrade={"unit": "count", "value": 4},
        )
    )


def test_count_upgrade_above_desired_but_within_max_is_accepted():
    spec = parse_spec(
        spec_payload(
            instances={"mode": "fixed", "min": 0, "max": 4, "desired": 2},
            upgrade={"unit": "count", "value": 3},
        )
    )
    assert spec.upgrade.value == 3


def test_count_upgrade_with_same_as_running_is_checked_later_against_the_running_size():
    assert parse_spec(spec_payload(upgrade={"unit": "count", "value": 500})).upgrade.value == 500


# --- malformed requests: each yields a detail for the right field --------------------------------

MALFORMED = [
    ("missing subscription", spec_payload(subscriptionId=None), "subscriptionId"),
    ("non-GUID subscription", spec_payload(subscriptionId="not-a-guid"), "subscriptionId"),
    ("GUID in braces", spec_payload(subscriptionId="{" + SUB + "}"), "subscriptionId"),
    ("subscription as a number", spec_payload(subscriptionId=42), "subscriptionId"),
    ("missing resource group", spec_payload(resourceGroup=None), "resourceGroup"),
    ("empty resource group", spec_payload(resourceGroup=""), "resourceGroup"),
    ("resource group with a slash", spec_payload(resourceGroup="rg/../other"), "resourceGroup"),
    ("resource group padded with spaces", spec_payload(resourceGroup=" rg "), "resourceGroup"),
    ("resource group of 91 characters", spec_payload(resourceGroup="r" * 91), "resourceGroup"),
    ("no name and no app/service/env", spec_payload(name=None), "name"),
    ("no name and only app and service", spec_payload(name=None, app="a", service="s"), "name"),
    ("name normalised to a leading underscore", spec_payload(name="-web"), "name"),
    ("name with a character Azure refuses", spec_payload(name="web#1"), "name"),
    ("name of 59 characters", spec_payload(name="a" * 59), "name"),
    ("empty name", spec_payload(name=""), "name"),
    ("empty app", spec_payload(app=""), "app"),
    ("blank env", spec_payload(env="  "), "env"),
    ("empty infrastructure id", spec_payload(infrastructureId=""), "infrastructureId"),
    ("infrastructure id too long for a tag", spec_payload(infrastructureId="i" * 241), "infrastructureId"),
    ("missing base scale set", spec_payload(baseVmss=None), "baseVmss"),
    ("missing image", spec_payload(image=None), "image"),
    ("image definition instead of a version", spec_payload(image=GALLERY_IMAGE), "image"),
    ("image version 'latest'", spec_payload(image=f"{GALLERY_IMAGE}/versions/latest"), "image"),
    ("image version of two parts", spec_payload(image=f"{GALLERY_IMAGE}/versions/1.4"), "image"),
    ("image id with a non-GUID subscription", spec_payload(image=IMAGE.replace(SUB, "sub")), "image"),
    (
        "managed image instead of a gallery image",
        spec_payload(image=f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/images/web"),
        "image",
    ),
    ("image id without leading slash", spec_payload(image=IMAGE[1:]), "image"),
    ("image as a plain name", spec_payload(image="ubuntu-22.04"), "image"),
    (
        "instances min above max",
        spec_payload(instances={"mode": "fixed", "min": 5, "max": 3, "desired": 3}),
        "instances.min",
    ),
    (
        "instances desired above max",
        spec_payload(instances={"mode": "fixed", "min": 1, "max": 3, "desired": 4}),
        "instances.desired",
    ),
    (
        "instances desired below min",
        spec_payload(instances={"mode": "fixed", "min": 2, "max": 3, "desired": 1}),
        "instances.desired",
    ),
    (
        "instances max 0",
        spec_payload(instances={"mode": "fixed", "min": 0, "max": 0, "desired": 0}),
        "instances.max",
    ),
    (
        "instances max 1001",
        spec_payload(instances={"mode": "fixed", "min": 0, "max": 1001, "desired": 1}),
        "instances.max",
    ),
    (
        "instances min negative",
        spec_payload(instances={"mode": "fixed", "min": -1, "max": 3, "desired": 1}),
        "instances.min",
    ),
    ("instances without mode", spec_payload(instances={"min": 1, "max": 3, "desired": 1}), "instances.mode"),
    ("instances with an unknown mode", spec_payload(instances={"mode": "auto"}), "instances.mode"),
    (
        "fixed instances without desired",
        spec_payload(instances={"mode": "fixed", "min": 1, "max": 3}),
        "instances.desired",
    ),
    (
        "instances with an unknown field",
        spec_payload(instances={"mode": "sameAsRunning", "min": 1}),
        "instances.min",
    ),
    ("instances as a string", spec_payload(instances="fixed"), "instances"),
    (
        "instances count as a string",
        spec_payload(instances={"mode": "fixed", "min": "1", "max": 3, "desired": 1}),
        "instances.min",
    ),
    ("upgrade percent 0", spec_payload(upgrade={"unit": "percent", "value": 0}), "upgrade.value"),
    ("upgrade percent 101", spec_payload(upgrade={"unit": "percent", "value": 101}), "upgrade.value"),
    ("upgrade count 0", spec_payload(upgrade={"unit": "count", "value": 0}), "upgrade.value"),
    ("upgrade count above 1000", spec_payload(upgrade={"unit": "count", "value": 1001}), "upgrade.value"),
    (
        "upgrade count above the fixed max",
        spec_payload(
            instances={"mode": "fixed", "min": 1, "max": 3, "desired": 2},
            upgrade={"unit": "count", "value": 4},
        ),
        "upgrade.value",
    ),
    ("upgrade unit unknown", spec_payload(upgrade={"unit": "instances", "value": 2}), "upgrade.unit"),
    ("upgrade unit without a value", spec_payload(upgrade={"unit": "count"}), "upgrade.value"),
    ("upgrade value as a string", spec_payload(upgrade={"unit": "percent", "value": "50"}), "upgrade.value"),
    ("upgrade value fractional", spec_payload(upgrade={"unit": "percent", "value": 50.5}), "upgrade.value"),
    ("missing load balancer", spec_payload(loadBalancer=None), "loadBalancer"),
    ("missing prod pool", spec_payload(prodBackendPool=None), "prodBackendPool"),
    ("missing stage pool", spec_payload(stageBackendPool=None), "stageBackendPool"),
    ("equal pools", spec_payload(stageBackendPool="prod-backend-pool"), "stageBackendPool"),
    ("pools equal but for case", spec_payload(stageBackendPool="PROD-Backend-Pool"), "stageBackendPool"),
    ("steady state timeout 0", spec_payload(steadyStateTimeoutMinutes=0), "steadyStateTimeoutMinutes"),
    ("steady state timeout 1441", spec_payload(steadyStateTimeoutMinutes=1441), "steadyStateTimeoutMinutes"),
    ("poll interval 0", spec_payload(pollIntervalSeconds=0), "pollIntervalSeconds"),
    ("poll interval 301", spec_payload(pollIntervalSeconds=301), "pollIntervalSeconds"),
    ("poll interval as a float", spec_payload(pollIntervalSeconds=15.0), "pollIntervalSeconds"),
    ("poll interval as a string", spec_payload(pollIntervalSeconds="15"), "pollIntervalSeconds"),
    ("versions to keep 1", spec_payload(versionsToKeep=1), "versionsToKeep"),
    ("versions to keep 11", spec_payload(versionsToKeep=11), "versionsToKeep"),
    ("versions to keep as a boolean", spec_payload(versionsToKeep=True), "versionsToKeep"),
    ("scale-down delay negative", spec_payload(scaleDownDelaySeconds=-1), "scaleDownDelaySeconds"),
    ("scale-down delay above a day", spec_payload(scaleDownDelaySeconds=86401), "scaleDownDelaySeconds"),
    ("unknown resize strategy", spec_payload(resizeStrategy="bigBang"), "resizeStrategy"),
    ("downsize as a string", spec_payload(downsizeOldVmss="yes"), "downsizeOldVmss"),
    ("approval timeout action unknown", spec_payload(approval={"onTimeout": "maybe"}), "approval.onTimeout"),
    ("approval timeout 0", spec_payload(approval={"timeoutMinutes": 0}), "approval.timeoutMinutes"),
    (
        "approval timeout above a week",
        spec_payload(approval={"timeoutMinutes": 10081}),
        "approval.timeoutMinutes",
    ),
    ("approval required as a string", spec_payload(approval={"required": "true"}), "approval.required"),
    ("approval with an unknown field", spec_payload(approval={"approvers": ["me"]}), "approval.approvers"),
    ("approval as a boolean", spec_payload(approval=True), "approval"),
    ("user data not base64", spec_payload(userData="not base64!"), "userData"),
    ("user data with bad padding", spec_payload(userData="abc"), "userData"),
    ("user data empty", spec_payload(userData=""), "userData"),
    (
        "user data above 64 KiB",
        spec_payload(userData="A" * (defaults.USER_DATA_MAX_ENCODED_CHARS + 4)),
        "userData",
    ),
    ("unknown top-level field", spec_payload(imageId=IMAGE), "imageId"),
    ("snake_case typo field", spec_payload(base_vmss_name="x"), "base_vmss_name"),
]


@pytest.mark.parametrize(
    ("payload", "field"), [(p, f) for _, p, f in MALFORMED], ids=[c for c, _, _ in MALFORMED]
)
def test_malformed_request_names_the_bad_field(payload, field):
    assert set(problems(payload)) == {field}


def test_there_are_at_least_twenty_distinct_malformed_requests():
    assert len({case for case, _, _ in MALFORMED}) >= 20
    assert len({field for _, _, field in MALFORMED}) >= 20


@pytest.mark.parametrize("payload", [None, [], [spec_payload()], "spec", 42, True])
def test_a_body_that_is_not_an_object_gives_one_detail_for_the_whole_body(payload):
    with pytest.raises(SpecError) as caught:
        parse_spec(payload)
    assert [d["field"] for d in caught.value.details] == [""]


def test_every_bad_field_is_reported_at_once_with_one_detail_each():
    payload = spec_payload(
        subscriptionId="x",
        instances={"mode": "fixed", "min": 2, "max": 3, "desired": 4},
        upgrade={"unit": "count", "value": 9},
        stageBackendPool="prod-backend-pool",
        pollIntervalSeconds=0,
        colour="blue",
    )
    assert set(problems(payload)) == {
        "subscriptionId",
        "instances.desired",
        "upgrade.value",
        "stageBackendPool",
        "pollIntervalSeconds",
        "colour",
    }


def test_cross_field_rules_are_reported_even_when_another_field_is_bad():
    payload = spec_payload(subscriptionId="x", stageBackendPool="prod-backend-pool")
    assert set(problems(payload)) == {"subscriptionId", "stageBackendPool"}


def test_a_missing_name_is_one_detail_not_also_a_missing_infrastructure_id():
    found = problems(spec_payload(name=None))
    assert set(found) == {"name"}
    assert "app, service and env" in found["name"]


def test_missing_field_message_says_it_is_required():
    assert problems(spec_payload(baseVmss=None))["baseVmss"] == "is required"


def test_unknown_field_message_says_so():
    assert "not a known field" in problems(spec_payload(colour="blue"))["colour"]


def test_error_message_summarises_the_problems_and_the_envelope_matches_the_contract():
    with pytest.raises(SpecError) as caught:
        parse_spec(spec_payload(subscriptionId="x"))
    error = caught.value
    assert "subscriptionId" in error.message and str(error) == error.message
    envelope = error.to_json()["error"]
    assert envelope["code"] and envelope["message"] == error.message
    assert envelope["details"] == [{"field": "subscriptionId", "message": error.details[0]["message"]}]


def test_direct_construction_enforces_the_cross_field_rules_too():
    with pytest.raises(ValidationError):
        FixedInstances(min=3, max=2, desired=2)
    with pytest.raises(ValidationError):
        UpgradeSpec(unit="percent", value=0)
    valid = parse_spec(spec_payload()).model_dump()
    valid["stage_backend_pool"] = valid["prod_backend_pool"]
    with pytest.raises(ValidationError):
        DeploymentSpec(**valid)


# --- JSON round trip -----------------------------------------------------------------------------

_NAME_CHARS = "abcXYZ019" + NAME_CHARS_REPLACED
_RESOURCE_NAME = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=20).filter(
    lambda s: s.strip() == s
)


@st.composite
def valid_payloads(draw) -> dict:
    payload = spec_payload()
    name = draw(st.sampled_from("abcXYZ019")) + draw(st.text(_NAME_CHARS, max_size=12))
    if draw(st.booleans()):
        payload["name"] = name
    else:
        del payload["name"]
        payload.update(
            app=name,
            service=draw(st.sampled_from(["web", "api"])),
            env=draw(st.sampled_from(["dev", "prod"])),
        )
    if draw(st.booleans()):
        payload["infrastructureId"] = draw(
            st.text(min_size=1, max_size=30).filter(lambda s: s.strip() == s and s and s.isprintable())
        )
    payload["resourceGroup"] = draw(_RESOURCE_NAME)
    payload["prodBackendPool"] = draw(_RESOURCE_NAME)
    payload["stageBackendPool"] = draw(
        _RESOURCE_NAME.filter(lambda s: s.casefold() != payload["prodBackendPool"].casefold())
    )
    maximum = 1000
    if draw(st.booleans()):
        bounds = sorted(draw(st.lists(st.integers(0, 1000), min_size=3, max_size=3)))
        if bounds[2] == 0:
            bounds[2] = 1
        maximum = bounds[2]
        payload["instances"] = {"mode": "fixed", "min": bounds[0], "desired": bounds[1], "max": bounds[2]}
    elif draw(st.booleans()):
        payload["instances"] = {"mode": "sameAsRunning"}
    upgrade = draw(st.sampled_from(["omit", "percent", "count"]))
    if upgrade == "percent":
        payload["upgrade"] = {"unit": "percent", "value": draw(st.integers(1, 100))}
    elif upgrade == "count":
        payload["upgrade"] = {"unit": "count", "value": draw(st.integers(1, maximum))}
    optional = {
        "steadyStateTimeoutMinutes": st.integers(1, 1440),
        "pollIntervalSeconds": st.integers(1, 300),
        "downsizeOldVmss": st.booleans(),
        "resizeStrategy": st.sampled_from(["resizeNewFirst", "downsizeOldFirst"]),
        "versionsToKeep": st.integers(2, 10),
        "scaleDownDelaySeconds": st.integers(0, 86400),
        "approval": st.fixed_dictionaries(
            {},
            optional={
                "required": st.booleans(),
                "timeoutMinutes": st.integers(1, 10080),
                "onTimeout": st.sampled_from(["reject", "approve"]),
            },
        ),
        "userData": st.binary(min_size=1, max_size=64).map(lambda b: base64.b64encode(b).decode()),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            payload[key] = draw(strategy)
    return payload


@settings(max_examples=150, deadline=None)
@given(valid_payloads())
def test_to_json_round_trips_through_parse_spec(payload):
    spec = parse_spec(payload)
    document = spec.to_json()
    again = parse_spec(document)
    assert again == spec
    assert again.to_json() == document
    assert all(key[0].islower() and "_" not in key for key in document)


@settings(max_examples=50, deadline=None)
@given(valid_payloads())
def test_every_given_field_survives_the_round_trip(payload):
    document = parse_spec(payload).to_json()
    for key, value in payload.items():
        if key in ("name", "approval", "upgrade"):
            continue  # normalised or completed with defaults
        assert document[key] == value


def test_min_above_max_blames_min_only_since_no_desired_could_fit():
    found = problems(spec_payload(instances={"mode": "fixed", "min": 5, "max": 3, "desired": 4}))
    assert set(found) == {"instances.min"}


def test_bad_name_and_bad_explicit_infrastructure_id_are_both_reported():
    assert set(problems(spec_payload(name="-web", infrastructureId=""))) == {"name", "infrastructureId"}


def test_null_name_and_infrastructure_id_ask_for_their_defaults():
    spec = parse_spec(
        spec_payload(app="web", service="api", env="dev") | {"name": None, "infrastructureId": None}
    )
    assert (spec.name, spec.infrastructure_id) == ("web_api_dev", "web_api_dev")


def test_image_id_loses_a_trailing_slash_but_keeps_its_case():
    lower = IMAGE.replace("Microsoft.Compute", "microsoft.compute")
    assert parse_spec(spec_payload(image=lower + "/")).image == lower


def test_infrastructure_id_padded_with_spaces_is_refused():
    assert set(problems(spec_payload(infrastructureId=" web"))) == {"infrastructureId"}


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
_FIELDS = [
    "subscriptionId", "resourceGroup", "name", "app", "service", "env", "infrastructureId", "baseVmss", "image",
    "instances", "upgrade", "loadBalancer", "prodBackendPool", "stageBackendPool", "steadyStateTimeoutMinutes",
    "pollIntervalSeconds", "downsizeOldVmss", "resizeStrategy", "versionsToKeep", "approval",
    "scaleDownDelaySeconds", "userData",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_FIELDS), _JSON)
def test_any_json_value_in_any_field_gives_a_spec_or_a_spec_error_blaming_that_field(field, value):
    payload = spec_payload(**{field: value}) if value is not None else spec_payload() | {field: None}
    try:
        parse_spec(payload)
    except SpecError as error:
        assert error.details
        assert {d["field"].split(".")[0] for d in error.details} == {field}


@settings(max_examples=100, deadline=None)
@given(_JSON)
def test_any_json_body_gives_a_spec_or_a_spec_error(body):
    with pytest.raises(SpecError):
        parse_spec(body)


# --- adminPassword from Key Vault ------------------------------------------------------------------


@pytest.mark.parametrize("secret_id", [
    "https://bg-vault.vault.azure.net/secrets/vmss-admin",
    "https://bg-vault.vault.azure.net/secrets/vmss-admin/0123456789abcdef0123456789ABCDEF",
    "https://bg-vault.vault.azure.cn/secrets/vmss-admin",
])
def test_admin_password_is_a_key_vault_secret_id_and_round_trips(secret_id):
    spec = parse_spec(spec_payload(adminPassword={"keyVaultSecretId": secret_id + "/"}))
    assert spec.admin_password.key_vault_secret_id == secret_id
    assert parse_spec(spec.to_json()) == spec


@pytest.mark.parametrize("secret_id", [
    "http://bg-vault.vault.azure.net/secrets/vmss-admin",
    "https://bg-vault.example.com/secrets/vmss-admin",
    "https://bg-vault.vault.azure.net/keys/vmss-admin",
    "https://bg-vault.vault.azure.net/secrets/",
    "https://bg-vault.vault.azure.net/secrets/bad_name",
    "https://bg-vault.vault.azure.net/secrets/vmss-admin/not-a-version",
    "https://bg-vault.vault.azure.net/secrets/vmss-admin?api-version=7.5",
    "https://x.vault.azure.net/secrets/vmss-admin",
])
def test_admin_password_must_name_a_secret_in_a_key_vault(secret_id):
    assert "adminPassword.keyVaultSecretId" in problems(spec_payload(adminPassword={"keyVaultSecretId": secret_id}))


def test_admin_password_takes_no_password_itself():
    assert "adminPassword.value" in problems(spec_payload(adminPassword={"value": "hunter2"}))


def test_notifications_take_at_most_five_https_or_loopback_webhooks():
    from domain.spec import SpecError, parse_spec
    from tests.orchestrators.driver import spec

    hooks = ["https://hooks.example.com/a", "http://127.0.0.1:9000/b"]
    assert parse_spec(spec(notifications={"webhooks": hooks})).notifications.webhooks == hooks
    assert parse_spec(spec(notifications={"webhooks": hooks})).to_json()["notifications"] == {"webhooks": hooks}
    for bad, field in ((["https://a.example/x"] * 6, "notifications.webhooks"), ([], "notifications.webhooks"),
                       (["http://a.example/x"], "notifications.webhooks.0")):
        try:
            parse_spec(spec(notifications={"webhooks": bad}))
        except SpecError as error:
            assert [d["field"] for d in error.details] == [field]
        else:
            raise AssertionError(f"{bad} was accepted")
