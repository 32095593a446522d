"""A real `streamlit run` server and a real chromium, driven by Playwright.

Skips with a reason when chromium or Playwright is missing, unless SOCIALPLAN_REQUIRE_E2E
is set (as .ci/run does): then a missing browser is a failure, never a skip.

When a test fails, its last screen and the server's log are kept in tests/e2e/artifacts/.
The helpers at the bottom drive the widgets that need more than a click: date fields,
select boxes, and the cells of an `st.data_editor` (a canvas grid).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from socialplan.bench.server import free_port, streamlit_command, wait_until_healthy
from tests.conftest import postgres_admin_url

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("SOCIALPLAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "tests" / "e2e" / "artifacts"
TIMEOUT_MS = 20_000
# glide-data-grid, under st.data_editor: the header and every row are this tall (pixels).
GRID_ROW_HEIGHT = 35
# The row-marker column a data editor with num_rows="dynamic" shows on the left (pixels).
GRID_ROW_MARKER_WIDTH = 33


def _missing_browser_reason() -> str | None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        return f"chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
    return None


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("SOCIALPLAN_REQUIRE_E2E"):
        pytest.fail(f"SOCIALPLAN_REQUIRE_E2E is set but {reason}")
    pytest.skip(f"browser test skipped: {reason}; set SOCIALPLAN_REQUIRE_E2E=1 to require it")


# The benchmark starts the same server: one definition of the command, the free port and
# the health wait serves both (the names stay as the browser tests import them).
_free_port = free_port


@dataclass
class StreamlitServer:
    url: str
    database_url: str
    log_path: Path


_wait_until_healthy = wait_until_healthy


@pytest.fixture
def streamlit_server(tmp_path: Path) -> Iterator[StreamlitServer]:
    """`streamlit run app.py` on a free port against a fresh SQLite file."""
    reason = _missing_browser_reason()
    if reason:
        _skip_or_fail(reason)
    port = _free_port()
    database_url = f"sqlite:///{tmp_path / 'socialplan.db'}"
    log_path = tmp_path / "streamlit.log"
    env = {**os.environ, "SOCIALPLAN_DATABASE_URL": database_url}
    command = streamlit_command(port)
    # The log goes to a file, never to a pipe nobody reads (a full pipe would block the server).
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process, log_path)
        yield StreamlitServer(url=url, database_url=database_url, log_path=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def hosted_database_url(tmp_path: Path) -> Iterator[str]:
    """The database of a hosted-mode server: a throwaway PostgreSQL database when
    SOCIALPLAN_TEST_POSTGRES_URL is set (as in CI), else a SQLite file.

    Hosting runs on PostgreSQL, so the hosted browser tests use it whenever it is there; the
    server migrates the empty database on start, as a fresh hosted instance does.
    """
    admin_url = postgres_admin_url()
    if not admin_url:
        yield f"sqlite:///{tmp_path / 'hosted.db'}"
        return
    name = f"socialplan_e2e_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    """Let fixtures see whether the test itself failed (to keep its artifacts)."""
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


@pytest.fixture
def page(streamlit_server: StreamlitServer, request: pytest.FixtureRequest) -> Iterator:
    """A chromium page with a desktop-sized viewport; on failure, its screen is kept."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        try:
            yield page
        finally:
            if request.node.stash.get(_CALL_FAILED, False):
                _keep_artifacts(request.node.name, page, streamlit_server)
            context.close()
            browser.close()


def _keep_artifacts(name: str, page: Page, server: StreamlitServer) -> None:
    folder = ARTIFACTS / name
    folder.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(folder / "screen.png"), full_page=True)
    except Exception as error:  # the page may be gone; the log still helps
        (folder / "screen-error.txt").write_text(repr(error))
    shutil.copyfile(server.log_path, folder / "streamlit.log")


# ---------------------------------------------------------------- helpers for the tests


def wait_for_app(page: Page) -> None:
    """Wait until Streamlit has finished running the script after the last action.

    Fails at once, with the traceback's text, when the page shows an exception.
    """
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    page.wait_for_timeout(150)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    exceptions = page.get_by_test_id("stException")
    if exceptions.count():
        raise AssertionError(f"the page shows an exception:\n{exceptions.first.inner_text()}")


def go_to(page: Page, title: str, heading: str | None = None) -> None:
    """Open a page from the sidebar navigation and wait for its heading (by default, `title`)."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    page.get_by_role("heading", name=heading or title, exact=True).wait_for()
    wait_for_app(page)


def fill_date(page: Page, scope: Page | Locator, label: str, day: date) -> None:
    """Type a date into an `st.date_input` (segments year, month, day) and leave the field."""
    from playwright.sync_api import expect

    scope.get_by_role("spinbutton", name=f"year, {label}", exact=True).focus()
    page.keyboard.type(day.strftime("%Y%m%d"))
    # Typing opens the field's calendar; close it so it covers nothing.
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("stDateInputCalendar")).to_have_count(0)
    for segment, value in (("year", day.year), ("month", day.month), ("day", day.day)):
        spin = scope.get_by_role("spinbutton", name=f"{segment}, {label}", exact=True)
        expect(spin).to_have_attribute("aria-valuenow", str(value))


def choose(page: Page, scope: Page | Locator, label: str, option: str) -> None:
    """Pick `option` in the select box labelled `label` (both matched exactly)."""
    from playwright.sync_api import expect

    combobox = scope.get_by_role("combobox", name=label, exact=True)
    choice = page.get_by_role("option", name=option, exact=True)
    for _ in range(3):  # a click while an expander is still opening may not open the list
        combobox.click()
        try:
            choice.wait_for(timeout=3_000)
            break
        except Exception:
            page.keyboard.press("Escape")
    choice.click()
    expect(combobox).to_have_value(option)


def widget(page: Page, key_prefix: str) -> Locator:
    """The element whose widget key starts with `key_prefix`, as drawn by the latest run.

    While a run redraws the page, an element that moved may briefly be on screen twice: the
    old copy is marked stale (`data-stale="true"`) until the run ends.
    """
    return page.locator(f"[data-stale='false'][class*='st-key-{key_prefix}']")


def _grid(editor: Locator) -> Locator:
    """The accessible table glide-data-grid keeps next to its canvas: cells, selection."""
    return editor.locator("table[role=grid]")


def cell_editor(page: Page) -> Locator:
    """The editor glide-data-grid opens over a cell being edited."""
    return page.locator("#portal [id^=gdg-overlay]")


def _grid_point(
    editor: Locator, row: int, x_fraction: float, row_marker: bool
) -> tuple[float, float]:
    """The point on screen of a data row (0 = first under the header) at a width fraction."""
    editor.evaluate("element => element.scrollIntoView({block: 'center'})")
    box = editor.get_by_test_id("stDataFrameResizable").bounding_box()
    left = GRID_ROW_MARKER_WIDTH if row_marker else 0
    x = box["x"] + left + (box["width"] - left) * x_fraction
    y = box["y"] + GRID_ROW_HEIGHT * (row + 1.5)
    return x, y


def open_cell_editor(
    page: Page, editor: Locator, row: int, column: int, x_fraction: float, row_marker: bool = False
) -> None:
    """Select a data editor cell and open its editor, checking the grid's own record.

    `column` is glide's column number (the row-marker column, when shown, is 0), used to
    check the selection; `x_fraction` says where the column lies across the grid. The first
    click after an edit may only give the grid its focus back, so a click is repeated until
    the grid reports the cell selected.
    """
    cell = editor.get_by_test_id(f"glide-cell-{column}-{row}")
    overlay = cell_editor(page)
    for _ in range(4):
        if overlay.count():
            return
        if cell.get_attribute("aria-selected") == "true":
            page.keyboard.press("Enter")
            try:
                overlay.wait_for(timeout=3_000)
                return
            except Exception:
                continue
        page.mouse.click(*_grid_point(editor, row, x_fraction, row_marker))
        page.wait_for_timeout(300)
    overlay.wait_for()


def commit_cell(page: Page, key: str = "Enter") -> None:
    """Close the open cell editor, keeping its value, and wait for the app's rerun."""
    from playwright.sync_api import expect

    page.keyboard.press(key)
    expect(cell_editor(page)).to_have_count(0)
    wait_for_app(page)


def append_grid_row(page: Page, editor: Locator, x_fraction: float) -> int:
    """Click the empty row under a dynamic data editor: a row is added and its cell opened.

    Returns the new row's number.
    """
    from playwright.sync_api import expect

    grid = _grid(editor)
    rows = int(grid.get_attribute("aria-rowcount")) - 2  # less the header and the "+" row
    for _ in range(3):  # as in open_cell_editor, a first click may only bring the focus back
        page.mouse.click(*_grid_point(editor, rows, x_fraction, row_marker=True))
        try:
            expect(grid).to_have_attribute("aria-rowcount", str(rows + 3), timeout=2_000)
            break
        except AssertionError:
            continue
    expect(grid).to_have_attribute("aria-rowcount", str(rows + 3))
    return rows


def grid_cell(editor: Locator, row: int, column: int) -> Locator:
    """A cell of the grid's accessible table (its text is the cell's shown value)."""
    return editor.get_by_test_id(f"glide-cell-{column}-{row}")
