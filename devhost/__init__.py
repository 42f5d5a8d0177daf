"""devhost: a local stand-in for the Azure Functions host and its Durable Functions extension.

Runs a Python v2 programming-model app (``function_app.py``) unchanged: HTTP triggers under
``/api``, the Durable Functions HTTP API under ``/runtime/webhooks/durabletask/``, Event Grid
delivery, timer triggers, and a durable orchestration engine persisted in SQLite that drives the
Durable Functions SDK's own replay.  Start it with ``python -m devhost start``.
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
