"""Shared machinery: TLS, routing, LROs, the simulated clock, throttling, request log, faults."""
