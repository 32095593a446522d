"""Schema upgrades keep every row: from the first released schema to the newest, and back.

The fixture tests/fixtures/schema_0001/demo-0001.sqlite.gz is a database made at Alembic
revision 0001 with the demo in it and rows in every table (see make_fixture.py there).
On SQLite a copy of the file is upgraded; on PostgreSQL a throwaway database is built at
0001 and every row of the file is copied into it, table by table, then upgraded. Each
table's row count and a checksum of its content are compared before and after the
upgrade, after a downgrade of one step, and after the upgrade that follows it.

And two app processes starting at the same moment against one fresh PostgreSQL database:
the migrations run once, and both start.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from socialplan.db import (
    alembic_config,
    current_revision,
    downgrade_database,
    head_revision,
    make_engine,
    upgrade_database,
)
from tests.conftest import POSTGRES_URL_VARIABLE, postgres_admin_url

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "schema_0001" / "demo-0001.sqlite.gz"
FIRST_REVISION = "0001"
COPY_CHUNK = 5_000
TABLES = SQLModel.metadata.sorted_tables  # parents before the tables that point at them


# ---------------------------------------------------------------- what a database holds


def contents(engine: Engine) -> dict[str, tuple[int, str]]:
    """Every table's row count and a SHA-256 of its rows in primary-key order.

    Read through the models' column types, so a value reads the same from SQLite and from
    PostgreSQL (times come back as aware UTC datetimes from both) and so do the digests.
    """
    found = {}
    present = set(sa.inspect(engine).get_table_names())
    with engine.connect() as connection:
        # Only the tables this schema version has: later migrations add some.
        for table in (table for table in TABLES if table.name in present):
            query = sa.select(table).order_by(*table.primary_key.columns)
            rows = [list(row) for row in connection.execute(query)]
            text = json.dumps(rows, default=str)  # dates and times as ISO text
            found[table.name] = (len(rows), hashlib.sha256(text.encode()).hexdigest())
    return found


def kept(now: dict[str, tuple[int, str]], before: dict[str, tuple[int, str]]) -> dict:
    """The tables the first schema had, as they are now (tables added later left out)."""
    return {name: now.get(name) for name in before}


def latest_scores_match_the_scores(engine: Engine) -> bool:
    """The newest-score table the upgrade filled has each scored account's newest day."""
    query = """
        SELECT count(*) FROM latest_score l
        JOIN (SELECT account_id, max(day) AS day FROM influence_score GROUP BY account_id) s
          ON s.account_id = l.account_id AND s.day = l.day
    """
    with engine.connect() as connection:
        matching = connection.exec_driver_sql(query).scalar_one()
        scored = connection.exec_driver_sql(
            "SELECT count(DISTINCT account_id) FROM influence_score"
        ).scalar_one()
        rows = connection.exec_driver_sql("SELECT count(*) FROM latest_score").scalar_one()
    return scored > 0 and matching == scored == rows


def schema_differences(engine: Engine) -> list:
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)


def previous_revision(revision: str) -> str:
    script = ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    return script.down_revision  # type: ignore[return-value]


# ---------------------------------------------------------------- the databases


def unpack_fixture(folder: Path) -> Path:
    path = folder / "demo-0001.sqlite"
    with gzip.open(FIXTURE, "rb") as packed, path.open("wb") as raw:
        shutil.copyfileobj(packed, raw)
    return path


@contextmanager
def throwaway_postgres(prefix: str) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards."""
    admin_url = postgres_admin_url()
    if not admin_url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_URL_VARIABLE} (see README)")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(admin_url).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def copy_rows(source: Engine, target: Engine) -> None:
    """Every row of `source` into the same tables of `target`, parents first."""
    present = set(sa.inspect(source).get_table_names())
    with source.connect() as reading, target.begin() as writing:
        for table in (table for table in TABLES if table.name in present):
            rows = [dict(row) for row in reading.execute(sa.select(table)).mappings()]
            for start in range(0, len(rows), COPY_CHUNK):
                writing.execute(sa.insert(table), rows[start : start + COPY_CHUNK])
            if "id" in table.c:
                # Rows came with their ids: move the sequence past them, as a restore does.
                writing.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
                    )
                )


@pytest.fixture(scope="module")
def fixture_contents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    """What the fixture file holds: counts and checksums, read once."""
    engine = make_engine(f"sqlite:///{unpack_fixture(tmp_path_factory.mktemp('fixture'))}")
    try:
        assert current_revision(engine) == FIRST_REVISION
        return contents(engine)
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_at_0001(
    request: pytest.FixtureRequest, tmp_path: Path, fixture_contents: dict
) -> Iterator[Engine]:
    """The fixture's database at revision 0001: the file itself, or copied into PostgreSQL."""
    fixture = make_engine(f"sqlite:///{unpack_fixture(tmp_path)}")
    if request.param == "sqlite":
        yield fixture
        fixture.dispose()
        return
    with throwaway_postgres("socialplan_up") as url:
        engine = make_engine(url)
        upgrade_database(engine, FIRST_REVISION)
        copy_rows(fixture, engine)
        fixture.dispose()
        # The copy must hold exactly what the file holds, or the test below proves nothing.
        assert contents(engine) == fixture_contents
        yield engine
        engine.dispose()


# ---------------------------------------------------------------- upgrade, downgrade, again


def test_the_fixture_is_the_demo_at_the_first_schema_with_rows_in_every_table(
    fixture_contents,
):
    counts = {name: count for name, (count, _) in fixture_contents.items()}
    assert FIXTURE.stat().st_size < 5_000_000
    assert all(counts.values()), counts
    assert counts["workspace"] == 41 and counts["snapshot"] > 30_000


def test_upgrading_the_first_schema_keeps_every_row_and_a_step_back_works(database_at_0001, capsys):
    engine = database_at_0001
    before = contents(engine)
    started = time.perf_counter()
    upgrade_database(engine)
    upgraded_in = time.perf_counter() - started
    assert current_revision(engine) == head_revision()
    assert kept(contents(engine), before) == before
    assert schema_differences(engine) == []
    assert latest_scores_match_the_scores(engine)

    downgrade_database(engine, "-1")
    assert current_revision(engine) == previous_revision(head_revision())
    assert kept(contents(engine), before) == before

    upgrade_database(engine)
    assert current_revision(engine) == head_revision()
    assert kept(contents(engine), before) == before
    assert schema_differences(engine) == []
    assert latest_scores_match_the_scores(engine)
    # The upgraded database takes new rows: ids and sequences carry on past the old ones.
    with engine.begin() as connection:
        connection.execute(
            sa.insert(SQLModel.metadata.tables["workspace"]).values(
                name="After the upgrade", slug="after-upgrade", version=1, created_at=datetime.now()
            )
        )
    rows = sum(count for count, _ in before.values())
    with capsys.disabled():
        print(
            f"\n[upgrade] {engine.dialect.name}: {len(before)} tables, {rows:,} rows kept "
            f"(count and checksum per table) through 0001 -> head -> -1 -> head; "
            f"upgrade to head took {upgraded_in:.2f} s"
        )


# ---------------------------------------------------------------- two processes start at once

# What an app process does on start: open the engine, then upgrade, here on a signal.
STARTER = """
import sys, time
from pathlib import Path
from socialplan.db import make_engine, upgrade_database
url, ready, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
engine = make_engine(url)
ready.touch()
deadline = time.monotonic() + 120
while not go.exists():
    if time.monotonic() > deadline:
        sys.exit("the start signal never came")
    time.sleep(0.002)
upgrade_database(engine)
engine.dispose()
"""
STARTERS = 2


def start_together(url: str, folder: Path, count: int) -> list[subprocess.CompletedProcess]:
    """`count` processes, each released by one file at the same moment, upgrade `url`."""
    go = folder / "go"
    ready = [folder / f"ready-{n}" for n in range(count)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", STARTER, url, str(flag), str(go)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for flag in ready
    ]
    deadline = time.monotonic() + 120
    while not all(flag.exists() for flag in ready):
        assert time.monotonic() < deadline, "the app processes never got ready"
        assert all(p.poll() is None for p in processes), "an app process ended before the start"
        time.sleep(0.01)
    go.touch()
    finished = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=120)
        finished.append(
            subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
        )
    return finished


@contextmanager
def fresh_database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'new.db'}"
        return
    with throwaway_postgres("socialplan_start") as url:
        yield url


def tables_and_versions(url: str) -> tuple[dict[str, int], list]:
    """How many times each table exists, and the rows of alembic_version."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            versions = connection.exec_driver_sql("SELECT * FROM alembic_version").all()
            if engine.dialect.name == "sqlite":
                query = (
                    "SELECT name, count(*) FROM sqlite_master WHERE type = 'table' GROUP BY name"
                )
            else:
                query = (
                    "SELECT table_name, count(*) FROM information_schema.tables "
                    "WHERE table_schema = 'public' GROUP BY table_name"
                )
            tables = dict(connection.exec_driver_sql(query).all())
    finally:
        engine.dispose()
    return tables, [tuple(row) for row in versions]


@pytest.mark.parametrize(
    "backend",
    [
        pytest.param("postgres", marks=pytest.mark.postgres),
        "sqlite",
    ],
)
def test_two_app_processes_starting_at_once_run_the_migrations_once(backend, tmp_path):
    with fresh_database(backend, tmp_path) as url:
        results = start_together(url, tmp_path, STARTERS)
        for result in results:
            assert result.returncode == 0, result.stderr
        tables, versions = tables_and_versions(url)
    assert versions == [(head_revision(),)]
    assert tables == dict.fromkeys([*SQLModel.metadata.tables, "alembic_version"], 1)
