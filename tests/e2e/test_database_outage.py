"""The database dropped under a running `streamlit run`, in a real browser: the page says so
in plain words (no traceback, no SQL, no URL), and the next click after it is back works.

PostgreSQL is shared, so it is never stopped: the server reaches it through a TcpProxy
(tests/reliability/tcp_proxy.py) that the test cuts and restores.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect
from sqlmodel import Session

from socialplan.db import make_engine
from socialplan.ui import errors
from tests.e2e.conftest import (
    ROOT,
    _free_port,
    _missing_browser_reason,
    _skip_or_fail,
    _wait_until_healthy,
    go_to,
    streamlit_command,
    wait_for_app,
)
from tests.factories import create_workspace_with_plan
from tests.reliability.tcp_proxy import TcpProxy
from tests.reliability.test_faults_outage import (
    LEAKS,
    PASSWORD,
    drop_database,
    make_database,
    through,
)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

BUSINESS = "Outage Bakery"


@dataclass
class ProxiedServer:
    url: str
    proxy: TcpProxy
    log_path: Path


@pytest.fixture
def proxied_server(tmp_path: Path) -> Iterator[ProxiedServer]:
    """`streamlit run` against a migrated PostgreSQL database, through a cuttable proxy."""
    reason = _missing_browser_reason()
    if reason:
        _skip_or_fail(reason)
    admin_url = os.environ.get("SOCIALPLAN_TEST_POSTGRES_URL")
    if not admin_url:
        pytest.skip("PostgreSQL tests need SOCIALPLAN_TEST_POSTGRES_URL (see README)")
    database = make_database(admin_url, migrated=True)
    engine = make_engine(database)
    with Session(engine, expire_on_commit=False) as session:
        create_workspace_with_plan(session, name=BUSINESS)
    engine.dispose()
    target = sa.engine.make_url(admin_url)
    proxy = TcpProxy((target.host or "127.0.0.1", target.port or 5432))
    port = _free_port()
    log_path = tmp_path / "streamlit.log"
    env = {**os.environ, "SOCIALPLAN_DATABASE_URL": through(proxy, database)}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            streamlit_command(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process, log_path)
        yield ProxiedServer(url=url, proxy=proxy, log_path=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        proxy.close()
        drop_database(admin_url, database)


@pytest.fixture
def streamlit_server(proxied_server: ProxiedServer) -> ProxiedServer:
    """The conftest's `page` fixture opens its browser against this server."""
    return proxied_server


def shown_text(page: Page) -> str:
    return page.get_by_test_id("stApp").inner_text()


def test_a_dropped_database_shows_a_plain_message_and_the_next_click_recovers(
    page: Page, proxied_server: ProxiedServer
) -> None:
    page.goto(proxied_server.url)
    wait_for_app(page)
    expect(page.get_by_text(BUSINESS).first).to_be_visible()

    proxied_server.proxy.cut()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Objectives").click()
    wait_for_app(page)  # fails on any exception element
    expect(page.get_by_text(errors.UNREACHABLE_MESSAGE)).to_be_visible()
    expect(page.get_by_role("button", name=errors.RETRY_LABEL)).to_be_visible()
    text = shown_text(page)
    for leak in (*LEAKS, "5432", str(proxied_server.proxy.port)):
        assert leak not in text, f"the page shows {leak!r}:\n{text}"
    assert PASSWORD not in page.content()

    proxied_server.proxy.restore()
    page.get_by_role("button", name=errors.RETRY_LABEL).click()
    page.get_by_role("heading", name="Objectives", exact=True).wait_for()
    wait_for_app(page)
    expect(page.get_by_text(errors.UNREACHABLE_MESSAGE)).to_have_count(0)
    go_to(page, "Tasks")  # and the session goes on as before
    expect(page.get_by_text(errors.UNREACHABLE_MESSAGE)).to_have_count(0)
