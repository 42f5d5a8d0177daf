// Example parameters: copy, edit, then
//   az deployment group create -g <app rg> -n vmss-bluegreen -f infra/main.bicep -p infra/main.example.bicepparam
// (second pass: -p deployEventSubscription=true after the -p of this file).
using './main.bicep'

param targetResourceGroups = [
  'rg-web'
]
param networkResourceGroups = [
  'rg-network'
]
param galleryResourceGroup = 'rg-images'
param hostingPlan = 'FlexConsumption'
param eventScope = 'resourceGroup'
param deployEventSubscription = false
param alertEmail = ''
