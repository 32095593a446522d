"""The benchmark: build a large synthetic instance, time every page and heavy operation
against the fastest direct way to get the same answer, and write the figures down.

`socialplan bench [--scale small|full] [--database URL]` runs it (see docs/benchmarks.md).
"""
