"""The scenario of Azure's samples-v2/orchestration_versioning, written for devhost's tests.

An orchestrator with two code paths chosen by `context.version` (the version the instance was
created with), a wait for an external event in the middle (time to restart the host with another
`defaultVersion`), then two sub-orchestrations: one with an explicit version, one with the default.
"""

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="orchestrators/{functionName}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def http_start(req: func.HttpRequest, client) -> func.HttpResponse:
    version = req.params.get("version")
    name = req.route_params["functionName"]
    instance_id = await client.start_new(name, version=version) if version else await client.start_new(name)
    return client.create_check_status_response(req, instance_id)


@app.orchestration_trigger(context_name="context")
def versioned_orchestrator(context: df.DurableOrchestrationContext):
    # context.version is the defaultVersion in force when this instance was created
    if context.version == "1.0":
        greeting = yield context.call_activity("greet_from_a")
    else:
        greeting = yield context.call_activity("greet_from_b")
    context.set_custom_status("Waiting for Continue event...")
    yield context.wait_for_external_event("Continue")
    context.set_custom_status("Continue event received")
    explicit = yield context.call_sub_orchestrator("report_version", version="0.9")
    default = yield context.call_sub_orchestrator("report_version")
    return [f"Orchestration version: {context.version}", f"Suborchestration version (explicit): {explicit}",
            f"Suborchestration version (default): {default}", greeting]


@app.orchestration_trigger(context_name="context")
def report_version(context: df.DurableOrchestrationContext):
    return context.version  # a plain function: an orchestrator that schedules nothing


@app.activity_trigger(input_name="unused")
def greet_from_a(unused) -> str:
    return "Hello from A!"


@app.activity_trigger(input_name="unused")
def greet_from_b(unused) -> str:
    return "Hello from B!"
