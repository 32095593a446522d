"""Follower totals rebuilt from daily changes and one known count (the anchor).

Exports such as X's account overview give new follows and unfollows per day but never the
follower count. Given the count at the end of one day, each later day's total is the day
before plus that day's change, and each earlier day's total is the day after minus the day
after's change. A day whose change is unknown stops the walk: beyond it nothing is guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from socialplan.errors import InvalidInput
from socialplan.imports.values import MAX_COUNT

ANCHOR = "followers_anchor"
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Rebuilt:
    """Follower totals by day, and the days where the walk had to stop (if any)."""

    totals: dict[date, int]
    stopped_after: date | None = None  # the walk forward found no change for the next day
    stopped_before: date | None = None  # the walk backward found no change for this day


def check_anchor(anchor: tuple[date, int], first: date, last: date) -> tuple[date, int]:
    """The anchor as (day, count); InvalidInput unless a count of 0 or more on a file's day.

    A datetime counts as its day, and a whole float (from a number widget) as its integer.
    """
    try:
        day, count = anchor
    except (TypeError, ValueError):
        raise InvalidInput({ANCHOR: "must be a day and a follower count."}) from None
    if isinstance(day, datetime):
        day = day.date()
    if not isinstance(day, date):
        raise InvalidInput({ANCHOR: "must be a day and a follower count."})
    if isinstance(count, float) and count.is_integer():
        count = int(count)
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_COUNT:
        raise InvalidInput(
            {ANCHOR: f"must be a whole number of followers from 0 to {MAX_COUNT:,}."}
        )
    if not first <= day <= last:
        raise InvalidInput(
            {ANCHOR: f"must be on a day the file covers, {first:%d %b %Y} to {last:%d %b %Y}."}
        )
    return day, count


def rebuild_totals(
    changes: dict[date, int | None],
    anchor: tuple[date, int],
    *,
    missing_days_are_zero: bool,
) -> Rebuilt:
    """Totals for the anchor day and every day reachable from it through known changes.

    `changes[d]` is the net change on day d (None: not known). Days absent from `changes`
    are unknown too, unless `missing_days_are_zero` (exports that leave out quiet days).
    InvalidInput when the anchor and the changes imply fewer than 0 followers on a day.
    """
    anchor_day, anchor_count = anchor
    first, last = min(changes), max(changes)
    totals = {anchor_day: anchor_count}

    def change_on(day: date) -> int | None:
        if day not in changes:
            return 0 if missing_days_are_zero else None
        return changes[day]

    stopped_after = stopped_before = None
    total, day = anchor_count, anchor_day
    while day < last:
        change = change_on(day + ONE_DAY)
        if change is None:
            stopped_after = day
            break
        day, total = day + ONE_DAY, total + change
        totals[day] = _checked(total, day)
    total, day = anchor_count, anchor_day
    while day > first:
        change = change_on(day)
        if change is None:
            stopped_before = day
            break
        day, total = day - ONE_DAY, total - change
        totals[day] = _checked(total, day)
    return Rebuilt(
        totals=_only_known_days(totals, changes, anchor_day, missing_days_are_zero),
        stopped_after=stopped_after,
        stopped_before=stopped_before,
    )


def _checked(total: int, day: date) -> int:
    """The total, if it is a follower count that can be; else InvalidInput on the anchor."""
    if total < 0:
        raise InvalidInput(
            {
                ANCHOR: f"gives fewer than 0 followers on {day:%d %b %Y} once the file's daily "
                "changes are counted from it: check the count and its date."
            }
        )
    if total > MAX_COUNT:
        raise InvalidInput({ANCHOR: f"gives more than {MAX_COUNT:,} followers on {day:%d %b %Y}."})
    return total


def _only_known_days(
    totals: dict[date, int], changes: dict[date, int | None], anchor_day: date, fill: bool
) -> dict[date, int]:
    """Keep totals for the file's own days and the anchor day; quiet days only if filled."""
    if fill:
        return totals
    return {day: total for day, total in totals.items() if day in changes or day == anchor_day}
