// The Event Grid system topic that raises Microsoft.Resources.ResourceWriteSuccess when a gallery
// image version is written, the subscription that delivers those events (only those) to the
// `image_version_published` function, dead-lettering what cannot be delivered, and an alert when
// deliveries fail.
//
// Deployed to the gallery's resource group: a resource group's system topic must live in it.

@allowed([
  'resourceGroup'
  'subscription'
])
param eventScope string

@description('System topic name: 3 to 128 letters, digits and hyphens.')
@minLength(3)
@maxLength(128)
param topicName string

param functionAppId string
param functionAppHostName string
param deployEventSubscription bool

@allowed([
  'AzureFunction'
  'WebHook'
])
param endpointType string

// Both reach the function: the worker decodes CloudEvents into func.CloudEvent (triggers/eventgrid.py).
@allowed([
  'EventGridSchema'
  'CloudEventSchemaV1_0'
])
param eventDeliverySchema string = 'EventGridSchema'

@description('Storage account (resource id) and container for events Event Grid gives up on.')
param deadLetterStorageAccountId string

@minLength(3)
@maxLength(63)
param deadLetterContainerName string

@description('Action group notified by the delivery alert, or empty.')
param actionGroupId string = ''

param tags object = {}

var functionName = 'image_version_published'

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: topicName
  location: 'global'
  tags: tags
  // Dead-lettering with the topic's own identity: the storage account takes no shared key.
  identity: {
    type: 'SystemAssigned'
  }
  properties: eventScope == 'subscription' ? {
    source: subscription().id
    topicType: 'Microsoft.Resources.Subscriptions'
  } : {
    source: resourceGroup().id
    topicType: 'Microsoft.Resources.ResourceGroups'
  }
}

// Everything but the destination, which differs per endpoint type (and only the WebHook one needs a key).
var delivery = {
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
  // Event Grid's maximum: a function app that is down for a day still gets its events.
  retryPolicy: {
    maxDeliveryAttempts: 30
    eventTimeToLiveInMinutes: 1440
  }
  deadLetterWithResourceIdentity: {
    identity: {
      type: 'SystemAssigned'
    }
    deadLetterDestination: {
      endpointType: 'StorageBlob'
      properties: {
        resourceId: deadLetterStorageAccountId
        blobContainerName: deadLetterContainerName
      }
    }
  }
}

resource toFunction 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = if (deployEventSubscription && endpointType == 'AzureFunction') {
  parent: topic
  name: 'vmssbg-image-versions'
  properties: union(delivery, {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${functionAppId}/functions/${functionName}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
  })
}

// The eventgrid_extension system key exists only once the code is published (second pass): the
// listKeys call is in this resource, behind the same condition, and nowhere else.
resource toWebhook 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = if (deployEventSubscription && endpointType == 'WebHook') {
  parent: topic
  name: 'vmssbg-image-versions-webhook'
  properties: union(delivery, {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: 'https://${functionAppHostName}/runtime/webhooks/eventgrid?functionName=${functionName}&code=${listKeys('${functionAppId}/host/default', '2024-04-01').systemKeys.eventgrid_extension}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
  })
}

// Failed deliveries are retried for a day, then dead-lettered: either means the app is not getting
// its events (down, keys rotated, function renamed). One alert per metric (criteria are ANDed).
var deliveryMetrics = [
  'DeliveryAttemptFailCount'
  'DeadLetteredCount'
]

resource deliveryAlerts 'Microsoft.Insights/metricAlerts@2018-03-01' = [for metric in deliveryMetrics: if (deployEventSubscription) {
  name: 'vmssbg-${metric}-${topicName}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Event Grid could not deliver image version events to image_version_published (${metric}).'
    severity: 2
    enabled: true
    scopes: [
      topic.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: metric
          metricNamespace: 'Microsoft.EventGrid/systemTopics'
          metricName: metric
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Total'
        }
      ]
    }
    actions: empty(actionGroupId) ? [] : [
      {
        actionGroupId: actionGroupId
      }
    ]
  }
}]

output systemTopicName string = topic.name
output systemTopicId string = topic.id
output systemTopicPrincipalId string = topic.identity.principalId
