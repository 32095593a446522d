"""Latest scores: each account's newest influence score, kept in `latest_score` with what a
leaderboard shows beside it (the 30-day change's starting point and the 90-day sparkline).

A board of a thousand accounts then reads a thousand small rows instead of ninety days of
scores for each. The table is derived from `influence_score` and must always agree with it:

- every score recompute refreshes the accounts in its scope (`refresh_after_recompute`),
  from the scores it just computed; a recompute from a day on moves each account's stored
  window of 90 days forward instead of reading those days again;
- anything else that writes or deletes influence scores (a restore, the demo's neighbours,
  a test) calls `refresh_latest_scores` for the accounts it touched, which derives their
  rows from `influence_score` itself; deleting an account deletes its row.

Days are whole days since 1970 inside this module, as in `scores`' bulk reads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session

from socialplan.scores import EPOCH, epoch_days, read_frame, upsert_by_copy
from socialplan.scoring import PARTS

SPARKLINE_DAYS = 90
SPARKLINE_POINTS = 30
CHANGE_DAYS = 30
TABLE = "latest_score"
VALUE_COLUMNS = ["day", "score", *PARTS, "then_day", "then_score", "sparkline", "recent"]
ROW_COLUMNS = ["account_id", *VALUE_COLUMNS]
# An (account, day) pair as one sortable integer: days since 1970 stay below 2^21 until 7711.
DAY_BITS = 21
# Account ids per IN (…) list, well under SQLite's and PostgreSQL's parameter limits.
ID_CHUNK = 5_000

# The tables as this module reads and writes them (plain Core, so the migration that
# creates `latest_score` can fill it with the same code).
_scores = sa.table(
    "influence_score",
    sa.column("account_id", sa.Integer),
    sa.column("day", sa.Date),
    sa.column("score", sa.Integer),
    *(sa.column(part, sa.Float) for part in PARTS),
)
_accounts = sa.table("account", sa.column("id", sa.Integer), sa.column("workspace_id", sa.Integer))
_latest = sa.table(
    TABLE,
    sa.column("account_id", sa.Integer),
    sa.column("day", sa.Date),
    sa.column("score", sa.Integer),
    *(sa.column(part, sa.Float) for part in PARTS),
    sa.column("then_day", sa.Date),
    sa.column("then_score", sa.Integer),
    sa.column("sparkline", sa.Text),
    sa.column("recent", sa.Text),
)


# ---------------------------------------------------------------- encodings


def sparkline_text(values: Sequence[int]) -> str:
    return ",".join(str(value) for value in values)


def sparkline_values(text: str) -> tuple[int, ...]:
    return tuple(int(value) for value in text.split(",")) if text else ()


def _recent_texts(matrix: np.ndarray) -> list[str]:
    """Each row of 90 daily scores (0: none) as hex, the empty days before the first left out."""
    return [row.tobytes().lstrip(b"\0").hex() for row in matrix]


def _recent_matrix(texts: Sequence[str]) -> np.ndarray:
    """The rows of `_recent_texts` back as an (accounts × 90) array of scores, 0 for none."""
    joined = b"".join(bytes.fromhex(text).rjust(SPARKLINE_DAYS, b"\0") for text in texts)
    return np.frombuffer(joined, dtype=np.uint8).reshape(len(texts), SPARKLINE_DAYS)


def downsample_sparkline(values: Sequence[int], points: int = SPARKLINE_POINTS) -> tuple[int, ...]:
    """At most `points` values, evenly spaced and always ending on the newest."""
    values = list(values)
    if len(values) <= points:
        return tuple(values)
    step = -(-len(values) // points)
    return tuple(values[::-1][::step][::-1])


_VALUE_TEXT = np.array([str(value) for value in range(256)], dtype=object)


def _sparkline_texts(matrix: np.ndarray) -> list[str]:
    """Each row of 90 daily scores as `downsample_sparkline` shows it: every step-th score
    counted back from the newest, at most SPARKLINE_POINTS, as "41,43,40"."""
    present = matrix > 0
    counts = present.sum(axis=1)
    back = np.cumsum(present[:, ::-1], axis=1)[:, ::-1] - 1  # 0 on the newest score
    step = np.maximum(-(-counts // SPARKLINE_POINTS), 1)
    rows, columns = np.nonzero(present & (back % step[:, None] == 0))
    texts = _VALUE_TEXT[matrix[rows, columns]].tolist()
    ends = np.cumsum(np.bincount(rows, minlength=len(matrix))).tolist()
    starts = [0, *ends[:-1]]
    return [",".join(texts[start:end]) for start, end in zip(starts, ends, strict=True)]


# ---------------------------------------------------------------- deriving rows


def _rows(
    account_ids: np.ndarray,
    newest: np.ndarray,
    scores: np.ndarray,
    parts: dict[str, np.ndarray],
    then: tuple[np.ndarray, np.ndarray],
    matrix: np.ndarray,
) -> pd.DataFrame:
    """Latest-score rows from arrays by account; `then` holds day -1 where there is none."""
    then_day, then_score = then
    missing = then_day < 0
    return pd.DataFrame(
        {
            "account_id": account_ids,
            "day": newest,
            "score": scores,
            **parts,
            "then_day": pd.arrays.IntegerArray(then_day.astype(np.int64), missing),
            "then_score": pd.arrays.IntegerArray(then_score.astype(np.int64), missing),
            "sparkline": _sparkline_texts(matrix),
            "recent": _recent_texts(matrix),
        }
    )


def _no_rows() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object) for name in ROW_COLUMNS})


def _placeholder_row() -> pd.DataFrame:
    """A stored row no account has (id -1), so lookups in no stored rows need no special case."""
    return pd.DataFrame(
        [(-1, 0, 1, *(None for _ in PARTS), pd.NA, pd.NA, "", "")], columns=ROW_COLUMNS
    ).astype({"then_day": "Int64", "then_score": "Int64"})


def _by_account_and_day(history: pd.DataFrame) -> np.ndarray | None:
    """The row order by (account, day), a repeated pair keeping its last row; None when the
    rows are in that order already (a recompute's frame is)."""
    key = (history["account_id"].to_numpy(dtype=np.int64) << DAY_BITS) + history["day"].to_numpy(
        dtype=np.int64
    )
    if bool(np.all(key[1:] > key[:-1])):
        return None
    order = np.argsort(key, kind="stable")
    key = key[order]
    return order[np.r_[key[1:] != key[:-1], True]]


@dataclass(frozen=True)
class _ByAccount:
    """Score rows in (account, day) order, a repeated pair keeping its last row, and where
    each account's rows start and end."""

    accounts: np.ndarray
    days: np.ndarray
    scores: np.ndarray
    starts: np.ndarray  # each account's first row
    ends: np.ndarray  # each account's last (newest) row
    group: np.ndarray  # each row's account, numbered from 0
    source_rows: np.ndarray  # the frame's row of each account's newest row

    @classmethod
    def of(cls, frame: pd.DataFrame) -> _ByAccount:
        order = _by_account_and_day(frame)
        picked = slice(None) if order is None else order
        accounts = frame["account_id"].to_numpy(dtype=np.int64)[picked]
        starts_mask = np.r_[True, accounts[1:] != accounts[:-1]]
        starts = np.flatnonzero(starts_mask)
        ends = np.r_[starts[1:], len(accounts)] - 1
        return cls(
            accounts=accounts,
            days=frame["day"].to_numpy(dtype=np.int64)[picked],
            scores=frame["score"].to_numpy(dtype=np.int64)[picked],
            starts=starts,
            ends=ends,
            group=np.cumsum(starts_mask) - 1,
            source_rows=ends if order is None else order[ends],
        )

    def newest_parts(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        """Each account's sub-scores on its newest day."""
        return {part: frame[part].to_numpy(dtype=np.float64)[self.source_rows] for part in PARTS}


def derive_latest(history: pd.DataFrame) -> pd.DataFrame:
    """Latest-score rows (ROW_COLUMNS, days as whole days since 1970) from stored scores.

    `history` (account_id, day as days since 1970, score and the parts) must hold, per
    account, every stored score of the 90 days ending on its newest day and the newest one
    at least 30 days older than that day; more rows do no harm. Only the newest row's parts
    are used. A repeated (account, day) keeps its last row. Vectorised over every account.
    """
    if history.empty:
        return _no_rows()
    rows = _ByAccount.of(history)
    days, scores, starts, ends, group = rows.days, rows.scores, rows.starts, rows.ends, rows.group
    newest = days[ends]
    newest_of_row = newest[group]
    # Rows are by day within each account: those old enough for the change come first.
    old_enough = np.bincount(
        group, weights=days <= newest_of_row - CHANGE_DAYS, minlength=len(starts)
    ).astype(np.int64)
    then_row = starts + old_enough - 1
    has_then = old_enough > 0
    then = (np.where(has_then, days[then_row], -1), np.where(has_then, scores[then_row], 0))
    shown = days > newest_of_row - SPARKLINE_DAYS
    matrix = np.zeros((len(starts), SPARKLINE_DAYS), dtype=np.uint8)
    column = days - newest_of_row + SPARKLINE_DAYS - 1
    matrix[group[shown], column[shown]] = scores[shown]
    parts = rows.newest_parts(history)
    return _rows(rows.accounts[starts], newest, scores[ends], parts, then, matrix)


def _moved_forward(old: pd.DataFrame, new: pd.DataFrame, since: int) -> pd.DataFrame:
    """The rows of the accounts with new scores from `since` on, each stored row's 90 days
    moved forward to its new newest day: scores before `since` from the stored row, the
    rest from `new`. Only for accounts whose stored row (if any) has a newest day no later
    than the new one and a 30-day-old score before `since`: then the stored row holds
    every score before `since` the new row can use.
    """
    if new.empty:
        return _no_rows()
    if old.empty:
        old = _placeholder_row()
    rows = _ByAccount.of(new)
    days, scores, ends, group = rows.days, rows.scores, rows.ends, rows.group
    ids, newest = rows.accounts[rows.starts], days[ends]
    count = len(ids)
    # The stored row of each account, where there is one.
    stored = old.sort_values("account_id")
    stored_ids = stored["account_id"].to_numpy(dtype=np.int64)
    at = np.minimum(np.searchsorted(stored_ids, ids), len(stored_ids) - 1)
    has_old = stored_ids[at] == ids
    old_matrix = np.zeros((count, SPARKLINE_DAYS), dtype=np.uint8)
    old_matrix[has_old] = _recent_matrix(stored["recent"].to_numpy()[at[has_old]].tolist())
    old_newest = np.where(has_old, stored["day"].to_numpy(dtype=np.int64)[at], newest)
    old_first = old_newest - (SPARKLINE_DAYS - 1)
    # Stored columns before `since` still hold; the rest is what the recompute wrote now.
    usable = np.where(has_old, since - old_first, 0)
    shift = newest - old_newest
    taken = np.arange(SPARKLINE_DAYS)[None, :] + shift[:, None]
    keep = (taken < SPARKLINE_DAYS) & (taken < usable[:, None])
    matrix = np.where(
        keep,
        np.take_along_axis(old_matrix, np.minimum(taken, SPARKLINE_DAYS - 1), axis=1),
        0,
    ).astype(np.uint8)
    column = days - newest[group] + SPARKLINE_DAYS - 1
    inside = column >= 0
    matrix[group[inside], column[inside]] = scores[inside]
    then_day, then_score = _then_in_window(matrix, newest)
    # None old enough in the 90 days: the newest of those before them, which is a stored
    # column the move dropped, the stored 30-day-old score, or a new score before them.
    dropped = (old_matrix > 0) & (
        np.arange(SPARKLINE_DAYS)[None, :] < np.minimum(shift, usable)[:, None]
    )
    candidates = [
        _last_present(dropped, old_first, old_matrix),
        _stored_then(stored, at, has_old, old_first),
        _newest_before_window(group, inside, days, scores, count),
    ]
    for day, score in candidates:
        better = (then_day < 0) | (day > then_day)
        better &= day >= 0  # a 30-day-old score in the 90 days is newer than any of these
        then_day, then_score = np.where(better, day, then_day), np.where(better, score, then_score)
    parts = rows.newest_parts(new)
    return _rows(ids, newest, scores[ends], parts, (then_day, then_score), matrix)


def _then_in_window(matrix: np.ndarray, newest: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The newest score at least 30 days old among the 90 days of each row; day -1 if none."""
    return _last_present(
        matrix[:, : SPARKLINE_DAYS - CHANGE_DAYS] > 0, newest - (SPARKLINE_DAYS - 1), matrix
    )


def _last_present(
    present: np.ndarray, first_day: np.ndarray, matrix: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the day and score of the last True column of `present`; day -1 if none."""
    width = present.shape[1]
    last = width - 1 - np.argmax(present[:, ::-1], axis=1)
    found = present.any(axis=1)
    rows = np.arange(len(matrix))
    return (
        np.where(found, first_day + last, -1),
        np.where(found, matrix[rows, last].astype(np.int64), 0),
    )


def _stored_then(
    stored: pd.DataFrame, at: np.ndarray, has_old: np.ndarray, old_first: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The stored 30-day-old score where it lies before the stored row's 90 days."""
    day = np.where(has_old, stored["then_day"].to_numpy(dtype=np.int64, na_value=-1)[at], -1)
    score = np.where(has_old, stored["then_score"].to_numpy(dtype=np.int64, na_value=0)[at], 0)
    outside = (day >= 0) & (day < old_first)
    return np.where(outside, day, -1), np.where(outside, score, 0)


def _newest_before_window(
    group: np.ndarray, inside: np.ndarray, days: np.ndarray, scores: np.ndarray, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per account, its newest new score before its 90 days (rows by account and day)."""
    before = np.bincount(group, weights=~inside, minlength=count).astype(np.int64)
    starts = np.r_[0, np.cumsum(np.bincount(group, minlength=count))[:-1]]
    row = starts + before - 1
    found = before > 0
    safe = np.where(found, row, 0)
    return np.where(found, days[safe], -1), np.where(found, scores[safe], 0)


# ---------------------------------------------------------------- reading


def _shifted(table: str, name: str, days: int, dialect: str) -> sa.ColumnElement:
    if dialect == "postgresql":
        return sa.literal_column(f"({table}.{name} - {days})")
    return sa.func.date(sa.literal_column(f"{table}.{name}"), f"-{days} days")


def _account_filter(account_ids: sa.Select | Sequence[int] | None) -> sa.ColumnElement[bool]:
    if account_ids is None:
        return sa.true()
    if isinstance(account_ids, sa.Select):
        return _accounts.c.id.in_(account_ids)
    # Written out rather than bound: `read_frame` looks each bound value up by name, which
    # for thousands of ids takes seconds. int() keeps it to numbers.
    listed = ",".join(str(int(account_id)) for account_id in account_ids) or "NULL"
    return sa.text(f"account.id IN ({listed})")


def stored_history(session: Session, account_ids: sa.Select | Sequence[int] | None) -> pd.DataFrame:
    """What `derive_latest` needs from `influence_score` for the accounts (None: all): the
    90 days up to each one's newest score, and its newest score 30 days older than that.

    The newest day is one index seek per account (a materialised CTE, as the boards did);
    the rows follow by range on the unique (account_id, day) index.
    """
    dialect = session.get_bind().dialect.name
    newest_day = (
        sa.select(sa.func.max(_scores.c.day))
        .where(_scores.c.account_id == _accounts.c.id)
        .correlate(_accounts)
        .scalar_subquery()
    )
    newest = (
        sa.select(_accounts.c.id.label("account_id"), newest_day.label("day"))
        .where(_account_filter(account_ids))
        .cte("newest_score_day")
        .prefix_with("MATERIALIZED")
    )
    values = [_scores.c.account_id, epoch_days(_scores.c.day, dialect), _scores.c.score]
    window = sa.select(*values, *(_scores.c[part] for part in PARTS)).join(
        newest,
        sa.and_(
            _scores.c.account_id == newest.c.account_id,
            _scores.c.day <= newest.c.day,
            _scores.c.day > _shifted("newest_score_day", "day", SPARKLINE_DAYS, dialect),
        ),
    )
    columns = ["account_id", "day", "score", *PARTS]
    recent = read_frame(session, window, columns)
    older = sa.alias(_scores, "older")
    then_day = (
        sa.select(sa.func.max(older.c.day))
        .where(
            older.c.account_id == newest.c.account_id,
            older.c.day <= _shifted("newest_score_day", "day", CHANGE_DAYS, dialect),
        )
        .correlate(newest)
        .scalar_subquery()
    )
    then = sa.select(
        _scores.c.account_id, epoch_days(_scores.c.day, dialect), _scores.c.score
    ).join(
        newest,
        sa.and_(_scores.c.account_id == newest.c.account_id, _scores.c.day == then_day),
    )
    earlier = read_frame(session, then, ["account_id", "day", "score"])
    return pd.concat([earlier, recent], ignore_index=True)


def _stored_rows(session: Session, account_ids: sa.Select | Sequence[int] | None) -> pd.DataFrame:
    """The `latest_score` rows of the accounts (None: all), days as days since 1970.

    Locked on PostgreSQL until the commit: a recompute running at the same time waits, then
    moves on from the rows this one wrote rather than from the ones both read before. Read
    through the driver's own types rather than `read_frame`'s CSV, which would take a hex
    text of digits for a number, and could miss a float's last digit.
    """
    dialect = session.get_bind().dialect.name
    columns = [
        epoch_days(_latest.c[name], dialect) if name in ("day", "then_day") else _latest.c[name]
        for name in ROW_COLUMNS
    ]
    query = sa.select(*columns).order_by(_latest.c.account_id).with_for_update()
    if account_ids is not None:
        query = query.where(_latest.c.account_id.in_(account_ids))
    frame = pd.DataFrame(_fetch_all(session, query), columns=ROW_COLUMNS)
    for name in ("account_id", "day", "score"):
        frame[name] = frame[name].astype(np.int64)
    for name in PARTS:
        frame[name] = frame[name].astype(np.float64)
    frame["then_day"] = frame["then_day"].astype("Int64")
    frame["then_score"] = frame["then_score"].astype("Int64")
    for name in ("sparkline", "recent"):
        frame[name] = frame[name].astype(object)
    return frame


def _fetch_all(session: Session, query: sa.Select) -> list[tuple]:
    """Every row of `query` as plain tuples: on SQLite straight from the driver's cursor
    (ten thousand rows through SQLAlchemy's result objects take several times as long)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return [tuple(row) for row in connection.execute(query)]
    compiled = query.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    params = compiled.params  # built on each access: once, not once per value
    cursor = connection.connection.cursor()
    try:
        cursor.execute(str(compiled), [params[name] for name in compiled.positiontup or []])
        return cursor.fetchall()
    finally:
        cursor.close()


# ---------------------------------------------------------------- keeping it up to date


def refresh_after_recompute(
    session: Session, *, workspace_id: int | None, since: date | None, scores: pd.DataFrame
) -> None:
    """Bring the rows of the recompute's accounts up to date with the scores just stored.

    `scores` are the account scores the recompute stored (account_id, day as datetime,
    score, parts): from `since` on they are now exactly what `influence_score` holds for
    the accounts in scope. A full recompute derives every row from them alone. A recompute
    from a day on moves each stored row's 90 days forward with them; an account whose row
    cannot be moved (its newest score went back, or the recompute reaches back past its
    30-day-old score) is derived from `influence_score` instead.
    """
    scope = (
        None
        if workspace_id is None
        else sa.select(_accounts.c.id).where(_accounts.c.workspace_id == workspace_id)
    )
    old = _stored_rows(session, scope)
    new = _as_history(scores)
    if since is None:
        _write_changes(session, old, derive_latest(new))
        return
    start = (since - EPOCH).days
    old_ids = old["account_id"].to_numpy(dtype=np.int64)
    old_newest = old["day"].to_numpy(dtype=np.int64)
    then_day = old["then_day"].to_numpy(dtype=np.int64, na_value=start - 1)
    newest = new.groupby("account_id")["day"].max()
    moved_on = newest.reindex(old_ids).to_numpy(dtype=np.float64)
    # Rows before `since` did not change: the stored row still describes them, as long as
    # the newest day does not go back and its 30-day-old score is among them.
    movable = (moved_on >= old_newest) & (then_day < start)
    unchanged = np.isnan(moved_on) & (old_newest < start)
    rederive = old_ids[~movable & ~unchanged].tolist()
    fresh = newest.index.difference(pd.Index(old_ids)).to_numpy(dtype=np.int64)
    moving_ids = np.concatenate([old_ids[movable], fresh])
    moved = _moved_forward(old[movable], new[new["account_id"].isin(moving_ids)], start)
    derived = [moved, old[unchanged]]
    if rederive:
        derived.append(derive_latest(_history_of(session, rederive)))
    _write_changes(session, old, pd.concat(derived, ignore_index=True))


def refresh_latest_scores(session: Session, account_ids: Sequence[int] | None = None) -> None:
    """Derive the rows of the accounts (None: every account) from `influence_score` and
    store them; an account without scores loses its row. For writes of influence scores
    that do not go through a recompute (a restore, bulk inserts, tests)."""
    if account_ids is None:
        _write_changes(
            session, _stored_rows(session, None), derive_latest(stored_history(session, None))
        )
        return
    ids = sorted({int(a) for a in account_ids})
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start : start + ID_CHUNK]
        _write_changes(
            session, _stored_rows(session, chunk), derive_latest(_history_of(session, chunk))
        )


def _history_of(session: Session, account_ids: list[int]) -> pd.DataFrame:
    parts = [
        stored_history(session, account_ids[start : start + ID_CHUNK])
        for start in range(0, len(account_ids), ID_CHUNK)
    ]
    return pd.concat(parts, ignore_index=True)


def _as_history(scores: pd.DataFrame) -> pd.DataFrame:
    """A recompute's score frame with days as whole days since 1970."""
    frame = scores[["account_id", "day", "score", *PARTS]].copy()
    frame["account_id"] = frame["account_id"].astype(np.int64)
    frame["day"] = frame["day"].to_numpy().astype("datetime64[D]").astype(np.int64)
    return frame


def _write_changes(session: Session, old: pd.DataFrame, wanted: pd.DataFrame) -> None:
    """Store the wanted rows that are new or differ; delete old rows that have none.

    Compared column by column in arrays, so a refresh of ten thousand rows builds no
    Python object per row unless it writes it.
    """
    old_ids = old["account_id"].to_numpy(dtype=np.int64)
    wanted_ids = wanted["account_id"].to_numpy(dtype=np.int64)
    gone = np.setdiff1d(old_ids, wanted_ids).tolist()
    for start in range(0, len(gone), ID_CHUNK):
        chunk = gone[start : start + ID_CHUNK]
        session.execute(sa.delete(_latest).where(_latest.c.account_id.in_(chunk)))
    changed = _changed(old, wanted)
    if changed.any():
        _upsert(session, wanted[changed])


def _changed(old: pd.DataFrame, wanted: pd.DataFrame) -> np.ndarray:
    """Which wanted rows have no stored row or differ from it."""
    if old.empty or wanted.empty:
        return np.ones(len(wanted), dtype=bool)
    old_ids = old["account_id"].to_numpy(dtype=np.int64)
    order = np.argsort(old_ids, kind="stable")
    wanted_ids = wanted["account_id"].to_numpy(dtype=np.int64)
    at = np.minimum(np.searchsorted(old_ids[order], wanted_ids), len(old_ids) - 1)
    stored = order[at]
    differs = old_ids[stored] != wanted_ids
    for name in VALUE_COLUMNS:
        new, was = _comparable(wanted[name], name), _comparable(old[name], name)[stored]
        if name in TEXT_COLUMNS:
            differs |= new != was
        else:
            differs |= ~((new == was) | (np.isnan(new) & np.isnan(was)))
    return differs


TEXT_COLUMNS = ("sparkline", "recent")


def _comparable(values: pd.Series, name: str) -> np.ndarray:
    """A column as numbers (NaN for missing) or, for the texts, as text objects."""
    if name in TEXT_COLUMNS:
        return values.to_numpy(dtype=object).astype(str)
    return pd.to_numeric(values).astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)


def _as_dates(values: pd.Series) -> list:
    """Days since 1970 (may be missing) as ISO date text, None when missing."""
    values = pd.to_numeric(values).astype("Int64")
    present = values.notna().to_numpy()
    days = values.to_numpy(dtype=np.int64, na_value=0).astype("datetime64[D]").astype(str)
    return np.where(present, days, None).tolist()


def _optional(values: pd.Series) -> list:
    return values.astype(object).where(values.notna(), None).tolist()


def _upsert(session: Session, rows: pd.DataFrame) -> None:
    """INSERT … ON CONFLICT (account_id) DO UPDATE: by COPY into a temporary table on
    PostgreSQL, by one executemany on SQLite."""
    columns = {
        "account_id": rows["account_id"].to_numpy(dtype=np.int64).tolist(),
        "day": _as_dates(rows["day"]),
        "score": rows["score"].to_numpy(dtype=np.int64).tolist(),
        **{part: _optional(pd.to_numeric(rows[part]).astype(np.float64)) for part in PARTS},
        "then_day": _as_dates(rows["then_day"]),
        "then_score": _optional(pd.to_numeric(rows["then_score"]).astype("Int64")),
        "sparkline": rows["sparkline"].tolist(),
        "recent": rows["recent"].tolist(),
    }
    names = ", ".join(ROW_COLUMNS)
    assignments = ", ".join(f"{name} = excluded.{name}" for name in VALUE_COLUMNS)
    conflict = f"ON CONFLICT (account_id) DO UPDATE SET {assignments}"
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        upsert_by_copy(
            connection, TABLE, ROW_COLUMNS, conflict, order="account_id",
            feed=_row_by_row(columns),
        )  # fmt: skip
        return
    marks = ", ".join("?" for _ in ROW_COLUMNS)
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(
            f"INSERT INTO {TABLE} ({names}) VALUES ({marks}) {conflict}",
            zip(*columns.values(), strict=True),
        )
    finally:
        cursor.close()


def _row_by_row(columns: dict[str, list]) -> Callable[[Any], None]:
    """A COPY feed of the columns' rows one by one: the sparklines hold commas, so these
    rows are not the plain CSV the score tables are copied as."""

    def feed(copy: Any) -> None:
        for row in zip(*columns.values(), strict=True):
            copy.write_row(row)

    return feed
