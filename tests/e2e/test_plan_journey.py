"""The whole journey in a real browser: an empty database, the five steps, the dashboard.

Each test starts its own `streamlit run` on a fresh SQLite file (see conftest.py) and acts
as a user would: through labels, buttons and the sidebar, never through the database.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from socialplan.demo import DEMO_NAME
from socialplan.models import MetricStatus
from socialplan.status import STATUS_LABELS
from tests.e2e.conftest import (
    ROOT,
    StreamlitServer,
    append_grid_row,
    cell_editor,
    choose,
    commit_cell,
    fill_date,
    go_to,
    grid_cell,
    open_cell_editor,
    wait_for_app,
    widget,
)

pytestmark = pytest.mark.e2e

SCREENSHOT = ROOT / "docs" / "screenshot-dashboard.png"
STEPS = ["Objectives", "Metrics", "Tasks", "Responsibilities", "Review"]
# Vega-Lite draws into an SVG or a canvas, depending on the renderer.
CHART_SURFACE = "svg.marks, canvas.marks"
# Where columns lie across the readings table (row markers, Day, Value, Note) and across the
# responsibility matrix ("Objective or task", then one column per person: here, one).
DAY, VALUE = 0.15, 0.5
FIRST_PERSON = 0.9

BUSINESS = "Corner Café"
PLAN = "Winter plan"
OBJECTIVE = "More weekday lunch orders"
METRIC = "Lunch orders from social media"
TASK = "Post the lunch special"
PERSON = "Mia"


def open_home(page: Page, server: StreamlitServer) -> None:
    page.goto(server.url)
    page.get_by_test_id("stSidebarNav").wait_for()
    wait_for_app(page)


def alert(page: Page, text: str) -> Locator:
    """A message box (success, info, warning, error) showing exactly `text`."""
    return page.get_by_test_id("stAlert").get_by_text(text, exact=True)


def start_plan(page: Page, server: StreamlitServer, period_start: date) -> None:
    """On the empty Home page, start a plan that began `period_start`."""
    open_home(page, server)
    expect(page.get_by_role("heading", name="Welcome to Social Plan", exact=True)).to_be_visible()
    form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Start my plan", exact=True)
    )
    form.get_by_label("Business name", exact=True).fill(BUSINESS)
    form.get_by_label("Plan name", exact=True).fill(PLAN)
    fill_date(page, form, "Period start", period_start)
    form.get_by_role("button", name="Start my plan", exact=True).click()
    wait_for_app(page)
    expect(
        alert(page, f"Your plan “{PLAN}” is ready. Step 1: write your objectives.")
    ).to_be_visible()
    expect(page.get_by_role("heading", name=BUSINESS, exact=True)).to_be_visible()
    expect(page.get_by_text("0 of 5 steps complete", exact=True)).to_be_visible()


def add_objective(page: Page, title: str, why: str, kind: str) -> None:
    go_to(page, "Objectives")
    form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Add objective", exact=True)
    )
    form.get_by_label("Objective", exact=True).fill(title)
    form.get_by_label("Why it matters", exact=True).fill(why)
    choose(page, form, "Kind of objective", kind)
    choose(page, form, "Priority", "High")
    form.get_by_role("button", name="Add objective", exact=True).click()
    wait_for_app(page)
    expect(
        alert(page, f"Objective “{title}” added. Add another, or give it metrics in step 2.")
    ).to_be_visible()


def metric_charts(page: Page) -> Locator:
    """The dashboard's charts (one per metric), as drawn by the latest run."""
    return page.locator("[data-testid='stElementContainer'][data-stale='false']").get_by_test_id(
        "stVegaLiteChart"
    )


def charts_drawn(page: Page) -> Locator:
    """The metric charts that have their drawing surface (see `expect_chart_drawn`)."""
    return metric_charts(page).filter(has=page.locator(CHART_SURFACE))


def expect_chart_drawn(chart: Locator) -> None:
    """The chart has its drawing surface, with a size, and (as SVG) its line marks."""
    surface = chart.locator(CHART_SURFACE).first
    expect(surface).to_be_visible()
    box = surface.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100, box
    if surface.evaluate("element => element.tagName.toLowerCase()") == "svg":
        expect(chart.locator("g.mark-line path[d]").first).to_be_attached()


def test_owner_builds_a_plan_through_the_five_steps_and_sees_it_on_the_dashboard(
    page: Page, streamlit_server: StreamlitServer
) -> None:
    """An owner starts a plan on an empty app, fills in the five steps and opens the dashboard."""
    today = date.today()
    period_start = today - timedelta(weeks=8)
    target_date = today + timedelta(days=120)
    readings = [
        (today - timedelta(weeks=6), "12"),
        (today - timedelta(weeks=3), "17"),
        (today - timedelta(weeks=1), "21.5"),
    ]
    first_review = today + timedelta(days=10)
    # Holding a review moves the next one to a cadence (two weeks) after it.
    next_review = today + timedelta(days=14)

    # Home: start my plan.
    start_plan(page, streamlit_server, period_start)

    # Step 1, Objectives.
    add_objective(
        page, OBJECTIVE, "Weekday lunches are quiet.", "Sales — orders that start on social media"
    )
    expect(page.get_by_text(f"1. {OBJECTIVE}", exact=True)).to_be_visible()
    expect(
        page.get_by_text("Sales — orders that start on social media · High priority", exact=True)
    ).to_be_visible()

    # Step 2, Metrics: a number typed in by hand, with its goal.
    go_to(page, "Metrics")
    expect(page.get_by_role("heading", name=f"1. {OBJECTIVE}", exact=True)).to_be_visible()
    page.get_by_test_id("stExpander").get_by_text("Add a metric", exact=True).click()
    choose(page, page, "Where the numbers come from", "Entered by hand")
    wait_for_app(page)
    form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Add metric", exact=True)
    )
    form.get_by_label("Name", exact=True).fill(METRIC)
    form.get_by_label("Unit", exact=True).fill("orders")
    form.get_by_label("Baseline — where you are now", exact=True).fill("10")
    form.get_by_label("Target — where you want to be", exact=True).fill("40")
    fill_date(page, form, "Target date", target_date)
    form.get_by_role("button", name="Add metric", exact=True).click()
    wait_for_app(page)
    expect(
        alert(
            page,
            f"Metric “{METRIC}” added. Type its numbers in the table under it.",
        )
    ).to_be_visible()
    expect(
        page.get_by_text(
            f"Entered by hand · 10 → 40 orders by {target_date:%d %b %Y}, higher is better",
            exact=True,
        )
    ).to_be_visible()

    # ... and three readings typed into its table (an st.data_editor).
    editor = widget(page, "metrics_readings_").get_by_test_id("stDataFrame")
    expect(editor).to_have_count(1)
    for day, value in readings:
        row = append_grid_row(page, editor, DAY)
        open_cell_editor(page, editor, row, column=1, x_fraction=DAY, row_marker=True)
        cell_editor(page).locator("input[type=date]").fill(day.isoformat())
        commit_cell(page, "Tab")
        open_cell_editor(page, editor, row, column=2, x_fraction=VALUE, row_marker=True)
        cell_editor(page).locator("input").fill(value)
        commit_cell(page, "Tab")
        page.keyboard.press("Escape")
    for row, (day, value) in enumerate(readings):
        expect(grid_cell(editor, row, 1)).to_have_text(day.isoformat())
        expect(grid_cell(editor, row, 2)).to_have_text(value)
    page.get_by_role("button", name="Save readings", exact=True).click()
    wait_for_app(page)
    expect(alert(page, f"Readings of “{METRIC}” saved: 3 in all.")).to_be_visible()
    last_day = readings[-1][0]
    expect(
        page.get_by_text(f"3 readings · latest 21.5 on {last_day:%d %b %Y}", exact=True)
    ).to_be_visible()

    # Step 3, Tasks: a weekly task.
    go_to(page, "Tasks")
    form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Add the task", exact=True)
    )
    choose(page, form, "Which objective does it serve?", OBJECTIVE)
    form.get_by_label("What needs doing?", exact=True).fill(TASK)
    choose(page, form, "How often", "Every week")
    form.get_by_label("Minutes each time", exact=True).fill("20")
    form.get_by_label("Times per week (weekly tasks only)", exact=True).fill("3")
    form.get_by_role("button", name="Add the task", exact=True).click()
    wait_for_app(page)
    expect(alert(page, f"Task “{TASK}” added.")).to_be_visible()
    expect(page.get_by_text(f"Change “{TASK}”", exact=True)).to_be_visible()

    # Step 4, Responsibilities: a person, accountable for the objective and doing the task.
    go_to(page, "Responsibilities")
    form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Add to the team", exact=True)
    )
    form.get_by_label("Name", exact=True).fill(PERSON)
    form.get_by_label("Email (optional)", exact=True).fill("mia@example.com")
    form.get_by_label("Hours a week", exact=True).fill("3")
    form.get_by_role("button", name="Add to the team", exact=True).click()
    wait_for_app(page)
    expect(
        alert(page, f"{PERSON} is on the team. Give them roles in the matrix below.")
    ).to_be_visible()
    expect(page.get_by_text(f"Change {PERSON}", exact=True)).to_be_visible()

    matrix = widget(page, "responsibilities_matrix").get_by_test_id("stDataFrame")
    expect(grid_cell(matrix, 0, 0)).to_have_text(f"🎯 {OBJECTIVE}")
    expect(grid_cell(matrix, 1, 0)).to_contain_text(TASK)
    for row, letter in ((0, "A"), (1, "R")):
        open_cell_editor(page, matrix, row, column=1, x_fraction=FIRST_PERSON)
        page.keyboard.type(letter)  # narrows the cell's list of letters to this one
        expect(page.get_by_role("option")).to_have_accessible_name(letter)
        commit_cell(page)
        expect(grid_cell(matrix, row, 1)).to_have_text(letter)
    page.get_by_role("button", name="Save responsibilities", exact=True).click()
    wait_for_app(page)
    expect(alert(page, "Responsibilities saved.")).to_be_visible()
    expect(
        alert(page, "Every objective has one accountable person and every task an owner.")
    ).to_be_visible()
    expect(grid_cell(matrix, 0, 1)).to_have_text("A")
    expect(grid_cell(matrix, 1, 1)).to_have_text("R")

    # Step 5, Review: the schedule, then a review with a comment.
    go_to(page, "Review")
    form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Save the schedule", exact=True)
    )
    choose(page, form, "How often do you review the plan?", "Every two weeks")
    fill_date(page, form, "Next review date", first_review)
    form.get_by_role("button", name="Save the schedule", exact=True).click()
    wait_for_app(page)
    expect(
        alert(
            page,
            f"Schedule saved. Your next review is in 10 days, on {first_review:%A %d %B %Y}.",
        )
    ).to_be_visible()

    expect(page.get_by_role("heading", name=METRIC, exact=True)).to_be_visible()
    confidence_label = page.get_by_text(
        "How confident are you that it reaches its target? (0 = not at all, 10 = sure)",
        exact=True,
    )
    confidence = page.get_by_test_id("stSlider").filter(has=confidence_label).get_by_role("slider")
    expect(confidence).to_have_value("5")
    for value in ("6", "7"):  # each step reruns the page: one at a time
        confidence.focus()
        page.keyboard.press("ArrowRight")
        expect(confidence).to_have_value(value)
        wait_for_app(page)
    comment = "Three lunch posts a week brought the first orders."
    page.get_by_label("Comment: what happened, what will you try?", exact=True).fill(comment)
    page.get_by_label("Summary: what did you learn, and what will you do next?", exact=True).fill(
        "Keep posting the lunch special."
    )
    page.get_by_role("button", name="Save review", exact=True).click()
    wait_for_app(page)
    expect(
        alert(page, f"Review of {today:%d %b %Y} saved. You can download it below.")
    ).to_be_visible()
    past = page.get_by_test_id("stExpander").filter(
        has=page.get_by_text(f"Review of {today:%A %d %B %Y}", exact=True)
    )
    expect(past.get_by_text("Keep posting the lunch special.", exact=True)).to_be_visible()
    expect(past.get_by_role("cell", name=comment, exact=True)).to_be_visible()
    expect(past.get_by_role("cell", name="7/10", exact=True)).to_be_visible()
    expect(past.get_by_role("button", name="Download as Markdown", exact=True)).to_be_visible()
    expect(
        past.get_by_text(f"This review set the next one for {next_review:%A %d %B %Y}.", exact=True)
    ).to_be_visible()

    # Dashboard: the metric's chart is drawn, with its status in words.
    go_to(page, "Dashboard")
    expect(page.get_by_role("heading", name=OBJECTIVE, exact=True)).to_be_visible()
    expect(charts_drawn(page)).to_have_count(1)
    expect_chart_drawn(charts_drawn(page).first)
    expect(page.get_by_text("21.5 orders, goal for today", exact=False)).to_be_visible()

    # Home: every step is complete.
    go_to(page, "Home", heading=BUSINESS)
    expect(page.get_by_text("5 of 5 steps complete", exact=True)).to_be_visible()
    expect(
        alert(page, "Your plan is complete. Check the dashboard and keep your review date.")
    ).to_be_visible()
    main = page.get_by_test_id("stMain")
    for number, step in enumerate(STEPS, start=1):
        link = main.get_by_role("link").filter(has_text=f"{number}. {step} — ")
        expect(link).to_have_count(1)
        expect(link.get_by_test_id("stIconMaterial")).to_have_text("check_circle")
    expect(
        page.get_by_text(f"Next review: {next_review:%a %d %b %Y} (in 14 days)", exact=True)
    ).to_be_visible()


def test_demo_dashboard_draws_every_chart_and_saves_the_readme_screenshot(
    page: Page, streamlit_server: StreamlitServer
) -> None:
    """A visitor explores the demo, sees every chart on the dashboard, then opens a link."""
    open_home(page, streamlit_server)
    page.get_by_role("button", name="Explore the demo", exact=True).click()
    expect(alert(page, "The demo bakery is loaded. Have a look around.")).to_be_visible(
        timeout=120_000
    )
    wait_for_app(page)

    go_to(page, "Dashboard")
    # The business just explored stays chosen from page to page.
    expect(page.get_by_test_id("stSidebar")).to_contain_text(f"{DEMO_NAME} · ")
    # The summary row counts the metrics by status.
    counts = {}
    for label in STATUS_LABELS.values():
        card = page.get_by_test_id("stMetric").filter(
            has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
        )
        expect(card).to_have_count(1)
        counts[label] = int(card.get_by_test_id("stMetricValue").inner_text())
    metrics = sum(counts.values())
    assert metrics >= 6, counts  # the demo plan has six metrics or more
    assert counts[STATUS_LABELS[MetricStatus.NO_DATA]] == 0, counts  # all have numbers
    expect(metric_charts(page)).to_have_count(metrics)
    # Vega draws each chart once it is on screen: bring each into view and check it.
    for chart in metric_charts(page).all():
        chart.scroll_into_view_if_needed()
        expect_chart_drawn(chart)
    expect(charts_drawn(page)).to_have_count(metrics)

    # The README's picture: the top of the dashboard, once nothing moves any more.
    page.evaluate("window.scrollTo(0, 0)")
    page.get_by_test_id("stMain").evaluate("element => element.scrollTo(0, 0)")
    page.evaluate("document.fonts.ready")
    page.mouse.move(1390, 990)  # no hover effect (sidebar button, chart tooltip) in the picture
    page.wait_for_timeout(500)
    wait_for_app(page)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(
        path=str(SCREENSHOT),
        animations="disabled",
        caret="hide",
        # The development toolbar ("Deploy") is not part of the app.
        style="[data-testid='stToolbar'], [data-testid='stStatusWidget'] {visibility: hidden;}",
    )
    assert SCREENSHOT.stat().st_size > 20_000

    # A link straight to a step, in a new browser: the app's own navigation is shown.
    context = page.context.browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        fresh = context.new_page()
        fresh.goto(f"{streamlit_server.url}/metrics")
        expect(fresh.get_by_role("heading", name="Metrics", exact=True)).to_be_visible()
        wait_for_app(fresh)
        nav = fresh.get_by_test_id("stSidebarNav")
        links = nav.get_by_role("link")
        for position, title in enumerate(["Home", *STEPS]):
            expect(links.nth(position)).to_have_accessible_name(title)
        expect(nav.get_by_role("link", name="Dashboard", exact=True)).to_be_visible()
        expect(nav.get_by_text("Your plan in five steps", exact=True)).to_be_visible()
        current = nav.locator("a[aria-current='page']")
        expect(current).to_have_accessible_name("Metrics")
    finally:
        context.close()


def test_user_text_is_shown_as_text_not_html(page: Page, streamlit_server: StreamlitServer) -> None:
    """A user types HTML as an objective's title and sees it as plain text, never run."""
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    title = "<img src=x onerror=alert(1)>"

    start_plan(page, streamlit_server, date.today())
    add_objective(page, title, "Testing what the page does with markup.", "Something else")
    expect(page.get_by_text(f"1. {title}", exact=True)).to_be_visible()

    go_to(page, "Metrics")
    expect(page.get_by_role("heading", name=f"1. {title}", exact=True)).to_be_visible()

    go_to(page, "Tasks")
    expect(page.get_by_role("heading", name=f"🎯 {title}", exact=True)).to_be_visible()

    page.wait_for_timeout(500)  # an onerror handler would have fired by now
    assert page.locator("img[src='x']").count() == 0
    assert dialogs == []
