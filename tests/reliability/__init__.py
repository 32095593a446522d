"""Reliability: bad input, faults, concurrency, upgrades and security regressions."""
