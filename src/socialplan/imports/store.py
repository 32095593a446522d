"""`store_import`: a parsed file written as snapshots and readings, in one transaction.

Snapshots are upserted by (account, day) and merged field by field: a number in the file
replaces the stored one, an empty cell never erases a number another source gave. So
importing the same file twice changes nothing the second time, and an overlapping file
fills or updates only the days and numbers it has.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import pyarrow as pa
import pyarrow.csv as pa_csv
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from socialplan.access import Actor, require_plan, require_workspace
from socialplan.accounts import NETWORK_LABELS
from socialplan.errors import InvalidInput, NotFound, SocialPlanError
from socialplan.imports.decoding import cycle_collection_paused
from socialplan.imports.formats import SNAPSHOT_FIELDS, normalise_name
from socialplan.imports.reading import DayNumbers, ParsedImport, ReadingRow
from socialplan.models import (
    Account,
    DataSource,
    Metric,
    MetricSource,
    Plan,
    Reading,
    Role,
    Snapshot,
    utcnow,
)
from socialplan.plans import current_plan
from socialplan.scorecard import active_metrics
from socialplan.versions import note_workspaces


class ImportConflict(SocialPlanError):
    """Someone stored numbers for the same days while this import was being written."""

    def __init__(self) -> None:
        super().__init__(
            "Someone else stored numbers for some of these days at the same moment, so "
            "nothing was imported. Import the file again."
        )


@dataclass(frozen=True)
class ImportResult:
    """What an import changed: days and readings added, updated, or already as in the file."""

    snapshots_added: int = 0
    snapshots_updated: int = 0
    snapshots_unchanged: int = 0
    readings_added: int = 0
    readings_updated: int = 0
    readings_unchanged: int = 0
    first_day: date | None = None
    last_day: date | None = None

    @property
    def changed(self) -> int:
        """How many days and readings the import added or changed."""
        return (
            self.snapshots_added
            + self.snapshots_updated
            + self.readings_added
            + self.readings_updated
        )

    def message(self) -> str:
        """One line for the page and the CLI: "Imported 31 days: 28 added, 3 updated."."""
        parts = []
        days = self.snapshots_added + self.snapshots_updated + self.snapshots_unchanged
        if days:
            parts.append(
                f"{days} day{'s' if days != 1 else ''}: {self.snapshots_added} added, "
                f"{self.snapshots_updated} updated, {self.snapshots_unchanged} already up to date"
            )
        readings = self.readings_added + self.readings_updated + self.readings_unchanged
        if readings:
            parts.append(
                f"{readings} reading{'s' if readings != 1 else ''}: {self.readings_added} added, "
                f"{self.readings_updated} updated, {self.readings_unchanged} already up to date"
            )
        return "Imported " + "; ".join(parts) + "."


@dataclass(frozen=True)
class _Counts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


def store_import(
    *,
    session: Session,
    actor: Actor,
    workspace_id: int,
    account_id: int | None,
    parsed: ParsedImport,
    plan_id: int | None = None,
    also: Callable[[ImportResult], object] | None = None,
) -> ImportResult:
    """Write the parsed file's numbers into the workspace, all or nothing.

    Account numbers go to `account_id` (which must be one of the workspace's accounts, on
    a network the export can come from). Business readings (Social Plan's own format) go
    to the hand-entered metrics of `plan_id`, by default the workspace's current plan.
    `also(result)` stages more writes in the same transaction (the scores the numbers
    change), so a process killed midway leaves neither the numbers nor their scores.
    """
    with cycle_collection_paused():
        return _store(session, actor, workspace_id, account_id, parsed, plan_id, also)


def _store(
    session: Session,
    actor: Actor,
    workspace_id: int,
    account_id: int | None,
    parsed: ParsedImport,
    plan_id: int | None,
    also: Callable[[ImportResult], object] | None,
) -> ImportResult:
    require_workspace(session, actor, workspace_id, Role.EDITOR)
    account = _account(session, workspace_id, account_id, parsed) if parsed.days else None
    metric_ids = _metric_ids(session, actor, workspace_id, plan_id, parsed.readings)
    try:
        snapshots = _upsert_snapshots(session, account, parsed) if account else _Counts()
        readings = _upsert_readings(session, workspace_id, metric_ids, parsed.readings)
        result = ImportResult(
            snapshots_added=snapshots.added,
            snapshots_updated=snapshots.updated,
            snapshots_unchanged=snapshots.unchanged,
            readings_added=readings.added,
            readings_updated=readings.updated,
            readings_unchanged=readings.unchanged,
            first_day=parsed.first_day,
            last_day=parsed.last_day,
        )
        if also is not None:
            also(result)
        session.commit()
    except IntegrityError as error:
        # Another import or sync inserted one of these days between our read and our write.
        session.rollback()
        raise ImportConflict() from error
    except BaseException:
        session.rollback()
        raise
    return result


# ---------------------------------------------------------------- checks before writing


def _account(
    session: Session, workspace_id: int, account_id: int | None, parsed: ParsedImport
) -> Account:
    """The account the numbers are for; refused when missing, foreign, removed or mismatched."""
    if account_id is None:
        raise InvalidInput({"account": "is needed: this file has account numbers to store."})
    account = session.get(Account, account_id)
    if account is None or account.workspace_id != workspace_id:
        raise NotFound("That account does not exist or is not yours to see.")
    if account.removed_at is not None:
        raise InvalidInput({"account": "was removed from this workspace: add it again first."})
    if parsed.networks and account.network not in parsed.networks:
        where = " or ".join(NETWORK_LABELS[network] for network in parsed.networks)
        raise InvalidInput(
            {
                "account": f"is on {NETWORK_LABELS.get(account.network, account.network)}, "
                f"but this file comes from {where} ({parsed.spec.name}): choose the account "
                "it came from."
            }
        )
    return account


def _metric_ids(
    session: Session,
    actor: Actor,
    workspace_id: int,
    plan_id: int | None,
    readings: tuple[ReadingRow, ...],
) -> dict[str, int]:
    """Each business metric name of the file (normalised) → the id of the metric it names."""
    if not readings:
        return {}
    plan = _plan(session, actor, workspace_id, plan_id)
    by_name: dict[str, list[Metric]] = {}
    if plan is not None:
        for metric, _objective in active_metrics(session, plan.id):
            if MetricSource(metric.source) is MetricSource.MANUAL:
                by_name.setdefault(normalise_name(metric.name), []).append(metric)
    ids: dict[str, int] = {}
    # Names are checked once each (a long file repeats them 100,000 times), in file order,
    # so the message still names the first line whose metric is unknown.
    first_of_each_name: dict[str, ReadingRow] = {}
    for reading in readings:
        first_of_each_name.setdefault(reading.metric, reading)
    for reading in first_of_each_name.values():
        key = normalise_name(reading.metric)
        if key in ids:
            continue
        matches = by_name.get(key, [])
        if len(matches) != 1:
            raise InvalidInput({"file": _unknown_metric_message(reading, plan, by_name, matches)})
        ids[key] = matches[0].id  # type: ignore[assignment]
    return ids


def _plan(session: Session, actor: Actor, workspace_id: int, plan_id: int | None) -> Plan | None:
    """The plan whose metrics readings go to: the one asked for, else the current one."""
    if plan_id is None:
        return current_plan(session=session, actor=actor, workspace_id=workspace_id)
    plan = require_plan(session, actor, plan_id, Role.EDITOR)
    if plan.workspace_id != workspace_id:
        raise NotFound("That plan does not exist or is not yours to see.")
    return plan


def _unknown_metric_message(
    reading: ReadingRow, plan: Plan | None, by_name: dict[str, list[Metric]], matches: list[Metric]
) -> str:
    """Why a metric name of the file matches no single hand-entered metric of the plan."""
    where = f"Line {reading.line}, column “metric”: “{reading.metric}”"
    if len(matches) > 1:
        return (
            f"{where} names {len(matches)} hand-entered metrics of the plan “{plan.name}”"  # type: ignore[union-attr]
            ": rename one of them so each name is unique. Nothing was imported."
        )
    account_numbers = ", ".join(SNAPSHOT_FIELDS)
    if plan is None or not by_name:
        known = "and this workspace's plan has no hand-entered metrics"
    else:
        names = ", ".join(sorted({m.name for ms in by_name.values() for m in ms}))
        known = f"nor a hand-entered metric of the plan “{plan.name}” ({names})"
    return (
        f"{where} is neither an account number ({account_numbers}) {known}. Nothing was imported."
    )


# ---------------------------------------------------------------- writing
#
# A long file holds 100,000 days and 200,000 readings: new rows go to the driver as plain
# values (executemany on SQLite, COPY on PostgreSQL), not through the ORM, which spent
# most of a million-row import building and converting a dict per row. Stored rows are
# read as tuples, merged field by field in Python as before, and changed ones updated by
# one executemany.


def _upsert_snapshots(session: Session, account: Account, parsed: ParsedImport) -> _Counts:
    """Insert new days, merge the file's numbers into stored days; no commit."""
    first, last = parsed.days[0].day, parsed.days[-1].day
    table = Snapshot.__table__  # type: ignore[attr-defined]
    session.flush()
    stored = {
        row.day: row
        for row in session.execute(
            sa.select(table.c.id, table.c.day, *(table.c[name] for name in SNAPSHOT_FIELDS)).where(
                table.c.account_id == account.id, table.c.day >= first, table.c.day <= last
            )
        )
    }
    now = utcnow()
    new_days: list[DayNumbers] = []
    changed: list[dict[str, object]] = []
    unchanged = 0
    for numbers in parsed.days:
        row = stored.get(numbers.day)
        if row is None:
            new_days.append(numbers)
            continue
        changes = {
            name: value
            for name, value in numbers.values.items()
            if value is not None and getattr(row, name) != value
        }
        if changes:
            changed.append({"row_id": row.id, **{n: changes.get(n) for n in SNAPSHOT_FIELDS}})
        else:
            unchanged += 1
    _update_snapshots(session, changed, now)
    _insert_snapshots(session, _new_snapshots(account.id, new_days, now))  # type: ignore[arg-type]
    if changed or new_days:
        note_workspaces(session, [account.workspace_id])
        _expire_loaded(session, Snapshot, lambda row: row.account_id == account.id)
    return _Counts(added=len(new_days), updated=len(changed), unchanged=unchanged)


def _new_snapshots(
    account_id: int, new_days: list[DayNumbers], now: datetime
) -> dict[str, list[object]]:
    """New days' rows by column: NULL for a number the file does not give that day."""
    rows = len(new_days)
    return {
        "account_id": [account_id] * rows,
        "day": [numbers.day for numbers in new_days],
        **{name: [numbers.values.get(name) for numbers in new_days] for name in SNAPSHOT_FIELDS},
        "source": [DataSource.IMPORT.value] * rows,
        "updated_at": [now] * rows,
    }


def _update_snapshots(session: Session, changed: list[dict[str, object]], now: datetime) -> None:
    """Write each changed day's new numbers; a number the file leaves out stays as stored."""
    if not changed:
        return
    table = Snapshot.__table__  # type: ignore[attr-defined]
    statement = (
        table.update()
        .where(table.c.id == sa.bindparam("row_id"))
        .values(
            **{
                name: sa.func.coalesce(sa.bindparam(name, type_=sa.BigInteger), table.c[name])
                for name in SNAPSHOT_FIELDS
            },
            source=DataSource.IMPORT.value,
            updated_at=now,
        )
    )
    session.connection().execute(statement, changed)


def _insert_snapshots(session: Session, columns: dict[str, list[object]]) -> None:
    """Insert new days (a day stored meanwhile by someone else fails the unique key)."""
    _bulk_insert(session, Snapshot.__table__, columns)  # type: ignore[attr-defined]


def _upsert_readings(
    session: Session,
    workspace_id: int,
    metric_ids: dict[str, int],
    readings: tuple[ReadingRow, ...],
) -> _Counts:
    """Insert new readings, update changed values; notes are kept unless the file has one."""
    if not readings:
        return _Counts()
    table = Reading.__table__  # type: ignore[attr-defined]
    session.flush()
    stored = {
        (row.metric_id, row.day): row
        for row in session.execute(
            sa.select(
                table.c.id, table.c.metric_id, table.c.day, table.c.value, table.c.note
            ).where(table.c.metric_id.in_(set(metric_ids.values())))
        )
    }
    names = dict.fromkeys(reading.metric for reading in readings)
    ids_by_written_name = {name: metric_ids[normalise_name(name)] for name in names}
    now = utcnow()
    new_rows: list[tuple[int, ReadingRow]] = []
    changed: list[dict[str, object]] = []
    unchanged = 0
    for reading in readings:
        metric_id = ids_by_written_name[reading.metric]
        row = stored.get((metric_id, reading.day))
        if row is None:
            new_rows.append((metric_id, reading))
            continue
        note = reading.note or row.note
        if (row.value, row.note) == (reading.value, note):
            unchanged += 1
            continue
        changed.append({"row_id": row.id, "value": reading.value, "note": note})
    if changed:
        statement = (
            table.update()
            .where(table.c.id == sa.bindparam("row_id"))
            .values(value=sa.bindparam("value"), note=sa.bindparam("note"), updated_at=now)
        )
        session.connection().execute(statement, changed)
    _bulk_insert(
        session,
        table,
        {
            "metric_id": [metric_id for metric_id, _ in new_rows],
            "day": [reading.day for _, reading in new_rows],
            "value": [reading.value for _, reading in new_rows],
            "note": [reading.note for _, reading in new_rows],
            "created_at": [now] * len(new_rows),
        },
    )
    if changed or new_rows:
        note_workspaces(session, [workspace_id])
        wanted = set(metric_ids.values())
        _expire_loaded(session, Reading, lambda row: row.metric_id in wanted)
    return _Counts(added=len(new_rows), updated=len(changed), unchanged=unchanged)


def _expire_loaded(session: Session, model: type, belongs: Callable[[object], bool]) -> None:
    """Objects of `model` the session already holds are read again on next use: they were
    written around the ORM (sessions may keep objects across commits)."""
    for instance in list(session.identity_map.values()):
        if isinstance(instance, model) and belongs(instance):
            session.expire(instance)


def _bulk_insert(session: Session, table: sa.Table, columns: dict[str, list[object]]) -> None:
    """Insert rows given by column, through the driver, in the session's transaction.

    PostgreSQL gets them by COPY, SQLite by one executemany; every value is first converted
    by its column's type as SQLAlchemy would store it (dates and times as text on SQLite,
    times as naive UTC). A unique key broken by a row someone else wrote meanwhile raises
    SQLAlchemy's IntegrityError, as an ORM insert would.
    """
    names = list(columns)
    if not names or not columns[names[0]]:
        return
    connection = session.connection()
    dialect = connection.dialect
    values = [_converted(table.c[name].type, columns[name], dialect) for name in names]
    driver = connection.connection.driver_connection
    listed = ", ".join(names)
    try:
        if dialect.name == "postgresql":
            with driver.cursor() as cursor:  # type: ignore[union-attr]
                with cursor.copy(f"COPY {table.name} ({listed}) FROM STDIN (FORMAT csv)") as copy:
                    copy.write(_csv_bytes(names, values))
            return
        cursor = driver.cursor()  # type: ignore[union-attr]
        try:
            marks = ", ".join("?" for _ in names)
            cursor.executemany(
                f"INSERT INTO {table.name} ({listed}) VALUES ({marks})", zip(*values, strict=True)
            )
        finally:
            cursor.close()
    except dialect.dbapi.IntegrityError as error:  # type: ignore[union-attr]
        raise IntegrityError(f"INSERT INTO {table.name}", None, error) from error


def _csv_bytes(names: list[str], values: list[list]) -> bytes:
    """The columns as header-less CSV for COPY, written by Arrow (psycopg's row-by-row
    `write_row` took seconds for 300,000 rows). Text is always quoted, so an empty note
    stays empty text; a missing number is an unquoted empty cell, which COPY reads as NULL.
    """
    table = pa.table({name: pa.array(column) for name, column in zip(names, values, strict=True)})
    buffer = io.BytesIO()
    pa_csv.write_csv(
        table, buffer, pa_csv.WriteOptions(include_header=False, quoting_style="needed")
    )
    return buffer.getvalue()


def _converted(type_: sa.types.TypeEngine, column: list[object], dialect: sa.Dialect) -> list:
    """The column's values as its type hands them to the driver; each distinct date or time
    is converted once (a long file repeats each day several times, and `now` on every row).

    Counts and text go as they are. On PostgreSQL only the aware times change (psycopg
    sends dates itself); `UTCDateTime` makes them naive UTC.
    """
    convert = None
    if isinstance(type_, sa.types.TypeDecorator) or (
        isinstance(type_, sa.Date | sa.DateTime) and dialect.name != "postgresql"
    ):
        convert = type_.dialect_impl(dialect).bind_processor(dialect)
    if convert is None:
        return column
    seen: dict[object, object] = {}
    return [
        None
        if value is None
        else seen[value]
        if value in seen
        else seen.setdefault(value, convert(value))
        for value in column
    ]
