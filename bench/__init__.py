"""Benchmarks at network scale: `make bench` runs bench/run.py (see bench/README.md)."""
