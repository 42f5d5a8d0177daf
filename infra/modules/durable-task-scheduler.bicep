// Optional Durable backend (issue 12, docs/performance.md): a Durable Task Scheduler with one task hub.
// The app's identity gets its data role in durable-task-access.bicep (the app needs the endpoint first). The app keeps AzureWebJobsStorage for the host itself (keys, its own
// blobs) and for the deployer's profiles, logs, locks and event markers.

param location string

@description('Scheduler name: 3 to 64 letters, digits and hyphens.')
@minLength(3)
@maxLength(64)
param schedulerName string

@description('Task hub name, the one host.json names (extensions.durableTask.hubName).')
@minLength(3)
@maxLength(64)
param taskHubName string

param tags object = {}

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: schedulerName
  location: location
  tags: tags
  properties: {
    // The app reaches it from Functions' shared outbound addresses; access is by identity only.
    ipAllowlist: [
      '0.0.0.0/0'
    ]
    sku: {
      name: 'Consumption'
    }
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: taskHubName
  properties: {}
}

output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
