"""Where every metric of a plan stands today: actual, goal for today, progress and status.

The Review step, the Dashboard, Home and the `report` command all read this one function,
so they can never disagree about a metric's status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlmodel import Session, col, select

from socialplan.access import Actor, require_plan
from socialplan.models import Metric, MetricStatus, Objective, Plan
from socialplan.series import latest_actual, metric_series
from socialplan.status import StatusResult, evaluate


@dataclass(frozen=True)
class MetricScore:
    """One metric of the plan with its series and its status on the scorecard's day."""

    metric: Metric
    objective: Objective
    series: pd.DataFrame
    result: StatusResult

    @property
    def status(self) -> MetricStatus:
        return self.result.status


def active_metrics(session: Session, plan_id: int) -> list[tuple[Metric, Objective]]:
    """The plan's metrics that are not archived, under objectives that are not archived."""
    rows = session.exec(
        select(Metric, Objective)
        .join(Objective, Objective.id == Metric.objective_id)
        .where(
            Objective.plan_id == plan_id,
            col(Objective.archived_at).is_(None),
            col(Metric.archived_at).is_(None),
        )
        .order_by(Objective.position, Objective.id, Metric.position, Metric.id)
    )
    return [(metric, objective) for metric, objective in rows]


def score_metric(
    metric: Metric, objective: Objective, plan: Plan, series: pd.DataFrame, today: date
) -> MetricScore:
    """The status of one metric given its series."""
    result = evaluate(
        baseline=metric.baseline,
        target=metric.target,
        actual=latest_actual(series),
        plan_start=plan.period_start,
        target_date=metric.target_date,
        today=today,
    )
    return MetricScore(metric=metric, objective=objective, series=series, result=result)


def plan_scorecard(
    *, session: Session, actor: Actor, plan_id: int, today: date
) -> list[MetricScore]:
    """Every active metric of the plan with its actual (as of `today`) and status."""
    plan = require_plan(session, actor, plan_id)
    return [
        score_metric(metric, objective, plan, metric_series(session, metric, until=today), today)
        for metric, objective in active_metrics(session, plan_id)
    ]


def status_counts(scores: list[MetricScore]) -> dict[MetricStatus, int]:
    """How many metrics are in each status, every status present (zero when none)."""
    counts = dict.fromkeys(MetricStatus, 0)
    for score in scores:
        counts[score.status] += 1
    return counts
