"""The read functions pages cache (review sheet, plan readings, plan metrics) agree with the
services they summarise, on the demo bakery (account metrics that share account sets)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from socialplan import demo, metrics, reviews
from socialplan.models import MetricSource, Objective, Plan, Workspace
from socialplan.scorecard import plan_scorecard

TODAY = date(2027, 3, 15)


@pytest.fixture
def bakery_plan(session, actor) -> Plan:
    workspace: Workspace = demo.load_demo(session=session, actor=actor, today=TODAY)
    return session.exec(select(Plan).where(Plan.workspace_id == workspace.id)).one()


def test_the_review_sheet_reads_shared_account_sums_and_matches_the_scorecard(
    session: Session, actor, bakery_plan: Plan
) -> None:
    sheet = reviews.review_sheet(session=session, actor=actor, plan_id=bakery_plan.id, today=TODAY)
    scores = plan_scorecard(session=session, actor=actor, plan_id=bakery_plan.id, today=TODAY)
    assert [(line.metric_id, line.status, line.line) for line in sheet] == [
        (score.metric.id, score.status, reviews.score_line(score)) for score in scores
    ]
    assert any(score.metric.source != MetricSource.MANUAL for score in scores)


def test_plan_readings_and_metrics_match_the_per_metric_reads(
    session: Session, actor, bakery_plan: Plan
) -> None:
    readings = metrics.plan_readings(session=session, actor=actor, plan_id=bakery_plan.id)
    by_objective = metrics.plan_metrics(session=session, actor=actor, plan_id=bakery_plan.id)
    objectives = session.exec(select(Objective).where(Objective.plan_id == bakery_plan.id)).all()
    manual = []
    for objective in objectives:
        listed = metrics.list_metrics_for_objective(
            session=session, actor=actor, objective_id=objective.id, include_archived=True
        )
        assert [m.id for m in by_objective.get(objective.id, [])] == [m.id for m in listed]
        manual += [m for m in listed if m.source == MetricSource.MANUAL]
    assert manual and set(readings) == {m.id for m in manual}
    for metric in manual:
        stored = metrics.list_readings(session=session, actor=actor, metric_id=metric.id)
        view = readings[metric.id]
        assert view.count == len(stored)
        assert view.fingerprint == metrics.readings_fingerprint(stored)
        assert view.table.equals(metrics.readings_table(stored))
        if stored:
            assert (view.latest_day, view.latest_value) == (stored[-1].day, stored[-1].value)
