"""Timer triggers and app settings (local.settings.json Values, environment wins)."""

import logging
import os

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.timer_trigger(schedule="* * * * * *", arg_name="timer", run_on_startup=False)
def every_second(timer: func.TimerRequest) -> None:
    with open(os.environ["TIMER_JOURNAL"], "a") as fh:
        fh.write("tick\n")
    logging.info("tick")


@app.route(route="settings")
def settings(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(f"{os.environ.get('FROM_FILE')}|{os.environ.get('BOTH')}|{os.getcwd()}")
