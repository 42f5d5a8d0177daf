"""infra/ checked without a compiler: structure, settings, the deployer's role, list* guards, names.

No Bicep compiler installs here; these read the templates with tests/infra/bicep.py and hold them to
what the code needs. `az bicep build` and `what-if` remain the first commands on a real subscription
(docs/deploy-to-azure.md).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.infra.bicep import (
    Arr,
    BicepFile,
    Declaration,
    Expr,
    Group,
    Token,
    key_paths,
    parse,
    parse_all,
    tokenize,
)
from tests.infra.code_facts import (
    LOCAL_ONLY_SETTINGS,
    ROOT,
    SDK_CALL_ACTIONS,
    actions_the_code_needs,
    alternatives,
    sdk_calls,
    settings_read,
)

INFRA = ROOT / "infra"


@pytest.fixture(scope="module")
def files() -> dict[str, BicepFile]:
    return parse_all(INFRA)


def flat(expr: Expr) -> str:
    """The expression's text without blanks: `subscription()`, `deployerRole.outputs.id`."""
    return re.sub(r"\s+", "", expr.text())


def module_file(files: dict[str, BicepFile], owner: str, declaration: Declaration) -> BicepFile:
    return files[(Path(owner).parent / declaration.target).as_posix()]


# --- structure --------------------------------------------------------------------------------------


def test_every_module_exists_and_gets_every_required_param_and_no_unknown_one(files):
    assert {"main.bicep", "modules/function-app.bicep", "modules/deployer-role.bicep",
            "modules/image-events.bicep", "modules/monitoring.bicep"} <= set(files)
    for owner, bicep in files.items():
        for module in bicep.modules.values():
            callee = module_file(files, owner, module)
            given = set(module.body.entries["params"].objects()[0].entries)
            required = {name for name, param in callee.params.items() if param.default is None}
            assert required <= given, (owner, module.symbol, required - given)
            assert given <= set(callee.params), (owner, module.symbol, given - set(callee.params))


def test_a_module_outside_the_resource_group_scope_is_deployed_with_an_explicit_scope(files):
    for owner, bicep in files.items():
        for module in bicep.modules.values():
            callee = module_file(files, owner, module)
            if callee.target_scope != bicep.target_scope:
                assert flat(module.body.entries["scope"]) == f"{callee.target_scope}()", module.symbol


def test_parameters_with_allowed_values_have_defaults_among_them(files):
    for bicep in files.values():
        for param in bicep.params.values():
            allowed = param.decorators.get("allowed")
            if allowed and param.default is not None:
                values = {item.value.literal() for item in allowed.args.parts[0].items}
                assert param.default.literal() in values, (bicep.path.name, param.name)


# --- names --------------------------------------------------------------------------------------------


BOUNDED = {"guid", "uniqueString", "take", "subscriptionResourceId"}


def _params_in(parts: list, params: set[str]) -> set[str]:
    """Parameters an expression puts into a name as they are (not through a bounding function)."""
    found: set[str] = set()
    for index, part in enumerate(parts):
        previous = parts[index - 1] if index else None
        if isinstance(part, Group):
            if not (isinstance(previous, Token) and previous.text in BOUNDED):
                found |= _params_in(part.parts, params)
        elif isinstance(part, Token) and part.kind == "name" and part.text in params:
            found.add(part.text)
        elif isinstance(part, Token) and part.kind == "string" and "${" in part.text:
            for inner in re.findall(r"\$\{([^}]*)\}", part.text):
                found |= _params_in(list(tokenize(inner)), params)
    return found


def test_every_parameter_that_names_a_resource_has_length_decorators(files):
    checked = set()
    for bicep in files.values():
        for resource in bicep.resources.values():
            for name in _params_in(resource.body.entries["name"].parts, set(bicep.params)):
                decorators = bicep.params[name].decorators
                assert "allowed" in decorators or {"minLength", "maxLength"} <= set(decorators), (
                    f"{bicep.path.name}: param {name} names {resource.type} without @minLength/@maxLength")
                checked.add((bicep.path.name, name))
    assert ("function-app.bicep", "appName") in checked and ("image-events.bicep", "topicName") in checked


def test_main_keeps_derived_names_within_azures_limits(files):
    main = files["main.bicep"]
    app_name_max = int(main.params["appName"].decorators["maxLength"].args.text())
    assert len("plan-") + app_name_max <= 60  # Microsoft.Web/serverfarms: 1-60
    assert len("log-") + app_name_max <= 63  # Microsoft.OperationalInsights/workspaces: 4-63
    assert len("dts-") + app_name_max <= 64  # Microsoft.DurableTask/schedulers: 3-64
    module = files["modules/function-app.bicep"]
    assert int(module.params["appName"].decorators["maxLength"].args.text()) == app_name_max
    storage_name = flat(main.modules["app"].body.entries["params"].objects()[0].entries["storageAccountName"])
    assert storage_name == "take('vmssbg${token}',24)"  # 3-24 lowercase letters and digits


# --- settings ---------------------------------------------------------------------------------------


def app_settings_set_by(files: dict[str, BicepFile]) -> set[str]:
    app = files["modules/function-app.bicep"]
    names: set[str] = set()
    for obj in app.variables["appSettings"].objects(app.variables):
        names |= set(obj.entries)
    for obj in app.resources["premiumSettings"].body.entries["properties"].objects(app.variables):
        names |= set(obj.entries)
    return names


def test_the_settings_scan_finds_what_gateway_settings_reads():
    read = settings_read()
    assert {"ARM_ENDPOINT", "ARM_CREDENTIAL", "ARM_CA_BUNDLE", "AzureWebJobsStorage"} <= set(read), read


def test_every_setting_the_code_reads_is_set_on_azure_or_local_only(files):
    set_on_azure = app_settings_set_by(files)
    for setting, where in settings_read().items():
        if setting in LOCAL_ONLY_SETTINGS:
            assert setting not in set_on_azure, f"{setting} must not be set on Azure: {LOCAL_ONLY_SETTINGS[setting]}"
            continue
        assert alternatives(setting) & set_on_azure, f"{setting} (read at {where}) is not set by infra/"


def test_every_setting_the_code_reads_is_listed_in_local_settings_example():
    values = json.loads((ROOT / "local.settings.example.json").read_text())["Values"]
    for setting, where in settings_read().items():
        documented = alternatives(setting) & set(values)
        assert documented, f"{setting} (read at {where}) is missing from local.settings.example.json"


def test_storage_is_identity_based_with_the_three_durable_data_roles(files):
    app = files["modules/function-app.bicep"]
    settings = app_settings_set_by(files)
    assert {"AzureWebJobsStorage__blobServiceUri", "AzureWebJobsStorage__queueServiceUri",
            "AzureWebJobsStorage__tableServiceUri", "AzureWebJobsStorage__credential"} <= settings
    assert "AzureWebJobsStorage" not in settings
    roles = {item.comments[0] if item.comments else item.value.literal()
             for item in app.variables["storageRoles"].parts[0].items}
    role_ids = {item.value.literal() for item in app.variables["storageRoles"].parts[0].items}
    assert role_ids == {"b7e6dc6d-f1e8-4753-8033-0f276bb0955b",  # Storage Blob Data Owner
                        "974c5e8b-45b9-4653-ba55-5f855dd0fb88",  # Storage Queue Data Contributor
                        "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"}, roles  # Storage Table Data Contributor
    assert app.resources["storageAccess"].loop == "roleId in storageRoles"
    storage = app.resources["storage"].body.entries["properties"].objects()[0]
    assert flat(storage.entries["allowSharedKeyAccess"]) == "!flex"  # off on Flex; EP's content share
    # The only key in any setting: Elastic Premium's content share, in the EP-only config resource.
    key_users = [name for name, r in app.resources.items() if "listKeys" in r.body.entries.get("properties", Expr([])).calls()]
    assert key_users == ["premiumSettings"]


def test_elastic_premium_settings_merge_over_the_published_ones(files):
    app = files["modules/function-app.bicep"]
    config = app.resources["premiumSettings"]
    assert config.type == "Microsoft.Web/sites/config" and config.body.entries["name"].literal() == "appsettings"
    properties = config.body.entries["properties"]
    assert properties.parts[0].text == "union"
    first_argument = properties.parts[1].parts[:2]
    assert first_argument[0].text == "list" and "/config/appsettings" in first_argument[1].parts[0].text
    site_config = app.resources["site"].body.entries["properties"].objects()[0].entries["siteConfig"].objects()[0]
    assert flat(site_config.entries["appSettings"]).endswith(":null"), "EP must not set siteConfig.appSettings"


# --- list* ---------------------------------------------------------------------------------------------


def list_calls_unguarded(bicep: BicepFile) -> list[str]:
    """Why each list* call could run when what it reads does not exist (empty when all are guarded)."""
    problems: list[str] = []
    for name, expr in [*bicep.variables.items(), *bicep.outputs.items()]:
        if any(call.startswith("list") for call in expr.calls()):
            problems.append(f"{name}: list* in a var or output runs whatever resource uses it")
    for declaration in bicep.declarations:
        for key, value in declaration.body.entries.items():
            if not any(call.startswith("list") for call in value.calls()):
                continue
            text = value.text()
            condition = declaration.condition or ""
            if "/host/" in text and "deployEventSubscription" not in condition:
                problems.append(f"{declaration.symbol}.{key}: host keys exist only once the code is published")
            for symbol, listed in bicep.resources.items():
                if listed.condition and re.search(rf"\b{symbol}\b", text) and listed.condition not in condition:
                    problems.append(f"{declaration.symbol}.{key}: lists {symbol} (if {listed.condition}) "
                                    f"without its condition")
    return problems


def test_every_list_call_sits_behind_the_condition_of_the_resource_that_needs_it(files):
    calls = 0
    for bicep in files.values():
        assert list_calls_unguarded(bicep) == [], bicep.path.name
        calls += sum(call.startswith("list") for d in bicep.declarations for v in d.body.entries.values()
                     for call in v.calls())
    assert calls >= 3  # host keys for the webhook, EP's settings merge and its content share key


def test_the_webhook_key_is_read_only_by_the_webhook_subscription_of_the_second_pass(files):
    events = files["modules/image-events.bicep"]
    readers = [d for d in events.declarations if "listKeys" in " ".join(v.text() for v in d.body.entries.values())]
    assert [d.symbol for d in readers] == ["toWebhook"]
    assert readers[0].condition == "deployEventSubscription && endpointType == 'WebHook'"


def test_the_guard_check_catches_an_unguarded_list(tmp_path):
    # The shape of the first pass failure: the key read in a var the subscription always uses.
    bad = tmp_path / "bad.bicep"
    bad.write_text("param id string\nparam on bool\n"
                   "var url = 'https://x/?code=${listKeys('${id}/host/default', '2024-04-01').systemKeys.x}'\n"
                   "resource s 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = if (on) {\n"
                   "  name: 'x'\n  properties: {\n    destination: url\n  }\n}\n")
    problems = list_calls_unguarded(parse(bad))
    assert problems and "url" in problems[0]
    bad.write_text("param id string\n"
                   "resource s 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {\n"
                   "  name: 'x'\n  properties: {\n"
                   "    url: 'https://x/?code=${listKeys('${id}/host/default', '2024-04-01').systemKeys.x}'\n"
                   "  }\n}\n")
    assert "host keys" in list_calls_unguarded(parse(bad))[0]


# --- the deployer's role --------------------------------------------------------------------------------


def role_actions(files: dict[str, BicepFile]) -> dict[str, tuple[str, list[str], str | None]]:
    """action -> (variable, its comments, the parameter that grants it or None) from deployer-role.bicep."""
    role = files["modules/deployer-role.bicep"]
    actions: dict[str, tuple[str, list[str], str | None]] = {}
    for name, expr in role.variables.items():
        arrays = [part for part in expr.parts if isinstance(part, Arr)]
        first = expr.parts[0]
        guard = first.text if isinstance(first, Token) and first.text in role.params else None
        for array in arrays:
            for item in array.items:
                actions[item.value.literal()] = (name, item.comments, guard)
    return actions


def test_every_sdk_call_of_the_code_has_a_known_rbac_action():
    unknown = {f"{group}.{method} at {where}" for (group, method), where in sdk_calls().items()
               if (group, method) not in SDK_CALL_ACTIONS}
    assert not unknown, f"map these calls to their RBAC action in tests/infra/code_facts.py: {unknown}"


def test_the_role_grants_every_action_the_code_needs_and_nothing_unexplained(files):
    granted = role_actions(files)
    needed = actions_the_code_needs()
    missing = {action: why for action, why in needed.items() if action not in granted}
    assert not missing, f"the role lacks: {missing}"
    for action, (_variable, comments, guard) in granted.items():
        assert comments and comments[-1], f"{action} has no comment saying which code needs it"
        if action not in needed:
            assert guard is not None and "optional" in comments[-1], (
                f"{action} is granted but no code path uses it; make it optional behind a parameter and say why")
    unconditional = {a for a, (_v, _c, guard) in granted.items() if guard is None}
    assert unconditional == set(needed)


def test_the_role_offers_the_optional_actions_behind_parameters(files):
    granted = role_actions(files)
    assert granted["Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"][2] == \
        "grantUserAssignedIdentityAssign"
    assert granted["Microsoft.KeyVault/vaults/deploy/action"][2] == "grantKeyVaultDeploy"
    assert granted["Microsoft.KeyVault/vaults/secrets/getSecret/action"][2] == "grantKeyVaultSecretRead"
    role = files["modules/deployer-role.bicep"].resources["role"].body.entries["properties"].objects()[0]
    permission = role.entries["permissions"].parts[0].items[0].value.objects()[0]
    assert permission.entries["dataActions"].text() == "secretDataActions"  # a data action, not an action
    assert "secretDataActions" not in permission.entries["actions"].text()


def test_the_role_replaces_the_built_in_roles_and_is_assigned_where_the_deployer_works(files):
    main = files["main.bicep"]
    text = (INFRA / "main.bicep").read_text() + "".join(p.read_text() for p in (INFRA / "modules").glob("*.bicep"))
    for built_in in ("9980e02c-c2be-4d73-94e8-173b1dc7cf3c",  # Virtual Machine Contributor
                     "4d97b98b-1d4f-4787-a291-c67834d212e7",  # Network Contributor
                     "749f88d5-cbae-40b8-bcfc-e573ddc772fa",  # Monitoring Contributor
                     "acdd72a7-3385-48ef-bd42-f606fba81ae7"):  # Reader
        assert built_in not in text
    assert not (INFRA / "deployer-role.json").exists()
    assert flat(main.modules["deployerRole"].body.entries["scope"]) == "subscription()"
    assert re.sub(r"\s+", "", main.modules["groupAccess"].loop) == (
        "groupinunion(targetResourceGroups,networkResourceGroups,[galleryResourceGroup])")
    assert flat(main.modules["groupAccess"].body.entries["params"].objects()[0].entries["roleDefinitionId"]) == \
        "deployerRole.outputs.id"
    assert "roleGroups" in main.modules["deployerRole"].body.entries["params"].text()
    for group in ("targetResourceGroups", "networkResourceGroups", "galleryResourceGroup", "keyVaults"):
        assert group in main.variables["roleGroups"].text()


# --- Event Grid and alerts --------------------------------------------------------------------------------


def test_the_event_subscription_retries_for_a_day_then_dead_letters_with_the_topics_identity(files):
    events = files["modules/image-events.bicep"]
    delivery = events.variables["delivery"].objects()[0]
    retry = delivery.entries["retryPolicy"].objects()[0]
    assert retry.entries["maxDeliveryAttempts"].text() == "30"
    assert retry.entries["eventTimeToLiveInMinutes"].text() == "1440"
    dead_letter = delivery.entries["deadLetterWithResourceIdentity"].objects()[0]
    assert dead_letter.entries["identity"].objects()[0].entries["type"].literal() == "SystemAssigned"
    destination = dead_letter.entries["deadLetterDestination"].objects()[0]
    assert destination.entries["endpointType"].literal() == "StorageBlob"
    assert events.resources["topic"].body.entries["identity"].objects()[0].entries["type"].literal() == "SystemAssigned"
    main = files["main.bicep"]
    writer = main.resources["deadLetterWriter"]
    assert "ba92f5b4-2d11-453d-a403-e96b0029c9fe" in writer.body.entries["name"].text()  # Blob Data Contributor
    assert writer.condition == main.modules["imageEvents"].condition
    for subscription in ("toFunction", "toWebhook"):
        assert "delivery" in events.resources[subscription].body.entries["properties"].text()


def test_alerts_cover_function_failures_and_event_grid_delivery_failures(files):
    monitoring = files["modules/monitoring.bicep"]
    function_alert = monitoring.resources["functionFailures"].body.entries["properties"].objects()[0]
    assert "requests/failed" in function_alert.entries["criteria"].text()
    assert "insights.id" in flat(function_alert.entries["scopes"])
    events = files["modules/image-events.bicep"]
    metrics = {item.value.literal() for item in events.variables["deliveryMetrics"].parts[0].items}
    assert metrics == {"DeliveryAttemptFailCount", "DeadLetteredCount"}
    assert events.resources["deliveryAlerts"].loop == "metric in deliveryMetrics"
    assert "topic.id" in flat(events.resources["deliveryAlerts"].body.entries["properties"])


# --- property names against Azure's resource type definitions -------------------------------------------

AZURE_TYPES = json.loads((Path(__file__).parent / "azure_types.json").read_text())
BICEP_KEYWORDS = {"name", "parent", "scope", "dependsOn"}


def test_every_resource_type_is_checked_against_azures_definitions_or_says_why_not(files):
    used = {r.target for bicep in files.values() for r in bicep.resources.values()}
    known = set(AZURE_TYPES["types"]) | set(AZURE_TYPES["not_checked"])
    assert used <= known, f"add these to tests/infra/azure_types.json: {sorted(used - known)}"
    assert set(AZURE_TYPES["types"]) <= used, "azure_types.json keeps only what infra/ uses"


def test_property_names_are_those_azure_defines_for_the_api_version(files):
    checked = 0
    for bicep in files.values():
        for resource in bicep.resources.values():
            definition = AZURE_TYPES["types"].get(resource.target)
            if definition is None or resource.existing:
                continue
            for parent, key in key_paths(resource.body, variables=bicep.variables):
                if parent == "" and key in BICEP_KEYWORDS:
                    continue
                allowed = definition["objects"].get(parent)
                if allowed is not None:
                    assert key in allowed, f"{bicep.path.name}: {resource.target} has no property {parent}.{key}"
                    checked += 1
    assert checked > 60


def test_the_property_check_catches_a_misspelt_name(tmp_path):
    bad = tmp_path / "bad.bicep"
    bad.write_text("resource t 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {\n"
                   "  name: 'x'\n  properties: {\n    retryPolicy: {\n      maxDeliveryAttempt: 3\n    }\n  }\n}\n")
    resource = parse(bad).resources["t"]
    allowed = AZURE_TYPES["types"][resource.target]["objects"]
    wrong = [(p, k) for p, k in key_paths(resource.body)
             if p in allowed and k not in allowed[p] and (p, k) != ("", "name")]
    assert wrong == [("properties.retryPolicy", "maxDeliveryAttempt")]


def test_the_durable_task_scheduler_option_uses_host_jsons_task_hub_and_the_apps_identity(files):
    main = files["main.bicep"]
    assert main.params["durableBackend"].default.literal() == "AzureStorage"
    host = json.loads((ROOT / "host.json").read_text())
    assert main.variables["taskHubName"].literal() == host["extensions"]["durableTask"]["hubName"]
    assert main.modules["durableTaskScheduler"].condition == "durableBackend == 'DurableTaskScheduler'"
    settings = app_settings_set_by(files)
    assert {"DURABLE_TASK_SCHEDULER_CONNECTION_STRING",
            "AzureFunctionsJobHost__extensions__durableTask__storageProvider__type",
            "AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName"} <= settings
    app = files["modules/function-app.bicep"]
    connection = [o for o in app.variables["appSettings"].objects(app.variables)
                  if "DURABLE_TASK_SCHEDULER_CONNECTION_STRING" in o.entries][0]
    assert connection.entries["DURABLE_TASK_SCHEDULER_CONNECTION_STRING"].literal().endswith(
        ";Authentication=ManagedIdentity")
    assert connection.entries["AzureFunctionsJobHost__extensions__durableTask__storageProvider__type"].literal() == \
        "azureManaged"
    access = files["modules/durable-task-access.bicep"]
    assert access.resources["access"].body.entries["scope"].text() == "scheduler"
    assert main.modules["durableTaskAccess"].condition == main.modules["durableTaskScheduler"].condition


def module_dependencies(bicep: BicepFile) -> dict[str, set[str]]:
    """Module -> the modules whose outputs (or which by dependsOn) it needs."""
    symbols = set(bicep.modules)
    return {name: {s for s in symbols if s != name and re.search(rf"\b{s}\b", " ".join(
                v.text() for v in module.body.entries.values()))}
            for name, module in bicep.modules.items()}


def test_modules_depend_on_each_other_without_a_cycle(files):
    for bicep in files.values():
        dependencies = module_dependencies(bicep)
        done: set[str] = set()
        while len(done) < len(dependencies):
            ready = {m for m, needs in dependencies.items() if m not in done and needs <= done}
            assert ready, f"{bicep.path.name}: dependency cycle among {sorted(set(dependencies) - done)}"
            done |= ready


def test_the_cycle_check_catches_two_modules_needing_each_others_outputs(tmp_path):
    # The shape first written for the Durable Task Scheduler: its role needed the app's identity,
    # the app's settings needed its endpoint.
    bad = tmp_path / "bad.bicep"
    bad.write_text("module app 'a.bicep' = {\n  name: 'a'\n  params: {\n    endpoint: dts.outputs.endpoint\n  }\n}\n"
                   "module dts 'd.bicep' = {\n  name: 'd'\n  params: {\n    principalId: app.outputs.principalId\n  }\n}\n")
    assert module_dependencies(parse(bad)) == {"app": {"dts"}, "dts": {"app"}}
