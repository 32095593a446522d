"""The database unreachable at start or dropped mid-session: a clear message, no traceback,
and the next click works again without a restart (AppTest; SQLite and PostgreSQL).

PostgreSQL is shared by everything on the machine, so it is never stopped: the app talks
to it through `TcpProxy`, which the tests cut (every connection closed, new ones refused)
and restore. The app's URL carries a password (trust authentication ignores it) so the
tests can check that it never reaches the page or the log.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from socialplan.db import (
    CONNECT_TIMEOUT_SECONDS,
    current_revision,
    head_revision,
    make_engine,
    upgrade_database,
)
from socialplan.ui import errors
from tests.app.conftest import open_page, texts
from tests.conftest import postgres_admin_url
from tests.factories import create_workspace_with_plan
from tests.reliability.tcp_proxy import TcpProxy

PASSWORD = "s3cret-Outage-pw"
# What must never reach the page: a traceback, SQL, the driver's words, the URL's parts.
LEAKS = ("Traceback", "SELECT", "INSERT", "psycopg", "sqlalchemy", "OperationalError", PASSWORD)


def page_text(at: AppTest) -> str:
    """Everything the page shows in words, buttons included."""
    labels = [button.label for button in at.button]
    return "\n".join([texts(at), *labels, *(str(e.value) for e in at.exception)])


def assert_says_unreachable(at: AppTest) -> None:
    assert not at.exception, at.exception
    shown = page_text(at)
    assert [e.value for e in at.error] == [errors.UNREACHABLE_MESSAGE], shown
    assert at.button(key=errors.RETRY_KEY).label == errors.RETRY_LABEL
    for leak in LEAKS:
        assert leak not in shown, f"the page shows {leak!r}:\n{shown}"


def assert_works(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert errors.UNREACHABLE_MESSAGE not in page_text(at)
    assert not any(button.key == errors.RETRY_KEY for button in at.button)


# ---------------------------------------------------------------- PostgreSQL via the proxy


def make_database(admin_url: str, *, migrated: bool) -> str:
    name = f"socialplan_outage_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(False)
    if migrated:
        engine = make_engine(url)
        upgrade_database(engine)
        engine.dispose()
    return url


def drop_database(admin_url: str, url: str) -> None:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        name = sa.engine.make_url(url).database
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def admin_url() -> str:
    url = postgres_admin_url()
    if not url:
        pytest.skip("PostgreSQL tests need SOCIALPLAN_TEST_POSTGRES_URL (see README)")
    return url


@pytest.fixture(scope="module")
def migrated_database() -> Iterator[str]:
    """One migrated database for the module's mid-session tests (each adds its own data)."""
    admin = postgres_admin_url()
    if not admin:
        pytest.skip("PostgreSQL tests need SOCIALPLAN_TEST_POSTGRES_URL (see README)")
    url = make_database(admin, migrated=True)
    yield url
    drop_database(admin, url)


def through(proxy: TcpProxy, url: str) -> str:
    """`url` rerouted through the proxy, with a password added."""
    return (
        sa.engine.make_url(url)
        .set(host="127.0.0.1", port=proxy.port, password=PASSWORD)
        .render_as_string(hide_password=False)
    )


@pytest.fixture
def proxy(admin_url: str) -> Iterator[TcpProxy]:
    target = sa.engine.make_url(admin_url)
    started = TcpProxy((target.host or "127.0.0.1", target.port or 5432))
    yield started
    started.close()


def add_business(url: str) -> None:
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        create_workspace_with_plan(session, name="Outage Bakery")
    engine.dispose()


@pytest.mark.postgres
def test_a_database_dropped_mid_session_says_so_and_the_next_click_recovers(
    migrated_database: str,
    proxy: TcpProxy,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    add_business(migrated_database)
    monkeypatch.setenv("SOCIALPLAN_DATABASE_URL", through(proxy, migrated_database))
    at = open_page("app_pages/objectives.py")
    assert_works(at)
    connections_before = proxy.connections_made

    proxy.cut()
    at.run()  # what any click does: the script runs again
    assert_says_unreachable(at)
    at.switch_page("app_pages/dashboard.py").run()  # another page, still down
    assert_says_unreachable(at)

    proxy.restore()
    at.button(key=errors.RETRY_KEY).click().run()
    assert_works(at)
    assert "Outage Bakery" in page_text(at)
    # The pool replaced the connections the cut killed: new ones went through the proxy.
    assert proxy.connections_made > connections_before
    logged = caplog.text
    assert "The database could not be reached (OperationalError)" in logged
    assert PASSWORD not in logged and "SELECT" not in logged


@pytest.mark.postgres
def test_a_database_down_at_start_is_retried_and_migrated_on_the_next_click(
    admin_url: str, proxy: TcpProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = make_database(admin_url, migrated=False)
    try:
        monkeypatch.setenv("SOCIALPLAN_DATABASE_URL", through(proxy, empty))
        proxy.cut()
        at = open_page(timeout=90)  # the click after the restore migrates an empty database
        assert_says_unreachable(at)
        at.run()
        assert_says_unreachable(at)  # a failed start is not cached as if it had worked

        proxy.restore()
        at.button(key=errors.RETRY_KEY).click().run()
        assert_works(at)
        assert at.button(key="home_demo").label  # the welcome page: Explore the demo
        engine = make_engine(empty)
        assert current_revision(engine) == head_revision()  # the start-up migration ran
        engine.dispose()
    finally:
        drop_database(admin_url, empty)


@pytest.mark.postgres
def test_a_server_that_drops_connections_while_a_page_runs_never_shows_a_traceback(
    migrated_database: str, proxy: TcpProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Cut and restored between runs ten times: each run either works or says so.
    add_business(migrated_database)
    monkeypatch.setenv("SOCIALPLAN_DATABASE_URL", through(proxy, migrated_database))
    at = open_page("app_pages/tasks.py")
    seen = set()
    for round_ in range(10):
        if round_ % 2:
            proxy.cut()
            at.run()
            assert_says_unreachable(at)
            seen.add("message")
            proxy.restore()
        else:
            at.run()
            assert_works(at)
            seen.add("page")
    assert seen == {"message", "page"}


@pytest.mark.postgres
def test_a_save_while_the_database_is_down_stores_nothing_and_can_be_done_again(
    admin_url: str, proxy: TcpProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "Start my plan" saves in a button callback, which Streamlit runs before app.py and so
    # outside the page's boundary; feedback.attempt gives it the same plain message.
    database = make_database(admin_url, migrated=True)
    try:
        monkeypatch.setenv("SOCIALPLAN_DATABASE_URL", through(proxy, database))
        at = open_page()
        at.text_input(key="home_business").input("Down Bakery")
        at.text_input(key="home_plan_name").input("Spring")
        proxy.cut()
        at.button(key="FormSubmitter:home_start-Start my plan").click().run()
        shown = page_text(at)
        assert not at.exception, at.exception
        assert errors.UNREACHABLE_MESSAGE in shown
        for leak in LEAKS:
            assert leak not in shown, f"the page shows {leak!r}:\n{shown}"
        assert business_names(database) == []

        proxy.restore()
        at.run()
        assert_works(at)
        at.text_input(key="home_business").input("Down Bakery")
        at.text_input(key="home_plan_name").input("Spring")
        at.button(key="FormSubmitter:home_start-Start my plan").click().run()
        assert_works(at)
        assert business_names(database) == ["Down Bakery"]
    finally:
        drop_database(admin_url, database)


def business_names(url: str) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as connection:
        names = list(connection.execute(sa.text("SELECT name FROM workspace")).scalars())
    engine.dispose()
    return names


# ---------------------------------------------------------------- SQLite files that cannot open


def test_a_sqlite_path_that_is_a_folder_says_so_and_recovers_once_it_is_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "socialplan.db"
    path.mkdir()  # a folder where the database file should be
    monkeypatch.setenv("SOCIALPLAN_DATABASE_URL", f"sqlite:///{path}")
    at = open_page()
    assert_says_unreachable(at)
    assert str(tmp_path) not in page_text(at)

    path.rmdir()
    at.button(key=errors.RETRY_KEY).click().run()
    assert_works(at)
    assert path.is_file()


def test_a_sqlite_folder_that_cannot_be_made_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("SOCIALPLAN_DATABASE_URL", f"sqlite:///{blocker / 'socialplan.db'}")
    at = open_page()
    assert_says_unreachable(at)


def test_other_errors_are_not_dressed_up_as_an_outage() -> None:
    # A bug must not hide behind "try again in a moment".
    assert not errors.is_unreachable(ValueError("bug"))
    assert not errors.is_unreachable(sa.exc.IntegrityError("INSERT", {}, Exception("dup")))
    assert errors.is_unreachable(sa.exc.OperationalError("SELECT 1", {}, Exception("gone")))


def test_a_lost_database_in_a_callback_gets_the_message_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "socialplan.db"
    path.mkdir()
    monkeypatch.setenv("SOCIALPLAN_DATABASE_URL", f"sqlite:///{path}")
    script = tmp_path / "callback_page.py"
    script.write_text(
        "import streamlit as st\n"
        "from socialplan.ui import errors\n"
        "from socialplan.ui.context import db_session\n"
        "def save():\n"
        "    with db_session() as session:\n"
        "        session.connection()\n"
        "st.button('Save', key='save', on_click=errors.guarded(save))\n"
        "with errors.database_boundary():\n"
        "    with db_session() as session:\n"
        "        session.connection()\n"
    )
    at = AppTest.from_file(str(script), default_timeout=30)
    at.run()
    assert_says_unreachable(at)
    at.button(key="save").click().run()
    assert_says_unreachable(at)  # the callback and the page both failed: one message


# ---------------------------------------------------------------- a server that never answers


def test_postgres_connections_are_made_with_a_connect_timeout() -> None:
    seen: dict[str, object] = {}

    def capture(url: str) -> None:
        engine = make_engine(url)

        @sa.event.listens_for(engine, "do_connect")
        def stop_before_connecting(dialect, record, cargs, cparams):  # type: ignore[no-untyped-def]
            seen.update(cparams)
            raise ConnectionAbortedError("captured")

        with pytest.raises(ConnectionAbortedError):
            engine.connect()
        engine.dispose()

    capture("postgresql+psycopg://app:pw@db.invalid:5432/socialplan")
    assert seen["connect_timeout"] == CONNECT_TIMEOUT_SECONDS
    capture("postgresql+psycopg://app:pw@db.invalid:5432/socialplan?connect_timeout=2")
    assert seen["connect_timeout"] == "2"  # the URL's own setting wins


def test_a_server_that_accepts_but_never_answers_fails_instead_of_hanging(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Like a server behind a dead network path: TCP connects, nothing ever comes back.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        url = f"postgresql+psycopg://postgres:{PASSWORD}@127.0.0.1:{port}/x?connect_timeout=1"
        monkeypatch.setenv("SOCIALPLAN_DATABASE_URL", url)
        at = open_page()
        assert_says_unreachable(at)
