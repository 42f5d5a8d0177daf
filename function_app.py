"""vmss-bluegreen: the Functions app only composes blueprints."""

import azure.durable_functions as df

from activities import bp as activities
from orchestrators.bluegreen import bp as deployments
from orchestrators.steady_state_wait import bp as steady_state_waits
from triggers.deployments import bp as deployments_api
from triggers.eventgrid import bp as gallery_events
from triggers.profiles import bp as profiles_api
from triggers.targets import bp as targets_api

app = df.DFApp()
for blueprint in (deployments_api, profiles_api, targets_api, gallery_events, deployments, steady_state_waits, activities):
    app.register_functions(blueprint)
