"""Hypothesis profiles for the reliability tests: "ci" (default) and "full".

Each property states its own example counts with `examples(ci=…, full=…)`; the "full"
counts are used with HYPOTHESIS_PROFILE=full. No profile is loaded globally here, so tests
outside this folder run exactly as before.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
if PROFILE not in ("ci", "full"):
    raise ValueError(f"HYPOTHESIS_PROFILE must be ci or full, not {PROFILE!r}")

# No deadline: the machine is shared and the database is involved, so a slow example is
# noise, never a failure. Database fixtures are per test, and every example checks its own
# before/after counts, so sharing them between examples is deliberate.
settings.register_profile(
    "ci",
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile("full", parent=settings.get_profile("ci"))


def examples(*, ci: int, full: int) -> settings:
    """Settings for one property: `ci` examples per run, or `full` under the full profile."""
    return settings(settings.get_profile(PROFILE), max_examples=full if PROFILE == "full" else ci)


# ---------------------------------------------------------------- hostile text, shared

# Text that breaks naive code: right-to-left marks and overrides, combining marks, zero-width
# joiners and spaces, emoji (one with a skin tone, one family joined by ZWJ), a byte-order
# mark, a NUL, a line separator, and the spreadsheet formula starts.
NASTY_PIECES = [
    "\u202e",  # right-to-left override
    "\u200f",  # right-to-left mark
    "שלום",
    "مرحبا",
    "e\u0301",  # e + combining acute
    "Z\u0335\u0321\u035a",  # stacked combining marks
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\ufeff",  # byte-order mark
    "👍🏽",
    "👨\u200d👩\u200d👧",
    "🥐",
    "\x00",
    "\u2028",  # line separator
    "=cmd|' /C calc'!A0",
    "+1",
    "-1+2",
    "@SUM(1)",
    "\t=1",
    "\r\n",
    ",",
    '"',
    "'",
    ";",
]


def nasty_text(*, min_size: int = 0, max_size: int = 60) -> st.SearchStrategy[str]:
    """Text mixing arbitrary Unicode with the pieces above."""
    piece = st.one_of(st.sampled_from(NASTY_PIECES), st.text(min_size=1, max_size=8))
    return (
        st.lists(piece, max_size=max_size // 4 + 1)
        .map("".join)
        .filter(lambda text: min_size <= len(text) <= max_size)
    )
