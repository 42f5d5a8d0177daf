"""vmss-bluegreen: the Functions app only composes blueprints."""

import azure.durable_functions as df

from activities import bp as activities
from orchestrators.bluegreen import bp as deployments
from orchestrators.notifications import bp as notification_deliveries
from orchestrators.steady_state_wait import bp as steady_state_waits
from orchestrators.undo import bp as undos
from triggers.deployments import bp as deployments_api
from triggers.eventgrid import bp as gallery_events
from triggers.profiles import bp as profiles_api
from triggers.undo import bp as undo_api

app = df.DFApp()
for blueprint in (deployments_api, profiles_api, gallery_events, deployments, steady_state_waits, activities,
                  undos, notification_deliveries, undo_api):
    app.register_functions(blueprint)
