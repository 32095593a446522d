"""Metrics (the key results of each objective) and the readings of hand-entered ones."""

from __future__ import annotations

import hashlib
import math
import numbers
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

import pandas as pd
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from socialplan.access import Actor, require_metric, require_objective, require_plan
from socialplan.accounts import account_label, list_accounts
from socialplan.errors import Conflict, InvalidInput
from socialplan.models import (
    Account,
    AccountKind,
    Direction,
    Metric,
    MetricCreate,
    MetricSource,
    MetricUpdate,
    Objective,
    ObjectiveCategory,
    Plan,
    Reading,
    ReadingBase,
    Role,
    utcnow,
)
from socialplan.scorecard import active_metrics
from socialplan.series import SOURCE_LABELS, SOURCE_UNITS, latest_actual, metric_series
from socialplan.services import (
    changed_fields,
    stage_field_revisions,
    stage_revision,
    stage_row_lock,
    stage_versioned_update,
    validate,
)

ENTITY = "metric"
WHAT = "This metric"
READINGS_WHAT = "This table of readings"
ACCOUNT_SOURCES = frozenset(
    {
        MetricSource.FOLLOWERS,
        MetricSource.POSTS_PER_WEEK,
        MetricSource.ENGAGEMENT_RATE,
        MetricSource.INFLUENCE_SCORE,
    }
)
ALL_OWN_ACCOUNTS = "All our accounts combined"
DIRECTION_LABELS = {
    Direction.UP: "Up — higher is better",
    Direction.DOWN: "Down — lower is better",
}
READING_COLUMNS = ["day", "value", "note"]
# Enough to point at the problem rows without burying the page in messages.
MAX_ROW_MESSAGES = 3


# ---------------------------------------------------------------- suggestions


@dataclass(frozen=True)
class MetricSuggestion:
    """A key result that usually fits an objective of some category."""

    name: str
    source: MetricSource
    unit: str
    direction: Direction
    hint: str


_FOLLOWERS = MetricSuggestion(
    "Followers",
    MetricSource.FOLLOWERS,
    "followers",
    Direction.UP,
    "How many people follow our accounts; read from the accounts every day.",
)
_POSTS = MetricSuggestion(
    "Posts per week",
    MetricSource.POSTS_PER_WEEK,
    "posts",
    Direction.UP,
    "Showing up regularly is what grows an audience; counted over the last 7 days.",
)
_SCORE = MetricSuggestion(
    "Influence score",
    MetricSource.INFLUENCE_SCORE,
    "points",
    Direction.UP,
    "Our 1–100 score from reach, engagement, amplification and consistency.",
)
_ENGAGEMENT = MetricSuggestion(
    "Engagement rate",
    MetricSource.ENGAGEMENT_RATE,
    "%",
    Direction.UP,
    "Likes, reposts, replies and quotes per post, as a share of followers (last 28 days).",
)

SUGGESTIONS: dict[ObjectiveCategory, tuple[MetricSuggestion, ...]] = {
    ObjectiveCategory.AWARENESS: (_FOLLOWERS, _POSTS, _SCORE),
    ObjectiveCategory.ENGAGEMENT: (_ENGAGEMENT, _SCORE),
    ObjectiveCategory.LEADS: (
        MetricSuggestion(
            "Enquiries from social media",
            MetricSource.MANUAL,
            "enquiries",
            Direction.UP,
            "Messages, calls or forms from people who found us on social media; count weekly.",
        ),
        MetricSuggestion(
            "Link clicks",
            MetricSource.MANUAL,
            "clicks",
            Direction.UP,
            "Clicks on the links in our posts, from each network's analytics.",
        ),
    ),
    ObjectiveCategory.SALES: (
        MetricSuggestion(
            "Orders from social media",
            MetricSource.MANUAL,
            "orders",
            Direction.UP,
            "Orders where the customer says they came from social media, or used our code.",
        ),
        MetricSuggestion(
            "Revenue from social media",
            MetricSource.MANUAL,
            "",
            Direction.UP,
            "The money those orders brought in; type your currency as the unit, e.g. € or $.",
        ),
    ),
    ObjectiveCategory.CUSTOMER_SERVICE: (
        MetricSuggestion(
            "Questions answered within a day",
            MetricSource.MANUAL,
            "%",
            Direction.UP,
            "The share of questions and complaints on social media answered within 24 hours.",
        ),
        MetricSuggestion(
            "Response time",
            MetricSource.MANUAL,
            "hours",
            Direction.DOWN,
            "How long, on average, people wait for our first answer; lower is better.",
        ),
    ),
    ObjectiveCategory.HIRING: (
        MetricSuggestion(
            "Applications from social media",
            MetricSource.MANUAL,
            "applications",
            Direction.UP,
            "Job applications from people who saw the role on our accounts.",
        ),
        _FOLLOWERS,
    ),
    ObjectiveCategory.OTHER: (_FOLLOWERS, _ENGAGEMENT, _SCORE),
}


def suggest_metrics(category: ObjectiveCategory) -> list[MetricSuggestion]:
    """Key results that usually fit an objective of this category, best first."""
    return list(SUGGESTIONS[ObjectiveCategory(category)])


# ---------------------------------------------------------------- rules


def is_account_source(source: MetricSource | str) -> bool:
    """Whether a metric of this source is read from the workspace's accounts."""
    return MetricSource(source) in ACCOUNT_SOURCES


def default_unit(source: MetricSource | str, unit: str) -> str:
    """The unit as typed, or the usual one for the source when left empty."""
    return unit.strip() or SOURCE_UNITS.get(MetricSource(source), "")


def _name_problem(name: str) -> str | None:
    return None if name.strip() else "is required."


def _target_problem(baseline: float, target: float, direction: Direction | str) -> str | None:
    if target == baseline:
        return "must differ from the baseline."
    if Direction(direction) is Direction.UP and target < baseline:
        return (
            f"must be above the baseline ({format_number(baseline)}) for a number that "
            "should go up — or choose “Down” as the direction."
        )
    if Direction(direction) is Direction.DOWN and target > baseline:
        return (
            f"must be below the baseline ({format_number(baseline)}) for a number that "
            "should go down — or choose “Up” as the direction."
        )
    return None


def _target_date_problem(plan: Plan, target_date: date) -> str | None:
    if plan.period_start <= target_date <= plan.period_end:
        return None
    return (
        f"must be within the plan period, {plan.period_start:%d %b %Y} to "
        f"{plan.period_end:%d %b %Y}."
    )


def _account_problem(
    session: Session, plan: Plan, source: MetricSource | str, account_id: int | None
) -> str | None:
    if account_id is None:
        return None
    if not is_account_source(source):
        return "must be left empty for a number entered by hand."
    # The id arrives from a form and could be forged: it must be one of this business's own.
    account = session.get(Account, account_id)
    if (
        account is None
        or account.workspace_id != plan.workspace_id
        or account.kind != AccountKind.OWN
        or account.removed_at is not None
    ):
        return "must be one of this business's own accounts, or all of them combined."
    return None


def _metric_problems(
    session: Session, plan: Plan, values: dict[str, Any], touched: set[str]
) -> dict[str, str]:
    """The broken rules that read a field in `touched` (and have all they read in `values`)."""
    checks = {
        "name": (("name",), lambda: _name_problem(values["name"])),
        "target": (
            ("baseline", "target", "direction"),
            lambda: _target_problem(values["baseline"], values["target"], values["direction"]),
        ),
        "target_date": (
            ("target_date",),
            lambda: _target_date_problem(plan, values["target_date"]),
        ),
        "account_id": (
            ("account_id", "source"),
            lambda: _account_problem(session, plan, values["source"], values["account_id"]),
        ),
    }
    problems: dict[str, str] = {}
    for field, (reads, check) in checks.items():
        runnable = touched.intersection(reads) and all(read in values for read in reads)
        if runnable and (message := check()) is not None:
            problems[field] = message
    return problems


def _fields_that_parse(model: type[BaseModel], raw: dict[str, Any]) -> dict[str, Any]:
    """The fields of `raw` that are valid each on its own, parsed; defaults for those absent."""
    parsed: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name not in raw:
            if not info.is_required():
                parsed[name] = info.get_default(call_default_factory=True)
            continue
        try:
            parsed[name] = TypeAdapter(Annotated[info.annotation, info]).validate_python(raw[name])
        except ValidationError:
            continue
    return parsed


# ---------------------------------------------------------------- metrics


def _next_position(session: Session, objective_id: int) -> int:
    highest = session.exec(
        select(func.max(Metric.position)).where(Metric.objective_id == objective_id)
    ).one()
    return 0 if highest is None else int(highest) + 1


def create_metric(
    *,
    session: Session,
    actor: Actor,
    objective_id: int,
    metric_create: MetricCreate | dict[str, Any],
) -> Metric:
    """A new key result of the objective, after its others; checked against every rule."""
    objective, plan = require_objective(session, actor, objective_id, Role.EDITOR)
    if objective.archived_at is not None:
        raise InvalidInput({"objective_id": "is archived: restore it before adding metrics."})
    raw = (
        metric_create.model_dump(exclude_unset=True)
        if isinstance(metric_create, BaseModel)
        else dict(metric_create)
    )
    try:
        data = validate(MetricCreate, raw)
    except InvalidInput as error:
        # Check the rules across fields too, so one save names every problem at once.
        usable = _fields_that_parse(MetricCreate, raw)
        problems = _metric_problems(session, plan, usable, set(usable))
        raise InvalidInput({**problems, **error.errors}) from error
    values = data.model_dump()
    problems = _metric_problems(session, plan, values, set(values))
    if problems:
        raise InvalidInput(problems)
    values["name"] = values["name"].strip()
    values["unit"] = default_unit(data.source, data.unit)
    metric = Metric(
        objective_id=objective_id, position=_next_position(session, objective_id), **values
    )
    session.add(metric)
    session.flush()
    stage_revision(
        session,
        actor=actor,
        plan_id=plan.id,  # type: ignore[arg-type]
        entity=ENTITY,
        entity_id=metric.id,
        action="create",
        new_value=metric.name,
    )
    session.commit()
    session.refresh(metric)
    return metric


def _update_changes(metric: Metric, data: MetricUpdate) -> dict[str, Any]:
    """The fields the update sets; None keeps a field, except the account (None = all own)."""
    changes = {
        field: value
        for field, value in data.model_dump(exclude_unset=True, exclude={"version"}).items()
        if value is not None or field == "account_id"
    }
    if "name" in changes:
        changes["name"] = changes["name"].strip()
    source = changes.get("source", metric.source)
    if "source" in changes and not is_account_source(source) and "account_id" not in changes:
        # A metric turned into a hand-entered one has no account any more.
        changes["account_id"] = None
    if "unit" in changes or "source" in changes:
        changes["unit"] = default_unit(source, changes.get("unit", metric.unit))
    return changes


def stage_metric_update(
    session: Session,
    actor: Actor,
    metric: Metric,
    plan: Plan,
    metric_update: MetricUpdate | dict[str, Any],
    *,
    reason: str = "",
    review_id: int | None = None,
) -> Metric:
    """Apply a checked change to a metric and record each changed field; no commit.

    The caller has checked the actor's role (require_metric) and commits. Only the rules
    that read a field whose value changes are checked, so fixing a metric's name (even
    from a form that sends every field) is not blocked by a target date that a later
    change of the plan's period left outside it.
    """
    data = validate(MetricUpdate, metric_update)
    changes = _update_changes(metric, data)
    current = {field: getattr(metric, field) for field in MetricUpdate.model_fields}
    values = {**current, **changes}
    diff = changed_fields(metric, changes)
    problems = _metric_problems(session, plan, values, set(diff))
    if problems:
        raise InvalidInput(problems)
    stage_versioned_update(session, metric, changes, data.version, what=WHAT)
    stage_field_revisions(
        session,
        actor=actor,
        plan_id=plan.id,
        entity=ENTITY,
        entity_id=metric.id,  # type: ignore[arg-type]
        diff=diff,
        reason=reason,
        review_id=review_id,
    )
    return metric


def update_metric(
    *,
    session: Session,
    actor: Actor,
    metric_id: int,
    metric_update: MetricUpdate | dict[str, Any],
    reason: str = "",
) -> Metric:
    """Change a metric; refused when it breaks a rule or someone saved it meanwhile."""
    metric, _, plan = require_metric(session, actor, metric_id, Role.EDITOR)
    stage_metric_update(session, actor, metric, plan, metric_update, reason=reason)
    session.commit()
    session.refresh(metric)
    return metric


def _set_archived(
    session: Session, actor: Actor, metric_id: int, version: int, *, archive: bool
) -> Metric:
    metric, _, plan = require_metric(session, actor, metric_id, Role.EDITOR)
    if (metric.archived_at is not None) == archive:
        return metric  # already where the user wants it: nothing to record
    changes = {"archived_at": utcnow() if archive else None}
    stage_versioned_update(session, metric, changes, version, what=WHAT)
    stage_revision(
        session,
        actor=actor,
        plan_id=plan.id,  # type: ignore[arg-type]
        entity=ENTITY,
        entity_id=metric.id,
        action="archive" if archive else "restore",
        old_value=metric.name,
    )
    session.commit()
    session.refresh(metric)
    return metric


def archive_metric(*, session: Session, actor: Actor, metric_id: int, version: int) -> Metric:
    """Take a metric out of the plan, keeping it and its readings for the history."""
    return _set_archived(session, actor, metric_id, version, archive=True)


def restore_metric(*, session: Session, actor: Actor, metric_id: int, version: int) -> Metric:
    """Bring an archived metric back into the plan."""
    return _set_archived(session, actor, metric_id, version, archive=False)


def get_metric(*, session: Session, actor: Actor, metric_id: int) -> Metric:
    """The metric, if the actor may see it."""
    metric, _, _ = require_metric(session, actor, metric_id)
    return metric


def list_metrics(*, session: Session, actor: Actor, plan_id: int) -> list[Metric]:
    """The plan's active metrics of active objectives: in objective order, then position."""
    require_plan(session, actor, plan_id)
    return [metric for metric, _ in active_metrics(session, plan_id)]


def list_metrics_for_objective(
    *, session: Session, actor: Actor, objective_id: int, include_archived: bool = False
) -> list[Metric]:
    """The objective's metrics in position order; archived ones (when asked for) come last."""
    require_objective(session, actor, objective_id)
    query = select(Metric).where(Metric.objective_id == objective_id)
    if not include_archived:
        query = query.where(col(Metric.archived_at).is_(None))
    metrics = session.exec(query.order_by(Metric.position, Metric.id))
    return sorted(metrics, key=lambda m: m.archived_at is not None)


def plan_metrics(*, session: Session, actor: Actor, plan_id: int) -> dict[int, list[Metric]]:
    """The metrics of each objective of the plan (by objective id), in one query.

    In position order, archived ones last, as `list_metrics_for_objective` gives them.
    """
    require_plan(session, actor, plan_id)
    listed = session.exec(
        select(Metric)
        .join(Objective, Objective.id == Metric.objective_id)
        .where(Objective.plan_id == plan_id)
        .order_by(Metric.objective_id, Metric.position, Metric.id)
    )
    by_objective: dict[int, list[Metric]] = {}
    for metric in listed:
        by_objective.setdefault(metric.objective_id, []).append(metric)
    return {
        objective_id: sorted(metrics, key=lambda m: m.archived_at is not None)
        for objective_id, metrics in by_objective.items()
    }


def account_choices(*, session: Session, actor: Actor, workspace_id: int) -> dict[int | None, str]:
    """What an account metric may follow: all own accounts combined (None), or one of them."""
    own = list_accounts(
        session=session, actor=actor, workspace_id=workspace_id, kind=AccountKind.OWN
    )
    return {None: ALL_OWN_ACCOUNTS} | {account.id: account_label(account) for account in own}


def current_value(
    *,
    session: Session,
    actor: Actor,
    objective_id: int,
    source: MetricSource,
    account_id: int | None = None,
) -> float | None:
    """The newest known value of an account number, to help pick a baseline; None if unknown."""
    _, plan = require_objective(session, actor, objective_id)
    if not is_account_source(source):
        return None
    problem = _account_problem(session, plan, source, account_id)
    if problem:
        # The id arrives from a widget: another business's account is refused, not read.
        raise InvalidInput({"account_id": problem})
    probe = Metric(
        objective_id=objective_id,
        source=source,
        account_id=account_id,
        name="probe",
        baseline=0,
        target=1,
        target_date=date.today(),
    )
    return latest_actual(metric_series(session, probe))


# ---------------------------------------------------------------- showing a metric


def format_number(value: float) -> str:
    """A number as people write it: 1,250 or 2.75, without a trailing .0."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def metric_summary(metric: Metric) -> str:
    """One line: "1,200 → 1,500 followers by 30 Jun 2027, higher is better"."""
    unit = f" {metric.unit}" if metric.unit else ""
    better = "higher" if Direction(metric.direction) is Direction.UP else "lower"
    return (
        f"{format_number(metric.baseline)} → {format_number(metric.target)}{unit} "
        f"by {metric.target_date:%d %b %Y}, {better} is better"
    )


def source_label(metric: Metric, accounts: dict[int | None, str]) -> str:
    """Where the metric's numbers come from, naming the account for account metrics."""
    label = SOURCE_LABELS[MetricSource(metric.source)]
    if not is_account_source(metric.source):
        return label
    return f"{label} · {accounts.get(metric.account_id, 'an account no longer followed')}"


# ---------------------------------------------------------------- readings


def list_readings(*, session: Session, actor: Actor, metric_id: int) -> list[Reading]:
    """The metric's readings, oldest day first."""
    require_metric(session, actor, metric_id)
    return list(
        session.exec(select(Reading).where(Reading.metric_id == metric_id).order_by(Reading.day))
    )


def readings_fingerprint(readings: list[Reading]) -> str:
    """A short digest of a table of readings, to tell whether it changed since it was read."""
    lines = sorted(f"{r.day.isoformat()}|{r.value!r}|{r.note}" for r in readings)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ReadingsView:
    """A hand-entered metric's readings as its section of the Metrics page shows them."""

    table: pd.DataFrame
    fingerprint: str
    latest_day: date | None
    latest_value: float | None

    @property
    def count(self) -> int:
        return len(self.table)


def plan_readings(*, session: Session, actor: Actor, plan_id: int) -> dict[int, ReadingsView]:
    """Every hand-entered metric of the plan (by id) with its readings, in one query.

    Plain data without database rows, so a page can keep it between reruns.
    """
    require_plan(session, actor, plan_id)
    in_plan = select(Objective.id).where(Objective.plan_id == plan_id)
    manual = select(Metric.id).where(
        col(Metric.objective_id).in_(in_plan), Metric.source == MetricSource.MANUAL
    )
    rows = session.exec(
        select(Reading.metric_id, Reading.day, Reading.value, Reading.note)
        .where(col(Reading.metric_id).in_(manual))
        .order_by(Reading.metric_id, Reading.day)
    )
    by_metric: dict[int, list[Any]] = {metric_id: [] for metric_id in session.exec(manual)}
    for row in rows:
        by_metric[row.metric_id].append(row)
    return {metric_id: _readings_view(readings) for metric_id, readings in by_metric.items()}


def _readings_view(readings: list[Any]) -> ReadingsView:
    """Readings (rows with day, value and note, oldest first) as the page shows them."""
    latest = readings[-1] if readings else None
    return ReadingsView(
        table=readings_table(readings),
        fingerprint=readings_fingerprint(readings),
        latest_day=latest.day if latest else None,
        latest_value=latest.value if latest else None,
    )


def readings_table(readings: list[Reading]) -> pd.DataFrame:
    """The readings as the table the page edits: columns day, value and note."""
    return pd.DataFrame(
        {
            "day": pd.Series([r.day for r in readings], dtype="datetime64[ns]"),
            "value": pd.Series([r.value for r in readings], dtype="float64"),
            "note": pd.Series([r.note for r in readings], dtype="object"),
        }
    )


def table_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of an edited readings table, as `save_readings` takes them."""
    return [
        {column: row.get(column) for column in READING_COLUMNS}
        for row in table.to_dict(orient="records")
    ]


def _is_blank(value: Any) -> bool:
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)


def _parse_day(value: Any) -> date:
    """A date from what a table cell may hold; ValueError when it is not one."""
    if isinstance(value, datetime):  # includes pandas' Timestamp
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            return datetime.fromisoformat(text).date()
    raise ValueError(value)


def _parse_value(value: Any) -> float:
    """A number from what a table cell may hold; ValueError when it is not one."""
    if isinstance(value, bool):
        raise ValueError(value)
    try:
        if isinstance(value, numbers.Real):
            return float(value)
        if isinstance(value, str):
            return float(value.strip())
    except OverflowError:  # an integer too large for a float: not a number we can keep
        raise ValueError(value) from None
    raise ValueError(value)


def _quoted(value: Any) -> str:
    return f"“{value}”"


def _parse_row(row: dict[str, Any]) -> tuple[ReadingBase | None, dict[str, str]]:
    """One table row as a reading, or the problem with each of its cells."""
    problems: dict[str, str] = {}
    day, value, note = row.get("day"), row.get("value"), row.get("note")
    parsed: dict[str, Any] = {"note": "" if _is_blank(note) else str(note).strip()}
    if _is_blank(day):
        problems["day"] = "is missing."
    else:
        try:
            parsed["day"] = _parse_day(day)
        except ValueError:
            problems["day"] = f"is not a date: {_quoted(day)} (write it as 2027-03-31)."
    if _is_blank(value):
        problems["value"] = "is missing."
    else:
        try:
            parsed["value"] = _parse_value(value)
        except ValueError:
            problems["value"] = f"is not a number: {_quoted(value)}."
    if problems:
        return None, problems
    try:
        return validate(ReadingBase, parsed), {}
    except InvalidInput as error:
        return None, error.errors


def _row_messages(problems: list[tuple[int, str, str]]) -> dict[str, str]:
    """{column: "in row 3 is missing; in row 5 …"} from (row, column, message) problems."""
    by_column: dict[str, list[str]] = {}
    for row_number, column, message in problems:
        by_column.setdefault(column, []).append(f"in row {row_number} {message.rstrip('.')}")
    joined = {}
    for column, messages in by_column.items():
        shown = messages[:MAX_ROW_MESSAGES]
        more = len(messages) - len(shown)
        tail = f"; and {more} more row(s)" if more else ""
        joined[column] = "; ".join(shown) + tail + "."
    return joined


def parse_readings(rows: list[dict[str, Any]]) -> list[ReadingBase]:
    """The table's rows as readings (empty rows skipped), or InvalidInput naming row and column."""
    readings: list[ReadingBase] = []
    problems: list[tuple[int, str, str]] = []
    first_row_of_day: dict[date, int] = {}
    for row_number, row in enumerate(rows, start=1):
        if all(_is_blank(row.get(column)) for column in READING_COLUMNS):
            continue  # the empty row a table editor leaves after "add row"
        reading, cell_problems = _parse_row(row)
        problems.extend((row_number, column, msg) for column, msg in cell_problems.items())
        if reading is None:
            continue
        if reading.day in first_row_of_day:
            problems.append(
                (
                    row_number,
                    "day",
                    f"repeats {reading.day:%d %b %Y} from row {first_row_of_day[reading.day]}: "
                    "keep one reading per day.",
                )
            )
            continue
        first_row_of_day[reading.day] = row_number
        readings.append(reading)
    if problems:
        raise InvalidInput(_row_messages(problems))
    return readings


def save_readings(
    *,
    session: Session,
    actor: Actor,
    metric_id: int,
    rows: list[dict[str, Any]],
    expected_fingerprint: str | None = None,
) -> list[Reading]:
    """Make the metric's readings exactly the edited table, in one transaction.

    Days in the table are added or updated, days no longer in it are deleted. Any bad row
    refuses the whole table. `expected_fingerprint` (from `readings_fingerprint` of what the
    editor was shown) refuses the save with Conflict when someone changed the readings since.
    """
    metric, _, _ = require_metric(session, actor, metric_id, Role.EDITOR)
    stage_row_lock(session, Metric, metric_id)
    if is_account_source(metric.source):
        label = SOURCE_LABELS[MetricSource(metric.source)].lower()
        raise InvalidInput(
            {"readings": f"are only for numbers entered by hand; {label} comes from the accounts."}
        )
    wanted = parse_readings(rows)
    stored = list(session.exec(select(Reading).where(Reading.metric_id == metric_id)))
    if expected_fingerprint is not None and readings_fingerprint(stored) != expected_fingerprint:
        raise Conflict(READINGS_WHAT)
    by_day = {reading.day: reading for reading in stored}
    for item in wanted:
        existing = by_day.pop(item.day, None)
        if existing is None:
            session.add(Reading(metric_id=metric_id, **item.model_dump()))
        elif (existing.value, existing.note) != (item.value, item.note):
            existing.value, existing.note, existing.updated_at = item.value, item.note, utcnow()
            session.add(existing)
    for removed in by_day.values():
        session.delete(removed)
    try:
        session.commit()
    except IntegrityError as error:
        # Someone else added a reading for one of these days at the same moment.
        session.rollback()
        raise Conflict(READINGS_WHAT) from error
    return list_readings(session=session, actor=actor, metric_id=metric_id)
