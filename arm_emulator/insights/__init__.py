"""Microsoft.Insights: autoscale settings (synchronous, not throttled like Compute)."""
