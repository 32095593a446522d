"""The latest-score table always equals what the stored influence scores say.

Each test compares every `latest_score` row with a derivation written here from scratch,
row by row in plain Python from all of `influence_score`: after full, partial and
workspace-scoped recomputes, snapshots that lower or remove scores, deleting an account's
history, and a restore; then the same on random histories (Hypothesis).
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from socialplan import accounts, backup, latest_scores, scores
from socialplan.access import Actor
from socialplan.leaderboards import downsample_sparkline
from socialplan.models import (
    Account,
    AccountKind,
    InfluenceScore,
    LatestScore,
    Network,
    Snapshot,
    Workspace,
    utcnow,
)
from socialplan.scoring import PARTS
from tests.factories import create_workspace_with_plan

START = date(2027, 1, 1)


# ---------------------------------------------------------------- the reference


def expected_rows(session: Session) -> dict[int, tuple]:
    """Every account's row as the table must hold it, from every stored score."""
    history: dict[int, list[InfluenceScore]] = {}
    for row in session.exec(select(InfluenceScore).order_by(InfluenceScore.day)):
        history.setdefault(row.account_id, []).append(row)
    expected = {}
    for account_id, rows in history.items():
        newest = rows[-1]
        old_enough = [r for r in rows if r.day <= newest.day - timedelta(days=30)]
        shown = [r for r in rows if r.day > newest.day - timedelta(days=90)]
        daily = {(newest.day - r.day).days: r.score for r in shown}
        recent = bytes(daily.get(back, 0) for back in range(89, -1, -1)).lstrip(b"\0").hex()
        expected[account_id] = (
            newest.day,
            newest.score,
            *(getattr(newest, part) for part in PARTS),
            old_enough[-1].day if old_enough else None,
            old_enough[-1].score if old_enough else None,
            ",".join(str(v) for v in downsample_sparkline([r.score for r in shown])),
            recent,
        )
    return expected


def stored_rows(session: Session) -> dict[int, tuple]:
    session.expire_all()
    return {
        row.account_id: (
            row.day,
            row.score,
            *(getattr(row, part) for part in PARTS),
            row.then_day,
            row.then_score,
            row.sparkline,
            row.recent,
        )
        for row in session.exec(select(LatestScore))
    }


def assert_agrees(session: Session) -> None:
    expected, stored = expected_rows(session), stored_rows(session)
    assert stored.keys() == expected.keys()
    for account_id, row in expected.items():
        assert stored[account_id] == pytest.approx(row, nan_ok=True), account_id


# ---------------------------------------------------------------- data


def add_account(session: Session, workspace_id: int, handle: str) -> Account:
    account = Account(workspace_id=workspace_id, network=Network.BLUESKY, handle=handle)
    session.add(account)
    session.commit()
    return account


def add_days(session: Session, account: Account, offsets: list[int] | range) -> None:
    """A snapshot on each day offset, with numbers that move so the scores do."""
    session.add_all(
        Snapshot(
            account_id=account.id,
            day=START + timedelta(days=offset),
            followers=200 + 7 * offset + (offset % 13) * 40,
            posts=offset % 3,
            likes=(offset * 17) % 50,
            replies=offset % 5,
        )
        for offset in offsets
    )
    session.commit()


def remove_days(session: Session, account: Account, offsets: list[int] | range) -> None:
    days = [START + timedelta(days=offset) for offset in offsets]
    session.execute(
        sa.delete(Snapshot).where(Snapshot.account_id == account.id, Snapshot.day.in_(days))  # type: ignore[attr-defined]
    )
    session.commit()


@pytest.fixture
def shop(session: Session, actor: Actor) -> Workspace:
    return create_workspace_with_plan(session, actor, name="Rosa's Bakery")[0]


@pytest.fixture
def gappy(session: Session, shop: Workspace) -> dict[str, Account]:
    """Accounts whose histories have gaps around the 30 and 90 days that matter."""
    found = {
        "daily": add_account(session, shop.id, "daily.example"),
        "long_gap": add_account(session, shop.id, "gap.example"),
        "short": add_account(session, shop.id, "short.example"),
        "sparse": add_account(session, shop.id, "sparse.example"),
    }
    add_days(session, found["daily"], range(0, 160))
    # Nothing for 120 days: the 30-day-old score lies before the 90 days of the sparkline.
    add_days(session, found["long_gap"], [*range(0, 20), *range(140, 160)])
    add_days(session, found["short"], range(150, 160))
    add_days(session, found["sparse"], list(range(0, 160, 11)))
    return found


# ---------------------------------------------------------------- recomputes


def test_a_full_recompute_stores_every_accounts_row(session, gappy):
    scores.recompute_scores(session=session)
    assert_agrees(session)
    stored = stored_rows(session)
    # The cases the fixture is there for: a change measured from before the 90 days…
    assert stored[gappy["long_gap"].id][6] == START + timedelta(days=19)
    # …none at all for an account younger than 30 days, and a 30-value sparkline.
    assert stored[gappy["short"].id][6] is None
    assert len(stored[gappy["daily"].id][8].split(",")) == 30


def test_a_recompute_of_new_days_moves_every_row_forward(session, gappy):
    scores.recompute_scores(session=session)
    for account in gappy.values():
        add_days(session, account, [160, 161])
    scores.recompute_scores(session=session, since=START + timedelta(days=160))
    assert_agrees(session)
    assert stored_rows(session)[gappy["daily"].id][0] == START + timedelta(days=161)


def test_a_recompute_from_far_back_reads_what_it_cannot_move(session, gappy):
    """From 40 days back the stored 30-day-old score is itself recomputed: read again."""
    scores.recompute_scores(session=session)
    add_days(session, gappy["daily"], [160])
    remove_days(session, gappy["sparse"], [154])
    scores.recompute_scores(session=session, since=START + timedelta(days=120))
    assert_agrees(session)


def test_a_recompute_of_one_workspace_leaves_the_others_rows_alone(session, actor, gappy):
    other = create_workspace_with_plan(session, actor, name="Florist")[0]
    theirs = add_account(session, other.id, "florist.example")
    add_days(session, theirs, range(100, 160))
    scores.recompute_scores(session=session)
    before = stored_rows(session)[theirs.id]
    add_days(session, theirs, [160])
    add_days(session, gappy["daily"], [160])
    scores.recompute_scores(
        session=session, workspace_id=gappy["daily"].workspace_id, since=START + timedelta(160)
    )
    # The florist's new day is not scored yet, so its row must not move either.
    assert stored_rows(session)[theirs.id] == before
    scores.recompute_scores(session=session, workspace_id=other.id)
    assert_agrees(session)


def test_snapshots_that_go_away_take_the_newest_scores_back(session, gappy):
    scores.recompute_scores(session=session)
    remove_days(session, gappy["daily"], range(150, 160))
    remove_days(session, gappy["short"], range(150, 160))
    scores.recompute_scores(session=session, since=START + timedelta(days=150))
    assert_agrees(session)
    assert gappy["short"].id not in stored_rows(session)
    assert stored_rows(session)[gappy["daily"].id][0] == START + timedelta(days=149)


def test_lower_numbers_lower_the_stored_score(session, gappy):
    scores.recompute_scores(session=session)
    before = stored_rows(session)[gappy["daily"].id][1]
    session.execute(
        sa.update(Snapshot)
        .where(Snapshot.account_id == gappy["daily"].id, Snapshot.day >= START + timedelta(130))  # type: ignore[arg-type]
        .values(followers=1, likes=0, replies=0, posts=0)
    )
    session.commit()
    scores.recompute_scores(session=session, since=START + timedelta(days=130))
    assert_agrees(session)
    assert stored_rows(session)[gappy["daily"].id][1] < before


def test_a_second_recompute_writes_nothing_and_changes_nothing(session, gappy):
    scores.recompute_scores(session=session)
    first = stored_rows(session)
    scores.recompute_scores(session=session)
    scores.recompute_scores(session=session, since=START + timedelta(days=155))
    assert stored_rows(session) == first


# ---------------------------------------------------------------- other writers


def test_deleting_an_accounts_history_deletes_its_row(session, actor, gappy):
    scores.recompute_scores(session=session)
    account = gappy["sparse"]
    session.refresh(account)
    accounts.remove_account(
        session=session,
        actor=actor,
        account_id=account.id,  # type: ignore[arg-type]
        version=account.version,
        delete_history=True,
    )
    assert account.id not in stored_rows(session)
    assert_agrees(session)


def test_removing_an_account_keeps_its_row_like_its_scores(session, actor, gappy):
    scores.recompute_scores(session=session)
    account = gappy["sparse"]
    session.refresh(account)
    accounts.remove_account(
        session=session,
        actor=actor,
        account_id=account.id,  # type: ignore[arg-type]
        version=account.version,
    )
    assert account.id in stored_rows(session)
    assert_agrees(session)


def test_a_restored_workspace_has_its_rows_at_once(session, actor, shop, gappy):
    scores.recompute_scores(session=session)
    exported = backup.export_workspace(session=session, actor=actor, slug=shop.slug)
    session.execute(sa.delete(Workspace).where(Workspace.id == shop.id))  # type: ignore[arg-type]
    session.commit()
    assert stored_rows(session) == {}
    backup.restore_workspace(session=session, actor=actor, data=exported)
    assert len(stored_rows(session)) == len(gappy)
    assert_agrees(session)


def test_refreshing_from_the_table_repairs_any_row(session, gappy):
    """Rows written or removed behind the table's back are put right by a refresh."""
    scores.recompute_scores(session=session)
    session.execute(sa.delete(InfluenceScore).where(InfluenceScore.day >= START + timedelta(155)))  # type: ignore[arg-type]
    session.execute(sa.update(LatestScore).values(sparkline="1", then_score=None))
    session.commit()
    latest_scores.refresh_latest_scores(session)
    session.commit()
    assert_agrees(session)


# ---------------------------------------------------------------- random histories


def test_deriving_from_any_history_matches_the_reference():
    @given(
        days=st.dictionaries(
            st.tuples(st.integers(1, 3), st.integers(0, 250)), st.integers(1, 100), min_size=1
        )
    )
    @settings(max_examples=200, deadline=None)
    def check(days: dict[tuple[int, int], int]) -> None:
        history = pd.DataFrame(
            [(a, 20_000 + d, s, 0.5, None, 0.25, 1.0) for (a, d), s in days.items()],
            columns=["account_id", "day", "score", *PARTS],
        ).sample(frac=1, random_state=len(days))  # any order
        derived = latest_scores.derive_latest(history).set_index("account_id")
        for account in sorted({a for a, _ in days}):
            own = sorted((20_000 + d, s) for (a, d), s in days.items() if a == account)
            newest, score = own[-1]
            old = [(d, s) for d, s in own if d <= newest - 30]
            shown = [s for d, s in own if d > newest - 90]
            row = derived.loc[account]
            assert (row["day"], row["score"]) == (newest, score)
            then = (row["then_day"], row["then_score"])
            assert then == (old[-1] if old else (pd.NA, pd.NA))
            assert row["sparkline"] == ",".join(map(str, downsample_sparkline(shown)))

    check()


def test_moving_a_row_forward_gives_what_deriving_it_again_gives():
    """A recompute from `since` replaces the scores from that day on; where the stored row
    may be moved forward, moving it gives the row derived from all the scores."""

    def frame(days: dict[int, int]) -> pd.DataFrame:
        return pd.DataFrame(
            [(7, 20_000 + d, s, 0.5, None, 0.25, 1.0) for d, s in sorted(days.items())],
            columns=["account_id", "day", "score", *PARTS],
        )

    @given(
        stored=st.dictionaries(st.integers(0, 300), st.integers(1, 100), min_size=1),
        new=st.dictionaries(st.integers(0, 330), st.integers(1, 100), min_size=1),
        since=st.integers(0, 330),
    )
    @settings(max_examples=400, deadline=None)
    def check(stored: dict[int, int], new: dict[int, int], since: int) -> None:
        new = {d: s for d, s in new.items() if d >= since}
        before = {d: s for d, s in stored.items() if d < since}
        old = latest_scores.derive_latest(frame(stored))
        movable = (
            new
            and max(new) >= max(stored)
            and (old["then_day"].isna()[0] or old["then_day"][0] < 20_000 + since)
        )
        if not movable:
            return
        moved = latest_scores._moved_forward(old, frame(new), 20_000 + since)
        expected = latest_scores.derive_latest(frame({**before, **new}))
        pd.testing.assert_frame_equal(moved, expected, check_dtype=False)

    check()


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    first=st.sets(st.integers(0, 200), min_size=1, max_size=80),
    added=st.sets(st.integers(0, 230), max_size=30),
    removed=st.sets(st.integers(0, 200), max_size=30),
    since=st.integers(0, 230),
)
def test_any_change_then_a_recompute_from_any_day_agrees(
    session, shop, first, added, removed, since
):
    session.execute(sa.delete(Account))
    session.commit()
    account = add_account(session, shop.id, f"random-{utcnow().timestamp()}")
    steady = add_account(session, shop.id, f"steady-{utcnow().timestamp()}")
    add_days(session, account, sorted(first))
    add_days(session, steady, range(100, 200))
    scores.recompute_scores(session=session)
    add_days(session, account, sorted(added - first))
    remove_days(session, account, sorted(removed))
    change = min([*(added - first), *removed], default=since)
    # A recompute from `since` is what a sync does: right when `since` is on or before
    # the first changed day; from any day when nothing changed.
    scores.recompute_scores(session=session, since=START + timedelta(days=min(since, change)))
    assert_agrees(session)
    assert_agrees_with_full_recompute(session)


def assert_agrees_with_full_recompute(session: Session) -> None:
    partial = stored_rows(session)
    scores.recompute_scores(session=session)
    assert stored_rows(session) == partial


def test_every_kind_of_account_counts_alike(session, shop):
    """Competitors and removed accounts keep rows too: the table mirrors the scores."""
    rival = add_account(session, shop.id, "rival.example")
    rival.kind = AccountKind.COMPETITOR
    rival.removed_at = utcnow()
    session.add(rival)
    session.commit()
    add_days(session, rival, range(0, 40))
    scores.recompute_scores(session=session)
    assert rival.id in stored_rows(session)
    assert_agrees(session)
