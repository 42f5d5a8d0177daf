"""vmss-bluegreen: the Functions app only composes blueprints."""

import azure.durable_functions as df

app = df.DFApp()
