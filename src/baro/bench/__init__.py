"""Benchmark harnesses. Each runs real components and writes one JSON of metrics."""
