"""Benchmarks that print ratios against a baseline measured beside them in the same run."""
