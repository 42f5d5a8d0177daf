"""vmss-bluegreen: the Functions app only composes blueprints."""

import azure.durable_functions as df

from activities import bp as activities
from orchestrators.bluegreen import bp as orchestrations
from triggers.deployments import bp as deployments_api

app = df.DFApp()
for blueprint in (deployments_api, orchestrations, activities):
    app.register_functions(blueprint)
