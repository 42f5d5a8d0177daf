// The Event Grid system topic that raises Microsoft.Resources.ResourceWriteSuccess when a gallery
// image version is written, and the subscription that delivers those events (only those) to the
// `image_version_published` function.
//
// Deployed to the gallery's resource group: a resource group's system topic must live in it.

@allowed([
  'resourceGroup'
  'subscription'
])
param eventScope string
param topicName string
param functionAppId string
param functionAppHostName string
param deployEventSubscription bool
@allowed([
  'AzureFunction'
  'WebHook'
])
param endpointType string
param eventDeliverySchema string = 'EventGridSchema'
param tags object = {}

var functionName = 'image_version_published'

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: topicName
  location: 'global'
  tags: tags
  properties: eventScope == 'subscription' ? {
    source: subscription().id
    topicType: 'Microsoft.Resources.Subscriptions'
  } : {
    source: resourceGroup().id
    topicType: 'Microsoft.Resources.ResourceGroups'
  }
}

// `if` evaluates only the branch taken, so the system key is read only for the WebHook endpoint.
var destination = endpointType == 'AzureFunction' ? {
  endpointType: 'AzureFunction'
  properties: {
    resourceId: '${functionAppId}/functions/${functionName}'
    maxEventsPerBatch: 1
    preferredBatchSizeInKilobytes: 64
  }
} : {
  endpointType: 'WebHook'
  properties: {
    endpointUrl: 'https://${functionAppHostName}/runtime/webhooks/eventgrid?functionName=${functionName}&code=${listKeys('${functionAppId}/host/default', '2024-04-01').systemKeys.eventgrid_extension}'
    maxEventsPerBatch: 1
    preferredBatchSizeInKilobytes: 64
  }
}

resource subscription_ 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = if (deployEventSubscription) {
  parent: topic
  name: 'vmssbg-image-versions'
  properties: {
    destination: destination
    eventDeliverySchema: eventDeliverySchema
    filter: {
      includedEventTypes: [
        'Microsoft.Resources.ResourceWriteSuccess'
      ]
      advancedFilters: [
        {
          operatorType: 'StringIn'
          key: 'data.operationName'
          values: [
            'Microsoft.Compute/galleries/images/versions/write'
          ]
        }
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}

output systemTopicName string = topic.name
output systemTopicId string = topic.id
