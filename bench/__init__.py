"""Benchmarks: `python -m bench [topic ...]` writes bench/results/<topic>.json (docs in DESIGN.md, "Benchmarks")."""
