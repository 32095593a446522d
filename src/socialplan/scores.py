"""Stored influence scores: recompute them from the snapshots, and read them back.

Scores are kept per account per day (InfluenceScore) and per business per day
(BusinessScore, over the workspace's own accounts combined), so a trend is a query, not a
recalculation. The recompute is vectorised with `scoring.score_frame` over all accounts at
once and writes in bulk, in one transaction; running it twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from socialplan.access import Actor, require_workspace
from socialplan.errors import NotFound
from socialplan.models import Account, AccountKind, BusinessScore, InfluenceScore, Snapshot
from socialplan.scoring import (
    ACTIVITY_WINDOW_DAYS,
    CONSISTENCY_WINDOW_DAYS,
    DAILY_COLUMNS,
    INPUT_COLUMNS,
    PARTS,
    ScoreInputs,
    combine_accounts,
    score_frame,
    window_inputs,
)

# Days of snapshots a score needs: the longer of the two trailing windows.
HISTORY_DAYS = max(ACTIVITY_WINDOW_DAYS, CONSISTENCY_WINDOW_DAYS)
VALUE_COLUMNS = ["score", *PARTS]
HISTORY_COLUMNS = ["day", *VALUE_COLUMNS]
# Keeps each DELETE … IN (…) well under SQLite's and PostgreSQL's parameter limits.
DELETE_CHUNK = 500


@dataclass(frozen=True)
class RecomputeSummary:
    """What a recompute stored: rows in the recomputed range, and stale rows it removed."""

    account_scores: int
    accounts: int
    business_scores: int
    workspaces: int
    removed: int
    since: date | None


@dataclass(frozen=True)
class AccountScore:
    """An account with its newest stored score (None before the first recompute)."""

    account: Account
    latest: InfluenceScore | None


# ---------------------------------------------------------------- recompute


def recompute_scores(
    *, session: Session, workspace_id: int | None = None, since: date | None = None
) -> RecomputeSummary:
    """Recompute and store the scores of all accounts (or one workspace's), from `since` on.

    Commits once; on any error nothing is written. Idempotent: a second run changes no row.
    """
    try:
        summary = stage_score_recompute(session, workspace_id=workspace_id, since=since)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return summary


def stage_score_recompute(
    session: Session, *, workspace_id: int | None = None, since: date | None = None
) -> RecomputeSummary:
    """Write the recomputed scores to the session without committing (for sync and import)."""
    daily = _read_daily(session, _account_ids_in_scope(workspace_id), since)
    own = _own_account_workspaces(session, workspace_id)
    account_scores = _from_day(score_frame(daily), since)
    business_scores = _from_day(score_frame(combine_accounts(daily, own)), since)
    account_scope = _account_ids_in_scope(workspace_id)
    workspace_scope = (
        BusinessScore.workspace_id == workspace_id if workspace_id is not None else sa.true()
    )
    removed = _store(
        session,
        InfluenceScore,
        "account_id",
        account_scores,
        InfluenceScore.account_id.in_(account_scope),  # type: ignore[attr-defined]
        since,
    )
    removed += _store(
        session, BusinessScore, "workspace_id", business_scores, workspace_scope, since
    )
    return RecomputeSummary(
        account_scores=len(account_scores),
        accounts=int(account_scores["account_id"].nunique()),
        business_scores=len(business_scores),
        workspaces=int(business_scores["account_id"].nunique()),
        removed=removed,
        since=since,
    )


def _account_ids_in_scope(workspace_id: int | None) -> sa.Select:
    query = sa.select(Account.id)
    if workspace_id is not None:
        query = query.where(Account.workspace_id == workspace_id)
    return query


def _cutoff(since: date) -> date:
    """The first day whose snapshots a score on `since` still reads."""
    return since - timedelta(days=HISTORY_DAYS - 1)


def _read_daily(
    session: Session, account_ids: sa.Select, since: date | None, until: date | None = None
) -> pd.DataFrame:
    """Snapshots of `account_ids` as daily rows, from far enough before `since` for the windows."""
    columns = [getattr(Snapshot, name) for name in DAILY_COLUMNS]
    query = select(*columns).where(Snapshot.account_id.in_(account_ids))  # type: ignore[attr-defined]
    if since is not None:
        query = query.where(Snapshot.day >= _cutoff(since))
    if until is not None:
        query = query.where(Snapshot.day <= until)
    frame = pd.DataFrame(list(session.exec(query)), columns=DAILY_COLUMNS)
    if since is None:
        return frame
    seeds = _follower_seeds(session, account_ids, _cutoff(since))
    return pd.concat([seeds, frame], ignore_index=True) if not seeds.empty else frame


def _follower_seeds(session: Session, account_ids: sa.Select, cutoff: date) -> pd.DataFrame:
    """Each account's last follower total before `cutoff`, as a row on the day before it.

    Followers carry forward from the last day that had them, so a partial recompute must
    know that total to give the same scores as a full one; the row carries nothing else.
    """
    last_day = (
        sa.select(Snapshot.account_id, sa.func.max(Snapshot.day).label("day"))
        .where(
            Snapshot.day < cutoff,
            Snapshot.followers.is_not(None),  # type: ignore[union-attr]
            Snapshot.account_id.in_(account_ids),  # type: ignore[attr-defined]
        )
        .group_by(Snapshot.account_id)
        .subquery()
    )
    query = select(Snapshot.account_id, Snapshot.followers).join(
        last_day,
        sa.and_(Snapshot.account_id == last_day.c.account_id, Snapshot.day == last_day.c.day),
    )
    seeds = pd.DataFrame(list(session.exec(query)), columns=["account_id", "followers"])
    seeds["day"] = cutoff - timedelta(days=1)
    return seeds.reindex(columns=DAILY_COLUMNS)


def _own_account_workspaces(session: Session, workspace_id: int | None) -> dict[int, int]:
    """Account id -> workspace id of the own, not removed accounts a business score combines."""
    query = select(Account.id, Account.workspace_id).where(
        Account.kind == AccountKind.OWN,
        Account.removed_at.is_(None),  # type: ignore[union-attr]
    )
    if workspace_id is not None:
        query = query.where(Account.workspace_id == workspace_id)
    return {int(account_id): int(owner) for account_id, owner in session.exec(query)}


def _from_day(scores: pd.DataFrame, since: date | None) -> pd.DataFrame:
    if since is None:
        return scores
    return scores[scores["day"] >= pd.Timestamp(since)].reset_index(drop=True)


def _rows(scores: pd.DataFrame, key: str) -> list[dict]:
    """Plain Python rows for the database: ints, dates, floats, and None for left-out parts."""
    frame = scores.rename(columns={"account_id": key})
    rows = []
    for record in frame.itertuples(index=False):
        row = {key: int(getattr(record, key)), "day": record.day.date(), "score": int(record.score)}
        for part in PARTS:
            value = getattr(record, part)
            row[part] = None if pd.isna(value) else float(value)
        rows.append(row)
    return rows


def _store(
    session: Session,
    table: type[InfluenceScore] | type[BusinessScore],
    key: str,
    scores: pd.DataFrame,
    scope: sa.ColumnElement[bool],
    since: date | None,
) -> int:
    """Upsert the scores and delete stored rows in scope that no longer have one; stale count."""
    rows = _rows(scores, key)
    in_range = scope if since is None else sa.and_(scope, table.day >= since)
    key_column = getattr(table, key)
    existing = session.exec(select(table.id, key_column, table.day).where(in_range)).all()
    wanted = {(row[key], row["day"]) for row in rows}
    stale = [row_id for row_id, owner, day in existing if (owner, day) not in wanted]
    for start in range(0, len(stale), DELETE_CHUNK):
        chunk = stale[start : start + DELETE_CHUNK]
        session.execute(sa.delete(table).where(table.id.in_(chunk)))  # type: ignore[union-attr]
    if rows:
        session.execute(_upsert_statement(session, table, key), rows)
    return len(stale)


def _upsert_statement(
    session: Session, table: type[InfluenceScore] | type[BusinessScore], key: str
) -> sa.Insert:
    """INSERT … ON CONFLICT (key, day) DO UPDATE, touching only rows whose values differ.

    An upsert rather than delete-then-insert, so two recomputes at once (two syncs) both
    succeed on PostgreSQL instead of one failing on the unique constraint.
    """
    core = table.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(core)
    excluded = statement.excluded
    changed = sa.or_(*(core.c[name].is_distinct_from(excluded[name]) for name in VALUE_COLUMNS))
    return statement.on_conflict_do_update(
        index_elements=[key, "day"],
        set_={name: excluded[name] for name in VALUE_COLUMNS},
        where=changed,
    )


# ---------------------------------------------------------------- reading


def _require_account(session: Session, actor: Actor, account_id: int) -> Account:
    """The account, if the actor may read its workspace; else NotFound/NotAllowed."""
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("That account does not exist or is not yours to see.")
    require_workspace(session, actor, account.workspace_id)
    return account


def latest_scores(*, session: Session, actor: Actor, workspace_id: int) -> list[AccountScore]:
    """Every account of the workspace (own first, then competitors) with its newest score."""
    require_workspace(session, actor, workspace_id)
    newest = (
        sa.select(InfluenceScore.account_id, sa.func.max(InfluenceScore.day).label("day"))
        .join(Account, Account.id == InfluenceScore.account_id)
        .where(Account.workspace_id == workspace_id)
        .group_by(InfluenceScore.account_id)
        .subquery()
    )
    query = (
        select(Account, InfluenceScore)
        .outerjoin(newest, newest.c.account_id == Account.id)
        .outerjoin(
            InfluenceScore,
            sa.and_(
                InfluenceScore.account_id == newest.c.account_id,
                InfluenceScore.day == newest.c.day,
            ),
        )
        .where(
            Account.workspace_id == workspace_id,
            Account.removed_at.is_(None),  # type: ignore[union-attr]
        )
        .order_by(
            sa.case((Account.kind == AccountKind.OWN, 0), else_=1), Account.network, Account.handle
        )
    )
    return [AccountScore(account, score) for account, score in session.exec(query)]


def latest_business_score(
    *, session: Session, actor: Actor, workspace_id: int
) -> BusinessScore | None:
    """The workspace's newest business score, or None before the first recompute."""
    require_workspace(session, actor, workspace_id)
    query = (
        select(BusinessScore)
        .where(BusinessScore.workspace_id == workspace_id)
        .order_by(BusinessScore.day.desc())  # type: ignore[attr-defined]
    )
    return session.exec(query).first()


def score_history(
    *, session: Session, actor: Actor, account_id: int, since: date | None = None
) -> pd.DataFrame:
    """An account's stored scores by day, oldest first: day (datetime), score, sub-scores."""
    _require_account(session, actor, account_id)
    columns = [getattr(InfluenceScore, name) for name in HISTORY_COLUMNS]
    query = select(*columns).where(InfluenceScore.account_id == account_id)
    if since is not None:
        query = query.where(InfluenceScore.day >= since)
    rows = list(session.exec(query.order_by(InfluenceScore.day)))
    frame = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    frame["day"] = pd.to_datetime(frame["day"]).astype("datetime64[ns]")
    frame["score"] = frame["score"].astype("int64")
    frame[list(PARTS)] = frame[list(PARTS)].astype("float64")
    return frame


def score_inputs(
    *, session: Session, actor: Actor, account_id: int, day: date | None = None
) -> ScoreInputs | None:
    """The numbers behind an account's score on `day` (default: its newest snapshot day).

    For explanations: `scoring.explain(scoring.score_account(inputs))`. None when the
    account has no snapshot on that day.
    """
    _require_account(session, actor, account_id)
    if day is None:
        newest = select(sa.func.max(Snapshot.day)).where(Snapshot.account_id == account_id)
        day = session.exec(newest).one()
        if day is None:
            return None
    this_account = sa.select(Account.id).where(Account.id == account_id)
    inputs = window_inputs(_read_daily(session, this_account, since=day, until=day))
    row = inputs[inputs["day"] == pd.Timestamp(day)]
    if row.empty:
        return None
    values = row.iloc[0]
    return ScoreInputs(
        **{name: None if pd.isna(values[name]) else int(values[name]) for name in INPUT_COLUMNS}
    )
