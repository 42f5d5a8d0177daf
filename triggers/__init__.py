"""Ways in: the HTTP API (deployments, profiles) and the Event Grid function."""
