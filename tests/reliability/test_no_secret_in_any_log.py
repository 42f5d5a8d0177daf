"""No secret reaches a log, a status body, the deployment log or durable history (issue 11).

A devhost of its own, with a function key nobody else uses, runs a full deployment against the ARM
emulator and Azurite. Then every place an operator or an attacker with read access could look is
searched for each secret the stack holds: the function key, the storage account key, the bearer token
the app sends to Resource Manager, any SAS signature, the webhook signing key (the first deployment
notifies a loopback webhook) and the admin password the second one reads from Key Vault.

Out of scope here: the `?code=` query string in devhost's access log (redacted by devhost itself), so
the API is called with the key in the `x-functions-key` header, as the docs show.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from gateway.credentials import EMULATOR_TOKEN, StaticTokenCredential
from scripts import stack
from scripts.seed import Seeder, Target
from tests.e2e.conftest import SUBSCRIPTION_ID, devhost_settings, spec_for, start_test_devhost
from tests.support.api import DeployerApi

pytestmark = pytest.mark.e2e

SAS_SIGNATURE = re.compile(r"[?&]sig=[A-Za-z0-9%+/=]{20,}")


@pytest.fixture(scope="module")
def keyed_devhost(arm_emulator, azurite, tmp_path_factory):
    state = tmp_path_factory.mktemp("secret-devhost")
    function_key = "fk-" + secrets.token_urlsafe(24)
    settings = devhost_settings(arm_emulator, azurite, FUNCTION_KEY=function_key,
                                WEBHOOK_SIGNING_KEY="wsk-" + secrets.token_urlsafe(24))
    host = start_test_devhost(state, settings)
    yield host, state / "state", settings["WEBHOOK_SIGNING_KEY"]
    host.stop()


def secrets_of_the_stack(function_key: str, signing_key: str, admin_password: str) -> dict[str, str]:
    found = {
        "function key": function_key,
        "webhook signing key": signing_key,
        "Key Vault admin password": admin_password,
        "storage account key": stack.AZURITE_KEY,
        "storage account key (URL-encoded)": quote(stack.AZURITE_KEY, safe=""),
        "ARM bearer token": EMULATOR_TOKEN,
    }
    assert all(len(value) >= 16 for value in found.values())  # long enough not to match by chance
    return found


def leaks(places: dict[str, str], stack_secrets: dict[str, str]) -> list[str]:
    found = []
    for place, text in places.items():
        for secret_name, secret in stack_secrets.items():
            if secret in text:
                found.append(f"{secret_name} in {place}")
        if SAS_SIGNATURE.search(text):
            found.append(f"a SAS signature in {place}")
    return found


def files_under(folder: Path) -> dict[str, str]:
    return {str(path): path.read_bytes().decode("utf-8", errors="replace")
            for path in sorted(folder.rglob("*")) if path.is_file()}


def test_a_full_deployment_leaves_no_secret_in_any_log_status_or_history(keyed_devhost, arm_emulator):
    from tests.e2e.test_azure_realism import _password_base
    from tests.e2e.test_notifications import Receiver

    host, durable_state, signing_key = keyed_devhost
    target = Target(SUBSCRIPTION_ID, f"rg-secrets-{secrets.token_hex(4)}")
    seeder = Seeder(StaticTokenCredential(), target, arm_emulator.endpoint, str(arm_emulator.ca_bundle),
                    polling_interval=0.02)
    images = seeder.everything(("1.0.0", "1.1.0"))
    api = DeployerApi(host.url, host.function_key)
    admin_password = "Kv-" + secrets.token_urlsafe(18) + "!9"
    secret_name = f"vmss-admin-{secrets.token_hex(4)}"
    assert httpx.put(f"{arm_emulator.endpoint}/_emulator/secrets/{secret_name}", json={"value": admin_password},
                     verify=str(arm_emulator.ca_bundle)).status_code in (200, 201)
    webhook = Receiver()
    try:
        first = api.deploy(spec_for(target, images[0], notifications={"webhooks": [webhook.url]}))
        assert api.wait(first)["status"] == "Succeeded", api.log(first)
        webhook.wait_for(lambda events: any(e["type"].endswith(".Succeeded") for e in events))
    finally:
        webhook.close()
    second = api.deploy(spec_for(target, images[1], baseVmss=_password_base(seeder, images[1]),
                                 adminPassword={"keyVaultSecretId":
                                                f"https://bg-vault.vault.azure.net/secrets/{secret_name}"}))
    assert api.wait(second)["status"] == "Succeeded", api.log(second)
    # A refused request whose answer quotes what was sent. (Not a secret in a URL path: every host's
    # access log records paths, on Azure too; keys travel in a header or in `code=`, which is redacted.)
    assert api.http.post("/api/deployments", json={"subscriptionId": host.function_key}).status_code == 400
    assert api.http.get("/api/deployments", params={"code": host.function_key}).status_code == 200

    places = {
        "devhost log": host.log_path.read_text(errors="replace"),
        "ARM emulator log": arm_emulator.log_path.read_text(errors="replace"),
        "ARM emulator request log": str(arm_emulator_requests(arm_emulator)),
        **{f"status of {d}": api.http.get(f"/api/deployments/{d}").text for d in (first, second)},
        "deployment list": api.http.get("/api/deployments").text,
        **{f"deployment log of {d}": api.log(d) for d in (first, second)},
        **{f"durable state {name}": text for name, text in files_under(durable_state).items()},
    }
    assert first in places["deployment list"] and "Tagging VMSS" in places[f"deployment log of {second}"]
    assert any(first in text for name, text in places.items() if name.startswith("durable state"))
    stack_secrets = secrets_of_the_stack(host.function_key, signing_key, admin_password)
    # The emulator stands for Azure, which is given the password in the create's body: its own log is
    # Azure's side, so the password is looked for in the app's places only.
    app_places = {name: text for name, text in places.items() if not name.startswith("ARM emulator")}
    assert leaks(app_places, stack_secrets) == []
    azure_side = {k: v for k, v in stack_secrets.items() if k != "Key Vault admin password"}
    assert leaks({k: v for k, v in places.items() if k.startswith("ARM emulator")}, azure_side) == []
    assert len(webhook.requests) >= 2 and all("x-signature-256" in headers for headers, _ in webhook.requests)


def arm_emulator_requests(arm_emulator) -> list:
    import ssl

    import httpx

    with httpx.Client(base_url=arm_emulator.endpoint, timeout=30,
                      verify=ssl.create_default_context(cafile=str(arm_emulator.ca_bundle))) as client:
        return client.get("/_emulator/requests").json()


def test_the_search_finds_a_secret_where_there_is_one():
    key = "fk-" + "k" * 30
    stack_secrets = secrets_of_the_stack(key, "wsk-" + "s" * 30, "Kv-" + "p" * 30)
    assert leaks({"a log": f"GET /x?code=ok {key}"}, stack_secrets) == ["function key in a log"]
    assert leaks({"a log": f"Authorization: Bearer {EMULATOR_TOKEN}"}, stack_secrets) == ["ARM bearer token in a log"]
    assert leaks({"a log": "https://a.blob/c?sv=2025&sig=" + "A" * 43 + "%3D"}, stack_secrets) == \
        ["a SAS signature in a log"]
    assert leaks({"history": "signed with wsk-" + "s" * 30}, stack_secrets) == ["webhook signing key in history"]
    assert leaks({"status": "Kv-" + "p" * 30}, stack_secrets) == ["Key Vault admin password in status"]
