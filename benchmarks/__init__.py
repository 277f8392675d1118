"""Benchmarks: each compares Casework's path with a baseline measured in the same run."""
