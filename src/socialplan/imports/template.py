"""The downloadable template of Social Plan's own format: date, metric, value."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, timedelta

EXAMPLE_ACCOUNT_NUMBERS = (("followers", 1250), ("posts", 2), ("likes", 48), ("impressions", 3100))


def template_csv(business_metrics: Sequence[str] = ("Leads",), *, start: date | None = None) -> str:
    """A small example file: account numbers and hand-entered metrics over two days.

    Metric names are Snapshot fields (followers, following, posts_total, posts, likes,
    reposts, replies, quotes, bookmarks, impressions) or the name of a hand-entered metric
    of the plan; dates are written 2027-03-31. An optional `note` column is kept with
    business readings.
    """
    first = start or date(2027, 1, 4)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "metric", "value"])
    for offset in range(2):
        day = (first + timedelta(days=offset)).isoformat()
        for name, value in EXAMPLE_ACCOUNT_NUMBERS:
            writer.writerow([day, name, value + offset * 3])
        for position, name in enumerate(business_metrics):
            writer.writerow([day, name, 5 + position + offset])
    return out.getvalue()
