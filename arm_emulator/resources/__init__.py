"""Microsoft.Resources: resource groups."""
