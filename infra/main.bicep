// vmss-bluegreen on Azure: the Function App (Linux, Python 3.11, Durable Functions) on identity-based
// storage, Application Insights with alerts, a custom least-privilege role for the app's managed
// identity on the resource groups it works in, and the Event Grid wiring that deploys new Compute
// Gallery image versions by itself.
//
// Checked by tests/infra (structure, settings, role actions, list* guards, property names) but not
// compiled here: run `az bicep build` and `az deployment group what-if` first (docs/deploy-to-azure.md).
//
// Two passes: deploy with the defaults, publish the code, then deploy again with
// deployEventSubscription=true. Event Grid checks the `image_version_published` function (or, for the
// WebHook endpoint, the eventgrid_extension system key) when the subscription is created, and both
// exist only once the code is published.

targetScope = 'resourceGroup'

@description('Region of the Function App, its plan, storage and monitoring.')
param location string = resourceGroup().location

@description('Name of the Function App (globally unique: it becomes <name>.azurewebsites.net). Letters, digits and hyphens; at most 55 so that plan-<name> fits the plan\'s 60.')
@minLength(2)
@maxLength(55)
param appName string = 'vmssbg-${uniqueString(resourceGroup().id)}'

@description('Hosting: Flex Consumption (FC1, pay per use; the default) or Elastic Premium (EP1, always warm).')
@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param hostingPlan string = 'FlexConsumption'

@description('Resource groups (this subscription) holding the scale sets, their load balancers and autoscale settings: the resourceGroup of every deployment spec and profile.')
@minLength(1)
param targetResourceGroups array = [
  resourceGroup().name
]

@description('Other resource groups (this subscription) holding what the base scale sets reference: virtual networks and subnets, network security groups, application security groups, user-assigned identities. Scale set writes join them, so the role is assigned there too.')
param networkResourceGroups array = []

@description('Resource group of the Compute Gallery whose image versions are deployed (this subscription). The role is assigned there (image version reads), and the resource-group-scoped Event Grid system topic is created there.')
@minLength(1)
@maxLength(90)
param galleryResourceGroup string = resourceGroup().name

@description('Key Vaults (RBAC authorization model) the deployer reads adminPassword secrets from or whose certificates base scale sets install: [{ resourceGroup, name }]. The role is assigned on each vault only.')
param keyVaults array = []

@description('Base scale sets carry a user-assigned managed identity: grant Microsoft.ManagedIdentity/userAssignedIdentities/assign/action (assign the role where the identities live: networkResourceGroups).')
param grantUserAssignedIdentityAssign bool = false

@description('Base scale sets install Key Vault certificates (osProfile.secrets): grant Microsoft.KeyVault/vaults/deploy/action on keyVaults.')
param grantKeyVaultDeploy bool = false

@description('Deployments use adminPassword.keyVaultSecretId: grant reading secrets (data action) on keyVaults.')
param grantKeyVaultSecretRead bool = false

@description('Key Vault secret URI of WEBHOOK_SIGNING_KEY (a Key Vault reference, resolved with the app\'s identity; the vault must be in keyVaults with grantKeyVaultSecretRead). Empty: deployments with notifications.webhooks are refused.')
param webhookSigningKeySecretUri string = ''

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

@description('Schema Event Grid delivers in. The function reads both (the worker decodes CloudEvents into func.CloudEvent).')
@allowed([
  'EventGridSchema'
  'CloudEventSchemaV1_0'
])
param eventDeliverySchema string = 'EventGridSchema'

@description('Durable Functions backend: Azure Storage (queues and tables of the app\'s account) or the Durable Task Scheduler (a managed backend for many concurrent deployments: docs/performance.md).')
@allowed([
  'AzureStorage'
  'DurableTaskScheduler'
])
param durableBackend string = 'AzureStorage'

@description('Flex Consumption only: the most instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Email notified when functions fail or Event Grid cannot deliver; empty: the alerts show in the portal only.')
param alertEmail string = ''

@description('Tags on every resource created.')
param tags object = {
  app: 'vmss-bluegreen'
}

var token = uniqueString(resourceGroup().id, appName)
var deadLetterContainer = 'eventgrid-deadletter'
// host.json: extensions.durableTask.hubName
var taskHubName = 'VmssBlueGreen'
var roleGroups = union(targetResourceGroups, networkResourceGroups, [galleryResourceGroup], map(keyVaults, vault => vault.resourceGroup))

module monitoring 'modules/monitoring.bicep' = {
  name: 'vmssbg-monitoring'
  params: {
    location: location
    name: appName
    alertEmail: alertEmail
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
    webhookSigningKeySecretUri: webhookSigningKeySecretUri
    deadLetterContainerName: deadLetterContainer
    durableTaskSchedulerEndpoint: durableBackend == 'DurableTaskScheduler' ? durableTaskScheduler.outputs.endpoint : ''
    durableTaskHubName: taskHubName
    tags: tags
  }
}

// Optional managed Durable backend; its endpoint goes into the app's settings.
module durableTaskScheduler 'modules/durable-task-scheduler.bicep' = if (durableBackend == 'DurableTaskScheduler') {
  name: 'vmssbg-durable-task-scheduler'
  params: {
    location: location
    schedulerName: 'dts-${appName}'
    taskHubName: taskHubName
    tags: tags
  }
}

module durableTaskAccess 'modules/durable-task-access.bicep' = if (durableBackend == 'DurableTaskScheduler') {
  name: 'vmssbg-durable-task-access'
  params: {
    schedulerName: 'dts-${appName}'
    principalId: app.outputs.principalId
  }
  dependsOn: [
    durableTaskScheduler
  ]
}

// One custom role replaces Virtual Machine Contributor, Network Contributor and Monitoring
// Contributor: exactly the actions the code performs (modules/deployer-role.bicep says which call
// needs which), assignable only to the resource groups above.
module deployerRole 'modules/deployer-role.bicep' = {
  name: 'vmssbg-deployer-role-${uniqueString(resourceGroup().id, appName)}' // subscription-level deployment names are shared by every app there
  scope: subscription()
  params: {
    roleName: take('vmss-bluegreen deployer (${resourceGroup().name}/${appName})', 128)
    assignableResourceGroups: roleGroups
    grantUserAssignedIdentityAssign: grantUserAssignedIdentityAssign
    grantKeyVaultDeploy: grantKeyVaultDeploy
    grantKeyVaultSecretRead: grantKeyVaultSecretRead
  }
}

module groupAccess 'modules/role-assignment.bicep' = [for group in union(targetResourceGroups, networkResourceGroups, [galleryResourceGroup]): {
  name: 'vmssbg-access-${uniqueString(group)}'
  scope: resourceGroup(group)
  params: {
    principalId: app.outputs.principalId
    roleDefinitionId: deployerRole.outputs.id
    purpose: 'vmss-bluegreen (${appName}): blue/green deployments of scale sets'
  }
}]

module vaultAccess 'modules/key-vault-access.bicep' = [for vault in keyVaults: {
  name: 'vmssbg-vault-${uniqueString(vault.resourceGroup, vault.name)}'
  scope: resourceGroup(vault.resourceGroup)
  params: {
    vaultName: vault.name
    principalId: app.outputs.principalId
    roleDefinitionId: deployerRole.outputs.id
  }
}]

// A resource group's system topic lives in that resource group; a subscription's anywhere (here: the gallery's).
module imageEvents 'modules/image-events.bicep' = if (eventScope != 'none') {
  name: 'vmssbg-image-events'
  scope: resourceGroup(galleryResourceGroup)
  params: {
    eventScope: eventScope == 'subscription' ? 'subscription' : 'resourceGroup'
    topicName: eventScope == 'subscription' ? 'vmssbg-subscription-events' : take('vmssbg-${galleryResourceGroup}-events', 128)
    functionAppId: app.outputs.id
    functionAppHostName: app.outputs.defaultHostName
    deployEventSubscription: deployEventSubscription
    endpointType: eventSubscriptionEndpointType
    eventDeliverySchema: eventDeliverySchema
    deadLetterStorageAccountId: app.outputs.storageAccountId
    deadLetterContainerName: deadLetterContainer
    actionGroupId: monitoring.outputs.actionGroupId
    tags: tags
  }
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: take('vmssbg${token}', 24)
}

// The system topic writes undeliverable events to the dead-letter container with its own identity.
resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (eventScope != 'none') {
  name: guid(storage.id, 'eventgrid-deadletter', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe') // Storage Blob Data Contributor
    principalId: eventScope != 'none' ? imageEvents.outputs.systemTopicPrincipalId : ''
    principalType: 'ServicePrincipal'
  }
  dependsOn: [
    app
  ]
}

output functionAppName string = app.outputs.name
output functionAppUrl string = 'https://${app.outputs.defaultHostName}'
output principalId string = app.outputs.principalId
output storageAccountName string = app.outputs.storageAccountName
output deployerRoleId string = deployerRole.outputs.id
output systemTopicName string = eventScope != 'none' ? imageEvents.outputs.systemTopicName : ''
