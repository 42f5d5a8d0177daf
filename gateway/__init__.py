"""Azure gateway: every call the deployer makes to Azure (ARM and Blob Storage) goes through here.

Modules: `settings` (Settings.from_env), `clients` (AzureClients, get_clients), `compute` (scale
sets), `network` (load balancers), `autoscale`, `gallery`, `storage` (logs, locks, profiles, markers),
`errors` (GatewayError, NotFoundError, PreconditionFailed, InvalidResourceIdError).
Every function takes the clients object first; every write checks the current state first and is a
no-op when it already holds.
"""
