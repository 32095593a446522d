"""The app as the benchmark drives it: its pages, and `streamlit run` on a free port.

The browser figures (the dashboard drawn in chromium, the server's memory) need a real
server against the benchmark's database; the page figures need the list of pages. Both
live here, without importing Streamlit (only `socialplan.ui`, app.py and app_pages/ may).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from socialplan import plans, workspaces
from socialplan.access import Actor
from socialplan.models import Plan, Workspace

if TYPE_CHECKING:
    from playwright.sync_api import Page

# The repository root: app.py and app_pages/ sit there, next to src/ (an editable install).
ROOT = Path(__file__).resolve().parents[3]
APP = ROOT / "app.py"
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
VIEWPORT = {"width": 1400, "height": 1000}
HEALTH_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class AppPage:
    """One page of the app's navigation (see app.py): its script, title and address."""

    script: str
    title: str
    url_path: str


# In app.py's navigation order. Home is the default page: it is served at the root.
APP_PAGES: tuple[AppPage, ...] = (
    AppPage("app_pages/home.py", "Home", ""),
    AppPage("app_pages/objectives.py", "Objectives", "objectives"),
    AppPage("app_pages/metrics.py", "Metrics", "metrics"),
    AppPage("app_pages/tasks.py", "Tasks", "tasks"),
    AppPage("app_pages/responsibilities.py", "Responsibilities", "responsibilities"),
    AppPage("app_pages/review.py", "Review", "review"),
    AppPage("app_pages/accounts.py", "Accounts", "accounts"),
    AppPage("app_pages/dashboard.py", "Dashboard", "dashboard"),
    AppPage("app_pages/leaderboard.py", "Leaderboard", "leaderboard"),
    AppPage("app_pages/settings.py", "Settings", "settings"),
)


def app_page(title: str) -> AppPage:
    """The page titled `title` in the navigation."""
    for page in APP_PAGES:
        if page.title == title:
            return page
    raise KeyError(f"No page titled {title!r} in the app's navigation.")


def database_label(url: str) -> str:
    """ "sqlite" or "postgresql": the figure's database, from the URL's dialect."""
    return url.split(":", 1)[0].split("+", 1)[0]


# ---------------------------------------------------------------- the workspace shown


@dataclass(frozen=True)
class PlanChoice:
    """The workspace and plan a figure is measured on, and whether the app opens on them."""

    workspace_id: int
    workspace_name: str
    plan_id: int
    plan_name: str
    workspace_is_default: bool
    plan_is_default: bool


def plan_choice(engine: Engine, workspace_slug: str, plan_id: int) -> PlanChoice:
    """Where the instance's big plan is, and whether a fresh session would show it unasked.

    The rules mirror `socialplan.ui.context` (which cannot be imported here): the newest
    workspace that has a plan, then the workspace's current plan.
    """
    actor = Actor.local()
    with Session(engine) as session:
        workspace = workspaces.get_workspace_by_slug(
            session=session, actor=actor, slug=workspace_slug
        )
        plan = session.get(Plan, plan_id)
        if plan is None or plan.workspace_id != workspace.id:
            raise LookupError(f"Plan {plan_id} is not a plan of workspace {workspace_slug!r}.")
        with_plans = select(Plan.workspace_id).distinct()
        newest_with_plan = session.exec(
            select(Workspace.id)
            .where(Workspace.id.in_(with_plans))  # type: ignore[union-attr]
            .order_by(Workspace.created_at.desc(), Workspace.id.desc())  # type: ignore[attr-defined]
            .limit(1)
        ).one()
        default_plan = plans.current_plan(session=session, actor=actor, workspace_id=workspace.id)
        return PlanChoice(
            workspace_id=workspace.id,  # type: ignore[arg-type]
            workspace_name=workspace.name,
            plan_id=plan_id,
            plan_name=plan.name,
            workspace_is_default=newest_with_plan == workspace.id,
            plan_is_default=default_plan is not None and default_plan.id == plan_id,
        )


# ---------------------------------------------------------------- streamlit run


@dataclass(frozen=True)
class RunningServer:
    """A `streamlit run app.py` the benchmark started: where it listens, its process."""

    url: str
    pid: int
    log_path: Path


def missing_browser_reason() -> str | None:
    """What keeps the browser figures from being measured, or None when nothing does."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if chromium_executable() is None:
        return f"chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
    return None


def chromium_executable() -> str | None:
    return CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")


def require_browser() -> str:
    """The chromium executable; RuntimeError naming what is missing when there is none."""
    reason = missing_browser_reason()
    if reason:
        raise RuntimeError(f"Cannot measure in a browser: {reason}.")
    return chromium_executable()  # type: ignore[return-value]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def streamlit_command(port: int) -> list[str]:
    """The command that serves app.py headless on 127.0.0.1:`port` (as tests/e2e does)."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip


@contextmanager
def streamlit_server(database_url: str) -> Iterator[RunningServer]:
    """`streamlit run app.py` on a free port against `database_url`, stopped on exit."""
    if not APP.is_file():
        raise RuntimeError(f"app.py is not at {APP}: the benchmark needs the repository checkout.")
    port = free_port()
    env = {
        **os.environ,
        "SOCIALPLAN_DATABASE_URL": database_url,
        # A page that fails shows why (the app's config hides it from browsers; this server
        # listens on 127.0.0.1 for the benchmark only), so the error the run raises says it.
        "STREAMLIT_CLIENT_SHOW_ERROR_DETAILS": "full",
    }
    with tempfile.TemporaryDirectory(prefix="socialplan-bench-") as folder:
        log_path = Path(folder) / "streamlit.log"
        # The log goes to a file, never to a pipe nobody reads (a full pipe blocks the server).
        with log_path.open("w") as log:
            process = subprocess.Popen(
                streamlit_command(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(url, process, log_path)
            yield RunningServer(url=url, pid=process.pid, log_path=log_path)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_healthy(url: str, process: subprocess.Popen, log_path: Path) -> None:
    """Return once the server answers its health check; RuntimeError with its log if it
    exits or stays silent for HEALTH_TIMEOUT_SECONDS."""
    deadline = time.monotonic() + HEALTH_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not become healthy:\n{log_path.read_text()}")


# ---------------------------------------------------------------- driving a page


def wait_for_script(page: Page, timeout_ms: float = 60_000) -> None:
    """Wait until the app has finished its run; RuntimeError with the text of an exception
    or error box: a run that failed is a failed measurement, never a figure.
    """
    done = "[data-testid='stApp'][data-test-script-state='notRunning']"
    page.wait_for_selector(done, timeout=timeout_ms)
    # The state can read "notRunning" for a moment between the page load and the first run.
    page.wait_for_timeout(150)
    page.wait_for_selector(done, timeout=timeout_ms)
    exceptions = page.get_by_test_id("stException")
    if exceptions.count():
        # The reason on the first line: the runner keeps only that line of an error.
        raise RuntimeError(f"{page.url} shows an exception: {exceptions.first.inner_text()}")
    # On a plain visit an error box means something failed (a lost database, in app.py).
    errors = page.get_by_test_id("stAlertContentError")
    if errors.count():
        raise RuntimeError(f"{page.url} shows an error: {errors.first.inner_text()}")


def choose_in_sidebar(page: Page, label: str, option: str) -> None:
    """Pick `option` in the sidebar select box `label` (Business or Plan), then wait."""
    sidebar = page.get_by_test_id("stSidebar")
    combobox = sidebar.get_by_role("combobox", name=label, exact=True)
    if combobox.input_value() == option:
        return
    combobox.click()
    combobox.fill(option)
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_script(page)


def open_plan(page: Page, server: RunningServer, choice: PlanChoice) -> None:
    """Open Home in `page` and pick the benchmark's workspace and plan in the sidebar."""
    page.goto(server.url)
    page.get_by_test_id("stSidebarNav").wait_for()
    wait_for_script(page)
    if not choice.workspace_is_default:
        choose_in_sidebar(page, "Business", choice.workspace_name)
    if not choice.plan_is_default:
        choose_in_sidebar(page, "Plan", choice.plan_name)


def click_page(page: Page, title: str) -> None:
    """Open a page from the sidebar navigation, in the same session (no reload)."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
