"""vmssbg: the operator's command line for vmss-bluegreen's HTTP API (CONTRACT §8)."""

__version__ = "0.1.0"
