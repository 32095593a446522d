"""The plan report behind `socialplan report`: its numbers, its Markdown and its JSON."""

import json
from datetime import date

import pytest

from socialplan.access import Actor
from socialplan.errors import NotFound
from socialplan.models import Direction, Metric, MetricSource, Objective, Reading, WorkspaceCreate
from socialplan.reports import build_report, render_report_json, render_report_markdown
from socialplan.workspaces import create_workspace
from tests.factories import create_workspace_with_plan

TODAY = date(2027, 1, 31)


def arrange_plan_with_readings(session, actor):
    """Rosa's Bakery: one metric on track (by hand), one falling on track, one without data."""
    workspace, plan = create_workspace_with_plan(session, actor, name="Rosa's Bakery")
    objective = Objective(plan_id=plan.id, title="Sell more | custom cakes")
    session.add(objective)
    session.flush()
    orders = Metric(
        objective_id=objective.id,
        name="Cake orders",
        unit="orders",
        baseline=10,
        target=40,
        target_date=date(2027, 4, 1),  # 90 days: a third of the way on 31 Jan
    )
    reply_hours = Metric(
        objective_id=objective.id,
        name="Reply time",
        unit="hours",
        baseline=20,
        target=5,
        target_date=date(2027, 4, 1),
        direction=Direction.DOWN,
        position=1,
    )
    followers = Metric(
        objective_id=objective.id,
        name="Followers",
        source=MetricSource.FOLLOWERS,
        unit="followers",
        baseline=100,
        target=200,
        target_date=date(2027, 6, 30),
        position=2,
    )
    session.add_all([orders, reply_hours, followers])
    session.flush()
    session.add_all(
        [
            Reading(metric_id=orders.id, day=date(2027, 1, 15), value=17),
            Reading(metric_id=orders.id, day=date(2027, 1, 30), value=21),
            Reading(metric_id=reply_hours.id, day=date(2027, 1, 30), value=14.123456),
            Reading(metric_id=reply_hours.id, day=date(2027, 2, 5), value=1),  # after today
        ]
    )
    session.commit()
    return workspace, plan


def test_the_report_has_every_metric_with_its_actual_goal_and_status(session, actor):
    workspace, _ = arrange_plan_with_readings(session, actor)

    report = build_report(session=session, actor=actor, workspace_slug=workspace.slug, today=TODAY)

    assert {k: v for k, v in report.items() if k != "metrics"} == {
        "workspace": "Rosa's Bakery",
        "workspace_slug": "rosas-bakery",
        "plan": "2027 H1",
        "plan_status": "active",
        "period": {"start": "2027-01-01", "end": "2027-06-30"},
        "today": "2027-01-31",
        "status_counts": {"on_track": 2, "at_risk": 0, "off_track": 0, "no_data": 1},
    }
    assert report["metrics"][0] == {
        "objective": "Sell more | custom cakes",
        "name": "Cake orders",
        "unit": "orders",
        "source": "manual",
        "direction": "up",
        "baseline": 10.0,
        "target": 40.0,
        "target_date": "2027-04-01",
        "actual": 21.0,
        "goal_today": 20.0,
        "progress": pytest.approx(0.3667, abs=1e-4),
        "status": "on_track",
    }
    reply = report["metrics"][1]
    assert (reply["actual"], reply["goal_today"], reply["status"]) == (14.12, 15.0, "on_track")
    assert report["metrics"][2]["actual"] is None
    assert report["metrics"][2]["status"] == "no_data"


def test_the_report_survives_a_trip_through_json_unchanged(session, actor):
    workspace, _ = arrange_plan_with_readings(session, actor)
    report = build_report(session=session, actor=actor, workspace_slug=workspace.slug, today=TODAY)

    assert json.loads(render_report_json(report)) == report


def test_an_unknown_workspace_slug_is_reported_clearly(session, actor):
    with pytest.raises(NotFound, match="No workspace “nope” here"):
        build_report(session=session, actor=actor, workspace_slug="nope", today=TODAY)


def test_a_workspace_without_a_plan_is_reported_clearly(session, actor):
    create_workspace(session=session, actor=actor, workspace_create=WorkspaceCreate(name="Cafe"))

    with pytest.raises(NotFound, match="“cafe” has no plan yet"):
        build_report(session=session, actor=actor, workspace_slug="cafe", today=TODAY)


def test_a_stranger_gets_no_report(session, actor):
    workspace, _ = create_workspace_with_plan(session, actor)

    with pytest.raises(NotFound):
        build_report(
            session=session,
            actor=Actor.user(999, "stranger"),
            workspace_slug=workspace.slug,
            today=TODAY,
        )


# ---------------------------------------------------------------- rendering


def sample_report(**changes) -> dict:
    report = {
        "workspace": "Rosa's Bakery",
        "workspace_slug": "rosas-bakery",
        "plan": "2027 H1",
        "plan_status": "active",
        "period": {"start": "2027-01-01", "end": "2027-06-30"},
        "today": "2027-01-31",
        "status_counts": {"on_track": 1, "at_risk": 0, "off_track": 0, "no_data": 1},
        "metrics": [
            {
                "objective": "Sell more | custom\ncakes",
                "name": "Cake orders",
                "unit": "orders",
                "source": "manual",
                "direction": "up",
                "baseline": 10.0,
                "target": 40.0,
                "target_date": "2027-04-01",
                "actual": 1210.0,
                "goal_today": 20.0,
                "progress": 0.3667,
                "status": "on_track",
            },
            {
                "objective": "Be known",
                "name": "Followers",
                "unit": "",
                "source": "followers",
                "direction": "up",
                "baseline": 100.0,
                "target": 200.0,
                "target_date": "2028-06-30",
                "actual": None,
                "goal_today": 116.57,
                "progress": None,
                "status": "no_data",
            },
        ],
    }
    return {**report, **changes}


def test_markdown_has_a_heading_the_status_counts_and_a_row_per_metric():
    lines = render_report_markdown(sample_report()).splitlines()

    assert lines[0] == "# 2027 H1 — Rosa's Bakery"
    assert "Period 1 Jan 2027 – 30 Jun 2027 · as of 31 Jan 2027" in lines[2]
    assert lines[4] == ("**On track:** 1 · **At risk:** 0 · **Off track:** 0 · **No data yet:** 1")
    assert lines[6].startswith("| Objective | Metric | Source | Baseline | Target |")
    assert lines[8] == (
        "| Sell more \\| custom cakes | Cake orders | Entered by hand | 10 orders | "
        "40 orders | 1 Apr | 1,210 orders | 20 orders | 37% | On track |"
    )
    assert lines[9] == (
        "| Be known | Followers | Followers | 100 | 200 | 30 Jun 2028 | — | 117 | — | No data yet |"
    )
    assert len(lines) == 10


def test_markdown_keeps_every_table_row_to_its_columns_whatever_the_user_typed():
    report = sample_report()
    report["metrics"][0]["name"] = "a|b\\|c\r\nd"

    row = render_report_markdown(report).splitlines()[8]

    assert "a\\|b\\\\\\|c d" in row
    assert row.replace("\\\\", "").replace("\\|", "").count("|") == 11


def test_markdown_of_a_plan_without_metrics_says_where_to_add_them():
    markdown = render_report_markdown(sample_report(metrics=[]))

    assert markdown.endswith("No metrics yet — add them on the Metrics step of the plan.")
    assert "| Objective |" not in markdown


def test_json_is_indented_by_two_with_sorted_keys():
    text = render_report_json(sample_report())

    assert text.startswith('{\n  "metrics": [\n    {\n      "actual": 1210.0,')
    assert json.loads(text) == sample_report()
