// The Function App (Linux, Python 3.11, v2 programming model) with its storage account and a
// system-assigned managed identity. Flex Consumption (FC1, the default) or Elastic Premium (EP1).
//
// Storage is identity-based: AzureWebJobsStorage__blobServiceUri/__queueServiceUri/__tableServiceUri,
// read by the Functions host, the Durable extension (blobs, queues, tables) and the app itself
// (gateway/settings.py: profiles, deployment logs, locks and event markers, in blobs). The identity
// gets the three data roles Durable Functions needs. On Flex Consumption shared keys are off.
//
// The exception: Elastic Premium keeps its code in an Azure Files share (WEBSITE_CONTENTSHARE), and
// Azure Files content shares take only a connection string with the account key. So on Elastic
// Premium shared keys stay on, and only WEBSITE_CONTENTAZUREFILECONNECTIONSTRING carries the key.

param location string

@description('Function App name: 2 to 55 characters (the plan is named plan-<appName>, at most 60).')
@minLength(2)
@maxLength(55)
param appName string

@description('Storage account name: 3 to 24 lowercase letters and digits.')
@minLength(3)
@maxLength(24)
param storageAccountName string

@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param hostingPlan string

param applicationInsightsConnectionString string

@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Key Vault secret URI of the webhook signing key, or empty (deployments with webhooks are then refused).')
param webhookSigningKeySecretUri string = ''

@description('Blob container Event Grid dead-letters undeliverable events to.')
@minLength(3)
@maxLength(63)
param deadLetterContainerName string

@description('Durable Task Scheduler endpoint, or empty for the Azure Storage backend.')
param durableTaskSchedulerEndpoint string = ''

@minLength(3)
@maxLength(64)
param durableTaskHubName string

param tags object = {}

var flex = hostingPlan == 'FlexConsumption'
var deploymentContainer = 'app-package'
var contentShare = toLower(take(appName, 50))

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageAccountName
  location: location
  tags: tags
  sku: {
    name: 'Standard_LRS'
  }
  kind: 'StorageV2'
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    // Elastic Premium's content share (Azure Files) needs the key; nothing else uses it.
    allowSharedKeyAccess: !flex
    defaultToOAuthAuthentication: true
    supportsHttpsTrafficOnly: true
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource packages 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = if (flex) {
  parent: blobs
  name: deploymentContainer
}

resource deadLetters 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobs
  name: deadLetterContainerName
}

resource files 'Microsoft.Storage/storageAccounts/fileServices@2023-05-01' = if (!flex) {
  parent: storage
  name: 'default'
}

// Created here because the settings that name it are applied after the site exists (below), and
// the platform creates a missing share only when the site is created with them.
resource share 'Microsoft.Storage/storageAccounts/fileServices/shares@2023-05-01' = if (!flex) {
  parent: files
  name: contentShare
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${appName}'
  location: location
  tags: tags
  kind: flex ? 'functionapp' : 'elastic'
  sku: flex ? {
    name: 'FC1'
    tier: 'FlexConsumption'
  } : {
    name: 'EP1'
    tier: 'ElasticPremium'
  }
  properties: {
    reserved: true // Linux
    maximumElasticWorkerCount: flex ? null : 20
  }
}

// The settings the code reads (gateway/settings.py, CONTRACT §2) and the host's own storage settings.
var appSettings = union({
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
  AzureWebJobsStorage__credential: 'managedidentity'
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  ARM_ENDPOINT: environment().resourceManager
  ARM_CREDENTIAL: 'default'
  // Between polls of a long-running operation when Azure sends no Retry-After (it usually does).
  ARM_POLLING_INTERVAL_SECONDS: '5'
  // The Python worker runs the (synchronous) functions on this thread pool: at least host.json's
  // maxConcurrentActivityFunctions (16), or the pool, not host.json, bounds the activities.
  PYTHON_THREADPOOL_THREAD_COUNT: '16'
}, empty(webhookSigningKeySecretUri) ? {} : {
  // A Key Vault reference: the platform resolves it with the app's identity.
  WEBHOOK_SIGNING_KEY: '@Microsoft.KeyVault(SecretUri=${webhookSigningKeySecretUri})'
}, empty(durableTaskSchedulerEndpoint) ? {} : {
  // host.json overrides (AzureFunctionsJobHost__...): the Durable Task Scheduler backend, by identity.
  DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${durableTaskSchedulerEndpoint};Authentication=ManagedIdentity'
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'azureManaged'
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING'
  AzureFunctionsJobHost__extensions__durableTask__hubName: durableTaskHubName
})

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  // azd deploys the `api` service of azure.yaml to the site carrying this tag.
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    reserved: true
    keyVaultReferenceIdentity: 'SystemAssigned'
    siteConfig: {
      linuxFxVersion: flex ? null : 'Python|3.11'
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // Flex Consumption: publishing writes no app setting, so the template owns them all.
      // Elastic Premium: publishing writes some (WEBSITE_RUN_FROM_PACKAGE...): see premiumSettings.
      appSettings: flex ? map(items(appSettings), setting => {
        name: setting.key
        value: setting.value
      }) : null
    }
    functionAppConfig: flex ? {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: 2048
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    } : null
  }
}

// Elastic Premium: the settings as a config resource, merged over the ones the site has now, so a
// redeployment keeps what publishing wrote (siteConfig.appSettings would replace them all). The list
// call sits in this resource, behind its condition.
resource premiumSettings 'Microsoft.Web/sites/config@2024-04-01' = if (!flex) {
  parent: site
  name: 'appsettings'
  properties: union(list('${site.id}/config/appsettings', '2024-04-01').properties, appSettings, {
    FUNCTIONS_EXTENSION_VERSION: '~4'
    FUNCTIONS_WORKER_RUNTIME: 'python'
    WEBSITE_CONTENTAZUREFILECONNECTIONSTRING: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'
    WEBSITE_CONTENTSHARE: contentShare
  })
  dependsOn: [
    share
  ]
}

// Durable Functions on identity-based storage: blobs (leases, large messages, the app's own data and
// Flex's code package), queues (control and work items), tables (history and instances).
var storageRoles = [
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
]

resource storageAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for roleId in storageRoles: {
  name: guid(storage.id, site.id, roleId)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    principalId: site.identity.principalId
    principalType: 'ServicePrincipal'
  }
}]

output id string = site.id
output name string = site.name
output defaultHostName string = site.properties.defaultHostName
output principalId string = site.identity.principalId
output storageAccountName string = storage.name
output storageAccountId string = storage.id
