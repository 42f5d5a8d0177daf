// Log Analytics workspace, workspace-based Application Insights, and an alert on failed function
// executions (HTTP requests, Event Grid deliveries, activities and orchestrators all report as
// requests of the Function App in Application Insights).

param location string

@description('Base name: log-<name> (at most 63) and appi-<name>.')
@minLength(2)
@maxLength(55)
param name string

@description('Email notified by the alerts, or empty (alerts then show in the portal only).')
param alertEmail string = ''

param tags object = {}

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${name}'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${name}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
  }
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-${name}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'vmssbg'
    enabled: true
    emailReceivers: [
      {
        name: 'operators'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var actionGroupId = empty(alertEmail) ? '' : actionGroup.id

resource functionFailures 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'vmssbg-function-failures-${name}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Function executions of vmss-bluegreen failed (an HTTP route answered 5xx, an Event Grid delivery, activity or orchestrator threw).'
    severity: 2
    enabled: true
    scopes: [
      insights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'FailedRequests'
          metricNamespace: 'microsoft.insights/components'
          metricName: 'requests/failed'
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Count'
        }
      ]
    }
    actions: empty(actionGroupId) ? [] : [
      {
        actionGroupId: actionGroupId
      }
    ]
  }
}

output connectionString string = insights.properties.ConnectionString
output name string = insights.name
output actionGroupId string = actionGroupId
