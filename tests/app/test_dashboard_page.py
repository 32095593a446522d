"""The Dashboard page under AppTest: empty states, status counts and one chart per metric."""

import json
from datetime import date, timedelta

import pyarrow as pa
from sqlmodel import Session, select

import socialplan.dashboard
from socialplan.access import Actor
from socialplan.metrics import save_readings
from socialplan.models import Metric, MetricSource, Objective, Reading
from tests.app.conftest import open_page, texts
from tests.factories import create_workspace_with_plan

PAGE = "app_pages/dashboard.py"


def arrange_plan(engine, *, with_metrics: bool) -> None:
    """A plan from 60 days ago to 120 days ahead; with metrics, one has readings."""
    today = date.today()
    with Session(engine, expire_on_commit=False) as session:
        _, plan = create_workspace_with_plan(
            session, period_start=today - timedelta(days=60), period_end=today + timedelta(120)
        )
        if not with_metrics:
            return
        sales = Objective(plan_id=plan.id, title="Sell more custom cakes", position=0)
        known = Objective(plan_id=plan.id, title="Be known in the neighbourhood", position=1)
        session.add_all([sales, known])
        session.flush()
        due = today + timedelta(days=60)  # halfway from plan start to target date
        orders = Metric(
            objective_id=sales.id,
            name="Cake orders",
            unit="orders",
            baseline=10,
            target=40,
            target_date=due,
        )
        inquiries = Metric(
            objective_id=sales.id,
            name="Wedding inquiries",
            baseline=0,
            target=8,
            target_date=due,
            position=1,
        )
        followers = Metric(
            objective_id=known.id,
            name="Followers",
            source=MetricSource.FOLLOWERS,
            baseline=500,
            target=800,
            target_date=due,
        )
        session.add_all([orders, inquiries, followers])
        session.flush()
        session.add_all(
            Reading(metric_id=orders.id, day=today - timedelta(days=ago), value=value)
            for ago, value in ((50, 12), (30, 18), (10, 24), (1, 26))
        )
        session.commit()


def arrow_rows(dataset) -> list[dict]:
    """The rows of a dataset as the browser receives it (an Arrow IPC stream)."""
    return pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()


def chart_specs(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def page_links(at) -> dict[str, str]:
    return {link.proto.label: link.proto.page for link in at.get("page_link")}


def test_a_plan_without_metrics_says_to_add_them_on_the_metrics_step(app_engine):
    arrange_plan(app_engine, with_metrics=False)

    at = open_page(PAGE)

    assert not at.exception, at.exception
    assert at.title[0].value == "Dashboard"
    assert "Your plan has no metrics yet" in texts(at)
    assert page_links(at)["Go to Metrics"] == "metrics"
    assert chart_specs(at) == []


def test_a_metric_with_readings_gets_its_chart_and_summary(app_engine):
    arrange_plan(app_engine, with_metrics=True)

    at = open_page(PAGE)

    assert not at.exception, at.exception
    [spec] = chart_specs(at)
    assert spec["title"]["text"] == "Cake orders"
    assert spec["title"]["subtitle"].startswith("On track")
    assert {"lines", "actual_points", "target", "today"} <= {
        layer["name"] for layer in spec["layer"]
    }
    # The rows travel as Arrow tables beside the spec, not inside it.
    [chart] = at.get("vega_lite_chart")
    assert "datasets" not in spec
    datasets = {dataset.name: dataset for dataset in chart.proto.datasets}
    assert set(datasets) == {"lines", "target", "today"}
    lines = arrow_rows(datasets["lines"])
    assert {row["line"] for row in lines} == {"Actual", "Goal line", "At this pace"}
    assert [row["value"] for row in lines if row["line"] == "Actual"] == [12, 18, 24, 26]
    assert "26 orders, goal for today 25 — on track" in texts(at)


def test_the_status_counts_are_shown_above_the_charts(app_engine):
    arrange_plan(app_engine, with_metrics=True)

    at = open_page(PAGE)

    assert {m.label: m.value for m in at.metric} == {
        "On track": "1",
        "At risk": "0",
        "Off track": "0",
        "No data yet": "2",
    }


def test_metrics_without_numbers_say_where_their_numbers_come_from(app_engine):
    arrange_plan(app_engine, with_metrics=True)

    at = open_page(PAGE)

    shown = texts(at)
    assert "No readings yet. Enter this metric's numbers by date on the Metrics step" in shown
    assert "arrive when an account is synced or its analytics export is imported" in shown
    assert page_links(at)["Enter readings on the Metrics step"] == "metrics"
    headers = [h.value for h in at.header]
    assert headers == ["Sell more custom cakes", "Be known in the neighbourhood"]


def orders_metric_id(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(Metric.id).where(Metric.name == "Cake orders")).one()


def test_a_rerun_with_nothing_changed_reuses_the_dashboard_data(app_engine, monkeypatch):
    arrange_plan(app_engine, with_metrics=True)
    computed = []

    def counted(**arguments):
        computed.append(arguments["plan_id"])
        return real(**arguments)

    real = socialplan.dashboard.dashboard_panels
    monkeypatch.setattr(socialplan.dashboard, "dashboard_panels", counted)

    at = open_page(PAGE)
    at.run()
    at.run()

    assert len(computed) == 1
    assert "26 orders, goal for today 25 — on track" in texts(at)
    assert len(chart_specs(at)) == 1


def test_a_saved_reading_shows_on_the_next_run(app_engine):
    arrange_plan(app_engine, with_metrics=True)
    at = open_page(PAGE)
    assert "26 orders, goal for today 25 — on track" in texts(at)
    metric_id = orders_metric_id(app_engine)
    today = date.today()
    readings = [(50, 12), (30, 18), (10, 24), (1, 26), (0, 31)]

    with Session(app_engine) as session:
        save_readings(
            session=session,
            actor=Actor.local(),
            metric_id=metric_id,
            rows=[
                {"day": today - timedelta(days=ago), "value": value, "note": ""}
                for ago, value in readings
            ],
        )
    at.run()

    assert "31 orders, goal for today" in texts(at)
    assert "26 orders, goal for today" not in texts(at)
    [chart] = at.get("vega_lite_chart")
    lines = arrow_rows({d.name: d for d in chart.proto.datasets}["lines"])
    assert [row["value"] for row in lines if row["line"] == "Actual"] == [12, 18, 24, 26, 31]


def test_a_reading_of_a_metric_without_numbers_gives_it_a_chart_on_the_next_run(app_engine):
    arrange_plan(app_engine, with_metrics=True)
    at = open_page(PAGE)
    assert len(chart_specs(at)) == 1
    with Session(app_engine) as session:
        inquiries = session.exec(select(Metric).where(Metric.name == "Wedding inquiries")).one()
        save_readings(
            session=session,
            actor=Actor.local(),
            metric_id=inquiries.id,
            rows=[{"day": date.today(), "value": 3, "note": ""}],
        )
    at.run()

    assert [spec["title"]["text"] for spec in chart_specs(at)] == [
        "Cake orders",
        "Wedding inquiries",
    ]
    assert {m.label: m.value for m in at.metric}["No data yet"] == "1"
