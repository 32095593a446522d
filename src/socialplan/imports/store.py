"""`store_import`: a parsed file written as snapshots and readings, in one transaction.

Snapshots are upserted by (account, day) and merged field by field: a number in the file
replaces the stored one, an empty cell never erases a number another source gave. So
importing the same file twice changes nothing the second time, and an overlapping file
fills or updates only the days and numbers it has.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from socialplan.access import Actor, require_plan, require_workspace
from socialplan.accounts import NETWORK_LABELS
from socialplan.errors import InvalidInput, NotFound, SocialPlanError
from socialplan.imports.formats import SNAPSHOT_FIELDS, normalise_name
from socialplan.imports.reading import ParsedImport, ReadingRow
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
    require_workspace(session, actor, workspace_id, Role.EDITOR)
    account = _account(session, workspace_id, account_id, parsed) if parsed.days else None
    metric_ids = _metric_ids(session, actor, workspace_id, plan_id, parsed.readings)
    try:
        snapshots = _upsert_snapshots(session, account, parsed) if account else _Counts()
        readings = _upsert_readings(session, metric_ids, parsed.readings)
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
    for reading in readings:
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


def _upsert_snapshots(session: Session, account: Account, parsed: ParsedImport) -> _Counts:
    """Insert new days, merge the file's numbers into stored days; no commit."""
    first, last = parsed.days[0].day, parsed.days[-1].day
    stored = {
        row.day: row
        for row in session.exec(
            select(Snapshot).where(
                Snapshot.account_id == account.id, Snapshot.day >= first, Snapshot.day <= last
            )
        )
    }
    now = utcnow()
    new_rows: list[dict] = []
    updated = unchanged = 0
    for numbers in parsed.days:
        given = {name: value for name, value in numbers.values.items() if value is not None}
        row = stored.get(numbers.day)
        if row is None:
            new_rows.append(_new_snapshot(account.id, numbers.day, given, now))  # type: ignore[arg-type]
            continue
        changes = {name: value for name, value in given.items() if getattr(row, name) != value}
        if not changes:
            unchanged += 1
            continue
        for name, value in changes.items():
            setattr(row, name, value)
        row.source, row.updated_at = DataSource.IMPORT, now
        session.add(row)
        updated += 1
    session.flush()
    if new_rows:
        session.execute(sa.insert(Snapshot), new_rows)
    return _Counts(added=len(new_rows), updated=updated, unchanged=unchanged)


def _new_snapshot(account_id: int, day: date, given: dict[str, int], now: object) -> dict:
    """A row for bulk insert: every field present (same keys in every row), NULL if not given."""
    return {
        "account_id": account_id,
        "day": day,
        **{name: given.get(name) for name in SNAPSHOT_FIELDS},
        "source": DataSource.IMPORT.value,
        "updated_at": now,
    }


def _upsert_readings(
    session: Session, metric_ids: dict[str, int], readings: tuple[ReadingRow, ...]
) -> _Counts:
    """Insert new readings, update changed values; notes are kept unless the file has one."""
    if not readings:
        return _Counts()
    stored = {
        (row.metric_id, row.day): row
        for row in session.exec(
            select(Reading).where(Reading.metric_id.in_(set(metric_ids.values())))  # type: ignore[attr-defined]
        )
    }
    now = utcnow()
    new_rows: list[dict] = []
    updated = unchanged = 0
    for reading in readings:
        metric_id = metric_ids[normalise_name(reading.metric)]
        row = stored.get((metric_id, reading.day))
        if row is None:
            new_rows.append(
                {
                    "metric_id": metric_id,
                    "day": reading.day,
                    "value": reading.value,
                    "note": reading.note,
                    "created_at": now,
                }
            )
            continue
        note = reading.note or row.note
        if (row.value, row.note) == (reading.value, note):
            unchanged += 1
            continue
        row.value, row.note, row.updated_at = reading.value, note, now
        session.add(row)
        updated += 1
    session.flush()
    if new_rows:
        session.execute(sa.insert(Reading), new_rows)
    return _Counts(added=len(new_rows), updated=updated, unchanged=unchanged)
