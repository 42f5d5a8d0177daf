"""The pure domain of vmss-bluegreen: no I/O, no Azure SDK, no clock (callers pass `now`)."""
