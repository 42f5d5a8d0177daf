"""vmss-bluegreen: the Functions app only composes blueprints."""

import azure.durable_functions as df

import activities
from orchestrators import bluegreen, notifications, operation_follow, steady_state_wait, undo
from triggers import dashboard, deployments, eventgrid, openapi, profiles, targets
from triggers import undo as undo_api

app = df.DFApp()
for module in (deployments, undo_api, targets, profiles, eventgrid, dashboard, openapi,
               bluegreen, undo, steady_state_wait, operation_follow, notifications, activities):
    app.register_functions(module.bp)
