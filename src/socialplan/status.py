"""The status rule: is a metric on track for its target? Pure functions, no database.

progress = (actual − baseline) / (target − baseline)
expected = share of the time from plan start to target date that has passed
on track when progress ≥ expected − 0.05, at risk when ≥ expected − 0.20, else off track.

The ratio has the same sign logic for a metric that should go down (target below
baseline): a fall towards the target is positive progress, a rise is negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from socialplan.models import MetricStatus

ON_TRACK_SLACK = 0.05
AT_RISK_SLACK = 0.20


@dataclass(frozen=True)
class StatusResult:
    """Where a metric stands on one day."""

    actual: float | None
    goal_today: float
    expected: float
    progress: float | None
    status: MetricStatus


def expected_fraction(plan_start: date, target_date: date, today: date) -> float:
    """The share of the way from plan start to target date that `today` stands at, 0–1."""
    span = (target_date - plan_start).days
    if span <= 0:
        return 1.0
    return min(1.0, max(0.0, (today - plan_start).days / span))


def goal_on(
    baseline: float, target: float, plan_start: date, target_date: date, day: date
) -> float:
    """The goal line's value on `day`: straight from baseline at start to target at target date."""
    return baseline + expected_fraction(plan_start, target_date, day) * (target - baseline)


def progress_of(baseline: float, target: float, actual: float) -> float:
    """How much of the way from baseline to target the actual has come (1.0 = there)."""
    if target == baseline:
        raise ValueError("a target equal to the baseline has no progress to measure")
    return (actual - baseline) / (target - baseline)


def classify(progress: float, expected: float) -> MetricStatus:
    """On track, at risk or off track, by how far progress trails what is expected."""
    if progress >= expected - ON_TRACK_SLACK:
        return MetricStatus.ON_TRACK
    if progress >= expected - AT_RISK_SLACK:
        return MetricStatus.AT_RISK
    return MetricStatus.OFF_TRACK


def evaluate(
    *,
    baseline: float,
    target: float,
    actual: float | None,
    plan_start: date,
    target_date: date,
    today: date,
) -> StatusResult:
    """The full status of a metric on `today`; "no data" when there is no actual yet."""
    expected = expected_fraction(plan_start, target_date, today)
    goal_today = baseline + expected * (target - baseline)
    if actual is None:
        return StatusResult(None, goal_today, expected, None, MetricStatus.NO_DATA)
    progress = progress_of(baseline, target, actual)
    return StatusResult(actual, goal_today, expected, progress, classify(progress, expected))


STATUS_LABELS = {
    MetricStatus.ON_TRACK: "On track",
    MetricStatus.AT_RISK: "At risk",
    MetricStatus.OFF_TRACK: "Off track",
    MetricStatus.NO_DATA: "No data yet",
}
