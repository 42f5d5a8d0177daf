"""Microsoft.Network: load balancers and their backend pools (members computed live from compute)."""
