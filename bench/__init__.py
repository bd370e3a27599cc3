"""Benchmarks and the evaluation simulator (not part of the installed package)."""
