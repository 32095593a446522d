"""Numbers in and scores compared, in a real browser: an import moves a dashboard chart, and
the demo's Main Street leaderboard ranks the bakery among its peers.

As in test_plan_journey.py, each test starts its own `streamlit run` on a fresh SQLite file
(see conftest.py) and acts as a user would: through labels, buttons and the sidebar.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Locator, Page, expect

from socialplan.demo import DEMO_NAME
from tests.e2e.conftest import (
    ROOT,
    StreamlitServer,
    choose,
    fill_date,
    go_to,
    grid_cell,
    wait_for_app,
)

pytestmark = pytest.mark.e2e

IMPORTS = ROOT / "tests" / "fixtures" / "imports"
# X's account overview export: 31 days of March 2026, new follows and unfollows but no total.
OVERVIEW = IMPORTS / "account_overview_analytics.csv"
ANCHOR_DAY, ANCHOR_FOLLOWERS = date(2026, 3, 31), 1480
# A plan period around the export's days, so they fall inside it (and the chart's window).
PERIOD_START, PERIOD_END = date(2026, 2, 1), date(2027, 1, 31)
TARGET_DATE = date(2026, 12, 31)
CHART_SURFACE = "svg.marks, canvas.marks"
# Columns of the Main Street board: Rank, Account, Business, Network, Score, Top, 30-day change,
# Last 90 days, Plan on track, Yours.
BUSINESS_COLUMN, TOP, YOURS = 2, 5, 9
TOP_LABEL = re.compile(r"^top \d{1,3}%$")

BUSINESS = "Harbour Books"
PLAN = "Reach plan"
OBJECTIVE = "More people know the shop"
METRIC = "Followers on X"
HANDLE = "rosasbakery"


def open_home(page: Page, server: StreamlitServer) -> None:
    page.goto(server.url)
    page.get_by_test_id("stSidebarNav").wait_for()
    wait_for_app(page)


def alert(page: Page, text: str) -> Locator:
    """A message box (success, info, warning, error) showing exactly `text`."""
    return page.get_by_test_id("stAlert").get_by_text(text, exact=True)


def charts(page: Page | Locator) -> Locator:
    """The Vega-Lite charts drawn by the latest run (stale copies left out)."""
    return page.locator("[data-testid='stElementContainer'][data-stale='false']").get_by_test_id(
        "stVegaLiteChart"
    )


def expect_drawn(chart: Locator) -> None:
    """The chart has its drawing surface, with a size."""
    chart.scroll_into_view_if_needed()
    surface = chart.locator(CHART_SURFACE).first
    expect(surface).to_be_visible()
    box = surface.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100, box


def status_count(page: Page, label: str) -> Locator:
    """The value of the dashboard's summary card labelled `label` (e.g. "No data")."""
    card = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    )
    return card.get_by_test_id("stMetricValue")


def grid_rows(table: Locator) -> int:
    """How many data rows a dataframe holds, from its grid's accessible table."""
    grid = table.locator("table[role=grid]")
    expect(grid).to_be_attached()
    return int(grid.get_attribute("aria-rowcount")) - 1  # less the header


def business_rows(board: Locator) -> dict[int, str]:
    """The business of each row the board shows on screen (some ten rows: the grid's table
    holds only those)."""
    expect(board.locator(f"[data-testid^='glide-cell-{BUSINESS_COLUMN}-']").first).to_be_attached()
    cells = board.locator(f"[data-testid^='glide-cell-{BUSINESS_COLUMN}-']").all()
    return {
        int(cell.get_attribute("data-testid").rsplit("-", 1)[1]): cell.inner_text()
        for cell in cells
    }


def scroll_to_business(page: Page, board: Locator, business: str) -> tuple[int, int]:
    """Scroll the board down until a row of `business` is on screen.

    Returns that row and another business's row on screen with it.
    """
    scroller = board.locator(".dvn-scroller")
    for step in range(12):
        scroller.evaluate("(element, top) => { element.scrollTop = top; }", step * 300)
        page.wait_for_timeout(200)
        shown = business_rows(board)
        own = [row for row, name in shown.items() if name == business]
        others = [row for row, name in shown.items() if name != business]
        if own and others:
            return own[0], others[0]
    raise AssertionError(f"no row of {business} on the board")


def start_plan(page: Page, server: StreamlitServer) -> None:
    """On the empty Home page, start a plan over PERIOD_START to PERIOD_END."""
    open_home(page, server)
    form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Start my plan", exact=True)
    )
    form.get_by_label("Business name", exact=True).fill(BUSINESS)
    form.get_by_label("Plan name", exact=True).fill(PLAN)
    fill_date(page, form, "Period start", PERIOD_START)
    fill_date(page, form, "Period end", PERIOD_END)
    form.get_by_role("button", name="Start my plan", exact=True).click()
    wait_for_app(page)
    expect(
        alert(page, f"Your plan “{PLAN}” is ready. Step 1: write your objectives.")
    ).to_be_visible()
    expect(
        page.get_by_role(
            "heading", name=f"{PLAN} · {PERIOD_START:%d %b %Y} – {PERIOD_END:%d %b %Y}"
        )
    ).to_be_visible()


def add_objective(page: Page) -> None:
    go_to(page, "Objectives")
    form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Add objective", exact=True)
    )
    form.get_by_label("Objective", exact=True).fill(OBJECTIVE)
    form.get_by_label("Why it matters", exact=True).fill("Few people on Main Street know us.")
    choose(page, form, "Kind of objective", "Awareness — more people know us")
    choose(page, form, "Priority", "High")
    form.get_by_role("button", name="Add objective", exact=True).click()
    wait_for_app(page)
    expect(
        alert(page, f"Objective “{OBJECTIVE}” added. Add another, or give it metrics in step 2.")
    ).to_be_visible()


def add_followers_metric(page: Page) -> None:
    """Step 2: followers of all the business's own accounts, 1,300 → 1,600 by TARGET_DATE."""
    go_to(page, "Metrics")
    page.get_by_test_id("stExpander").get_by_text("Add a metric", exact=True).click()
    choose(page, page, "Where the numbers come from", "Followers")
    wait_for_app(page)
    expect(page.get_by_role("combobox", name="Account", exact=True)).to_be_visible()
    form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Add metric", exact=True)
    )
    form.get_by_label("Name", exact=True).fill(METRIC)
    form.get_by_label("Baseline — where you are now", exact=True).fill("1300")
    form.get_by_label("Target — where you want to be", exact=True).fill("1600")
    fill_date(page, form, "Target date", TARGET_DATE)
    form.get_by_role("button", name="Add metric", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_text(METRIC, exact=True)).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_owner_imports_an_export_and_the_dashboard_chart_moves(
    page: Page, streamlit_server: StreamlitServer
) -> None:
    """An owner imports X's account overview export and the followers chart gets its line."""
    start_plan(page, streamlit_server)
    add_objective(page)
    add_followers_metric(page)

    # Before the import, the dashboard has no number for the metric and draws no chart.
    go_to(page, "Dashboard")
    expect(page.get_by_role("heading", name=OBJECTIVE, exact=True)).to_be_visible()
    expect(status_count(page, "No data yet")).to_have_text("1")
    expect(page.get_by_role("heading", name=METRIC, exact=True)).to_be_visible()
    expect(
        alert(
            page,
            "No numbers yet. They come from your connected accounts and arrive when an "
            "account is synced or its analytics export is imported.",
        )
    ).to_be_visible()
    expect(charts(page)).to_have_count(0)

    # Accounts: follow the business's own X account.
    go_to(page, "Accounts")
    page.get_by_test_id("stExpander").get_by_text("Add an account", exact=True).click()
    form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Add account", exact=True)
    )
    choose(page, form, "Network", "X")
    form.get_by_label("Handle or profile address", exact=True).fill(f"@{HANDLE}")
    form.get_by_role("button", name="Add account", exact=True).click()
    wait_for_app(page)
    expect(
        alert(
            page,
            f"Added @{HANDLE} on X. Press “Sync now” to read its numbers (X needs a token, below).",
        )
    ).to_be_visible()

    # Import: upload the export, give the follower count on its last day, see the preview.
    page.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files(OVERVIEW)
    wait_for_app(page)
    expect(page.get_by_role("button", name=f"Remove {OVERVIEW.name}", exact=True)).to_be_visible()
    # The preview comes at once: without a follower count, no totals are guessed.
    expect(
        page.get_by_text(
            "No follower totals in this export, only changes per day: give the follower "
            "count on one date to rebuild them. Without it, followers are left empty "
            "(never guessed).",
            exact=True,
        )
    ).to_be_visible()
    page.get_by_text("I know the follower count on one date", exact=True).click()
    wait_for_app(page)
    fill_date(page, page, "On this date", ANCHOR_DAY)
    wait_for_app(page)
    count = page.get_by_label("Followers at the end of that day", exact=True)
    count.fill(str(ANCHOR_FOLLOWERS))
    count.press("Enter")
    wait_for_app(page)
    expect(
        page.get_by_text(
            "31 rows in the file · from 01 Mar 2026 to 31 Mar 2026 · 31 days of account "
            "numbers · numbers kept: followers, posts that day, likes, reposts, replies, "
            "bookmarks, impressions",
            exact=True,
        )
    ).to_be_visible()
    expect(
        page.get_by_text(
            "Follower totals rebuilt from new follows minus unfollows, starting from your "
            "count of 1,480 on 31 Mar 2026.",
            exact=True,
        )
    ).to_be_visible()
    # The days to be stored, one row each (31 rows and the header), the first rebuilt total
    # being 1,480 less March's net follows.
    preview = page.get_by_test_id("stDataFrame").filter(
        has=page.locator("table[role=grid][aria-rowcount='32']")
    )
    expect(preview).to_have_count(1)
    expect(grid_cell(preview, 0, 0)).to_contain_text("2026-03-01")
    expect(grid_cell(preview, 0, 1)).to_have_text(re.compile(r"^1,?341$"))
    expect(page.get_by_role("combobox", name="Store into the account", exact=True)).to_have_value(
        f"@{HANDLE} on X"
    )

    # Nothing is stored yet: the dashboard, seen in a second tab, still has no number.
    other = page.context.new_page()
    try:
        other.goto(f"{streamlit_server.url}/dashboard")
        expect(other.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
        wait_for_app(other)
        expect(status_count(other, "No data yet")).to_have_text("1")
        expect(charts(other)).to_have_count(0)
    finally:
        other.close()

    # Store it.
    store = page.get_by_role("button", name="Store this import", exact=True)
    expect(store).to_be_visible()
    store.click()
    wait_for_app(page)
    expect(
        alert(page, "Imported 31 days: 31 added, 0 updated, 0 already up to date.")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Store this import", exact=True)).to_have_count(0)

    # Dashboard: the metric now has its number and its chart.
    go_to(page, "Dashboard")
    expect(status_count(page, "No data yet")).to_have_text("0")
    expect(charts(page)).to_have_count(1)
    chart = charts(page).first
    expect_drawn(chart)
    if (
        chart.locator(CHART_SURFACE).first.evaluate("element => element.tagName.toLowerCase()")
        == "svg"
    ):
        expect(chart.locator("g.mark-line path[d]").first).to_be_attached()
    expect(page.get_by_text("1,480 followers, goal for today", exact=False)).to_be_visible()
    expect(page.get_by_role("heading", name=METRIC, exact=True)).to_have_count(0)


def test_demo_leaderboard_shows_the_bakery_among_main_street(
    page: Page, streamlit_server: StreamlitServer
) -> None:
    """A visitor explores the demo and finds the bakery on the Main Street leaderboard."""
    open_home(page, streamlit_server)
    page.get_by_role("button", name="Explore the demo", exact=True).click()
    expect(alert(page, "The demo bakery is loaded. Have a look around.")).to_be_visible(
        timeout=120_000
    )
    wait_for_app(page)

    go_to(page, "Leaderboard")
    expect(page.get_by_role("tab", name="Peer groups", exact=True)).to_have_attribute(
        "aria-selected", "true"
    )
    expect(page.get_by_role("heading", name="Main Street", exact=True)).to_be_visible()
    panel = page.get_by_role("tabpanel")  # the open tab's panel only (the others are hidden)
    expect(panel.get_by_role("heading", name="Main Street", exact=True)).to_be_visible()
    board = panel.get_by_test_id("stDataFrame").first
    rows = grid_rows(board)
    assert rows >= 40, rows
    expect(grid_cell(board, 0, 0)).to_have_text("1")
    expect(grid_cell(board, 0, TOP)).to_have_text(TOP_LABEL)

    # The bakery's own account on the board: its business, its percentile, and marked as ours.
    own, other = scroll_to_business(page, board, DEMO_NAME)
    expect(grid_cell(board, own, TOP)).to_have_text(TOP_LABEL)
    scroller = board.locator(".dvn-scroller")
    scroller.evaluate("element => { element.scrollLeft = element.scrollWidth; }")
    expect(grid_cell(board, own, YOURS)).to_have_text("true")
    expect(grid_cell(board, other, YOURS)).to_have_text("false")

    # The histogram of the group's scores, with "you are here" at the bakery's scores.
    histogram = charts(panel).first
    expect_drawn(histogram)
    expect(histogram.get_by_text("you are here").first).to_be_attached()
    # The account explained under it, first one of the bakery's, with its percentile.
    expect(
        panel.get_by_text(re.compile(r"^Top \d{1,3}% of the \d+ accounts on this installation\.$"))
    ).to_be_visible()

    # Competitors: the bakery's own accounts against the ones it follows.
    page.get_by_role("tab", name="Competitors", exact=True).click()
    wait_for_app(page)
    panel = page.get_by_role("tabpanel")
    expect(
        panel.get_by_text(
            "Your own accounts against the competitors you follow. Only your business sees this.",
            exact=True,
        )
    ).to_be_visible()
    competitors = panel.get_by_test_id("stDataFrame").first
    expect(grid_cell(competitors, 0, 3)).to_have_text(re.compile(r"^(yours|competitor)$"))
    assert grid_rows(competitors) >= 2
    whose = [grid_cell(competitors, row, 3).inner_text() for row in range(grid_rows(competitors))]
    assert "yours" in whose and "competitor" in whose, whose
