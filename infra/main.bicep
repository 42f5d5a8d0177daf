// vmss-bluegreen on Azure: the Function App (Linux, Python 3.11, Durable Functions), its storage and
// Application Insights, a system-assigned managed identity allowed to deploy scale sets in the target
// resource groups, and the Event Grid wiring that deploys new Compute Gallery image versions by itself.
//
// Two passes (see docs/deploy-to-azure.md): deploy with the defaults, publish the code, then deploy
// again with deployEventSubscription=true. Event Grid checks the `image_version_published` function
// exists when the subscription is created, and it only exists once the code is published.

targetScope = 'resourceGroup'

@description('Region of the Function App, its plan, storage and monitoring.')
param location string = resourceGroup().location

@description('Name of the Function App (globally unique: it becomes <name>.azurewebsites.net).')
@minLength(2)
@maxLength(60)
param appName string = 'vmssbg-${uniqueString(resourceGroup().id)}'

@description('Hosting: Flex Consumption (FC1, pay per use) or Elastic Premium (EP1, always warm).')
@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param hostingPlan string = 'FlexConsumption'

@description('Resource groups (this subscription) holding the scale sets, load balancers, autoscale settings and virtual networks the deployer manages. The identity gets Virtual Machine Contributor, Network Contributor and Monitoring Contributor there.')
param targetResourceGroups array = [
  resourceGroup().name
]

@description('Resource group of the Compute Gallery whose image versions are deployed (this subscription). The identity gets Reader there, and the resource-group-scoped Event Grid system topic is created there.')
param galleryResourceGroup string = resourceGroup().name

@description('Resource groups of the Key Vaults (RBAC permission model) holding admin passwords named by deployments (adminPassword.keyVaultSecretId); the app may read their secrets')
param keyVaultResourceGroups array = []

@description('Which Event Grid system topic raises the image version events: the gallery\'s resource group, the whole subscription, or none (no Event Grid wiring).')
@allowed([
  'resourceGroup'
  'subscription'
  'none'
])
param eventScope string = 'resourceGroup'

@description('Create the event subscription to the image_version_published function. Set it on the second pass, once the code is published.')
param deployEventSubscription bool = false

@description('How Event Grid reaches the function: the AzureFunction endpoint type (no key to handle) or the Event Grid webhook with the eventgrid_extension system key.')
@allowed([
  'AzureFunction'
  'WebHook'
])
param eventSubscriptionEndpointType string = 'AzureFunction'

@description('Schema Event Grid delivers in. The function takes both.')
@allowed([
  'EventGridSchema'
  'CloudEventSchemaV1_0'
])
param eventDeliverySchema string = 'EventGridSchema'

@description('Flex Consumption only: the most instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Tags on every resource created.')
param tags object = {
  app: 'vmss-bluegreen'
}

var token = uniqueString(resourceGroup().id, appName)

module monitoring 'modules/monitoring.bicep' = {
  name: 'vmssbg-monitoring'
  params: {
    location: location
    name: appName
    tags: tags
  }
}

module app 'modules/function-app.bicep' = {
  name: 'vmssbg-function-app'
  params: {
    location: location
    appName: appName
    storageAccountName: take('vmssbg${token}', 24)
    hostingPlan: hostingPlan
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    maximumInstanceCount: maximumInstanceCount
    tags: tags
  }
}

// What the deployer does to a target resource group: scale sets (create, update, resize, delete,
// manualupgrade, instance views), load balancer backend pools and subnets (join), autoscale settings.
module targetAccess 'modules/role-assignments.bicep' = [for group in targetResourceGroups: {
  name: 'vmssbg-target-access-${uniqueString(group)}'
  scope: resourceGroup(group)
  params: {
    principalId: app.outputs.principalId
    roleDefinitionIds: [
      '9980e02c-c2be-4d73-94e8-173b1dc7cf3c' // Virtual Machine Contributor
      '4d97b98b-1d4f-4787-a291-c67834d212e7' // Network Contributor
      '749f88d5-cbae-40b8-bcfc-e573ddc772fa' // Monitoring Contributor
    ]
  }
}]

// Reading image versions (replication status) and referencing them from a new scale set.
module galleryAccess 'modules/role-assignments.bicep' = {
  name: 'vmssbg-gallery-access'
  scope: resourceGroup(galleryResourceGroup)
  params: {
    principalId: app.outputs.principalId
    roleDefinitionIds: [
      'acdd72a7-3385-48ef-bd42-f606fba81ae7' // Reader
    ]
  }
}

// Reading the admin password of a password-login base (adminPassword.keyVaultSecretId) just before a create.
module keyVaultAccess 'modules/role-assignments.bicep' = [for group in keyVaultResourceGroups: {
  name: 'vmssbg-keyvault-access-${uniqueString(group)}'
  scope: resourceGroup(group)
  params: {
    principalId: app.outputs.principalId
    roleDefinitionIds: [
      '4633458b-17de-408a-b874-0445c86b69e6' // Key Vault Secrets User
    ]
  }
}]

// A resource group's system topic lives in that resource group; a subscription's anywhere (here: the gallery's).
module imageEvents 'modules/image-events.bicep' = if (eventScope != 'none') {
  name: 'vmssbg-image-events'
  scope: resourceGroup(galleryResourceGroup)
  params: {
    eventScope: eventScope == 'subscription' ? 'subscription' : 'resourceGroup'
    topicName: eventScope == 'subscription' ? 'vmssbg-subscription-events' : 'vmssbg-${galleryResourceGroup}-events'
    functionAppId: app.outputs.id
    functionAppHostName: app.outputs.defaultHostName
    deployEventSubscription: deployEventSubscription
    endpointType: eventSubscriptionEndpointType
    eventDeliverySchema: eventDeliverySchema
    tags: tags
  }
}

output functionAppName string = app.outputs.name
output functionAppUrl string = 'https://${app.outputs.defaultHostName}'
output principalId string = app.outputs.principalId
output storageAccountName string = app.outputs.storageAccountName
output systemTopicName string = eventScope != 'none' ? imageEvents.outputs.systemTopicName : ''
