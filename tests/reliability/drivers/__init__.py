"""Scripts the fault tests run in subprocesses (and what they share with the tests)."""
