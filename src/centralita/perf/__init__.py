"""Benchmarks' logic (they may read the clock; the core never does)."""
