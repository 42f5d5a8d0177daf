"""vmss-bluegreen: the Functions app only composes blueprints."""

import azure.durable_functions as df

from activities import bp as activities
from orchestrators.bluegreen import bp as orchestrations
from triggers.deployments import bp as deployments_api
from triggers.eventgrid import bp as gallery_events
from triggers.openapi import bp as openapi_document
from triggers.profiles import bp as profiles_api

app = df.DFApp()
for blueprint in (deployments_api, profiles_api, openapi_document, gallery_events, orchestrations, activities):
    app.register_functions(blueprint)
