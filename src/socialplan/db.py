"""The database engine, its sessions and its schema upgrades, each made in one place."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from socialplan.config import load_settings

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
# Any constant works: it only has to be the same in every process that migrates.
MIGRATION_LOCK_ID = 72_901_455
# A PostgreSQL server that does not answer fails a connection after this long, so the page
# says the database cannot be reached instead of spinning for the TCP timeout (minutes).
CONNECT_TIMEOUT_SECONDS = 5
POSTGRES_DRIVERS_WITH_CONNECT_TIMEOUT = ("psycopg", "psycopg2")


class DatabaseLocationError(OSError):
    """The folder of the SQLite file cannot be made (a file in the way, no permission)."""


def make_engine(url: str | None = None) -> Engine:
    """An engine for `url` (default: from the settings), tuned for the app's many short reads."""
    url = url or load_settings().database_url
    if url.startswith("sqlite"):
        return _make_sqlite_engine(url)
    # pre_ping replaces connections the server dropped (restart, idle timeout) before use.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        connect_args=_connect_timeout(sa.engine.make_url(url)),
    )


def _connect_timeout(url: sa.engine.URL) -> dict[str, int]:
    """libpq's connect_timeout, unless the URL sets its own (or the driver has none)."""
    if url.get_driver_name() not in POSTGRES_DRIVERS_WITH_CONNECT_TIMEOUT:
        return {}
    if "connect_timeout" in url.query:
        return {}
    return {"connect_timeout": CONNECT_TIMEOUT_SECONDS}


def _make_sqlite_engine(url: str) -> Engine:
    database = sa.engine.make_url(url).database
    if database and database != ":memory:":
        folder = Path(database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DatabaseLocationError(
                error.errno, f"Cannot make the database folder ({error.strerror})", str(folder)
            ) from error
    # Streamlit runs each session's script in its own thread, hence check_same_thread.
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        # busy_timeout waits instead of failing with "database is locked" when two writers
        # meet; WAL lets readers go on while one writer commits.
        cursor.execute("PRAGMA busy_timeout=30000")
        _use_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def _use_wal(cursor: sqlite3.Cursor, wait_seconds: float = 30) -> None:
    """Switch the file to WAL, waiting while another process holds it.

    Switching needs the file to itself and SQLite answers "database is locked" at once,
    without its busy handler, while another process is creating the schema (two app
    processes starting on a new file): try again for a while before giving up.
    """
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose objects stay readable after commit; rolled back if anything raises."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(engine: Engine | None = None) -> Config:
    """Alembic's configuration pointing at our migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`; safe when several processes start at once."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        _lock_for_migration(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _lock_for_migration(connection: sa.Connection) -> None:
    """Make processes that migrate at the same moment take turns; the second then finds
    nothing left to do."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
    elif connection.dialect.name == "sqlite":
        # pysqlite opens no transaction for schema changes: without this write lock, two
        # processes starting on a new file both read "no schema" and both create it.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def downgrade_database(engine: Engine, revision: str) -> None:
    """Take the schema back to `revision` (for example "-1")."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        _lock_for_migration(connection)
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None when it has no schema yet."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision among our migrations."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
