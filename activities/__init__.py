"""Activities: thin, idempotent, one typed input each. They do the Azure work the workflow decides."""

from activities import bookkeeping, notify, operations, routing, scaling, setup  # noqa: F401  (registers the functions)
from activities.blueprint import bp

__all__ = ["bp"]
