"""Activities: thin, idempotent, one typed input each. They do the Azure work the workflow decides."""

from activities.blueprint import bp
from activities import bookkeeping, routing, scaling, setup  # noqa: F401  (registers the functions)

__all__ = ["bp"]
