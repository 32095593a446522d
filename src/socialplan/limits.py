"""Bounds on stored numbers that several modules check before writing."""

# Snapshot counts are BIGINT columns: the largest count a signed 64-bit integer holds.
MAX_COUNT = 9_223_372_036_854_775_807
