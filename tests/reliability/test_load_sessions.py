"""Many people on one server: browser sessions at once open every page of the demo.

One `streamlit run` serves a SQLite file with the demo loaded (`socialplan demo`, before
the server starts); one chromium opens SOCIALPLAN_LOAD_SESSIONS contexts (4 by default, to
stay in CI's budget; the documented full run is 20), each its own Streamlit session. They
all start together, and each goes through every page from the sidebar as a person would.
Every page must draw its heading with no exception on it; the p50 and p95 page times
(click to the end of the page's run) are printed for docs/reliability.md, never asserted.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from statistics import quantiles

import pytest

from socialplan import cli
from socialplan.demo import DEMO_NAME
from tests.e2e.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    StreamlitServer,
    _free_port,
    _missing_browser_reason,
    _skip_or_fail,
    _wait_until_healthy,
    streamlit_command,
)

pytestmark = pytest.mark.e2e

SESSIONS = int(os.environ.get("SOCIALPLAN_LOAD_SESSIONS", "4"))
# (sidebar link, heading the page draws): every page of the app's navigation.
PAGES = [
    ("Home", DEMO_NAME),
    ("Objectives", "Objectives"),
    ("Metrics", "Metrics"),
    ("Tasks", "Tasks"),
    ("Responsibilities", "Responsibilities"),
    ("Review", "Review"),
    ("Accounts", "Accounts"),
    ("Dashboard", "Dashboard"),
    ("Leaderboard", "Leaderboard"),
    ("Settings", "Settings"),
]
# A page under load may wait behind every other session's run: generous, not endless.
PAGE_TIMEOUT_MS = 180_000
FINISHED = "[data-testid='stApp'][data-test-script-state='notRunning']"


@pytest.fixture
def demo_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StreamlitServer]:
    """`streamlit run app.py` on a SQLite file that `socialplan demo` filled first."""
    reason = _missing_browser_reason()
    if reason:
        _skip_or_fail(reason)
    database_url = f"sqlite:///{tmp_path / 'socialplan.db'}"
    monkeypatch.setenv("SOCIALPLAN_DATABASE_URL", database_url)
    assert cli.main(["demo"]) == 0
    port = _free_port()
    log_path = tmp_path / "streamlit.log"
    env = {**os.environ, "SOCIALPLAN_DATABASE_URL": database_url}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            streamlit_command(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process, log_path)
        server = StreamlitServer(url=url, database_url=database_url, log_path=log_path)
        server.pid = process.pid  # type: ignore[attr-defined]
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass(frozen=True)
class PageTime:
    session: int
    page: str
    seconds: float


async def wait_until_drawn(page, heading: str) -> None:  # type: ignore[no-untyped-def]
    """The page's heading is shown and its script run has ended."""
    await page.get_by_role("heading", name=heading, exact=True).wait_for()
    await page.wait_for_selector(FINISHED)


async def check_no_exception(page, name: str) -> None:  # type: ignore[no-untyped-def]
    # A run can end and a rerun start at once: settle, then look for a traceback.
    await page.wait_for_timeout(150)
    await page.wait_for_selector(FINISHED)
    exceptions = page.get_by_test_id("stException")
    if await exceptions.count():
        raise AssertionError(f"{name} shows an exception:\n{await exceptions.first.inner_text()}")


async def browse_every_page(browser, url: str, number: int, start) -> list[PageTime]:  # type: ignore[no-untyped-def]
    """One person: opens the app, then every page of the sidebar in turn."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    times = []
    try:
        await start.wait()
        for link, heading in PAGES:
            started = time.perf_counter()
            if link == "Home":
                await page.goto(url)
            else:
                nav = page.get_by_test_id("stSidebarNav")
                await nav.get_by_role("link", name=link, exact=True).click()
            await wait_until_drawn(page, heading)
            times.append(PageTime(number, link, time.perf_counter() - started))
            await check_no_exception(page, f"Session {number}'s {link} page")
    finally:
        await context.close()
    return times


async def run_sessions(url: str, count: int) -> list[PageTime]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            start = asyncio.Event()
            people = [
                asyncio.create_task(browse_every_page(browser, url, n, start))
                for n in range(1, count + 1)
            ]
            await asyncio.sleep(0.5)  # every context is open before anyone starts
            start.set()
            results = await asyncio.gather(*people)
        finally:
            await browser.close()
    return [time for session in results for time in session]


def cpu_seconds(pid: int) -> float:
    """The user + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: int) -> float:
    return quantiles(values, n=100, method="inclusive")[share - 1]


def test_many_sessions_at_once_render_every_page_of_the_demo(demo_server, capsys):
    started, cpu_before = time.perf_counter(), cpu_seconds(demo_server.pid)
    times = asyncio.run(run_sessions(demo_server.url, SESSIONS))
    elapsed, server_cpu = time.perf_counter() - started, cpu_seconds(demo_server.pid) - cpu_before
    assert len(times) == SESSIONS * len(PAGES)
    seconds = [t.seconds for t in times]
    slowest = max(times, key=lambda t: t.seconds)
    log = demo_server.log_path.read_text()
    assert "Traceback" not in log, log
    with capsys.disabled():
        print(
            f"\n[sessions] {SESSIONS} sessions x {len(PAGES)} pages = {len(times)} page views, "
            f"0 errors; p50 {percentile(seconds, 50):.2f} s, p95 {percentile(seconds, 95):.2f} s, "
            f"slowest {slowest.seconds:.2f} s ({slowest.page}); all done in {elapsed:.1f} s; "
            f"server CPU {server_cpu:.1f} s ({server_cpu / len(times):.2f} s a page view)"
        )
        for name, _ in PAGES:
            page_seconds = [t.seconds for t in times if t.page == name]
            print(f"[sessions]   {name}: p50 {percentile(page_seconds, 50):.2f} s")
