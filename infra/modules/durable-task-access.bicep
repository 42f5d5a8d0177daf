// The app's identity on the Durable Task Scheduler: run orchestrations and activities of its task hubs.

@description('Scheduler name: 3 to 64 letters, digits and hyphens.')
@minLength(3)
@maxLength(64)
param schedulerName string

param principalId string

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' existing = {
  name: schedulerName
}

// Durable Task Data Contributor
var dataContributor = '0ad04412-c4d5-4796-b79c-f76d14c8d402'

resource access 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scheduler.id, principalId, dataContributor)
  scope: scheduler
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
