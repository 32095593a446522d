"""The Dashboard's numbers: each metric's series, goal line, projection and plain-words summary.

Pure pandas where possible, so the page only lays out what these functions return and the
same numbers can be checked by plain tests.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlmodel import Session

from socialplan.access import Actor, require_plan
from socialplan.accounts import account_label
from socialplan.models import Account, Metric, MetricSource, MetricStatus, Objective, Plan
from socialplan.scorecard import MetricScore, active_metrics, score_metric, status_counts
from socialplan.series import COLUMNS, SOURCE_LABELS, SOURCE_UNITS, metric_series
from socialplan.status import STATUS_LABELS, goal_on

MAX_CHART_POINTS = 1000
# Charts start this long before the plan, so the run-up to it shows without years of history
# squeezing the plan period into a corner.
CHART_LEAD_IN_DAYS = 28
PROJECTION_WINDOW_DAYS = 28
# Calendar buckets tried in turn, finest first, before falling back to equal spans of days.
BUCKET_PERIODS = ("W", "M", "Q", "Y")
PREFIX_UNITS = {"€", "$", "£", "¥"}


# ---------------------------------------------------------------- series shaping


def downsample(series: pd.DataFrame, max_points: int = MAX_CHART_POINTS) -> pd.DataFrame:
    """At most `max_points` rows: longer series are averaged per time bucket, last row exact.

    Buckets are calendar weeks, else months, quarters or years, else equal spans of days —
    the finest that fits. Each bucket sits at the (whole) day its points average to. The
    newest value is kept as it is, because the status and the summary are read from it.
    """
    if max_points < 2:
        raise ValueError("max_points must be at least 2: one bucket and the newest value")
    ordered = series[COLUMNS].sort_values("day", ignore_index=True)
    if len(ordered) <= max_points:
        return ordered
    history, newest = ordered.iloc[:-1], ordered.iloc[[-1]]
    keys = _bucket_keys(history["day"], max_points - 1)
    buckets = history.groupby(keys.to_numpy(), sort=True).agg(
        day=("day", "mean"), value=("value", "mean")
    )
    buckets["day"] = buckets["day"].dt.floor("D")
    return pd.concat([buckets.reset_index(drop=True), newest], ignore_index=True)


def _bucket_keys(days: pd.Series, max_buckets: int) -> pd.Series:
    """A bucket label per day, giving at most `max_buckets` distinct labels."""
    for period in BUCKET_PERIODS:
        keys = days.dt.to_period(period)
        if keys.nunique() <= max_buckets:
            return keys
    span_days = (days.iloc[-1] - days.iloc[0]).days + 1
    width = -(-span_days // max_buckets)  # ceiling division: the widest bucket needed
    return (days - days.iloc[0]).dt.days // width


def chart_window(
    series: pd.DataFrame, plan_start: date, lead_in_days: int = CHART_LEAD_IN_DAYS
) -> pd.DataFrame:
    """The points a chart shows: from `lead_in_days` before plan start, and always the newest."""
    ordered = series[COLUMNS].sort_values("day", ignore_index=True)
    shown = ordered[ordered["day"] >= pd.Timestamp(plan_start) - pd.Timedelta(days=lead_in_days)]
    if shown.empty and not ordered.empty:
        # All numbers predate the plan: the newest still is today's actual, so show it.
        return ordered.iloc[[-1]].reset_index(drop=True)
    return shown.reset_index(drop=True)


def goal_line(metric: Metric, plan: Plan) -> pd.DataFrame:
    """The goal line's two ends: the baseline at plan start, the target at the target date."""
    days = [plan.period_start, metric.target_date]
    values = [
        goal_on(metric.baseline, metric.target, plan.period_start, metric.target_date, day)
        for day in days
    ]
    return pd.DataFrame({"day": pd.to_datetime(days), "value": values})


def _recent_points(series: pd.DataFrame, today: date, window_days: int) -> pd.DataFrame:
    """The actual points of the `window_days` days up to the newest point on or before today."""
    known = series[series["day"] <= pd.Timestamp(today)].sort_values("day")
    if known.empty:
        return known
    newest = known["day"].iloc[-1]
    return known[known["day"] > newest - pd.Timedelta(days=window_days)]


def _least_squares_slope(points: pd.DataFrame) -> float | None:
    """The change per day of the straight line fitting `points` best, or None if undefined."""
    if len(points) < 2:
        return None
    x = (points["day"] - points["day"].iloc[0]).dt.days.astype(float)
    y = points["value"].astype(float)
    spread = ((x - x.mean()) ** 2).sum()
    if spread == 0:
        return None
    return float(((x - x.mean()) * (y - y.mean())).sum() / spread)


def projection(
    series: pd.DataFrame,
    target_date: date,
    today: date,
    window_days: int = PROJECTION_WINDOW_DAYS,
) -> pd.DataFrame | None:
    """Where the recent trend leads: from the newest actual to the target date.

    The slope is the least-squares trend of the last `window_days` days of actual points.
    The line starts at the newest actual itself (not the fitted value there) so that on the
    chart it continues the actual line, as "at this pace" reads. None with fewer than two
    points in the window, or when the newest actual is already on or past the target date.
    """
    recent = _recent_points(series, today, window_days)
    slope = _least_squares_slope(recent)
    if slope is None:
        return None
    start_day = recent["day"].iloc[-1]
    end_day = pd.Timestamp(target_date)
    if end_day <= start_day:
        return None
    start_value = float(recent["value"].iloc[-1])
    end_value = start_value + slope * (end_day - start_day).days
    return pd.DataFrame(
        {"day": pd.to_datetime([start_day, end_day]), "value": [start_value, end_value]}
    )


def projected_value_at_target(
    series: pd.DataFrame,
    target_date: date,
    today: date,
    window_days: int = PROJECTION_WINDOW_DAYS,
) -> float | None:
    """The value the recent trend reaches on the target date, or None when it cannot say."""
    line = projection(series, target_date, today, window_days)
    return None if line is None else float(line["value"].iloc[-1])


# ---------------------------------------------------------------- plain words


def metric_unit(metric: Metric) -> str:
    """The unit to show with the metric's numbers: its own, else its source's usual one."""
    return metric.unit.strip() or SOURCE_UNITS.get(MetricSource(metric.source), "")


def round_sensibly(value: float | None) -> float | None:
    """At least 2 decimals and 4 significant digits: 1240.0, 3.142, 0.01234; None stays None."""
    # JSON has no NaN or infinity, so a number that is not finite is reported as missing.
    if value is None or not math.isfinite(value):
        return None
    if value == 0:
        return 0.0
    decimals = max(2, 3 - math.floor(math.log10(abs(value))))
    return round(value, decimals)


def format_number(value: float) -> str:
    """A number as people read it: "1,240", "48.5", "3.25" — no needless decimals."""
    rounded = round_sensibly(value)
    if rounded is None:
        return "—"
    # Rounded as the report rounds first, so a number reads the same on screen and in reports.
    value = rounded
    if float(value).is_integer() or abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:,.1f}"
    else:
        text = f"{value:,.2f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def format_value(value: float, unit: str = "", *, word_unit: bool = True) -> str:
    """A number with its unit: "1,240 followers", "3.2%", "€850".

    With `word_unit` False a unit that is a word is left out ("1,180"), for the later
    numbers of a sentence that has already named it; symbols are always kept.
    """
    number, unit = format_number(value), unit.strip()
    if not unit:
        return number
    if unit == "%":
        return f"{number}%"
    if unit in PREFIX_UNITS:
        return f"{unit}{number}"
    return f"{number} {unit}" if word_unit else number


def format_day(day: date, today: date) -> str:
    """A date as "30 Jun", with the year only when it is not this year's."""
    text = f"{day.day} {day:%b}"
    return text if day.year == today.year else f"{text} {day.year}"


def panel_summary(score: MetricScore, projected: float | None, today: date) -> str:
    """One sentence on where the metric stands, e.g. "1,240 followers, goal for today …"."""
    metric, result = score.metric, score.result
    unit = metric_unit(metric)
    due = format_day(metric.target_date, today)
    if result.actual is None:
        goal = format_value(result.goal_today, unit)
        target = format_value(metric.target, unit, word_unit=False)
        return f"No numbers yet — goal for today {goal}; target {target} by {due}."
    goal = format_value(result.goal_today, unit, word_unit=False)
    target = format_value(metric.target, unit, word_unit=False)
    head = (
        f"{format_value(result.actual, unit)}, goal for today {goal} — "
        f"{STATUS_LABELS[result.status].lower()}"
    )
    if metric.target_date < today:
        return f"{head}; the target of {target} was due {due}."
    if projected is not None:
        reach = format_value(projected, unit, word_unit=False)
        return f"{head}; at this pace you reach {reach} by {due}, target {target}."
    return f"{head}; target {target} by {due}."


def no_data_hint(metric: Metric) -> str:
    """Where a metric's numbers come from, for a metric that has none yet."""
    source = MetricSource(metric.source)
    if source is MetricSource.MANUAL:
        return (
            "No readings yet. Enter this metric's numbers by date on the Metrics step and "
            "its chart appears here."
        )
    if source is MetricSource.INFLUENCE_SCORE:
        return (
            "No influence score yet. It is worked out from your accounts' numbers, which "
            "arrive when an account is synced or its analytics export is imported."
        )
    return (
        "No numbers yet. They come from your connected accounts and arrive when an account "
        "is synced or its analytics export is imported."
    )


def source_detail(metric: Metric, account: Account | None) -> str:
    """Where the numbers come from, in words: "Followers of @rosa on Bluesky"."""
    source = MetricSource(metric.source)
    label = SOURCE_LABELS[source]
    if source is MetricSource.MANUAL:
        return label
    if account is not None:
        return f"{label} of {account_label(account)}"
    return f"{label} of all your own accounts"


# ---------------------------------------------------------------- panels


@dataclass(frozen=True)
class MetricPanel:
    """Everything the Dashboard shows for one metric.

    `series` is what the chart draws: the plan period's actual points (with a short run-up),
    downsampled; the full series stays in `score.series`.
    """

    score: MetricScore
    today: date
    series: pd.DataFrame
    goal: pd.DataFrame
    projection: pd.DataFrame | None
    projected_value: float | None
    summary: str
    source_detail: str

    @property
    def metric(self) -> Metric:
        return self.score.metric

    @property
    def objective(self) -> Objective:
        return self.score.objective

    @property
    def status(self) -> MetricStatus:
        return self.score.status

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def unit(self) -> str:
        return metric_unit(self.metric)

    @property
    def has_data(self) -> bool:
        return not self.series.empty

    @property
    def needs_readings(self) -> bool:
        """True when the numbers are typed in by hand (on the Metrics step)."""
        return MetricSource(self.metric.source) is MetricSource.MANUAL


def build_panel(
    score: MetricScore,
    plan: Plan,
    today: date,
    detail: str = "",
    max_points: int = MAX_CHART_POINTS,
) -> MetricPanel:
    """A metric's panel from its scorecard entry; no database needed."""
    metric = score.metric
    line = projection(score.series, metric.target_date, today)
    projected = None if line is None else float(line["value"].iloc[-1])
    return MetricPanel(
        score=score,
        today=today,
        series=downsample(chart_window(score.series, plan.period_start), max_points),
        goal=goal_line(metric, plan),
        projection=line,
        projected_value=projected,
        summary=panel_summary(score, projected, today),
        source_detail=detail or SOURCE_LABELS[MetricSource(metric.source)],
    )


def dashboard_panels(
    *, session: Session, actor: Actor, plan_id: int, today: date
) -> list[MetricPanel]:
    """A panel per active metric of the plan, in the plan's order, as of `today`."""
    plan = require_plan(session, actor, plan_id)
    # The plan's metrics over the same accounts share one read of their daily numbers.
    shared: dict = {}
    scores = [
        score_metric(
            metric,
            objective,
            plan,
            metric_series(session, metric, until=today, shared=shared),
            today,
        )
        for metric, objective in active_metrics(session, plan_id)
    ]
    panels = []
    for score in scores:
        account_id = score.metric.account_id
        account = session.get(Account, account_id) if account_id is not None else None
        panels.append(build_panel(score, plan, today, source_detail(score.metric, account)))
    return panels


@dataclass(frozen=True)
class PanelCard:
    """What the Dashboard page shows for one metric, as plain values.

    A page caches these (`st.cache_data` pickles and unpickles them on every rerun), so they
    hold only what is drawn: no ORM rows, no full daily series. `chart` is the metric's
    Vega-Lite spec with its datasets (None when it has no numbers).
    """

    metric_id: int
    objective_id: int
    objective_title: str
    name: str
    status: MetricStatus
    summary: str
    source_detail: str
    no_data_hint: str
    needs_readings: bool
    chart: dict[str, Any] | None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def has_data(self) -> bool:
        return self.chart is not None


def panel_card(panel: MetricPanel, chart: dict[str, Any] | None) -> PanelCard:
    """The panel as the page shows it, with its chart (built by the caller: charts.py
    depends on this module, not the other way round)."""
    return PanelCard(
        metric_id=int(panel.metric.id),  # type: ignore[arg-type]
        objective_id=int(panel.objective.id),  # type: ignore[arg-type]
        objective_title=panel.objective.title,
        name=panel.metric.name,
        status=panel.status,
        summary=panel.summary,
        source_detail=panel.source_detail,
        no_data_hint=no_data_hint(panel.metric),
        needs_readings=panel.needs_readings,
        chart=chart if panel.has_data else None,
    )


def cards_by_objective(cards: Iterable[PanelCard]) -> list[tuple[str, list[PanelCard]]]:
    """The cards grouped under their objective's title, keeping the plan's order."""
    groups: dict[int, tuple[str, list[PanelCard]]] = {}
    for card in cards:
        groups.setdefault(card.objective_id, (card.objective_title, []))[1].append(card)
    return list(groups.values())


def card_counts(cards: Iterable[PanelCard]) -> dict[MetricStatus, int]:
    """How many cards are in each status, as `summary_counts` counts panels."""
    counts = dict.fromkeys(MetricStatus, 0)
    for card in cards:
        counts[card.status] += 1
    return counts


def panels_by_objective(
    panels: Iterable[MetricPanel],
) -> list[tuple[Objective, list[MetricPanel]]]:
    """The panels grouped under their objective, keeping the plan's order."""
    groups: dict[int | None, tuple[Objective, list[MetricPanel]]] = {}
    for panel in panels:
        groups.setdefault(panel.objective.id, (panel.objective, []))[1].append(panel)
    return list(groups.values())


def summary_counts(panels: Iterable[MetricPanel]) -> dict[MetricStatus, int]:
    """How many metrics are on track, at risk, off track and without data (zeros included)."""
    return status_counts([panel.score for panel in panels])


def next_action(counts: dict[MetricStatus, int]) -> str:
    """What the owner should do next, given the status counts."""
    behind = counts[MetricStatus.AT_RISK] + counts[MetricStatus.OFF_TRACK]
    if behind:
        noun = "metric is" if behind == 1 else "metrics are"
        return (
            f"{behind} {noun} behind the goal line. Talk it through at your next review and "
            "decide on a course correction."
        )
    if counts[MetricStatus.NO_DATA] and not counts[MetricStatus.ON_TRACK]:
        return "No numbers yet. Each chart below says where its numbers will come from."
    if counts[MetricStatus.NO_DATA]:
        return "What has numbers is on track. The metrics without numbers say where to add them."
    return "Everything is on track. Keep going, and check back before your next review."
