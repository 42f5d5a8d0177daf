// The Function App (Linux, Python 3.11, v2 programming model) with its storage account and a
// system-assigned managed identity. Flex Consumption (FC1) or Elastic Premium (EP1).
//
// AzureWebJobsStorage is a connection string: the Durable task hub uses it, and so does the app for
// its profiles, deployment logs, target locks and event markers (gateway/clients.py reads it as one).

param location string
param appName string
param storageAccountName string
@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param hostingPlan string
param applicationInsightsConnectionString string
param maximumInstanceCount int = 100
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
    allowSharedKeyAccess: true
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

var storageConnection = 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'

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

// Settings the deployer reads (CONTRACT §2) plus the host's own.
var commonSettings = [
  {
    name: 'AzureWebJobsStorage'
    value: storageConnection
  }
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: applicationInsightsConnectionString
  }
  {
    name: 'ARM_ENDPOINT'
    value: environment().resourceManager
  }
  {
    name: 'ARM_CREDENTIAL'
    value: 'default'
  }
]

// Flex Consumption takes the runtime from functionAppConfig and refuses these as app settings.
var premiumSettings = [
  {
    name: 'FUNCTIONS_EXTENSION_VERSION'
    value: '~4'
  }
  {
    name: 'FUNCTIONS_WORKER_RUNTIME'
    value: 'python'
  }
  {
    name: 'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING'
    value: storageConnection
  }
  {
    name: 'WEBSITE_CONTENTSHARE'
    value: contentShare
  }
  {
    name: 'AzureWebJobsFeatureFlags'
    value: 'EnableWorkerIndexing'
  }
]

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    reserved: true
    siteConfig: {
      linuxFxVersion: flex ? null : 'Python|3.11'
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: flex ? commonSettings : concat(commonSettings, premiumSettings)
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

// Flex Consumption pulls the code package with the app's identity.
resource packageReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (flex) {
  name: guid(storage.id, site.id, 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b') // Storage Blob Data Owner
    principalId: site.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

output id string = site.id
output name string = site.name
output defaultHostName string = site.properties.defaultHostName
output principalId string = site.identity.principalId
output storageAccountName string = storage.name
