"""The benchmark's page, browser and memory figures, measured on a tiny instance.

These check that each measurement runs end to end and gives well-formed figures; they
judge no timing (the benchmark's table does, at full scale). The browser tests are marked
e2e and skip without chromium unless SOCIALPLAN_REQUIRE_E2E is set.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import date, timedelta

import pandas as pd
import pyarrow as pa
import pytest
from sqlmodel import Session
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from socialplan.bench import server as bench_server
from socialplan.bench.browser import measure_dashboard
from socialplan.bench.memory import measure_server_memory, process_tree, status_kib, tree_rss_kib
from socialplan.bench.results import Figure, Instance
from socialplan.bench.server import APP, APP_PAGES, plan_choice
from socialplan.db import make_engine, upgrade_database
from socialplan.models import Metric, MetricSource, Objective, Reading
from socialplan.ui.page_timing import PageRunFailed, charts_sent, measure_pages
from tests.app.conftest import PAGES
from tests.factories import create_workspace_with_plan

# Daily readings over this many days: more than a chart may be sent (1,000 points), so the
# dashboard has to thin them out.
READING_DAYS = 1_500


def _arrange(url: str) -> Instance:
    """One business, one plan over four years, a metric read daily and one without numbers."""
    engine = make_engine(url)
    upgrade_database(engine)
    today = date.today()
    with Session(engine, expire_on_commit=False) as session:
        workspace, plan = create_workspace_with_plan(
            session,
            name="Tiny Bakery",
            period_start=today - timedelta(days=READING_DAYS - 60),
            period_end=today + timedelta(days=90),
        )
        objective = Objective(plan_id=plan.id, title="Sell more cakes", position=0)
        session.add(objective)
        session.flush()
        orders = Metric(
            objective_id=objective.id,
            name="Cake orders",
            unit="orders",
            baseline=10,
            target=60,
            target_date=today + timedelta(days=60),
        )
        followers = Metric(
            objective_id=objective.id,
            name="Followers",
            source=MetricSource.FOLLOWERS,
            baseline=500,
            target=800,
            target_date=today + timedelta(days=60),
            position=1,
        )
        session.add_all([orders, followers])
        session.flush()
        session.add_all(
            Reading(metric_id=orders.id, day=today - timedelta(days=ago), value=10 + ago % 7)
            for ago in range(READING_DAYS)
        )
        session.commit()
    engine.dispose()
    return Instance(
        database_url=url,
        scale="tiny",
        accounts=0,
        workspaces=1,
        snapshots=0,
        days=READING_DAYS,
        plan_workspace_slug=workspace.slug,
        plan_id=plan.id,  # type: ignore[arg-type]
        peer_group_id=0,
        sample_account_id=0,
        build_seconds=0.0,
    )


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Instance:
    path = tmp_path_factory.mktemp("bench") / "tiny.db"
    return _arrange(f"sqlite:///{path}")


@pytest.fixture
def browser_ready() -> None:
    reason = bench_server.missing_browser_reason()
    if reason is None:
        return
    if os.environ.get("SOCIALPLAN_REQUIRE_E2E"):
        pytest.fail(f"SOCIALPLAN_REQUIRE_E2E is set but {reason}")
    pytest.skip(f"browser test skipped: {reason}; set SOCIALPLAN_REQUIRE_E2E=1 to require it")


def assert_well_formed(figure: Figure, unit: str) -> None:
    assert figure.unit == unit, figure
    assert figure.database == "sqlite", figure
    assert figure.value > 0, figure
    assert figure.note, figure
    assert figure.runs >= 1, figure


# ---------------------------------------------------------------- the app's pages


def test_the_benchmark_knows_every_page_of_the_navigation():
    assert sorted(page.script for page in APP_PAGES) == sorted(PAGES)
    navigation = APP.read_text()
    for page in APP_PAGES:
        assert re.search(rf'st\.Page\(\s*"{page.script}",\s*title="{page.title}"', navigation)


def test_plan_choice_tells_when_the_app_would_open_another_business(instance):
    engine = make_engine(instance.database_url)
    try:
        assert plan_choice(engine, instance.plan_workspace_slug, instance.plan_id) == (
            bench_server.PlanChoice(
                workspace_id=1,
                workspace_name="Tiny Bakery",
                plan_id=instance.plan_id,
                plan_name="2027 H1",
                workspace_is_default=True,
                plan_is_default=True,
            )
        )
        with pytest.raises(LookupError, match="Plan 999 is not a plan of workspace"):
            plan_choice(engine, instance.plan_workspace_slug, 999)
    finally:
        engine.dispose()


def test_a_newer_business_with_a_plan_is_what_the_app_opens(tmp_path):
    tiny = _arrange(f"sqlite:///{tmp_path / 'two.db'}")
    engine = make_engine(tiny.database_url)
    try:
        with Session(engine) as session:
            create_workspace_with_plan(session, name="Newer Shop")
        choice = plan_choice(engine, tiny.plan_workspace_slug, tiny.plan_id)
    finally:
        engine.dispose()
    assert not choice.workspace_is_default
    assert choice.plan_is_default


# ---------------------------------------------------------------- figure 1: page scripts


def test_every_page_gets_a_cold_and_a_warm_figure(instance):
    figures = measure_pages(instance, warm_runs=1)

    expected = [
        (f"page_{kind}_{page.url_path or 'home'}", f"{page.title} page script, {kind}")
        for page in APP_PAGES
        for kind in ("cold", "warm")
    ]
    assert [(figure.key, figure.label) for figure in figures] == expected
    for figure in figures:
        assert_well_formed(figure, "s")
        cold = figure.key.startswith("page_cold_")
        assert figure.budget == (1.0 if cold else 0.150)
        assert figure.runs == 1
        assert ("fresh AppTest session" if cold else "reruns (1)") in figure.note


def test_a_page_that_raises_is_a_failed_measurement_not_a_figure(instance, tmp_path):
    broken = tmp_path / "broken.db"
    shutil.copyfile(instance.database_url.removeprefix("sqlite:///"), broken)
    with sqlite3.connect(broken) as connection:
        connection.execute("DROP TABLE task")
    url = f"sqlite:///{broken}"
    previous = os.environ.get("SOCIALPLAN_DATABASE_URL")

    failed = r"app_pages/home\.py showed an error under AppTest: Social Plan cannot reach"
    with pytest.raises(PageRunFailed, match=failed):
        measure_pages(Instance(**{**instance.__dict__, "database_url": url}), warm_runs=1)

    assert os.environ.get("SOCIALPLAN_DATABASE_URL") == previous


def test_warm_runs_must_be_counted():
    with pytest.raises(ValueError, match="warm_runs must be at least 1"):
        measure_pages(None, warm_runs=0)  # type: ignore[arg-type]


# ---------------------------------------------------------------- figure 6: what charts get


def _chart_message(rows: int, element_id: str) -> bytes:
    message = ForwardMsg()
    chart = message.delta.new_element.vega_lite_chart
    chart.spec = '{"mark": "line"}'
    chart.id = element_id
    frame = pa.Table.from_pandas(pd.DataFrame({"day": range(rows), "value": range(rows)}))
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, frame.schema) as writer:
        writer.write_table(frame)
    dataset = chart.datasets.add()
    dataset.name = "actual"
    dataset.data.data = sink.getvalue().to_pybytes()
    return message.SerializeToString()


def test_charts_sent_counts_the_rows_of_each_dataset_and_skips_other_messages():
    other = ForwardMsg()
    other.delta.new_element.markdown.body = "Not a chart"
    frames = [_chart_message(3, "a"), other.SerializeToString(), _chart_message(250, "b")]

    charts = charts_sent(frames)

    assert [(chart.element_id, chart.dataset_rows) for chart in charts] == [
        ("a", (3,)),
        ("b", (250,)),
    ]
    assert charts[0].message_bytes == len(frames[0])
    assert 0 < charts[0].dataset_bytes < charts[0].message_bytes


def test_without_chromium_the_browser_figures_say_what_is_missing(instance, monkeypatch):
    monkeypatch.setattr(bench_server, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr(bench_server.shutil, "which", lambda name: None)

    for measure in (measure_dashboard, measure_server_memory):
        with pytest.raises(RuntimeError, match="chromium is not installed at /nonexistent"):
            measure(instance)


@pytest.mark.e2e
def test_the_dashboard_is_timed_and_its_chart_data_counted(instance, browser_ready):
    drawn, points, sent = measure_dashboard(instance, runs=1)

    assert drawn.key == "dashboard_drawn"
    assert_well_formed(drawn, "s")
    assert drawn.budget == 1.5
    assert "until all 1 metric charts had drawn" in drawn.note
    # The floor: the Settings page (no chart) opened the same way, timed to shown whole.
    assert drawn.floor is not None and 0 < drawn.floor < 60
    assert drawn.ratio == drawn.value / drawn.floor
    assert "The floor is the Settings page" in drawn.note
    assert points.key == "dashboard_points_per_series"
    assert_well_formed(points, "points")
    # 1,500 daily readings reach the browser thinned to at most 1,000 points.
    assert points.budget == 1000 and points.value <= 1000
    assert sent.key == "dashboard_chart_bytes"
    assert_well_formed(sent, "bytes")
    assert sent.budget is None


# ---------------------------------------------------------------- figure 7: server memory


def test_the_process_tree_holds_a_child_and_its_memory():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert child.pid in process_tree(os.getpid())
        assert status_kib(child.pid, "VmRSS") > 0
        assert tree_rss_kib(os.getpid()) > status_kib(os.getpid(), "VmRSS")
    finally:
        child.kill()
        child.wait()
    assert status_kib(child.pid, "VmRSS") == 0  # gone: nothing to count


@pytest.mark.e2e
def test_the_server_memory_is_measured_while_sessions_open_every_page(instance, browser_ready):
    peak, started = measure_server_memory(instance, sessions=1)

    assert peak.key == "server_peak_memory"
    assert_well_formed(peak, "MB")
    assert peak.budget == 600
    assert "1 chromium session opened all 10 pages" in peak.note
    assert started.key == "server_start_memory"
    assert_well_formed(started, "MB")
    assert started.value < peak.value
