"""The downloadable template of Social Plan's own format: date, metric, value."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from socialplan.csvsafe import csv_text

EXAMPLE_ACCOUNT_NUMBERS = (("followers", 1250), ("posts", 2), ("likes", 48), ("impressions", 3100))


def template_csv(business_metrics: Sequence[str] = ("Leads",), *, start: date | None = None) -> str:
    """A small example file: account numbers and hand-entered metrics over two days.

    Metric names are Snapshot fields (followers, following, posts_total, posts, likes,
    reposts, replies, quotes, bookmarks, impressions) or the name of a hand-entered metric
    of the plan; dates are written 2027-03-31. An optional `note` column is kept with
    business readings. A metric name that starts like a formula ("=Leads") is written with a
    quote in front so a spreadsheet shows it rather than runs it; reading takes it off again.
    """
    first = start or date(2027, 1, 4)
    rows: list[list[object]] = [["date", "metric", "value"]]
    for offset in range(2):
        day = (first + timedelta(days=offset)).isoformat()
        for name, value in EXAMPLE_ACCOUNT_NUMBERS:
            rows.append([day, name, value + offset * 3])
        for position, name in enumerate(business_metrics):
            rows.append([day, name, 5 + position + offset])
    return csv_text(rows)
