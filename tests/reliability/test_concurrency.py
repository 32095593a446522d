"""Concurrent users on one database: edits that cross, and many writers at once.

Two editors: each editable kind of row is opened by two people, each with their own engine
and session (two app processes, as on a hosted instance), against one database. The first
save wins; the second is refused with the conflict message and the first edit is intact.
Every kind is also raced: two threads released together, exactly one may win.

Many writers: WRITERS (20) syncs, imports and hand entries run at once, in threads and in
processes, on one database; every row each one wrote is counted, and no error reaches a
user (a "database is locked", a failed sync, a refused import would all be errors here).
Each test runs on SQLite and on PostgreSQL (the `engine` fixture). Timings are printed
for docs/reliability.md, never asserted.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import responses
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from socialplan import (
    accounts,
    metrics,
    objectives,
    people,
    plans,
    responsibilities,
    reviews,
    scores,
    tasks,
    workspaces,
)
from socialplan.access import Actor
from socialplan.connectors import http as connector_http
from socialplan.db import make_engine
from socialplan.errors import Conflict
from socialplan.imports import read_import
from socialplan.models import (
    Account,
    BusinessScore,
    InfluenceScore,
    Metric,
    Network,
    Objective,
    Person,
    Plan,
    PlanUpdate,
    RaciRole,
    Reading,
    Review,
    ReviewItem,
    Snapshot,
    Task,
    Workspace,
)
from socialplan.reviews import ChangeTarget
from tests.connectors import payloads
from tests.factories import create_workspace_with_plan

CONFLICT_MESSAGE = "changed by someone else since you opened it — reload"
HELD_ON = date(2027, 3, 1)
TODAY = date(2027, 3, 10)
WRITERS = int(os.environ.get("SOCIALPLAN_CONCURRENT_WRITERS", "20"))
# How long a racer waits for the other at the start line before giving up (seconds).
START_LINE_TIMEOUT = 60


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@contextmanager
def editor_session(url: str) -> Iterator[Session]:
    """A person's own engine and session, as a second app process would have."""
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        engine.dispose()


# ---------------------------------------------------------------- the plan both people edit


@dataclass(frozen=True)
class Bakery:
    workspace_id: int
    plan_id: int
    objective_id: int
    metric_id: int
    task_id: int
    ana_id: int
    ben_id: int


def arrange_bakery(engine: Engine) -> Bakery:
    actor = Actor.local()
    with Session(engine, expire_on_commit=False) as session:
        workspace, plan = create_workspace_with_plan(session, actor)
        objective = objectives.create_objective(
            session=session,
            actor=actor,
            plan_id=plan.id,
            objective_create={"title": "More cake orders", "category": "sales"},
        )
        metric = metrics.create_metric(
            session=session,
            actor=actor,
            objective_id=objective.id,
            metric_create={
                "name": "Cake orders",
                "source": "manual",
                "baseline": 100,
                "target": 200,
                "target_date": date(2027, 6, 1),
            },
        )
        task = tasks.create_task(
            session=session,
            actor=actor,
            objective_id=objective.id,
            task_create={"title": "Post the morning bake", "minutes": 20},
        )
        ana, ben = (
            people.create_person(
                session=session,
                actor=actor,
                workspace_id=workspace.id,
                person_create={"name": name, "weekly_budget_minutes": 120},
            )
            for name in ("Ana", "Ben")
        )
        return Bakery(workspace.id, plan.id, objective.id, metric.id, task.id, ana.id, ben.id)


# ---------------------------------------------------------------- one edit per kind of row
#
# `open` reads what the editor's screen shows (the version, or the table it was drawn
# from); `save` saves the edit of person `who` (0 or 1) from what was read; `stored` reads
# back what is kept; `expected(who)` is what `stored` gives after person `who`'s save alone.


@dataclass(frozen=True)
class EditKind:
    name: str
    open: Callable[[Session, Bakery], Any]
    save: Callable[[Session, Bakery, Any, int], Any]
    stored: Callable[[Session, Bakery], Any]
    expected: Callable[[int], Any]


ACTOR = Actor.local()
WHO = ("Ana", "Ben")


def version_of(model: type) -> Callable[[Session, Bakery], int]:
    column = {
        Objective: "objective_id",
        Metric: "metric_id",
        Task: "task_id",
        Person: "ana_id",
        Plan: "plan_id",
        Workspace: "workspace_id",
    }[model]
    return lambda session, bakery: session.get(model, getattr(bakery, column)).version


def stored_objective(session: Session, bakery: Bakery) -> tuple[str, int]:
    row = session.get(Objective, bakery.objective_id)
    return row.title, row.version


def save_objective(session: Session, bakery: Bakery, version: int, who: int) -> None:
    objectives.update_objective(
        session=session,
        actor=ACTOR,
        objective_id=bakery.objective_id,
        objective_update={"version": version, "title": f"{WHO[who]}'s objective"},
    )


def stored_metric(session: Session, bakery: Bakery) -> tuple[float, int]:
    row = session.get(Metric, bakery.metric_id)
    return row.target, row.version


def save_metric(session: Session, bakery: Bakery, version: int, who: int) -> None:
    metrics.update_metric(
        session=session,
        actor=ACTOR,
        metric_id=bakery.metric_id,
        metric_update={"version": version, "target": 300 + 100 * who},
    )


def stored_task(session: Session, bakery: Bakery) -> tuple[str, int]:
    row = session.get(Task, bakery.task_id)
    return row.title, row.version


def save_task(session: Session, bakery: Bakery, version: int, who: int) -> None:
    tasks.update_task(
        session=session,
        actor=ACTOR,
        task_id=bakery.task_id,
        task_update={"version": version, "title": f"{WHO[who]}'s task", "minutes": 25 + who},
    )


def stored_person(session: Session, bakery: Bakery) -> tuple[int, int]:
    row = session.get(Person, bakery.ana_id)
    return row.weekly_budget_minutes, row.version


def save_person(session: Session, bakery: Bakery, version: int, who: int) -> None:
    people.update_person(
        session=session,
        actor=ACTOR,
        person_id=bakery.ana_id,
        person_update={"version": version, "weekly_budget_minutes": 300 + 60 * who},
    )


def stored_plan(session: Session, bakery: Bakery) -> tuple[str, int]:
    row = session.get(Plan, bakery.plan_id)
    return row.name, row.version


def save_plan(session: Session, bakery: Bakery, version: int, who: int) -> None:
    plans.update_plan(
        session=session,
        actor=ACTOR,
        plan_id=bakery.plan_id,
        plan_update=PlanUpdate(version=version, name=f"{WHO[who]}'s half year"),
    )


def stored_workspace(session: Session, bakery: Bakery) -> tuple[str, int]:
    row = session.get(Workspace, bakery.workspace_id)
    return row.name, row.version


def save_workspace(session: Session, bakery: Bakery, version: int, who: int) -> None:
    workspaces.rename_workspace(
        session=session,
        actor=ACTOR,
        workspace_id=bakery.workspace_id,
        name=f"{WHO[who]}'s Bakery",
        version=version,
    )


def open_matrix(session: Session, bakery: Bakery) -> dict:
    return responsibilities.load_matrix(session=session, actor=ACTOR, plan_id=bakery.plan_id).cells


def save_matrix(session: Session, bakery: Bakery, read_cells: dict, who: int) -> None:
    person = (bakery.ana_id, bakery.ben_id)[who]
    responsibilities.save_responsibility_matrix(
        session=session,
        actor=ACTOR,
        plan_id=bakery.plan_id,
        cells={(person, "objective", bakery.objective_id): RaciRole.ACCOUNTABLE},
        read_cells=read_cells,
    )


def stored_matrix(session: Session, bakery: Bakery) -> list[tuple[int, str]]:
    rows = responsibilities.list_responsibilities(
        session=session, actor=ACTOR, plan_id=bakery.plan_id
    )
    return sorted((row.person_id, str(row.role)) for row in rows)


def expected_matrix(bakery_ids: tuple[int, int]) -> Callable[[int], list[tuple[int, str]]]:
    return lambda who: [(bakery_ids[who], "accountable")]


def open_review(session: Session, bakery: Bakery) -> int:
    """The Review page: the version of the metric whose target a correction changes."""
    return session.get(Metric, bakery.metric_id).version


def save_review(session: Session, bakery: Bakery, metric_version: int, who: int) -> None:
    reviews.hold_review(
        session=session,
        actor=ACTOR,
        plan_id=bakery.plan_id,
        held_on=HELD_ON,
        items=[reviews.ReviewItemInput(bakery.metric_id, confidence=4 + who, comment=WHO[who])],
        corrections=[
            ChangeTarget(
                bakery.metric_id, metric_version, new_target=300 + 100 * who, reason=WHO[who]
            )
        ],
        summary=f"{WHO[who]}'s review",
    )


def stored_review(session: Session, bakery: Bakery) -> tuple:
    held = session.exec(select(Review.summary)).all()
    comments = session.exec(select(ReviewItem.comment)).all()
    return sorted(held), sorted(comments), session.get(Metric, bakery.metric_id).target


def open_readings(session: Session, bakery: Bakery) -> str:
    stored = metrics.list_readings(session=session, actor=ACTOR, metric_id=bakery.metric_id)
    return metrics.readings_fingerprint(stored)


def save_readings(session: Session, bakery: Bakery, fingerprint: str, who: int) -> None:
    metrics.save_readings(
        session=session,
        actor=ACTOR,
        metric_id=bakery.metric_id,
        rows=[{"day": date(2027, 2, 1 + who), "value": 110 + who, "note": WHO[who]}],
        expected_fingerprint=fingerprint,
    )


def stored_readings(session: Session, bakery: Bakery) -> list[tuple]:
    rows = session.exec(select(Reading.day, Reading.value, Reading.note)).all()
    return sorted(tuple(row) for row in rows)


def edit_kinds(bakery: Bakery) -> list[EditKind]:
    """Every kind of row a user edits in place, with the edit each of two people makes."""
    return [
        EditKind(
            "objective",
            version_of(Objective),
            save_objective,
            stored_objective,
            lambda who: (f"{WHO[who]}'s objective", 2),
        ),
        EditKind(
            "metric",
            version_of(Metric),
            save_metric,
            stored_metric,
            lambda who: (300 + 100 * who, 2),
        ),
        EditKind(
            "task",
            version_of(Task),
            save_task,
            stored_task,
            lambda who: (f"{WHO[who]}'s task", 2),
        ),
        EditKind(
            "responsibility",
            open_matrix,
            save_matrix,
            stored_matrix,
            expected_matrix((bakery.ana_id, bakery.ben_id)),
        ),
        EditKind(
            "person",
            version_of(Person),
            save_person,
            stored_person,
            lambda who: (300 + 60 * who, 2),
        ),
        EditKind(
            "review",
            open_review,
            save_review,
            stored_review,
            lambda who: ([f"{WHO[who]}'s review"], [WHO[who]], 300 + 100 * who),
        ),
        EditKind(
            "plan",
            version_of(Plan),
            save_plan,
            stored_plan,
            lambda who: (f"{WHO[who]}'s half year", 2),
        ),
        EditKind(
            "workspace",
            version_of(Workspace),
            save_workspace,
            stored_workspace,
            lambda who: (f"{WHO[who]}'s Bakery", 2),
        ),
        EditKind(
            "readings",
            open_readings,
            save_readings,
            stored_readings,
            lambda who: [(date(2027, 2, 1 + who), 110.0 + who, WHO[who])],
        ),
    ]


KIND_NAMES = [
    "objective",
    "metric",
    "task",
    "responsibility",
    "person",
    "review",
    "plan",
    "workspace",
    "readings",
]


def kind_named(bakery: Bakery, name: str) -> EditKind:
    return next(kind for kind in edit_kinds(bakery) if kind.name == name)


def stored_now(url: str, kind: EditKind, bakery: Bakery) -> Any:
    """What the database holds, read afresh through a third engine."""
    with editor_session(url) as session:
        return kind.stored(session, bakery)


@pytest.mark.parametrize("kind_name", KIND_NAMES)
def test_the_second_of_two_crossing_saves_is_refused_and_the_first_is_kept(engine, kind_name):
    bakery = arrange_bakery(engine)
    kind = kind_named(bakery, kind_name)
    url = url_of(engine)
    with editor_session(url) as ana, editor_session(url) as ben:
        ana_read = kind.open(ana, bakery)
        ben_read = kind.open(ben, bakery)
        kind.save(ana, bakery, ana_read, 0)
        with pytest.raises(Conflict) as refusal:
            kind.save(ben, bakery, ben_read, 1)
        assert CONFLICT_MESSAGE in str(refusal.value)
        # The refused editor's session is still usable: a reload shows Ana's edit.
        ben.expire_all()
        assert kind.stored(ben, bakery) == kind.expected(0)
    assert stored_now(url, kind, bakery) == kind.expected(0)


@dataclass
class RaceResult:
    who: int
    outcome: str  # "saved", "conflict", or the error that escaped


def race(url: str, kind: EditKind, bakery: Bakery) -> list[RaceResult]:
    """Both people read, wait at the start line, then save at the same moment."""
    start_line = threading.Barrier(2, timeout=START_LINE_TIMEOUT)
    results: list[RaceResult] = []

    def person(who: int) -> None:
        try:
            with editor_session(url) as session:
                read = kind.open(session, bakery)
                start_line.wait()
                kind.save(session, bakery, read, who)
                outcome = "saved"
        except Conflict as error:
            outcome = "conflict" if CONFLICT_MESSAGE in str(error) else repr(error)
        except BaseException:
            start_line.abort()  # the other person must not wait for one who fell over
            outcome = traceback.format_exc()
        results.append(RaceResult(who, outcome))

    threads = [threading.Thread(target=person, args=(who,)) for who in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(results, key=lambda result: result.who)


RACED_KINDS = list(KIND_NAMES)


@pytest.mark.parametrize("kind_name", RACED_KINDS)
def test_two_saves_at_the_same_moment_let_exactly_one_win(engine, kind_name):
    bakery = arrange_bakery(engine)
    kind = kind_named(bakery, kind_name)
    url = url_of(engine)
    results = race(url, kind, bakery)
    outcomes = sorted(result.outcome for result in results)
    assert outcomes == ["conflict", "saved"], outcomes
    winner = next(result.who for result in results if result.outcome == "saved")
    assert stored_now(url, kind, bakery) == kind.expected(winner)


# ---------------------------------------------------------------- the same page, twice


@pytest.fixture
def app_url(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> str:
    """The database the pages under AppTest use: the test's own, SQLite or PostgreSQL."""
    url = url_of(engine)
    monkeypatch.setenv("SOCIALPLAN_DATABASE_URL", url)
    return url


def test_two_people_on_the_objectives_page_the_second_sees_the_conflict(engine, app_url):
    from tests.app.conftest import open_page, texts

    bakery = arrange_bakery(engine)
    edit = f"objectives_edit_{bakery.objective_id}"
    ana = open_page("app_pages/objectives.py")
    ben = open_page("app_pages/objectives.py")
    assert not ana.exception and not ben.exception
    ana.text_input(key=f"{edit}_title").input("Ana's objective")
    ana.text_area(key=f"{edit}_why").input("Orders pay for the quiet weekdays.")
    ben.text_input(key=f"{edit}_title").input("Ben's objective")
    ana.button(key=f"{edit}_save").click().run()
    assert not ana.exception, ana.exception
    assert "Objective saved." in texts(ana)
    ben.button(key=f"{edit}_save").click().run()
    assert not ben.exception, ben.exception
    assert CONFLICT_MESSAGE in texts(ben)
    with editor_session(app_url) as session:
        stored = session.get(Objective, bakery.objective_id)
        assert (stored.title, stored.why, stored.version) == (
            "Ana's objective",
            "Orders pay for the quiet weekdays.",
            2,
        )


# ---------------------------------------------------------------- many writers at once
#
# Four kinds of writer, in turn: a sync of the workspace's Bluesky accounts (HTTP replayed
# by `responses`; every sync writer syncs the same accounts, so they meet on the same
# rows), an import of a CSV file into the writer's own account and metric, numbers typed
# in by hand for the writer's own account, day by day, and a table of readings typed in
# for the writer's own metric. All in one workspace, so every writer also recomputes the
# same business scores.

SYNCED_ACCOUNTS = 3
IMPORT_DAYS = 30
HAND_DAYS = 3
READING_DAYS = 10
KINDS = ("sync", "import", "hand_snapshot", "hand_readings")


@dataclass(frozen=True)
class Writer:
    number: int
    kind: str
    account_id: int | None = None
    metric_id: int | None = None
    metric_name: str = ""
    in_thread: bool = True


@dataclass(frozen=True)
class Busy:
    workspace_id: int
    plan_id: int
    writers: tuple[Writer, ...]
    synced: tuple[tuple[int, str], ...]  # (account id, handle) of the Bluesky accounts


def synced_handle(number: int) -> str:
    return f"bakery{number}.bsky.social"


def synced_followers(handle: str) -> int:
    return 1000 + 100 * int(handle.removeprefix("bakery").split(".")[0])


def arrange_busy_workspace(engine: Engine, count: int) -> Busy:
    """One workspace: Bluesky accounts to sync, and an account or metric per other writer."""
    actor = Actor.local()
    with Session(engine, expire_on_commit=False) as session:
        workspace, plan = create_workspace_with_plan(session, actor, name="Busy Bakery")
        objective = objectives.create_objective(
            session=session, actor=actor, plan_id=plan.id, objective_create={"title": "Sell"}
        )
        synced = []
        for number in range(SYNCED_ACCOUNTS):
            account = Account(
                workspace_id=workspace.id, network=Network.BLUESKY, handle=synced_handle(number)
            )
            session.add(account)
            session.flush()
            synced.append((account.id, account.handle))
        writers = []
        for number in range(count):
            # Every kind of writer runs both in a thread and in a process.
            kind = KINDS[(number // 2) % len(KINDS)]
            account_id = metric_id = None
            name = ""
            if kind in ("import", "hand_snapshot"):
                # LinkedIn has no API: the syncs skip these accounts, as they should.
                account = Account(
                    workspace_id=workspace.id, network=Network.LINKEDIN, handle=f"shop-{number}"
                )
                session.add(account)
                session.flush()
                account_id = account.id
            if kind in ("import", "hand_readings"):
                name = f"Leads of writer {number}"
                metric = metrics.create_metric(
                    session=session,
                    actor=actor,
                    objective_id=objective.id,
                    metric_create={
                        "name": name,
                        "source": "manual",
                        "baseline": 0,
                        "target": 100,
                        "target_date": date(2027, 6, 1),
                    },
                )
                metric_id = metric.id
            writers.append(Writer(number, kind, account_id, metric_id, name, number % 2 == 0))
        session.commit()
        return Busy(workspace.id, plan.id, tuple(writers), tuple(synced))


def import_day(number: int, offset: int) -> date:
    return date(2027, 1, 1) + timedelta(days=offset)


def import_csv(writer: Writer) -> bytes:
    """Social Plan's own format: the writer's account numbers and its metric's readings."""
    lines = ["date,metric,value,note"]
    for offset in range(IMPORT_DAYS):
        day = import_day(writer.number, offset).isoformat()
        lines.append(f"{day},followers,{writer.number * 1000 + offset},")
        lines.append(f"{day},posts,{offset % 3},")
        lines.append(f"{day},{writer.metric_name},{writer.number + offset},from the file")
    return ("\n".join(lines) + "\n").encode()


def hand_day(offset: int) -> date:
    return TODAY - timedelta(days=HAND_DAYS - 1 - offset)


def reading_day(offset: int) -> date:
    return date(2027, 2, 1) + timedelta(days=offset)


def bluesky_answers(mock: responses.RequestsMock) -> None:
    """Every synced account answers with its own followers and a post a day for a week."""

    def profile(request: Any) -> tuple[int, dict, str]:
        handle = request.params["actor"]
        body = payloads.bluesky_profile(followers=synced_followers(handle), handle=handle)
        return 200, {}, json.dumps(body)

    def feed(request: Any) -> tuple[int, dict, str]:
        items = [
            payloads.bluesky_item(f"3k{days}", at_nine(TODAY - timedelta(days=days)), likes=days)
            for days in range(7)
        ]
        return 200, {}, json.dumps(payloads.bluesky_feed(items))

    mock.add_callback(responses.GET, payloads.BLUESKY_PROFILE_URL, callback=profile)
    mock.add_callback(responses.GET, payloads.BLUESKY_FEED_URL, callback=feed)


def at_nine(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)


def write(session: Session, busy: Busy, writer: Writer) -> list[str]:
    """Do the writer's work as a user would; what a user would be shown as an error."""
    actor = Actor.local()
    if writer.kind == "sync":
        outcomes = accounts.sync_accounts(
            session=session, actor=actor, workspace_id=busy.workspace_id, today=TODAY
        )
        return [o.message for o in outcomes if not o.ok and not o.skipped]
    if writer.kind == "import":
        parsed = read_import(import_csv(writer), filename=f"writer-{writer.number}.csv")
        accounts.store_account_import(
            session=session,
            actor=actor,
            workspace_id=busy.workspace_id,
            account_id=writer.account_id,
            parsed=parsed,
        )
        return []
    if writer.kind == "hand_snapshot":
        for offset in range(HAND_DAYS):
            accounts.enter_snapshot_by_hand(
                session=session,
                actor=actor,
                account_id=writer.account_id,
                day=hand_day(offset),
                counts={"followers": 500 + writer.number * 10 + offset, "likes": offset},
                today=TODAY,
            )
        return []
    # Typed into the readings table a few rows at a time, saving after each, as people do.
    rows: list[dict] = []
    for offset in range(READING_DAYS):
        rows.append({"day": reading_day(offset), "value": writer.number + offset / 4, "note": ""})
        if len(rows) % 5 == 0:
            shown = metrics.list_readings(session=session, actor=actor, metric_id=writer.metric_id)
            metrics.save_readings(
                session=session,
                actor=actor,
                metric_id=writer.metric_id,
                rows=rows,
                expected_fingerprint=metrics.readings_fingerprint(shown),
            )
    return []


@dataclass
class WriterReport:
    number: int
    kind: str
    where: str
    errors: list[str]
    seconds: float


def run_writer(engine: Engine, busy: Busy, writer: Writer, start_line: Any) -> WriterReport:
    """One writer with its own session: waits for the others, writes, reports any error."""
    errors: list[str] = []
    where = "thread" if writer.in_thread else "process"
    started = time.perf_counter()
    try:
        start_line.wait(START_LINE_TIMEOUT)
        started = time.perf_counter()
        with Session(engine, expire_on_commit=False) as session:
            errors = write(session, busy, writer)
    except BaseException:
        seconds = time.perf_counter() - started
        errors = [f"after {seconds:.1f} s: {traceback.format_exc()}"]
    return WriterReport(writer.number, writer.kind, where, errors, time.perf_counter() - started)


def process_writer(url: str, busy: Busy, writer: Writer, start_line: Any, out: Any) -> None:
    """A writer in its own process, with its own engine, as another app replica would be."""
    engine = make_engine(url)
    connector_http.time.sleep = lambda seconds: None  # no retry may wait for real
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        bluesky_answers(mock)
        report = run_writer(engine, busy, writer, start_line)
    engine.dispose()
    out.put(report)


def run_writers(engine: Engine, busy: Busy) -> list[WriterReport]:
    """Half the writers as threads sharing this process's engine (as Streamlit's sessions
    do), half as processes with their own; all start together at one start line."""
    # Forked, so each process starts with the modules loaded instead of importing them again.
    context = multiprocessing.get_context("fork")
    start_line = context.Barrier(len(busy.writers))
    out = context.Queue()
    url = url_of(engine)
    engine.dispose()  # no pooled connection may be shared with the children
    processes = [
        context.Process(target=process_writer, args=(url, busy, writer, start_line, out))
        for writer in busy.writers
        if not writer.in_thread
    ]
    for process in processes:
        process.start()
    reports: list[WriterReport] = []
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        bluesky_answers(mock)
        threads = [
            threading.Thread(
                target=lambda w=writer: reports.append(run_writer(engine, busy, w, start_line))
            )
            for writer in busy.writers
            if writer.in_thread
        ]
        for thread in threads:
            thread.start()
        reports.extend(out.get(timeout=600) for _ in processes)
        for thread in threads:
            thread.join()
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0, f"a writer process ended with {process.exitcode}"
    return reports


def expected_rows(busy: Busy) -> tuple[dict, dict]:
    """Every snapshot (account id, day) -> followers and reading (metric id, day) -> value."""
    snapshots: dict[tuple[int, date], int | None] = {}
    readings: dict[tuple[int, date], float] = {}
    for account_id, handle in busy.synced:
        for days in range(8):  # the day of the sync and the seven it restates
            day = TODAY - timedelta(days=days)
            snapshots[(account_id, day)] = synced_followers(handle) if days == 0 else None
    for writer in busy.writers:
        if writer.kind == "import":
            for offset in range(IMPORT_DAYS):
                day = import_day(writer.number, offset)
                snapshots[(writer.account_id, day)] = writer.number * 1000 + offset
                readings[(writer.metric_id, day)] = float(writer.number + offset)
        elif writer.kind == "hand_snapshot":
            for offset in range(HAND_DAYS):
                day = hand_day(offset)
                snapshots[(writer.account_id, day)] = 500 + writer.number * 10 + offset
        elif writer.kind == "hand_readings":
            for offset in range(READING_DAYS):
                readings[(writer.metric_id, reading_day(offset))] = writer.number + offset / 4
    return snapshots, readings


def present_rows(engine: Engine, busy: Busy) -> tuple[dict, dict]:
    with Session(engine) as session:
        account_ids = select(Account.id).where(Account.workspace_id == busy.workspace_id)
        snapshots = {
            (account_id, day): followers
            for account_id, day, followers in session.exec(
                select(Snapshot.account_id, Snapshot.day, Snapshot.followers).where(
                    Snapshot.account_id.in_(account_ids)  # type: ignore[attr-defined]
                )
            )
        }
        readings = {
            (metric_id, day): value
            for metric_id, day, value in session.exec(
                select(Reading.metric_id, Reading.day, Reading.value)
            )
        }
        total = session.exec(select(func.count()).select_from(Snapshot)).one()
        assert total == len(snapshots), "a snapshot landed outside the busy workspace"
    return snapshots, readings


def stored_scores(engine: Engine, busy: Busy) -> tuple[list, list]:
    """The workspace's influence and business scores, as plain tuples in key order."""
    accounts_of_busy = select(Account.id).where(Account.workspace_id == busy.workspace_id)
    with Session(engine) as session:
        influence = session.exec(
            select(
                InfluenceScore.account_id,
                InfluenceScore.day,
                InfluenceScore.score,
                InfluenceScore.reach,
                InfluenceScore.engagement,
            )
            .where(InfluenceScore.account_id.in_(accounts_of_busy))  # type: ignore[attr-defined]
            .order_by(InfluenceScore.account_id, InfluenceScore.day)
        ).all()
        business = session.exec(
            select(BusinessScore.day, BusinessScore.score)
            .where(BusinessScore.workspace_id == busy.workspace_id)
            .order_by(BusinessScore.day)
        ).all()
    return [tuple(row) for row in influence], [tuple(row) for row in business]


def recomputed_from_scratch(engine: Engine, busy: Busy) -> tuple[list, list]:
    with Session(engine) as session:
        scores.recompute_scores(session=session, workspace_id=busy.workspace_id)
    return stored_scores(engine, busy)


def test_many_writers_at_once_lose_no_row_and_show_no_error(engine, capsys):
    busy = arrange_busy_workspace(engine, WRITERS)
    started = time.perf_counter()
    reports = run_writers(engine, busy)
    elapsed = time.perf_counter() - started
    assert len(reports) == WRITERS
    problems = [f"writer {r.number} ({r.kind}): {e}" for r in reports for e in r.errors]
    assert not problems, "\n\n".join(problems)
    want_snapshots, want_readings = expected_rows(busy)
    got_snapshots, got_readings = present_rows(engine, busy)
    assert got_snapshots == want_snapshots
    assert got_readings == want_readings
    # Every recompute ran while others wrote snapshots: the scores left behind must still
    # count every snapshot, as a recompute of the finished data does.
    assert stored_scores(engine, busy) == recomputed_from_scratch(engine, busy)
    threads = sum(1 for r in reports if r.where == "thread")
    slowest = max(reports, key=lambda r: r.seconds)
    with capsys.disabled():
        print(
            f"\n[writers] {engine.dialect.name}: {WRITERS} writers ({threads} threads, "
            f"{WRITERS - threads} processes), {len(want_snapshots)} snapshots + "
            f"{len(want_readings)} readings expected, {len(got_snapshots)} + "
            f"{len(got_readings)} present, 0 errors; all done in {elapsed:.1f} s, "
            f"slowest writer {slowest.seconds:.1f} s ({slowest.kind}, {slowest.where})"
        )
