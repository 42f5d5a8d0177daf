// The deployer's role on one Key Vault (RBAC authorization model): adminPassword secrets and
// osProfile.secrets certificates, as the role's optional actions allow. Scoped to the vault, so
// nothing else in its resource group is reachable.

@description('Name of the Key Vault (3 to 24 characters).')
@minLength(3)
@maxLength(24)
param vaultName string

param principalId string
param roleDefinitionId string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: vaultName
}

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, roleDefinitionId)
  scope: vault
  properties: {
    roleDefinitionId: roleDefinitionId
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'vmss-bluegreen: Key Vault secrets and certificates of the scale sets it deploys'
  }
}
