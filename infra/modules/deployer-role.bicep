// The deployer's custom role: exactly what the code in gateway/ does to Azure, and nothing it does not.
// Deployed at subscription scope (where role definitions live); assignable only to the resource groups
// the app works in. tests/infra reads the actions below: each must map to an ARM call the code makes
// (or to a linked-access check Azure makes for one), or say here why it is granted. Not granted:
// Microsoft.Network/loadBalancers/backendAddressPools/read, whose gateway function (pool_members) no
// code path of the app calls.

targetScope = 'subscription'

@description('Role name, unique in the tenant.')
@minLength(1)
@maxLength(128)
param roleName string

@description('Resource groups (names, this subscription) the role may be assigned in.')
@minLength(1)
param assignableResourceGroups array

@description('Grant userAssignedIdentities/assign/action: needed when base scale sets carry a user-assigned managed identity.')
param grantUserAssignedIdentityAssign bool = false

@description('Grant Key Vault deploy/action: needed when base scale sets install Key Vault certificates (osProfile.secrets).')
param grantKeyVaultDeploy bool = false

@description('Grant reading Key Vault secrets: needed for deployments with adminPassword.keyVaultSecretId.')
param grantKeyVaultSecretRead bool = false

var requiredActions = [
  // gateway/compute.py: get, list (lineage, base model with $expand=userData)
  'Microsoft.Compute/virtualMachineScaleSets/read'
  // gateway/compute.py: create from the base model (PUT), capacity, pools and tags (PATCH)
  'Microsoft.Compute/virtualMachineScaleSets/write'
  // gateway/compute.py: retention and rollback delete scale sets
  'Microsoft.Compute/virtualMachineScaleSets/delete'
  // gateway/compute.py: update_instances (POST .../manualupgrade)
  'Microsoft.Compute/virtualMachineScaleSets/manualUpgrade/action'
  // gateway/compute.py: instance list with $expand=instanceView (steady state, health)
  'Microsoft.Compute/virtualMachineScaleSets/virtualMachines/read'
  // azure-core polls every long-running operation's Azure-AsyncOperation / Location URL
  // (/subscriptions/{s}/providers/Microsoft.Compute/locations/{l}/operations|operationResults/{id})
  'Microsoft.Compute/locations/operations/read'
  // gateway/gallery.py: version replication state; also Azure's linked-access check when a scale set
  // is created from (or patched to) a gallery image version
  'Microsoft.Compute/galleries/images/versions/read'
  // gateway/gallery.py: the image definition's osType, osState and hyperVGeneration (validation and the
  // create, when the new image is of another definition than the base's)
  'Microsoft.Compute/galleries/images/read'
  // gateway/network.py: load balancer and its pools
  'Microsoft.Network/loadBalancers/read'
  // linked access: a scale set model that names a backend pool (create in stage, swap to prod)
  'Microsoft.Network/loadBalancers/backendAddressPools/join/action'
  // linked access: networkProfile.healthProbe copied from the base model (health-checked steady state)
  'Microsoft.Network/loadBalancers/probes/join/action'
  // linked access: every NIC IP configuration copied from the base names its subnet
  'Microsoft.Network/virtualNetworks/subnets/join/action'
  // linked access: a network security group on a NIC configuration copied from the base
  'Microsoft.Network/networkSecurityGroups/join/action'
  // linked access: application security groups on an IP configuration copied from the base
  'Microsoft.Network/applicationSecurityGroups/joinIpConfiguration/action'
  // gateway/autoscale.py: list by subscription (a setting may live in another resource group: this
  // needs the role, or Monitoring Reader, at subscription scope; assigned on resource groups only, the
  // list answers 403 and the code falls back to the target's resource group), list by resource group, get
  'Microsoft.Insights/autoscalesettings/read'
  // gateway/autoscale.py: attach the retargeted setting after the swap, restore on rollback
  'Microsoft.Insights/autoscalesettings/write'
  // gateway/autoscale.py: cleared before every resize
  'Microsoft.Insights/autoscalesettings/delete'
]

var identityActions = grantUserAssignedIdentityAssign ? [
  // optional, linked access: a user-assigned identity copied from the base model
  'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action'
] : []

var keyVaultDeployActions = grantKeyVaultDeploy ? [
  // optional, linked access: certificates of osProfile.secrets copied from the base model
  'Microsoft.KeyVault/vaults/deploy/action'
] : []

var secretDataActions = grantKeyVaultSecretRead ? [
  // optional, data plane: the app reads adminPassword.keyVaultSecretId with its identity
  'Microsoft.KeyVault/vaults/secrets/getSecret/action'
] : []

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, roleName)
  properties: {
    roleName: roleName
    description: 'vmss-bluegreen: create, resize, upgrade, swap between load balancer pools and delete scale sets built from a base scale set and a gallery image version, and move their autoscale settings.'
    type: 'CustomRole'
    permissions: [
      {
        actions: concat(requiredActions, identityActions, keyVaultDeployActions)
        notActions: []
        dataActions: secretDataActions
        notDataActions: []
      }
    ]
    assignableScopes: [for group in assignableResourceGroups: '${subscription().id}/resourceGroups/${group}']
  }
}

output id string = role.id
