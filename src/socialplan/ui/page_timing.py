"""Benchmark figure 1: every page's script run under Streamlit's AppTest, cold and warm.

It lives under `socialplan.ui` because it runs Streamlit (only ui/, app.py and app_pages/
may import it); `socialplan bench` calls `measure_pages`. For the same reason the decoding
of what the server sent a browser (`charts_sent`, for figure 6 in `socialplan.bench.browser`)
is here: it needs Streamlit's protobuf classes.

Each page is measured on the instance's big plan: its workspace and plan are put into the
session state before the first run, as the sidebar's Business and Plan choices would.
"""

from __future__ import annotations

import logging
import os
import statistics
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.VegaLiteChart_pb2 import VegaLiteChart
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.util import patch_config_options

from socialplan.bench.results import Figure, Instance
from socialplan.bench.server import APP, APP_PAGES, AppPage, database_label, plan_choice
from socialplan.db import make_engine

WARM_BUDGET_SECONDS = 0.150
COLD_BUDGET_SECONDS = 1.0
# Generous: a run that takes longer is reported as it is, not cut short (AppTest's own
# default of 3 s would fail a cold run on a slow page).
RUN_TIMEOUT_SECONDS = 300
COLD_NOTE = (
    "First run of the page in a fresh AppTest session (app.py, auth, sidebar and page "
    "script; empty session state; st.cache_data cleared), on a process warmed by one run "
    "of every page before: modules imported (Altair too), the st.cache_resource engine "
    "opened and migrated, SQLAlchemy's connection pool and the OS file cache filled."
)
WARM_NOTE = (
    "Median over the page's reruns ({runs}) in the same AppTest session after its cold "
    "run: a rerun as after a click that changes nothing, st.cache_data as the page left it."
)


SHOW_ERRORS = {"client.showErrorDetails": "full"}


class PageRunFailed(RuntimeError):
    """A page raised (or did not finish) under AppTest: its time is not a figure."""


def measure_pages(instance: Instance, *, warm_runs: int = 5) -> list[Figure]:
    """A cold and a warm `Figure` per page of the app's navigation, in navigation order."""
    if warm_runs < 1:
        raise ValueError("warm_runs must be at least 1: the warm figure is their median.")
    database = database_label(instance.database_url)
    engine = make_engine(instance.database_url)
    try:
        choice = plan_choice(engine, instance.plan_workspace_slug, instance.plan_id)
    finally:
        engine.dispose()
    state = {"workspace_id": choice.workspace_id, "plan_id": choice.plan_id}
    figures: list[Figure] = []
    # A page that fails must say why in the benchmark's error, not in Streamlit's redacted
    # words (the app's config hides error details from browsers).
    with (
        _database(instance.database_url),
        patch_config_options(SHOW_ERRORS),
        _quiet_streamlit_logs(),
    ):
        _warm_process(state)
        for page in APP_PAGES:
            cold, warm = _measure_page(page, state, warm_runs)
            figures.append(_page_figure(page, "cold", cold, database, 1, COLD_BUDGET_SECONDS))
            figures.append(
                _page_figure(
                    page, "warm", statistics.median(warm), database, warm_runs, WARM_BUDGET_SECONDS
                )
            )
    return figures


def _warm_process(state: dict[str, int]) -> None:
    """Run every page once in a throwaway session: the process's one-off costs are paid.

    A running server pays them once, not per visitor: importing the pages' modules (Altair
    takes a while), opening and migrating the engine, loading Altair's schema.
    """
    for page in APP_PAGES:
        _timed_run(_fresh_app(state, page), page, state)


def _measure_page(
    page: AppPage, state: dict[str, int], warm_runs: int
) -> tuple[float, list[float]]:
    """The page's cold run, then `warm_runs` reruns in the same session (seconds)."""
    # Cached data would make a first visit look like a repeat one.
    st.cache_data.clear()
    app = _fresh_app(state, page)
    cold = _timed_run(app, page, state)
    warm = [_timed_run(app, page, state) for _ in range(warm_runs)]
    return cold, warm


def _fresh_app(state: dict[str, int], page: AppPage) -> AppTest:
    """A new session of the app, on the benchmark's workspace and plan, bound for `page`."""
    app = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT_SECONDS)
    for key, value in state.items():
        app.session_state[key] = value
    if page.url_path:
        # Before the first run AppTest finds the page by its file name, which is its
        # url_path here (app.py gives none of its own): the first run lands on it.
        app.switch_page(page.script)
    return app


def _timed_run(app: AppTest, page: AppPage, state: dict[str, int]) -> float:
    """Seconds one run of the script took; PageRunFailed when it raised or went elsewhere."""
    started = time.perf_counter()
    app.run()
    elapsed = time.perf_counter() - started
    if app.exception:
        # The reason on the first line: the runner keeps only that line of an error.
        messages = "; ".join(str(exception.value) for exception in app.exception)
        raise PageRunFailed(f"{page.script} raised under AppTest: {messages}")
    if app.error:
        # A page only shows an error box on a plain visit when something failed (the
        # database boundary in app.py turns a lost database into one).
        messages = "; ".join(str(error.value) for error in app.error)
        raise PageRunFailed(f"{page.script} showed an error under AppTest: {messages}")
    landed_on = _current_script(app)
    if landed_on != page.script:
        raise PageRunFailed(f"AppTest ran {landed_on} instead of {page.script}.")
    for key, wanted in state.items():
        # The sidebar replaces a choice it does not offer: then another plan was measured.
        shown = app.session_state[key] if key in app.session_state else wanted
        if shown != wanted:
            raise PageRunFailed(f"{page.script} showed {key} {shown}, not the instance's {wanted}.")
    return elapsed


def _current_script(app: AppTest) -> str:
    """The page script the last run executed, relative to app.py's folder."""
    # AppTest has no public way to tell which page a run ended on; these two private
    # fields are what its own switch_page() reads (Streamlit 1.67).
    info = app._registered_pages.get(app._finished_page_script_hash, {})
    script_path = info.get("script_path")
    if not script_path:
        return "(unknown page)"
    return os.path.relpath(script_path, APP.parent)


def _page_figure(
    page: AppPage, kind: str, seconds: float, database: str, runs: int, budget: float
) -> Figure:
    return Figure(
        key=f"page_{kind}_{page.url_path or 'home'}",
        label=f"{page.title} page script, {kind}",
        database=database,
        value=seconds,
        unit="s",
        budget=budget,
        runs=runs,
        note=COLD_NOTE if kind == "cold" else WARM_NOTE.format(runs=runs),
    )


@contextmanager
def _quiet_streamlit_logs() -> Iterator[None]:
    """Silence the warnings Streamlit logs when its cache is cleared outside a script run.

    Everything up to WARNING is switched off for the while: Streamlit makes its loggers as
    it first uses them, each with its own level and handler, so setting the levels of the
    ones there beforehand missed those made during the runs.
    """
    before = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(before)


@contextmanager
def _database(url: str) -> Iterator[None]:
    """The app reads its database from SOCIALPLAN_DATABASE_URL: point it at the instance."""
    previous = os.environ.get("SOCIALPLAN_DATABASE_URL")
    os.environ["SOCIALPLAN_DATABASE_URL"] = url
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("SOCIALPLAN_DATABASE_URL", None)
        else:
            os.environ["SOCIALPLAN_DATABASE_URL"] = previous


# ---------------------------------------------------------------- what a page sent (figure 6)


@dataclass(frozen=True)
class SentChart:
    """One Vega-Lite chart as the server sent it over the websocket."""

    element_id: str
    message_bytes: int
    dataset_rows: tuple[int, ...]
    dataset_bytes: int


def charts_sent(frames: Iterable[bytes]) -> list[SentChart]:
    """The Vega-Lite charts among the websocket messages the server sent to a browser.

    Streamlit sends one ForwardMsg per websocket message; a chart is a `new_element` delta
    whose datasets travel as Arrow IPC streams. A message that only refers to one sent
    before (`ref_hash`, when the browser has it cached) carries no data and is not counted.
    Decoded here because it needs Streamlit's protobuf classes.
    """
    charts = []
    for frame in frames:
        chart = _vega_lite_chart(frame)
        if chart is None:
            continue
        buffers = [chart.data.data, *(dataset.data.data for dataset in chart.datasets)]
        buffers = [buffer for buffer in buffers if buffer]
        charts.append(
            SentChart(
                element_id=chart.id,
                message_bytes=len(frame),
                dataset_rows=tuple(_arrow_rows(buffer) for buffer in buffers),
                dataset_bytes=sum(len(buffer) for buffer in buffers),
            )
        )
    return charts


def is_chart_message(frame: bytes) -> bool:
    """Whether a websocket message from the server draws a Vega-Lite chart."""
    return _vega_lite_chart(frame) is not None


def _vega_lite_chart(frame: bytes) -> VegaLiteChart | None:
    message = ForwardMsg.FromString(frame)
    if message.WhichOneof("type") != "delta":
        return None
    if message.delta.WhichOneof("type") != "new_element":
        return None
    element = message.delta.new_element
    if element.WhichOneof("type") != "vega_lite_chart":
        return None
    return element.vega_lite_chart


def _arrow_rows(buffer: bytes) -> int:
    import pyarrow as pa

    with pa.ipc.open_stream(buffer) as reader:
        return reader.read_all().num_rows
