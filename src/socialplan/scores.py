"""Stored influence scores: recompute them from the snapshots, and read them back.

Scores are kept per account per day (InfluenceScore) and per business per day
(BusinessScore, over the workspace's own accounts combined), so a trend is a query, not a
recalculation. The recompute is vectorised with `scoring.score_frame` over all accounts at
once and writes in bulk, in one transaction; running it twice changes nothing.
"""

from __future__ import annotations

import enum
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, select

from socialplan import versions
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
# Rows per CSV block sent by COPY: bounds the memory of the text of a full recompute.
COPY_CHUNK = 500_000
# From this many rows written at once, SQLite's plain indexes are built again after the
# write rather than kept up to date row by row (a full recompute: millions of rows).
BULK_WRITE_ROWS = 200_000
# First key of the advisory lock one workspace's recompute holds (`_serialize_score_writers`);
# the second is the workspace id.
SCORE_WRITER_LOCK = 72_901_456


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


# ---------------------------------------------------------------- bulk reads and writes
# Millions of rows pass here (every snapshot of an installation), so they skip the ORM:
# rows are fetched through the driver (COPY … TO STDOUT on PostgreSQL) straight into a frame,
# and days travel as whole numbers of days since 1970 rather than as parsed date objects.

EPOCH = date(1970, 1, 1)


def epoch_days(column: sa.ColumnElement, dialect: str) -> sa.ColumnElement:
    """A DATE column as the number of days since 1970-01-01, computed by the database."""
    if dialect == "postgresql":
        return column - sa.literal_column("DATE '1970-01-01'")
    return sa.cast(sa.func.julianday(column) - 2440587.5, sa.Integer)


def days_from_epoch(values: pd.Series) -> pd.Series:
    """Whole days since 1970 back as datetime64[ns] days."""
    return pd.to_datetime(values.astype("int64"), unit="D").astype("datetime64[ns]")


def read_frame(session: Session, query: sa.Select, columns: list[str]) -> pd.DataFrame:
    """The rows of a Core query as a frame named `columns`; missing numbers are NaN.

    Pending ORM changes are flushed first, so the rows include what the session holds.
    """
    session.flush()
    connection = session.connection()
    compiled = query.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    if connection.dialect.name == "postgresql":
        return _copy_out(connection, compiled, columns)
    names = compiled.positiontup or []
    # `params` builds a new dict on every access: read it once (10,000 ids in an IN list
    # made this quadratic).
    values = compiled.params
    parameters = [values[name] for name in names]
    cursor = connection.connection.cursor()
    try:
        cursor.execute(str(compiled), parameters)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if not rows:
        return pd.DataFrame({name: pd.Series(dtype="float64") for name in columns})
    frame = pd.DataFrame(rows, columns=columns)
    for name in frame.columns[frame.dtypes.eq(object)]:
        if frame[name].isna().all():
            # A count nobody reported: NaN as PostgreSQL's CSV would give, not None objects.
            frame[name] = frame[name].astype("float64")
    return frame


def _copy_out(connection: sa.Connection, compiled: sa.Compiled, columns: list[str]) -> pd.DataFrame:
    buffer = io.BytesIO()
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        statement = f"COPY ({compiled}) TO STDOUT (FORMAT csv)"
        with cursor.copy(statement, compiled.params) as copy:
            for block in copy:
                buffer.write(block)
    if not buffer.tell():
        return pd.DataFrame({name: pd.Series(dtype="float64") for name in columns})
    buffer.seek(0)
    return pd.read_csv(buffer, header=None, names=columns)


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as header-less CSV, NULL for NaN; pyarrow writes it many times faster
    than pandas (it comes with Streamlit)."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    buffer = io.BytesIO()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pa_csv.write_csv(table, buffer, pa_csv.WriteOptions(include_header=False, quoting_style="none"))
    return buffer.getvalue()


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
    _note_written_workspaces(session, workspace_id)
    lock = _serialize_score_writers(session, workspace_id)
    # Only a recompute of everything can find its scores' tables empty and load them whole.
    empty_tables = lock is ScoreLock.EMPTY_TABLES and since is None
    daily = _read_daily(session, _account_ids_in_scope(workspace_id), since)
    own = _own_account_workspaces(session, workspace_id)
    account_scores = _from_day(score_frame(daily), since)
    business_scores = _from_day(score_frame(combine_accounts(daily, own)), since)
    account_scope = (
        InfluenceScore.account_id.in_(_account_ids_in_scope(workspace_id))  # type: ignore[attr-defined]
        if workspace_id is not None
        else sa.true()
    )
    workspace_scope = (
        BusinessScore.workspace_id == workspace_id if workspace_id is not None else sa.true()
    )
    removed = _store(
        session, InfluenceScore, "account_id", account_scores, account_scope, since, empty_tables
    )
    removed += _store(
        session, BusinessScore, "workspace_id", business_scores, workspace_scope, since,
        empty_tables,
    )  # fmt: skip
    # Imported here: latest_scores builds on this module's bulk reads.
    from socialplan.latest_scores import refresh_after_recompute

    refresh_after_recompute(session, workspace_id=workspace_id, since=since, scores=account_scores)
    return RecomputeSummary(
        account_scores=len(account_scores),
        accounts=int(account_scores["account_id"].nunique()),
        business_scores=len(business_scores),
        workspaces=int(business_scores["account_id"].nunique()),
        removed=removed,
        since=since,
    )


def _note_written_workspaces(session: Session, workspace_id: int | None) -> None:
    """Scores are written outside the ORM: name the workspaces whose data version moves on
    (every workspace for an installation-wide recompute: leaderboards span them all)."""
    if workspace_id is None:
        versions.note_every_workspace(session)
    else:
        versions.note_workspaces(session, [workspace_id])


class ScoreLock(enum.Enum):
    """What a recompute holds of the score tables until it commits (`_serialize_score_writers`)."""

    DATABASE = "database"  # SQLite: its one write lock, taken before reading
    WORKSPACE = "workspace"  # no other recompute of this workspace
    TABLES = "tables"  # no other writer of the score tables; readers go on
    EMPTY_TABLES = "empty tables"  # no one else, reading included: a rebuild


SCORE_TABLES = "influence_score, business_score, latest_score"


def _serialize_score_writers(session: Session, workspace_id: int | None) -> ScoreLock:
    """On PostgreSQL, make this recompute wait for any other one of the same scores and hold
    them off until it commits; what it holds.

    Two recomputes of one business at once (an import and a hand entry) would each read the
    snapshots without the other's new ones, and then delete and upsert overlapping rows in
    two passes: whatever order each pass takes, the second pass of one can wait on a row
    the other holds from its first, a deadlock. One at a time, the later one reads the
    earlier one's committed snapshots, so the stored scores also count both.

    A recompute of every account takes the score tables in SHARE ROW EXCLUSIVE mode: it
    conflicts with itself and with every write, not with reads, so pages go on reading the
    old scores. When there are no scores at all (a first run, a rebuild), it takes them in
    ACCESS EXCLUSIVE mode instead, so they can be loaded as PostgreSQL's bulk-loading advice
    says (`_bulk_loaded`): pages wait for the scores rather than read none. A recompute of
    one workspace takes a transaction advisory lock on that workspace; it waits for a whole
    one at its first write of a score table, before it holds any row one needs.

    SQLite has one writer at a time, but Python's sqlite3 opens a transaction only at the
    first write: a recompute that reads first (a sync's, after its snapshots were committed)
    would read outside it, and another writer could commit new snapshots before its scores
    are written over theirs. So the write lock is taken before reading (BEGIN IMMEDIATE,
    waiting as long as the busy timeout); readers go on (WAL).
    """
    if session.get_bind().dialect.name != "postgresql":
        _begin_writing(session)
        return ScoreLock.DATABASE
    if workspace_id is not None:
        session.execute(
            sa.text("SELECT pg_advisory_xact_lock(:kind, :workspace)"),
            {"kind": SCORE_WRITER_LOCK, "workspace": workspace_id},
        )
        return ScoreLock.WORKSPACE
    if _score_tables_empty(session):
        session.execute(sa.text(f"LOCK TABLE {SCORE_TABLES} IN ACCESS EXCLUSIVE MODE"))
        # Checked again under the lock: a writer may have come in between.
        if _score_tables_empty(session):
            return ScoreLock.EMPTY_TABLES
        return ScoreLock.TABLES
    session.execute(sa.text(f"LOCK TABLE {SCORE_TABLES} IN SHARE ROW EXCLUSIVE MODE"))
    return ScoreLock.TABLES


def _begin_writing(session: Session) -> None:
    """On SQLite, hold the database's write lock from here to the commit."""
    connection = session.connection()
    if not connection.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
        # Not yet in a transaction, so nothing was written: take the lock before any read.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _score_tables_empty(session: Session) -> bool:
    return not session.execute(
        sa.select(sa.exists(sa.select(InfluenceScore.id)) | sa.exists(sa.select(BusinessScore.id)))
    ).scalar_one()


def _account_ids_in_scope(workspace_id: int | None) -> sa.Select | None:
    """The accounts of one workspace; None for every account (no filter to apply)."""
    if workspace_id is None:
        return None
    return sa.select(Account.id).where(Account.workspace_id == workspace_id)


def _cutoff(since: date) -> date:
    """The first day whose snapshots a score on `since` still reads."""
    return since - timedelta(days=HISTORY_DAYS - 1)


def _read_daily(
    session: Session, account_ids: sa.Select | None, since: date | None, until: date | None = None
) -> pd.DataFrame:
    """Snapshots of `account_ids` (None: all) as daily rows, from far enough before `since`
    for the windows."""
    dialect = session.get_bind().dialect.name
    columns = [
        epoch_days(Snapshot.day, dialect) if name == "day" else getattr(Snapshot, name)
        for name in DAILY_COLUMNS
    ]
    query = sa.select(*columns)
    if account_ids is None and since is not None:
        # Every account's recent days: named through the accounts, SQLite seeks each one's
        # days on the (account_id, day) index instead of fetching each row of the day index
        # from wherever it lies in the table (a new day for 10,000 accounts: 3× faster).
        account_ids = sa.select(Account.id)
    if account_ids is not None:
        query = query.where(Snapshot.account_id.in_(account_ids))  # type: ignore[attr-defined]
    if since is not None:
        query = query.where(Snapshot.day >= _cutoff(since))
    if until is not None:
        query = query.where(Snapshot.day <= until)
    frame = read_frame(session, query, DAILY_COLUMNS)
    frame["day"] = days_from_epoch(frame["day"])
    if since is None:
        return frame
    seeds = _follower_seeds(session, account_ids, _cutoff(since))
    return pd.concat([seeds, frame], ignore_index=True) if not seeds.empty else frame


def _follower_seeds(session: Session, account_ids: sa.Select | None, cutoff: date) -> pd.DataFrame:
    """Each account's last follower total before `cutoff`, as a row on the day before it.

    Followers carry forward from the last day that had them, so a partial recompute must
    know that total to give the same scores as a full one; the row carries nothing else.
    One index seek per account (the newest earlier day with followers), not a scan of all
    the history before the cutoff.
    """
    newest_before = (
        sa.select(Snapshot.followers)
        .where(
            Snapshot.account_id == Account.id,
            Snapshot.day < cutoff,
            Snapshot.followers.is_not(None),  # type: ignore[union-attr]
        )
        .order_by(Snapshot.day.desc())  # type: ignore[attr-defined]
        .limit(1)
        .correlate(Account)
        .scalar_subquery()
    )
    query = sa.select(Account.id, newest_before)
    if account_ids is not None:
        query = query.where(Account.id.in_(account_ids))  # type: ignore[union-attr]
    seeds = read_frame(session, query, ["account_id", "followers"]).dropna()
    seeds["day"] = pd.Timestamp(cutoff - timedelta(days=1))
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


def _store(
    session: Session,
    table: type[InfluenceScore] | type[BusinessScore],
    key: str,
    scores: pd.DataFrame,
    scope: sa.ColumnElement[bool],
    since: date | None,
    empty_table: bool = False,
) -> int:
    """Write the scores that are new or changed, delete stored rows in scope that no longer
    have one; the number deleted.

    The stored rows are compared in a frame, so a recompute that changes nothing writes
    nothing, and a full one writes only what moved. `empty_table`: the table is empty and
    no one else can use it until the commit (`_serialize_score_writers`), so it is loaded
    whole by COPY.
    """
    wanted = scores.rename(columns={"account_id": key})[[key, "day", *VALUE_COLUMNS]]
    if empty_table:
        if not wanted.empty:
            with _bulk_loaded(session, table):
                _copy_into(session, table.__tablename__, key, wanted)  # type: ignore[attr-defined]
        return 0
    stored = _stored_scores(session, table, key, scope, since)
    if stored.empty:
        changed, stale = wanted, []
    else:
        changed, stale = _differences(wanted, stored, key)
    for start in range(0, len(stale), DELETE_CHUNK):
        chunk = stale[start : start + DELETE_CHUNK]
        session.execute(sa.delete(table).where(table.id.in_(chunk)))  # type: ignore[union-attr]
    if changed.empty:
        return len(stale)
    with _secondary_indexes_rebuilt_after(session, table, len(changed)):
        _upsert(session, table.__tablename__, key, changed)  # type: ignore[attr-defined]
    return len(stale)


@contextmanager
def _bulk_loaded(
    session: Session, table: type[InfluenceScore] | type[BusinessScore]
) -> Iterator[None]:
    """Load an empty table held in ACCESS EXCLUSIVE mode without its foreign keys, unique
    constraints and plain indexes, then add them back, as PostgreSQL's "Populating a
    Database" advises.

    Kept, the foreign key's per-row check and the indexes' row-by-row upkeep made COPY of
    the 7.2 million influence scores take about 46 s of the server's time; loaded bare and
    then indexed and checked in one pass each, about 12 s. The primary key stays (new ids
    only ever go at its end). Inside the recompute's transaction: an error rolls the drops
    back, and no one sees the table in between (the lock).
    """
    schema = table.__table__  # type: ignore[attr-defined]
    constraints = [
        constraint
        for constraint in schema.constraints
        if isinstance(constraint, (sa.ForeignKeyConstraint, sa.UniqueConstraint))
    ]
    indexes = list(schema.indexes)
    connection = session.connection()
    for index in indexes:
        connection.execute(sa.schema.DropIndex(index))
    for constraint in constraints:
        connection.execute(sa.schema.DropConstraint(constraint))
    yield
    for constraint in constraints:
        connection.execute(sa.schema.AddConstraint(constraint))
    for index in indexes:
        connection.execute(sa.schema.CreateIndex(index))


def _copy_into(session: Session, table: str, key: str, rows: pd.DataFrame) -> None:
    """COPY the rows straight into an empty score table that no one else can use."""
    names = [key, "day", *VALUE_COLUMNS]
    frame = rows[names].copy()
    frame["score"] = frame["score"].astype("int64")
    driver = session.connection().connection.driver_connection
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        statement = f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT csv)"
        with cursor.copy(statement) as copy:
            _csv_blocks_of(frame)(copy)


@contextmanager
def _secondary_indexes_rebuilt_after(
    session: Session, table: type[InfluenceScore] | type[BusinessScore], rows: int
) -> Iterator[None]:
    """On SQLite, a write of many rows drops the table's plain indexes and builds them again
    after, inside the same transaction.

    Rows arrive by account, so an index by day takes each one somewhere else in its tree:
    keeping it up to date row by row is several times slower than sorting once at the end.
    SQLite holds its write lock until the commit and readers keep seeing the old snapshot
    (WAL), so nobody can see the table without its index; an error rolls the drop back. The
    unique (key, day) index stays: the upsert needs it, and rows arrive in its order.
    """
    plain = [index for index in table.__table__.indexes if not index.unique]  # type: ignore[attr-defined]
    if session.get_bind().dialect.name != "sqlite" or rows < BULK_WRITE_ROWS or not plain:
        yield
        return
    # A DROP INDEX outside a transaction would commit on its own, and a failed write would
    # leave the index gone (the recompute has begun one already; this keeps it so).
    _begin_writing(session)
    connection = session.connection()
    for index in plain:
        connection.execute(sa.schema.DropIndex(index, if_exists=True))
    yield
    for index in plain:
        connection.execute(sa.schema.CreateIndex(index))


def _stored_scores(
    session: Session,
    table: type[InfluenceScore] | type[BusinessScore],
    key: str,
    scope: sa.ColumnElement[bool],
    since: date | None,
) -> pd.DataFrame:
    dialect = session.get_bind().dialect.name
    in_range = scope if since is None else sa.and_(scope, table.day >= since)
    columns = [table.id, getattr(table, key), epoch_days(table.day, dialect)]
    columns += [getattr(table, name) for name in VALUE_COLUMNS]
    frame = read_frame(
        session, sa.select(*columns).where(in_range), ["id", key, "day", *VALUE_COLUMNS]
    )
    frame["day"] = days_from_epoch(frame["day"])
    return frame


def _differences(
    wanted: pd.DataFrame, stored: pd.DataFrame, key: str
) -> tuple[pd.DataFrame, list[int]]:
    """The wanted rows that are new or differ from the stored ones, and the stale row ids."""
    merged = wanted.merge(
        stored, on=[key, "day"], how="outer", suffixes=("", "_stored"), indicator=True
    )
    stale = merged.loc[merged["_merge"] == "right_only", "id"].astype("int64").tolist()
    present = merged[merged["_merge"] != "right_only"]
    differs = present["_merge"] == "left_only"
    for name in VALUE_COLUMNS:
        new, old = present[name].astype("float64"), present[f"{name}_stored"].astype("float64")
        differs |= (new != old) & ~(new.isna() & old.isna())
    return present.loc[differs, wanted.columns].reset_index(drop=True), stale


def _upsert(session: Session, table: str, key: str, rows: pd.DataFrame) -> None:
    """INSERT … ON CONFLICT (key, day) DO UPDATE, changing only rows whose values differ.

    An upsert rather than a plain insert, so two recomputes at once (two syncs) both succeed
    instead of one failing on the unique constraint. PostgreSQL gets the rows by COPY into a
    temporary table; SQLite by one executemany.
    """
    names = [key, "day", *VALUE_COLUMNS]
    assignments = ", ".join(f"{name} = excluded.{name}" for name in VALUE_COLUMNS)
    differs = " OR ".join(
        f"{table}.{name} IS DISTINCT FROM excluded.{name}" for name in VALUE_COLUMNS
    )
    conflict = f"ON CONFLICT ({key}, day) DO UPDATE SET {assignments} WHERE {differs}"
    frame = rows[names].copy()
    frame["score"] = frame["score"].astype("int64")
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        upsert_by_copy(
            connection, table, names, conflict, order=f"{key}, day",
            feed=_csv_blocks_of(frame), copy_options="(FORMAT csv)",
        )  # fmt: skip
        return
    frame["day"] = frame["day"].dt.strftime("%Y-%m-%d")
    values = [
        frame[name].astype(object).where(frame[name].notna(), None).tolist() for name in names
    ]
    marks = ", ".join("?" for _ in names)
    differs = differs.replace("IS DISTINCT FROM", "IS NOT")
    conflict = f"ON CONFLICT ({key}, day) DO UPDATE SET {assignments} WHERE {differs}"
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks}) {conflict}",
            zip(*values, strict=True),
        )
    finally:
        cursor.close()


def upsert_by_copy(
    connection: sa.Connection,
    table: str,
    names: list[str],
    conflict: str,
    *,
    order: str,
    feed: Callable[[Any], None],
    copy_options: str = "",
) -> None:
    """On PostgreSQL, INSERT … `conflict` the rows `feed` writes to a COPY of `names`.

    The rows go by COPY into a temporary table, then in one INSERT … SELECT into `table`.
    `feed` gets psycopg's Copy object; `copy_options` says what it writes, for instance
    "(FORMAT csv)" for CSV blocks, nothing for `write_row`.
    """
    upload = f"{table}_upload"
    columns = ", ".join(names)
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(f"DROP TABLE IF EXISTS {upload}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {upload} ON COMMIT DROP AS "
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        with cursor.copy(f"COPY {upload} ({columns}) FROM STDIN {copy_options}") as copy:
            feed(copy)
        # Rows go in key order: two writers of overlapping rows at once then take their row
        # locks in the same order and one waits for the other, instead of each holding a
        # row the other needs (a deadlock).
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {upload} "
            f"ORDER BY {order} {conflict}"
        )
        cursor.execute(f"DROP TABLE {upload}")


def _csv_blocks_of(frame: pd.DataFrame) -> Callable[[Any], None]:
    """A COPY feed of the frame as CSV blocks of COPY_CHUNK rows."""

    def feed(copy: Any) -> None:
        for start in range(0, len(frame), COPY_CHUNK):
            copy.write(_csv_bytes(frame.iloc[start : start + COPY_CHUNK]))

    return feed


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
