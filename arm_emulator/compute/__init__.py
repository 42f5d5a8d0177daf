"""Microsoft.Compute: scale sets, their VMs, and Compute Gallery galleries, images, versions."""
