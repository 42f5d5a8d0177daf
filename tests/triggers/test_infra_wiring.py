"""The Azure wiring in infra/ names what the code expects (no Bicep compiler here: a text check)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from triggers.eventgrid import FUNCTION_NAME, IMAGE_VERSION_WRITE, WRITE_SUCCESS

INFRA = Path(__file__).resolve().parents[2] / "infra"


def test_every_module_main_uses_exists():
    main = (INFRA / "main.bicep").read_text()
    modules = re.findall(r"^module \w+ '([^']+)'", main, re.MULTILINE)
    assert modules
    assert all((INFRA / path).is_file() for path in modules), modules


def test_the_event_subscription_targets_the_function_with_the_operation_filter():
    events = (INFRA / "modules" / "image-events.bicep").read_text()
    assert f"var functionName = '{FUNCTION_NAME}'" in events
    assert f"'{WRITE_SUCCESS}'" in events
    assert "operatorType: 'StringIn'" in events and "key: 'data.operationName'" in events
    assert f"'{IMAGE_VERSION_WRITE}'" in events
    assert "/runtime/webhooks/eventgrid?functionName=${functionName}&code=" in events
    assert "Microsoft.Resources.ResourceGroups" in events and "Microsoft.Resources.Subscriptions" in events


def test_the_app_gets_the_settings_the_gateway_reads():
    app = (INFRA / "modules" / "function-app.bicep").read_text()
    for setting in ("AzureWebJobsStorage", "ARM_ENDPOINT", "ARM_CREDENTIAL", "APPLICATIONINSIGHTS_CONNECTION_STRING"):
        assert f"name: '{setting}'" in app
    assert "name: 'python'" in app and "version: '3.11'" in app and "'Python|3.11'" in app


def test_the_custom_role_is_valid_json_with_the_deployers_actions():
    role = json.loads((INFRA / "deployer-role.json").read_text())
    actions = set(role["Actions"])
    assert {"Microsoft.Compute/virtualMachineScaleSets/write", "Microsoft.Compute/virtualMachineScaleSets/delete",
            "Microsoft.Compute/virtualMachineScaleSets/manualUpgrade/action",
            "Microsoft.Compute/galleries/images/versions/read",
            "Microsoft.Network/loadBalancers/backendAddressPools/join/action",
            "Microsoft.Insights/autoscalesettings/write"} <= actions
