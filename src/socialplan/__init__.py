"""Social Plan: a social media plan with numbers for small businesses."""

__version__ = "0.1.0"
