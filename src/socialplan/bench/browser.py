"""Benchmark figure 6: the Dashboard in chromium, from navigation to every chart drawn.

A real `streamlit run` serves the instance; Playwright drives chromium. Each run opens the
Dashboard in a new tab (a new session: no cached messages, so the server sends every chart
in full) and waits until each of the plan's charts has drawn its marks. The websocket
messages the page received are decoded to count what the charts were sent: the points of
each series (rows of each dataset) and the bytes of the chart messages.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlmodel import Session

from socialplan.access import Actor
from socialplan.bench.results import Figure, Instance
from socialplan.bench.server import (
    CHROMIUM_ARGS,
    VIEWPORT,
    PlanChoice,
    RunningServer,
    app_page,
    click_page,
    database_label,
    open_plan,
    plan_choice,
    require_browser,
    streamlit_server,
    wait_for_script,
)
from socialplan.charts import ACTUAL, LINE_COLORS
from socialplan.dashboard import dashboard_panels
from socialplan.db import make_engine

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

DRAWN_BUDGET_SECONDS = 1.5
POINTS_BUDGET = 1000
DRAW_TIMEOUT_MS = 120_000
# The charts on the page as drawn by the latest run (stale copies from an earlier run left
# out). The Dashboard draws one per metric with numbers, and no other chart.
CHARTS = (
    "[data-testid='stMain'] [data-testid='stElementContainer'][data-stale='false'] "
    "[data-testid='stVegaLiteChart']"
)
# True once `expected` charts are there and each has drawn its marks: as SVG, a line path
# with its geometry (Streamlit's default renderer, which the Dashboard uses: in headless
# chromium it drew the dashboard faster than canvas); as canvas, pixels of the actual
# line's colour on the drawing surface. A canvas with a size is not
# enough: vega sizes it when the view is set up, before any data has flowed, so that
# alone would stop the clock before anything was drawn. Every chart of the Dashboard has
# an actual line (charts are drawn only for metrics with numbers), and its hover points
# carry the same colour when it has a single point. A canvas once seen drawn is remembered,
# so each poll reads the pixels of at most one canvas not yet drawn.
# Returns the time since navigation start (ms) at that moment, which is what is measured.
ALL_CHARTS_DRAWN = """([selector, expected, rgb]) => {
    const charts = document.querySelectorAll(selector);
    if (charts.length !== expected) return false;
    const seen = (window.__socialplanDrawn ??= new WeakSet());
    const painted = (canvas) => {
        const context = canvas.getContext("2d");
        const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < pixels.length; i += 4) {
            if (
                pixels[i + 3] === 255 &&
                Math.abs(pixels[i] - rgb[0]) <= 8 &&
                Math.abs(pixels[i + 1] - rgb[1]) <= 8 &&
                Math.abs(pixels[i + 2] - rgb[2]) <= 8
            ) return true;
        }
        return false;
    };
    for (const chart of charts) {
        const svg = chart.querySelector("svg.marks");
        if (svg) {
            if (!svg.querySelector("g.mark-line path[d]")) return false;
            continue;
        }
        const canvas = chart.querySelector("canvas.marks");
        if (!canvas || canvas.width === 0 || canvas.height === 0) return false;
        if (seen.has(canvas)) continue;
        if (!painted(canvas)) return false;
        seen.add(canvas);
    }
    return performance.now();
}"""
# The floor of the figure: the app's page with the least on it and no chart, opened the same
# way. True once its first header is shown and the script has finished: the page is whole.
FLOOR_PAGE = "Settings"
FLOOR_PAGE_HEADER = "Workspace"
PAGE_SHOWN = """([header]) => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app || app.getAttribute("data-test-script-state") !== "notRunning") return false;
    const shown = document.querySelectorAll("[data-testid='stMain'] [data-testid='stHeading']");
    for (const heading of shown) {
        if (heading.textContent.trim() === header) return performance.now();
    }
    return false;
}"""
# The actual line's colour as red, green, blue (what ALL_CHARTS_DRAWN looks for on a canvas).
ACTUAL_RGB = [int(LINE_COLORS[ACTUAL][i : i + 2], 16) for i in (1, 3, 5)]


@dataclass(frozen=True)
class DashboardRun:
    """One opening of the Dashboard: seconds until every chart was drawn, what was sent."""

    seconds: float
    charts: int
    max_points: int
    series: int
    chart_bytes: int
    dataset_bytes: int
    # Seconds from navigation until the server's first message (the app loaded and its
    # session started) and until the last chart's message (the script's share ends).
    first_message_received: float
    last_chart_received: float


def measure_dashboard(instance: Instance, *, runs: int = 3) -> list[Figure]:
    """Time to every dashboard chart drawn (median of `runs`), points per series, bytes sent.

    RuntimeError when playwright or chromium is missing, or when a run fails.
    """
    if runs < 1:
        raise ValueError("runs must be at least 1: the figure is their median.")
    executable = require_browser()
    from playwright.sync_api import sync_playwright

    choice, expected = _plan_and_chart_count(instance)
    if expected == 0:
        raise RuntimeError(
            f"Plan {instance.plan_id} has no metric with numbers: the dashboard draws no chart."
        )
    with streamlit_server(instance.database_url) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            # One context: its HTTP cache keeps Streamlit's static files (served immutable),
            # as a returning visitor's browser does.
            context = browser.new_context(viewport=VIEWPORT)
            # A first opening pays for the server's one-off work (imports, the engine) and
            # fills that cache.
            _open_dashboard(context, server, choice, expected)
            measured = [_open_dashboard(context, server, choice, expected) for _ in range(runs)]
            _open_floor_page(context, server, choice)
            floors = [_open_floor_page(context, server, choice) for _ in range(runs)]
        finally:
            browser.close()
    database = database_label(instance.database_url)
    return _figures(measured, statistics.median(floors), database, choice, expected)


def _plan_and_chart_count(instance: Instance) -> tuple[PlanChoice, int]:
    """The plan to open, and how many charts its dashboard draws (metrics with numbers)."""
    engine = make_engine(instance.database_url)
    try:
        choice = plan_choice(engine, instance.plan_workspace_slug, instance.plan_id)
        with Session(engine) as session:
            panels = dashboard_panels(
                session=session, actor=Actor.local(), plan_id=instance.plan_id, today=date.today()
            )
        return choice, sum(1 for panel in panels if panel.has_data)
    finally:
        engine.dispose()


def _open_dashboard(
    context: BrowserContext, server: RunningServer, choice: PlanChoice, expected: int
) -> DashboardRun:
    """Open the Dashboard in a new tab and time it; what its charts were sent.

    A new tab is a new Streamlit session, whose browser side has cached no message yet:
    the server sends every chart in full (checked: one chart message per chart drawn).
    """
    from socialplan.ui.page_timing import charts_sent, is_chart_message

    page = context.new_page()
    try:
        # (arrival, payload) of each websocket message from the server; arrival on the
        # clock `_time_to_drawn` starts, to tell the server's share of the time.
        frames: list[tuple[float, bytes]] = []

        def keep(payload: bytes | str) -> None:
            if isinstance(payload, bytes):
                frames.append((time.perf_counter(), payload))

        page.on("websocket", lambda socket: socket.on("framereceived", keep))
        seconds, started = _time_to_drawn(page, server, choice, expected)
        wait_for_script(page)
        frames = [(at, payload) for at, payload in frames if at >= started]
        sent = charts_sent(payload for _, payload in frames)
        if len(sent) != expected:
            raise RuntimeError(
                f"The dashboard drew {expected} charts but {len(sent)} chart messages were "
                "received: the data sent cannot be counted."
            )
        rows = [count for chart in sent for count in chart.dataset_rows]
        chart_arrivals = [at for at, payload in frames if is_chart_message(payload)]
        return DashboardRun(
            seconds=seconds,
            charts=len(sent),
            max_points=max(rows),
            series=len(rows),
            chart_bytes=sum(chart.message_bytes for chart in sent),
            dataset_bytes=sum(chart.dataset_bytes for chart in sent),
            first_message_received=frames[0][0] - started,
            last_chart_received=max(chart_arrivals) - started,
        )
    finally:
        page.close()


def _open_floor_page(context: BrowserContext, server: RunningServer, choice: PlanChoice) -> float:
    """Seconds from navigation to the floor page shown whole, opened as the Dashboard is."""
    page = context.new_page()
    try:
        started_ms = _navigate(page, server, choice, FLOOR_PAGE)[1]
        shown_ms = page.wait_for_function(
            PAGE_SHOWN, arg=[FLOOR_PAGE_HEADER], polling="raf", timeout=DRAW_TIMEOUT_MS
        ).json_value()
        wait_for_script(page)
        return (shown_ms - started_ms) / 1000
    finally:
        page.close()


def _navigate(
    page: Page, server: RunningServer, choice: PlanChoice, title: str
) -> tuple[float, float]:
    """Open the page titled `title` on the benchmark's plan; when navigation began, on our
    clock and on the browser's (ms since its navigation start).

    When a fresh session opens on the benchmark's plan, that is a page load of the page's
    address, timed from the browser's navigation start. Otherwise the plan is picked in the
    sidebar first and the time runs from the click on the page in the navigation.
    """
    opened = app_page(title)
    if choice.workspace_is_default and choice.plan_is_default:
        started = time.perf_counter()
        page.goto(f"{server.url}/{opened.url_path}", wait_until="commit")
        return started, 0.0
    open_plan(page, server, choice)
    started = time.perf_counter()
    started_ms = page.evaluate("() => performance.now()")
    click_page(page, opened.title)
    return started, started_ms


def _time_to_drawn(
    page: Page, server: RunningServer, choice: PlanChoice, expected: int
) -> tuple[float, float]:
    """Seconds from navigation to every chart drawn, and when navigation began (our clock)."""
    started, started_ms = _navigate(page, server, choice, "Dashboard")
    drawn_ms = page.wait_for_function(
        ALL_CHARTS_DRAWN, arg=[CHARTS, expected, ACTUAL_RGB], polling="raf", timeout=DRAW_TIMEOUT_MS
    ).json_value()
    return (drawn_ms - started_ms) / 1000, started


def _figures(
    measured: list[DashboardRun],
    floor: float,
    database: str,
    choice: PlanChoice,
    expected: int,
) -> list[Figure]:
    runs = len(measured)
    opened = (
        "a page load of /dashboard, from the browser's navigation start"
        if choice.workspace_is_default and choice.plan_is_default
        else "a click on Dashboard in the sidebar (after picking the plan), from the click"
    )
    last = measured[-1]
    connected = statistics.median(run.first_message_received for run in measured)
    arrived = statistics.median(run.last_chart_received for run in measured)
    return [
        Figure(
            key="dashboard_drawn",
            label="Dashboard drawn in chromium",
            database=database,
            value=statistics.median(run.seconds for run in measured),
            unit="s",
            budget=DRAWN_BUDGET_SECONDS,
            floor=floor,
            runs=runs,
            note=(
                f"Median of {runs} openings, each in a new tab (a new session) after one "
                "warm-up opening in the same browser context (static files cached, as for "
                f"a returning visitor): {opened} until all {expected} metric charts had drawn "
                "their marks (SVG line paths present, or pixels of the actual line's colour "
                "on the canvas). The server's st.cache_data holds the dashboard's data from "
                "the warm-up opening (nothing was written since), as for every visitor after "
                "the first since the last change. Medians: the server's "
                f"first message arrived after {connected:.2f} s (app loaded, session "
                f"started), the last chart's after {arrived:.2f} s (the page script's "
                "share ends); the rest is the browser drawing. The floor is the "
                f"{FLOOR_PAGE} page, which has no chart, opened the same way until it was "
                f"shown whole (its first header there and the script finished; median of "
                f"{runs} after one warm-up): what any page of the app costs. Headless chromium, "
                f"{VIEWPORT['width']}x{VIEWPORT['height']} viewport, on the same machine."
            ),
        ),
        Figure(
            key="dashboard_points_per_series",
            label="Chart data sent per series, most points",
            database=database,
            value=float(max(run.max_points for run in measured)),
            unit="points",
            budget=POINTS_BUDGET,
            runs=runs,
            note=(
                f"Most rows in any one dataset the {last.charts} charts were sent "
                f"({last.series} datasets: one holding the actual, goal and projection lines "
                "(the actual at most 1,000 points, each other line two), the target, today), "
                "decoded from the websocket messages."
            ),
        ),
        Figure(
            key="dashboard_chart_bytes",
            label="Chart data sent, all dashboard charts",
            database=database,
            value=float(max(run.chart_bytes for run in measured)),
            unit="bytes",
            runs=runs,
            note=(
                f"Bytes of the {last.charts} chart messages (Vega-Lite spec and Arrow "
                f"datasets; {last.dataset_bytes:,} bytes of them datasets) received over "
                "the websocket, uncompressed (Streamlit's websocket compression is off)."
            ),
        ),
    ]
