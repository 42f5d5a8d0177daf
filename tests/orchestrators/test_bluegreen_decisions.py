"""Pure decisions of the orchestrator: error messages, event data, the planned steps."""

from __future__ import annotations

import pytest

from domain.contracts import DeploymentInput, Source
from orchestrators.bluegreen import BlueGreenDeployment, StepFailed, _clean, _event_data

IMAGE = ("/subscriptions/8f7a6b5c-1d2e-4f30-9a8b-7c6d5e4f3a2b/resourceGroups/rg/providers/Microsoft.Compute/"
         "galleries/g/images/web/versions/{}")


class RecordedContext:
    """Just enough of DurableOrchestrationContext to build the deployment state (no replay)."""

    instance_id = "dep-1"
    version = None  # started before versioning: the flow of version 1

    def __init__(self, payload: dict) -> None:
        self._payload = payload
        self.custom_status = None

    def get_input(self):
        return self._payload

    def set_custom_status(self, status) -> None:
        self.custom_status = status


def deployment(image_version: str, kind: str) -> BlueGreenDeployment:
    spec = {"subscriptionId": "8f7a6b5c-1d2e-4f30-9a8b-7c6d5e4f3a2b", "resourceGroup": "rg", "name": "web",
            "baseVmss": "base", "image": IMAGE.format(image_version), "loadBalancer": "lb",
            "prodBackendPool": "prod", "stageBackendPool": "stage"}
    payload = DeploymentInput("dep-1", spec, "key", Source(kind=kind).to_json()).to_json()
    return BlueGreenDeployment(RecordedContext(payload))


def test_activity_failures_keep_the_reason_and_drop_the_details():
    assert _clean(Exception("Activity failed: load balancer [lb] was not found \n Traceback ...")) == \
        "Activity failed: load balancer [lb] was not found"
    assert _clean(StepFailed("Swap", "timed out")) == "Swap: timed out"
    assert _clean(Exception("")) == "Exception"


@pytest.mark.parametrize("raw, expected", [
    ({"decision": "approve"}, {"decision": "approve"}),
    ('{"decision": "approve"}', {"decision": "approve"}),
    ('"{\\"decision\\": \\"reject\\"}"', {"decision": "reject"}),
    ("not json", "not json"),
    (None, None),
])
def test_external_event_data_is_decoded_however_often_it_was_encoded(raw, expected):
    assert _event_data(raw) == expected


def test_the_planned_steps_follow_the_spec():
    flow = deployment("1.0.0", "http")
    assert [s.name for s in flow.view.steps] == ["Setup", "Upgrade", "Swap", "Downsize"]
    assert all(s.status == "Pending" for s in flow.view.steps)
