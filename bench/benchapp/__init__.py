"""Models that exist only for the benchmarks; installed by bench.settings, never by config.settings."""
