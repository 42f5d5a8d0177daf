// One role for one principal on the resource group this module is deployed to.

@description('Object id of the principal (the Function App\'s managed identity).')
param principalId string

@description('Full resource id of the role definition.')
param roleDefinitionId string

@description('Why the principal has this role here.')
param purpose string

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, roleDefinitionId)
  properties: {
    roleDefinitionId: roleDefinitionId
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: purpose
  }
}
