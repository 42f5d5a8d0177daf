"""Azure gateway: every call the deployer makes to Azure (ARM and Blob Storage) goes through here.

Modules
- `settings`: `Settings` (frozen; `Settings.from_env(environ)`), `SettingsError`.
- `clients`: `AzureClients(settings)` with `.compute(sub)`, `.network(sub)`, `.monitor(sub)` (one client
  per subscription, built once), `.blob_service()`; `get_clients()` process-wide, `set_clients()`
  for tests.
- `compute`: scale sets (get, list, create from base, capacity, pools+tags, manual upgrade, delete,
  instance counts).
- `network`: load balancer summary, backend pool members.
- `autoscale`: find by target, put (create/replace), delete, `retarget_autoscale` (pure).
- `gallery`: image version (with replication state).
- `storage`: `DeploymentLogs`, `TargetLocks`, `ProfileStore`, `EventMarkers` (Blob Storage).
- `errors`: `GatewayError`, `NotFoundError(resource, name)`, `PreconditionFailed`,
  `InvalidResourceIdError`.

Conventions
- Every function takes the clients object first and returns `domain.model` snapshots or plain values.
- Every write reads the current state first and is a no-op when it already holds, so an activity re-run
  after a crash is safe.
- Scale sets are changed by PATCH bodies of the fields that change, built from the compute SDK's model
  classes (the TypeSpec-generated SDK sends dicts as they are); a model read earlier is never PUT back.
- Long-running operations are waited for by default (poll interval `ARM_POLLING_INTERVAL_SECONDS`);
  `set_capacity`, `manual_upgrade` and `delete_scale_set` take `wait=False` to return once accepted.
  With `start_only=True` the writes (create, capacity, pools and tags, manual upgrade, delete) return a
  `compute.Begun`: what the write's answer says and the operation to follow, which
  `operations.read_operation` reads once per call (orchestration version 4: activities never wait).
- Unexpected failures (throttling beyond azure-core's retries, 5xx, failed operations) propagate as
  `azure.core.exceptions.HttpResponseError`; a missing resource the caller named raises
  `NotFoundError` where a caller must branch, or the getter returns None.
"""
