"""Stored scores: recompute from snapshots, idempotence, business scores, access."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from socialplan import accounts, scores
from socialplan.access import Actor
from socialplan.db import make_engine
from socialplan.errors import NotFound
from socialplan.models import (
    Account,
    AccountKind,
    BusinessScore,
    InfluenceScore,
    Membership,
    Network,
    Role,
    Snapshot,
    User,
    utcnow,
)
from socialplan.scoring import PARTS, ScoreInputs, score_account
from tests.conftest import truncate_all
from tests.factories import create_workspace_with_plan

START = date(2027, 1, 1)
Number = int | None | Callable[[int], int | None]


def add_account(
    session: Session,
    workspace_id: int,
    handle: str,
    *,
    kind: AccountKind = AccountKind.OWN,
    removed: bool = False,
) -> Account:
    account = Account(
        workspace_id=workspace_id,
        network=Network.BLUESKY,
        handle=handle,
        kind=kind,
        removed_at=utcnow() if removed else None,
    )
    session.add(account)
    session.commit()
    return account


def add_days(
    session: Session, account: Account, days: range | list[int], **numbers: Number
) -> None:
    """One snapshot per day offset in `days`; each number is a value or a function of it."""
    for offset in days:
        values = {k: v(offset) if callable(v) else v for k, v in numbers.items()}
        session.add(Snapshot(account_id=account.id, day=START + timedelta(offset), **values))
    session.commit()


def day(offset: int) -> date:
    return START + timedelta(days=offset)


def stored(session: Session, table=InfluenceScore) -> list[tuple]:
    """Every stored score row, values included, in a stable order."""
    rows = session.exec(select(table).order_by(table.id)).all()
    values = [tuple(row.model_dump().values()) for row in rows]
    # Read before expiring: an expired row dumps as {} (every row would look alike).
    session.expire_all()
    return values


def score_on(session: Session, account: Account, offset: int) -> InfluenceScore:
    return session.exec(
        select(InfluenceScore).where(
            InfluenceScore.account_id == account.id, InfluenceScore.day == day(offset)
        )
    ).one()


def assert_matches(row: InfluenceScore | BusinessScore, inputs: ScoreInputs) -> None:
    expected = score_account(inputs)
    assert row.score == expected.score
    for part in PARTS:
        assert getattr(row, part) == expected.sub_scores.get(part)


@pytest.fixture
def workspace(session, actor):
    workspace, _ = create_workspace_with_plan(session, actor)
    return workspace


def test_recompute_stores_one_score_per_account_per_snapshot_day(session, workspace):
    steady = add_account(session, workspace.id, "steady")
    patchy = add_account(session, workspace.id, "patchy")
    add_days(session, steady, range(40), followers=500, posts=lambda i: 1 - i % 2, likes=2,
             reposts=0, replies=0)  # fmt: skip
    patchy_days = [i for i in range(40) if i % 5]
    add_days(session, patchy, patchy_days, followers=80, posts=1, likes=1)

    summary = scores.recompute_scores(session=session)

    keys = set(session.exec(select(InfluenceScore.account_id, InfluenceScore.day)).all())
    assert keys == {(steady.id, day(i)) for i in range(40)} | {
        (patchy.id, day(i)) for i in patchy_days
    }
    assert (summary.account_scores, summary.accounts) == (40 + 32, 2)
    # Day 39: days 10–39 hold 15 posts and 60 likes; weeks 0–5 back each have a post, weeks
    # 6 and 7 back are before the first snapshot; quotes were never given.
    assert_matches(score_on(session, steady, 39), ScoreInputs(500, 15, 60, 0, 0, None, 6))


def test_recompute_twice_changes_nothing(session, workspace):
    account = add_account(session, workspace.id, "rosas")
    add_days(session, account, range(60), followers=lambda i: 300 + i,
             posts=lambda i: int(i % 3 == 0), likes=lambda i: i % 7, reposts=1, replies=None,
             quotes=0)  # fmt: skip
    scores.recompute_scores(session=session)
    first = (stored(session), stored(session, BusinessScore))

    summary = scores.recompute_scores(session=session)

    assert (stored(session), stored(session, BusinessScore)) == first
    assert len(first[0]) == 60 and len(first[1]) == 60
    assert summary.removed == 0


def test_business_score_combines_the_own_accounts_only(session, workspace):
    bluesky = add_account(session, workspace.id, "rosas")
    instagram = add_account(session, workspace.id, "rosas.ig")
    rival = add_account(session, workspace.id, "bigbakery", kind=AccountKind.COMPETITOR)
    gone = add_account(session, workspace.id, "old", removed=True)
    add_days(session, bluesky, range(30), followers=300, posts=1, likes=2, reposts=0)
    add_days(session, instagram, range(30), followers=200, posts=0, likes=1, quotes=1)
    add_days(session, rival, range(35), followers=1_000_000, posts=5, likes=1_000, reposts=90)
    add_days(session, gone, range(30), followers=500_000, posts=5, likes=1_000)

    summary = scores.recompute_scores(session=session)

    business = session.exec(select(BusinessScore).order_by(BusinessScore.day)).all()
    # Days 30–34 have only the competitor's numbers: no business score.
    assert [row.day for row in business] == [day(i) for i in range(30)]
    assert {row.workspace_id for row in business} == {workspace.id}
    assert (summary.business_scores, summary.workspaces) == (30, 1)
    # Day 29: 500 followers, 30 posts, 90 likes, 0 reposts, 30 quotes, replies never given;
    # weeks 0–4 back have posts, weeks 5–7 back are before the first snapshot.
    assert_matches(business[-1], ScoreInputs(500, 30, 90, 0, None, 30, 5))


def test_since_recomputes_only_the_tail_and_reads_enough_history(session, workspace):
    account = add_account(session, workspace.id, "rosas")
    # Followers are known only in the first 10 days, posts only up to day 30 and from day 85:
    # the score of day 80 needs the follower total of day 9 and the posts of days 25–31.
    add_days(session, account, range(100), followers=lambda i: 400 if i < 10 else None,
             posts=lambda i: 1 if i <= 30 or i >= 85 else 0, likes=3)  # fmt: skip
    scores.recompute_scores(session=session)
    before = {row.day: row.score for row in session.exec(select(InfluenceScore)).all()}
    for snapshot in session.exec(select(Snapshot).where(Snapshot.day.in_([day(5), day(90)]))):
        snapshot.likes = 5_000
    session.commit()

    summary = scores.recompute_scores(session=session, since=day(80))

    after = {row.day: row.score for row in session.exec(select(InfluenceScore)).all()}
    assert summary.account_scores == 20
    assert all(after[day(i)] == before[day(i)] for i in range(80))
    assert after[day(90)] > before[day(90)]
    session.expire_all()
    scores.recompute_scores(session=session)
    full = {row.day: row.score for row in session.exec(select(InfluenceScore)).all()}
    assert all(full[day(i)] == after[day(i)] for i in range(80, 100))
    assert full[day(5)] > after[day(5)]
    assert_matches(score_on(session, account, 80), ScoreInputs(400, 0, 90, None, None, None, 1))


def test_recompute_of_one_workspace_leaves_the_others_alone(session, actor, workspace):
    other, _ = create_workspace_with_plan(session, actor, name="Corner Cafe")
    ours = add_account(session, workspace.id, "rosas")
    theirs = add_account(session, other.id, "cafe")
    add_days(session, ours, range(10), followers=100, posts=1, likes=1)
    add_days(session, theirs, range(10), followers=100, posts=1, likes=1)
    scores.recompute_scores(session=session)
    for snapshot in session.exec(select(Snapshot)):
        snapshot.followers = 90_000
    session.commit()

    summary = scores.recompute_scores(session=session, workspace_id=workspace.id)

    assert (summary.accounts, summary.workspaces) == (1, 1)
    assert score_on(session, ours, 9).reach > score_on(session, theirs, 9).reach
    theirs_business = session.exec(
        select(BusinessScore).where(BusinessScore.workspace_id == other.id)
    ).all()
    assert len(theirs_business) == 10


def test_a_day_whose_snapshot_is_deleted_loses_its_score(session, workspace):
    account = add_account(session, workspace.id, "rosas")
    add_days(session, account, range(10), followers=100, posts=1, likes=1)
    scores.recompute_scores(session=session)
    session.delete(session.exec(select(Snapshot).where(Snapshot.day == day(4))).one())
    session.commit()

    summary = scores.recompute_scores(session=session)

    assert summary.removed == 2  # the account's row and the business's row of day 4
    assert day(4) not in session.exec(select(InfluenceScore.day)).all()


def test_recompute_with_nothing_to_score_stores_nothing(session, workspace):
    add_account(session, workspace.id, "new")
    summary = scores.recompute_scores(session=session, since=day(0))
    assert (summary.account_scores, summary.business_scores, summary.removed) == (0, 0, 0)


# ---------------------------------------------------------------- reading


def test_latest_scores_list_own_then_competitors_with_their_newest_score(session, actor, workspace):
    rival = add_account(session, workspace.id, "aaa-rival", kind=AccountKind.COMPETITOR)
    ours = add_account(session, workspace.id, "zzz-ours")
    unscored = add_account(session, workspace.id, "new")
    add_account(session, workspace.id, "old", removed=True)
    add_days(session, ours, range(5), followers=100, posts=1, likes=1)
    add_days(session, rival, range(3), followers=5_000, posts=1, likes=50)
    scores.recompute_scores(session=session)

    latest = scores.latest_scores(session=session, actor=actor, workspace_id=workspace.id)

    assert [(row.account.handle, row.latest and row.latest.day) for row in latest] == [
        (unscored.handle, None),
        (ours.handle, day(4)),
        (rival.handle, day(2)),
    ]
    business = scores.latest_business_score(session=session, actor=actor, workspace_id=workspace.id)
    assert business.day == day(4)


def test_score_history_is_a_frame_oldest_first(session, actor, workspace):
    account = add_account(session, workspace.id, "rosas")
    add_days(session, account, range(10), followers=lambda i: 100 * (i + 1), posts=1, likes=1)
    scores.recompute_scores(session=session)

    history = scores.score_history(session=session, actor=actor, account_id=account.id)
    recent = scores.score_history(session=session, actor=actor, account_id=account.id, since=day(7))

    assert list(history.columns) == ["day", "score", *PARTS]
    assert list(history["day"].dt.date) == [day(i) for i in range(10)]
    assert history["reach"].is_monotonic_increasing
    assert str(history["score"].dtype) == "int64"
    assert list(recent["day"].dt.date) == [day(7), day(8), day(9)]


def test_score_inputs_explain_the_stored_score(session, actor, workspace):
    account = add_account(session, workspace.id, "rosas")
    add_days(session, account, range(70), followers=lambda i: 250 if i < 3 else None,
             posts=lambda i: int(i % 4 == 0), likes=lambda i: i % 5, replies=1)  # fmt: skip
    scores.recompute_scores(session=session)

    inputs = scores.score_inputs(session=session, actor=actor, account_id=account.id)
    earlier = scores.score_inputs(session=session, actor=actor, account_id=account.id, day=day(20))

    assert inputs.followers == 250
    assert score_account(inputs).score == score_on(session, account, 69).score
    assert score_account(earlier).score == score_on(session, account, 20).score
    assert (
        scores.score_inputs(session=session, actor=actor, account_id=account.id, day=day(99))
        is None
    )


def test_a_stranger_cannot_read_scores(session, workspace):
    account = add_account(session, workspace.id, "rosas")
    add_days(session, account, range(3), followers=100, posts=1, likes=1)
    scores.recompute_scores(session=session)
    stranger = Actor.user(999, "Stranger")

    with pytest.raises(NotFound):
        scores.latest_scores(session=session, actor=stranger, workspace_id=workspace.id)
    with pytest.raises(NotFound):
        scores.latest_business_score(session=session, actor=stranger, workspace_id=workspace.id)
    with pytest.raises(NotFound):
        scores.score_history(session=session, actor=stranger, account_id=account.id)
    with pytest.raises(NotFound):
        scores.score_inputs(session=session, actor=stranger, account_id=account.id)


def test_a_viewer_of_the_workspace_can_read_its_scores(session, workspace):
    account = add_account(session, workspace.id, "rosas")
    add_days(session, account, range(3), followers=100, posts=1, likes=1)
    scores.recompute_scores(session=session)
    user = User(issuer="https://id.example", subject="viewer")
    session.add(user)
    session.commit()
    session.add(Membership(workspace_id=workspace.id, user_id=user.id, role=Role.VIEWER))
    session.commit()
    viewer = Actor.user(user.id, "Viewer")

    latest = scores.latest_scores(session=session, actor=viewer, workspace_id=workspace.id)
    history = scores.score_history(session=session, actor=viewer, account_id=account.id)

    assert [row.latest.day for row in latest] == [day(2)]
    assert len(history) == 3


def test_an_unknown_account_is_not_found(session, actor):
    with pytest.raises(NotFound, match="That account does not exist"):
        scores.score_history(session=session, actor=actor, account_id=12345)


def score_indexes(session: Session) -> set[str]:
    return {
        index["name"] for index in sa.inspect(session.connection()).get_indexes("influence_score")
    }


def test_a_bulk_write_on_sqlite_rebuilds_the_day_index_and_a_failed_one_keeps_it(
    sqlite_engine, actor, monkeypatch
):
    # Every write counts as bulk here, so the drop-and-rebuild path runs on a small table.
    monkeypatch.setattr(scores, "BULK_WRITE_ROWS", 1)
    with Session(sqlite_engine) as session:
        workspace, _ = create_workspace_with_plan(session, actor)
        account = add_account(session, workspace.id, "bulk")
        add_days(session, account, range(10), followers=100, posts=1, likes=3)
        scores.recompute_scores(session=session)
        assert "ix_influence_score_day" in score_indexes(session)
        assert len(stored(session)) == 10

        session.execute(sa.delete(InfluenceScore))
        session.commit()

        def failing_upsert(*args: object) -> None:
            raise RuntimeError("disk full")

        monkeypatch.setattr(scores, "_upsert", failing_upsert)
        with pytest.raises(RuntimeError, match="disk full"):
            scores.recompute_scores(session=session)
        assert "ix_influence_score_day" in score_indexes(session)
        assert stored(session) == []


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    try:
        yield engine
    finally:
        truncate_all(engine)
        engine.dispose()


def score_schema(engine: Engine) -> dict[str, tuple]:
    """Indexes, unique constraints and foreign keys of the two score tables, by table."""
    inspector = sa.inspect(engine)

    def of(table: str) -> tuple:
        indexes = [
            (i["name"], tuple(i["column_names"]), i["unique"]) for i in inspector.get_indexes(table)
        ]
        uniques = [
            (u["name"], tuple(u["column_names"])) for u in inspector.get_unique_constraints(table)
        ]
        keys = [
            (
                f["name"],
                tuple(f["constrained_columns"]),
                f["referred_table"],
                f["options"].get("ondelete"),
            )
            for f in inspector.get_foreign_keys(table)
        ]
        return sorted(indexes), sorted(uniques), sorted(keys)  # fmt: skip

    return {table: of(table) for table in ("influence_score", "business_score")}


def without_ids(session: Session, table=InfluenceScore) -> list[tuple]:
    """Every stored score row without its id (a row written again gets a new one), sorted."""
    rows = session.exec(select(table)).all()
    values = [tuple(v for k, v in row.model_dump().items() if k != "id") for row in rows]
    session.expire_all()
    return sorted(values, key=repr)


def scored_workspace(engine: Engine, actor: Actor) -> None:
    with Session(engine, expire_on_commit=False) as session:
        workspace, _ = create_workspace_with_plan(session, actor)
        for handle in ("rosas", "crumbs"):
            account = add_account(session, workspace.id, handle)
            add_days(session, account, range(50), followers=lambda i: 200 + i,
                     posts=lambda i: i % 2, likes=3, reposts=1)  # fmt: skip


def test_a_recompute_into_empty_tables_on_postgresql_loads_them_bare_and_restores_the_schema(
    postgres_engine, actor, monkeypatch
):
    scored_workspace(postgres_engine, actor)
    schema = score_schema(postgres_engine)
    assert all(all(parts) for parts in schema.values()), "the score tables have no constraints?"
    loads = []
    real_bulk_loaded = scores._bulk_loaded

    def counted(session, table):
        loads.append(table.__tablename__)
        return real_bulk_loaded(session, table)

    monkeypatch.setattr(scores, "_bulk_loaded", counted)
    with Session(postgres_engine) as session:
        scores.recompute_scores(session=session)
        loaded = (without_ids(session), without_ids(session, BusinessScore))

    assert loads == ["influence_score", "business_score"]
    assert score_schema(postgres_engine) == schema
    assert len(loaded[0]) == 100 and len(loaded[1]) == 50
    # The same scores as the row-by-row upsert gives (stored rows present: no bulk load).
    with Session(postgres_engine) as session:
        session.execute(sa.delete(InfluenceScore).where(InfluenceScore.day == day(0)))
        session.commit()
        scores.recompute_scores(session=session)
        again = (without_ids(session), without_ids(session, BusinessScore))
        assert again == loaded
    assert loads == ["influence_score", "business_score"]


def test_a_failed_bulk_load_on_postgresql_keeps_the_schema_and_stores_nothing(
    postgres_engine, actor, monkeypatch
):
    scored_workspace(postgres_engine, actor)
    schema = score_schema(postgres_engine)

    def failing_copy(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(scores, "_copy_into", failing_copy)
    with Session(postgres_engine) as session:
        with pytest.raises(RuntimeError, match="disk full"):
            scores.recompute_scores(session=session)
        assert stored(session) == [] and stored(session, BusinessScore) == []
    assert score_schema(postgres_engine) == schema


def test_a_snapshot_written_while_a_recompute_runs_is_in_the_scores_left_behind(
    engine, actor, monkeypatch
):
    """A recompute that starts without writing (a sync's, after its snapshots were
    committed) holds off other writers from its first read: one that writes a snapshot in
    between waits, then recomputes with both, instead of being written over by scores
    that miss its snapshot."""
    with Session(engine, expire_on_commit=False) as session:
        workspace, _ = create_workspace_with_plan(session, actor)
        synced = add_account(session, workspace.id, "synced")
        typed = add_account(session, workspace.id, "typed")
        add_days(session, synced, range(20), followers=100, posts=1, likes=2)
        add_days(session, typed, range(19), followers=50, posts=1, likes=1)
    real_read_daily = scores._read_daily
    writer_done = threading.Event()
    errors: list[BaseException] = []

    def write_a_snapshot() -> None:
        try:
            with Session(engine) as other:
                accounts.enter_snapshot_by_hand(
                    session=other, actor=actor, account_id=typed.id, day=day(19),
                    counts={"followers": 5_000, "posts": 3, "likes": 40}, today=day(30),
                )  # fmt: skip
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            writer_done.set()

    writer = threading.Thread(target=write_a_snapshot)

    def read_then_let_another_write(*args, **kwargs):
        daily = real_read_daily(*args, **kwargs)
        if not writer.is_alive() and not writer_done.is_set():
            writer.start()
            # Held off, the writer cannot finish before this recompute commits.
            writer_done.wait(timeout=1.5)
        return daily

    monkeypatch.setattr(scores, "_read_daily", read_then_let_another_write)
    with Session(engine) as session:
        scores.recompute_scores(session=session, workspace_id=workspace.id)
    writer.join(timeout=60)
    monkeypatch.setattr(scores, "_read_daily", real_read_daily)
    assert not errors, errors
    with Session(engine) as session:
        left_behind = (stored(session), stored(session, BusinessScore))
        scores.recompute_scores(session=session, workspace_id=workspace.id)
        assert (stored(session), stored(session, BusinessScore)) == left_behind
