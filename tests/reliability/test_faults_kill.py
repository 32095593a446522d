"""A process killed (SIGKILL) in the middle of an import or a sync leaves no half of it.

For each backend (a SQLite file, a PostgreSQL database) and each kind of command:
1. Arrange the before-state once (SQLite: a template file, copied for each run;
   PostgreSQL: one database, restored to it before each run).
2. Run the command to the end: the after-state, and the command's lifetime. Again before
   every tenth kill: the lifetime is the median of the last three such runs (other work
   shares the cores, so the speed drifts), and every finished run must agree.
3. Then, SOCIALPLAN_FAULT_KILLS times: the before-state, the command started, SIGKILL after
   a delay drawn uniformly over its lifetime (seeded: SOCIALPLAN_FAULT_SEED), and a fresh
   connection reads what is left. The SQLite file must pass `PRAGMA integrity_check`.

Import: the account's snapshots and the plan's readings are exactly the before-state or
exactly the whole file stored, together. Sync: every account is exactly before or exactly
after (its rows and its last sync time together), in sync order; the account whose network
fails keeps its rows in every run. The influence scores, recomputed in a transaction of
their own after the data, are before or after too; "stored, scores not yet recomputed" is
counted apart (the next sync, import or `socialplan scores recompute` brings them up).

The commands run in children forked from a warm driver (drivers/kill_runner.py explains
why). CI runs 10 kills per backend and kind; set SOCIALPLAN_FAULT_KILLS=200 for the full
count, and SOCIALPLAN_FAULT_REPORT=path.json to keep the figures.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from socialplan import metrics, objectives
from socialplan.access import Actor
from socialplan.db import make_engine, upgrade_database
from socialplan.models import Account, DataSource, Network, ObjectiveCreate, Reading, Snapshot
from socialplan.scores import recompute_scores
from tests.conftest import postgres_admin_url
from tests.factories import create_workspace_with_plan
from tests.reliability.drivers import sync_api

KILLS = int(os.environ.get("SOCIALPLAN_FAULT_KILLS", "10"))
SEED = int(os.environ.get("SOCIALPLAN_FAULT_SEED", "20270310"))
REPORT = os.environ.get("SOCIALPLAN_FAULT_REPORT")
RUNNER = Path(__file__).resolve().parent / "drivers" / "kill_runner.py"
ROOT = Path(__file__).resolve().parents[2]

BEFORE, AFTER = "before", "after"
VOLATILE_COLUMNS = frozenset({"id", "created_at", "updated_at", "computed_at", "last_synced_at"})

IMPORT_BUSINESS = "Rosa's Bakery"
SYNC_BUSINESS = "Crumb & Co."
IMPORTED_HANDLE = "rosasbakery"
CAKE_ORDERS = "Cake orders"
FILE_FIRST_DAY = date(2026, 1, 1)
FILE_DAYS = 365


# ---------------------------------------------------------------- the warm runner


class Runner:
    """The driver process: one JSON request in, one JSON answer out."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(RUNNER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert json.loads(self._read()) == {"ready": True}

    def _read(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the kill runner stopped (exit {self.process.wait()})")
        return line

    def run(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return json.loads(self._read())

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def runner() -> Iterator[Runner]:
    started = Runner()
    yield started
    started.close()


# ---------------------------------------------------------------- databases


class Backend:
    """A database in the before-state for each run, and a look at it once the run is over."""

    name: str
    url: str  # where the before-state is arranged

    def fresh(self) -> str:
        """The URL of a database in the before-state, for one run."""
        raise NotImplementedError

    def settle(self, url: str) -> None:
        """After a run: let the database deal with the dead process, and check the file."""

    def release(self, url: str) -> None:
        """The run's database is no longer needed."""

    def close(self) -> None:
        """Everything the backend made is removed."""


class SqliteBackend(Backend):
    """A template file, copied for each run."""

    name = "sqlite"

    def __init__(self, migrated: Path, directory: Path) -> None:
        self.directory = directory
        self.template = directory / "before.db"
        shutil.copyfile(migrated, self.template)
        self.url = f"sqlite:///{self.template}"

    def seal(self) -> None:
        # Everything into the main file, so that a plain copy is the whole database.
        with sqlite3.connect(self.template) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def fresh(self) -> str:
        path = self.directory / f"run-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def settle(self, url: str) -> None:
        # A new connection replays or drops what the WAL holds, as the next app start would.
        connection = sqlite3.connect(sa.engine.make_url(url).database or "")
        try:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        finally:
            connection.close()

    def release(self, url: str) -> None:
        path = sa.engine.make_url(url).database or ""
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


class PostgresBackend(Backend):
    """One database for the test, put back into the before-state before each run.

    (Copying a template database per run takes seconds here, mostly in checkpoints;
    restoring a few thousand rows takes a fraction of one.)
    """

    name = "postgres"

    def __init__(self, admin_url: str) -> None:
        self.admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.database = f"socialplan_kill_{uuid.uuid4().hex[:8]}"
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{self.database}"')
        self.url = sa.engine.make_url(admin_url).set(database=self.database).render_as_string(False)
        upgrade_database_at(self.url)
        self.engine = make_engine(self.url)
        self.saved: dict[str, list[dict[str, Any]]] = {}

    def seal(self) -> None:
        with self.engine.connect() as connection:
            self.saved = {
                table.name: [dict(row) for row in connection.execute(sa.select(table)).mappings()]
                for table in SQLModel.metadata.sorted_tables
            }
        self.engine.dispose()

    def fresh(self) -> str:
        tables = SQLModel.metadata.sorted_tables
        with self.engine.begin() as connection:
            names = ", ".join(f'"{table.name}"' for table in tables)
            connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            for table in tables:
                if self.saved[table.name]:
                    connection.execute(table.insert(), self.saved[table.name])
                if "id" in table.c:
                    # The rows came back with their ids: new ones must start after them.
                    connection.execute(
                        sa.text(
                            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                            f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
                        )
                    )
        self.engine.dispose()  # no connection of ours stays open while the command runs
        return self.url

    def settle(self, url: str) -> None:
        # The killed process's server sessions end (and roll back) once the server sees the
        # socket closed; end them now, so nothing of theirs can commit after we look.
        with self.admin.connect() as connection:
            for _ in range(200):
                left = connection.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": self.database},
                ).all()
                if not left:
                    return
                time.sleep(0.01)
        raise AssertionError("the killed command's database sessions did not end")

    def close(self) -> None:
        self.engine.dispose()
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        self.admin.dispose()


def upgrade_database_at(url: str) -> None:
    engine = make_engine(url)
    try:
        upgrade_database(engine)
    finally:
        engine.dispose()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def backend(
    request: pytest.FixtureRequest,
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Backend]:
    """A database holding both before-states, and a fresh one in that state for each run."""
    if request.param == "sqlite":
        made: SqliteBackend | PostgresBackend = SqliteBackend(
            sqlite_template, tmp_path_factory.mktemp("kills")
        )
    else:
        admin_url = postgres_admin_url()
        if not admin_url:
            pytest.skip("PostgreSQL tests need SOCIALPLAN_TEST_POSTGRES_URL (see README)")
        made = PostgresBackend(admin_url)
    try:
        engine = make_engine(made.url)
        try:
            arrange_before_state(engine)
        finally:
            engine.dispose()
        made.seal()
        yield made
    finally:
        made.close()


# ---------------------------------------------------------------- the before-state


def arrange_before_state(engine: Engine) -> None:
    """Two businesses: one the import writes into, one whose accounts the sync reads."""
    actor = Actor.local()
    with Session(engine, expire_on_commit=False) as session:
        bakery, plan = create_workspace_with_plan(session, actor, name=IMPORT_BUSINESS)
        objective = objectives.create_objective(
            session=session,
            actor=actor,
            plan_id=plan.id,  # type: ignore[arg-type]
            objective_create=ObjectiveCreate(title="Sell more celebration cakes"),
        )
        cakes = metrics.create_metric(
            session=session,
            actor=actor,
            objective_id=objective.id,  # type: ignore[arg-type]
            metric_create={
                "name": CAKE_ORDERS,
                "source": "manual",
                "unit": "orders",
                "baseline": 10,
                "target": 30,
                "target_date": date(2027, 6, 30),
            },
        )
        imported = add_account(session, bakery.id, Network.X, IMPORTED_HANDLE)  # type: ignore[arg-type]
        bystander = add_account(session, bakery.id, Network.BLUESKY, "rosasbakery.bsky.social")  # type: ignore[arg-type]
        # Days the file overlaps (it updates them) and days it does not reach (kept).
        for offset in range(0, 60):
            add_snapshot(
                session, imported, FILE_FIRST_DAY + timedelta(days=offset), DataSource.IMPORT
            )
        for offset in range(FILE_DAYS, FILE_DAYS + 10):
            add_snapshot(
                session, imported, FILE_FIRST_DAY + timedelta(days=offset), DataSource.SYNC
            )
        for offset in range(0, 30):
            add_snapshot(
                session, bystander, FILE_FIRST_DAY + timedelta(days=offset), DataSource.SYNC
            )
        for week in range(0, 8):
            session.add(
                Reading(
                    metric_id=cakes.id,  # type: ignore[arg-type]
                    day=FILE_FIRST_DAY + timedelta(days=7 * week),
                    value=5 + week,
                    note="typed in",
                )
            )
        crumb, _ = create_workspace_with_plan(session, actor, name=SYNC_BUSINESS)
        for synced in sync_api.ACCOUNTS:
            account = add_account(session, crumb.id, synced.network, synced.handle)  # type: ignore[arg-type]
            for back in range(1, 15):
                source = DataSource.IMPORT if back % 5 == 0 else DataSource.SYNC
                add_snapshot(session, account, sync_api.TODAY - timedelta(days=back), source)
            account.last_synced_at = datetime(2027, 3, 9, 6, 15, tzinfo=UTC)
            session.add(account)
        session.commit()
        recompute_scores(session=session)


def add_account(session: Session, workspace_id: int, network: Network, handle: str) -> Account:
    account = Account(workspace_id=workspace_id, network=network, handle=handle)
    session.add(account)
    session.flush()
    return account


def add_snapshot(session: Session, account: Account, day: date, source: DataSource) -> None:
    n = day.toordinal() % 50
    session.add(
        Snapshot(
            account_id=account.id,  # type: ignore[arg-type]
            day=day,
            followers=900 + n,
            following=100,
            posts=n % 4,
            likes=3 * n,
            reposts=n % 6,
            replies=n % 5,
            source=source,
            updated_at=datetime(2027, 3, 9, 6, 15, tzinfo=UTC),
        )
    )


def write_import_file(path: Path) -> Path:
    """A year in Social Plan's own format: five account numbers a day, weekly cake orders."""
    lines = ["date,metric,value,note"]
    for offset in range(FILE_DAYS):
        day = FILE_FIRST_DAY + timedelta(days=offset)
        lines += [
            f"{day},followers,{1000 + 2 * offset},",
            f"{day},posts,{offset % 3},",
            f"{day},likes,{(offset * 7) % 61},",
            f"{day},reposts,{offset % 9},",
            f"{day},replies,{offset % 4},",
        ]
        if offset % 7 == 0:
            lines.append(f"{day},{CAKE_ORDERS},{12 + offset % 11},from the order book")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- reading what is there


def rows(connection: sa.Connection, sql: str, **params: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in connection.execute(sa.text(sql), params).mappings()]


def content(value: Any) -> Any:
    """`value` without ids and timestamps, which a second run writes differently."""
    if isinstance(value, dict):
        return {k: content(v) for k, v in value.items() if k not in VOLATILE_COLUMNS}
    if isinstance(value, list | tuple):
        return type(value)(content(part) for part in value)
    return value


def state_of(now: Any, before: Any, after: Any) -> str:
    """BEFORE when exactly as before (ids and times too), AFTER when as the finished run."""
    if now == before:
        return BEFORE
    if content(now) == content(after):
        return AFTER
    return "neither"


def read_state(url: str, read: Callable[[sa.Connection], dict[str, Any]]) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return read(connection)
    finally:
        engine.dispose()


def account_id(connection: sa.Connection, handle: str) -> int:
    return connection.execute(
        sa.text("SELECT id FROM account WHERE handle = :handle"), {"handle": handle}
    ).scalar_one()


def read_import_state(connection: sa.Connection) -> dict[str, Any]:
    imported = account_id(connection, IMPORTED_HANDLE)
    bystander = account_id(connection, "rosasbakery.bsky.social")
    workspace = connection.execute(
        sa.text("SELECT workspace_id FROM account WHERE id = :id"), {"id": imported}
    ).scalar_one()
    by_day = "WHERE account_id = :id ORDER BY day"
    return {
        "data": (
            rows(connection, f"SELECT * FROM snapshot {by_day}", id=imported),
            rows(
                connection,
                "SELECT reading.* FROM reading JOIN metric ON metric.id = reading.metric_id "
                "WHERE metric.name = :name ORDER BY reading.day",
                name=CAKE_ORDERS,
            ),
        ),
        "scores": (
            rows(connection, f"SELECT * FROM influence_score {by_day}", id=imported),
            rows(
                connection,
                "SELECT * FROM business_score WHERE workspace_id = :id ORDER BY day",
                id=workspace,
            ),
        ),
        "untouched": rows(connection, f"SELECT * FROM snapshot {by_day}", id=bystander),
    }


def read_sync_state(connection: sa.Connection) -> dict[str, Any]:
    accounts = rows(
        connection,
        "SELECT account.id, handle, last_synced_at, last_sync_error FROM account "
        "JOIN workspace ON workspace.id = account.workspace_id WHERE workspace.name = :name "
        "ORDER BY network, handle",
        name=SYNC_BUSINESS,
    )
    state: dict[str, Any] = {"order": [a["handle"] for a in accounts], "accounts": {}}
    for account in accounts:
        state["accounts"][account["handle"]] = {
            "snapshots": rows(
                connection,
                "SELECT * FROM snapshot WHERE account_id = :id ORDER BY day",
                id=account["id"],
            ),
            "last_synced_at": account["last_synced_at"],
            "last_sync_error": account["last_sync_error"],
        }
    state["scores"] = rows(
        connection,
        "SELECT influence_score.* FROM influence_score JOIN account "
        "ON account.id = influence_score.account_id JOIN workspace "
        "ON workspace.id = account.workspace_id WHERE workspace.name = :name "
        "ORDER BY account_id, day",
        name=SYNC_BUSINESS,
    )
    return state


def row_count(value: Any) -> int:
    if isinstance(value, list):
        return len(value)
    if isinstance(value, dict):
        return sum(row_count(part) for part in value.values())
    if isinstance(value, tuple):
        return sum(row_count(part) for part in value)
    return 0


# ---------------------------------------------------------------- judging one run


def judge_import(now: dict, before: dict, after: dict) -> str:
    """The outcome's name; fails the test on any half-written state."""
    assert now["untouched"] == before["untouched"], "another account's rows changed"
    data = state_of(now["data"], before["data"], after["data"])
    scores = state_of(now["scores"], before["scores"], after["scores"])
    assert data in (BEFORE, AFTER), "the snapshots and readings are neither before nor after"
    assert scores in (BEFORE, AFTER), "the scores are neither before nor after"
    if data == BEFORE:
        assert scores == BEFORE, "scores of an import that was not stored"
        return "before-state"
    if scores == BEFORE:
        return "whole file stored, scores not yet recomputed"
    return "whole file stored"


def judge_sync(now: dict, before: dict, after: dict) -> str:
    assert now["order"] == before["order"]
    states = []
    for handle in now["order"]:
        was, done, is_now = (s["accounts"][handle] for s in (before, after, now))
        rows_state = state_of(is_now["snapshots"], was["snapshots"], done["snapshots"])
        assert rows_state in (BEFORE, AFTER), f"{handle}: half of a sync stored"
        if rows_state == AFTER:
            # The rows and the account's sync time are one commit.
            assert is_now["last_synced_at"] not in (None, was["last_synced_at"]), handle
        else:
            assert is_now["last_synced_at"] == was["last_synced_at"], handle
        failing = done["last_sync_error"] is not None
        if failing:
            assert rows_state == BEFORE, f"{handle}: a failed account wrote rows"
            assert is_now["last_sync_error"] in (None, done["last_sync_error"])
        else:
            states.append(rows_state)
    # One account after the other: never a later one stored while an earlier one is not.
    assert states == sorted(states, key=lambda s: s == BEFORE), states
    scores = state_of(now["scores"], before["scores"], after["scores"])
    assert scores in (BEFORE, AFTER), "the scores are neither before nor after"
    stored = states.count(AFTER)
    if scores == AFTER:
        assert stored == len(states), "scores recomputed before every account was stored"
        return f"{stored} of {len(states)} accounts stored"
    if stored == len(states):
        return f"{stored} of {len(states)} accounts stored, scores not yet recomputed"
    return f"{stored} of {len(states)} accounts stored"


# ---------------------------------------------------------------- the loop


@dataclass
class Kind:
    name: str
    request: Callable[[str, Path], dict[str, Any]]
    read: Callable[[sa.Connection], dict[str, Any]]
    judge: Callable[[dict, dict, dict], str]
    changes: Callable[[dict, dict], bool]


def slug_of(url: str, business: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                sa.text("SELECT slug FROM workspace WHERE name = :name"), {"name": business}
            ).scalar_one()
    finally:
        engine.dispose()


def import_request(url: str, directory: Path) -> dict[str, Any]:
    """`socialplan import FILE --workspace SLUG --account @rosasbakery`."""
    csv = write_import_file(directory / "socialplan_numbers_2026.csv")
    slug = slug_of(url, IMPORT_BUSINESS)
    args = ["import", str(csv), "--workspace", slug, "--account", f"@{IMPORTED_HANDLE}"]
    return {"kind": "import", "url": url, "args": args}


def sync_request(url: str, directory: Path) -> dict[str, Any]:
    """A sync of every account of the second business, its HTTP replayed (drivers/sync_api)."""
    return {"kind": "sync", "url": url, "slug": slug_of(url, SYNC_BUSINESS)}


def import_changes(before: dict, after: dict) -> bool:
    return all(content(before[key]) != content(after[key]) for key in ("data", "scores"))


def sync_changes(before: dict, after: dict) -> bool:
    changed = [
        content(before["accounts"][h]["snapshots"]) != content(after["accounts"][h]["snapshots"])
        for h in before["order"]
    ]
    return changed.count(True) == len(changed) - 1 and before["scores"] != after["scores"]


KINDS = {
    "import": Kind("import", import_request, read_import_state, judge_import, import_changes),
    "sync": Kind("sync", sync_request, read_sync_state, judge_sync, sync_changes),
}


@dataclass
class Figures:
    backend: str
    kind: str
    kills: int = 0
    lifetime_seconds: float = 0.0
    rows_checked: int = 0
    finished_before_the_kill: int = 0
    outcomes: Counter = field(default_factory=Counter)


FIGURES: list[Figures] = []


@pytest.fixture(scope="module", autouse=True)
def report_figures() -> Iterator[None]:
    yield
    summary = [
        {**figures.__dict__, "outcomes": dict(figures.outcomes.most_common())}
        for figures in FIGURES
    ]
    if REPORT and summary:
        Path(REPORT).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


REMEASURE_EVERY = 10  # kills between two unkilled runs that re-measure the lifetime


def run_to_the_end(runner: Runner, backend: Backend, kind: Kind, request: dict) -> tuple:
    """One unkilled run from the before-state: what it leaves, and how long it took."""
    url = backend.fresh()
    try:
        answer = runner.run({**request, "url": url, "kill_after": None})
        assert answer["exit"] == 0, answer["log"]
        backend.settle(url)
        return read_state(url, kind.read), answer["seconds"]
    finally:
        backend.release(url)


@pytest.mark.parametrize("kind_name", list(KINDS))
def test_a_killed_command_leaves_the_before_state_or_all_of_it(
    runner: Runner, backend: Backend, kind_name: str, tmp_path: Path
) -> None:
    kind = KINDS[kind_name]
    request = kind.request(backend.url, tmp_path)
    url = backend.fresh()
    before = read_state(url, kind.read)
    backend.release(url)
    figures = Figures(backend.name, kind.name, kills=KILLS)

    after, first = run_to_the_end(runner, backend, kind, request)
    assert kind.changes(before, after), "the reference run changed nothing to look for"
    lifetimes = [first]
    rng = random.Random(f"{SEED}-{backend.name}-{kind.name}")
    for kill in range(KILLS):
        if kill % REMEASURE_EVERY == 0:
            # The machine's speed drifts (other work shares the cores): measure again, and
            # check again that a finished run always leaves the same after-state.
            again, seconds = run_to_the_end(runner, backend, kind, request)
            assert state_of(again, before, after) == AFTER, "two finished runs differ"
            lifetimes.append(seconds)
        lifetime = statistics.median(lifetimes[-3:])
        delay = rng.uniform(0, lifetime)
        url = backend.fresh()
        try:
            answer = runner.run({**request, "url": url, "kill_after": delay})
            if not answer["killed"]:
                assert answer["exit"] == 0, answer["log"]
                figures.finished_before_the_kill += 1
            backend.settle(url)
            now = read_state(url, kind.read)
            outcome = kind.judge(now, before, after)
        except AssertionError as error:
            raise AssertionError(
                f"kill {kill + 1} of {KILLS} at {delay:.3f} s ({backend.name}, {kind.name}): "
                f"{error}"
            ) from error
        finally:
            backend.release(url)
        figures.outcomes[outcome] += 1
        figures.rows_checked += row_count(now)
    figures.lifetime_seconds = round(statistics.median(lifetimes), 3)
    FIGURES.append(figures)
    print(f"\n{figures}")


def test_the_judges_refuse_half_of_a_run() -> None:
    # The kill loop can only fail if its judges can: give them half-written states.
    row = {"id": 1, "day": date(2026, 1, 1), "followers": 900, "updated_at": 1}
    new = {"id": 7, "day": date(2026, 1, 2), "followers": 1002, "updated_at": 2}
    changed = {**row, "followers": 1000, "updated_at": 2}
    before = {"data": ([row], []), "scores": ([], []), "untouched": []}
    after = {"data": ([changed, new], []), "scores": ([{"score": 40}], []), "untouched": []}
    assert judge_import(before, before, after) == "before-state"
    assert judge_import(after, before, after) == "whole file stored"
    half = {**after, "data": ([changed], [])}  # the update committed, the insert not
    with pytest.raises(AssertionError, match="neither before nor after"):
        judge_import(half, before, after)
    scores_only = {**before, "scores": after["scores"]}
    with pytest.raises(AssertionError, match="not stored"):
        judge_import(scores_only, before, after)

    def account(rows: list, synced: object) -> dict:
        return {"snapshots": rows, "last_synced_at": synced, "last_sync_error": None}

    order = ["a", "b"]
    was = {"order": order, "accounts": {h: account([row], 1) for h in order}, "scores": []}
    done = {"order": order, "accounts": {h: account([changed], 2) for h in order}, "scores": [1]}
    assert judge_sync(was, was, done) == "0 of 2 accounts stored"
    second_only = {**was, "accounts": {"a": account([row], 1), "b": account([changed], 2)}}
    with pytest.raises(AssertionError):
        judge_sync(second_only, was, done)  # the later account stored, the earlier not
    rows_without_time = {**was, "accounts": {"a": account([changed], 1), "b": account([row], 1)}}
    with pytest.raises(AssertionError):
        judge_sync(rows_without_time, was, done)  # rows and sync time are one commit
