"""Step 5, Review: the review schedule, review sessions with course corrections, past reviews.

A review records, for every active metric, the numbers as the scorecard computed them on the
day it was held and the team's confidence and comment. Its course corrections change the
plan through the metrics and tasks services, so each is kept as a revision with its reason
and the review's id. The review and all its corrections are one transaction: when anything
is wrong, nothing at all is stored.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from socialplan import dashboard, metrics, people, tasks
from socialplan.access import Actor, require_plan
from socialplan.errors import InvalidInput, NotFound
from socialplan.models import (
    TEXT_MAX,
    Metric,
    MetricStatus,
    MetricUpdate,
    Objective,
    Person,
    Plan,
    PlanUpdate,
    Review,
    ReviewCadence,
    ReviewItem,
    ReviewItemBase,
    Revision,
    Role,
    Task,
    TaskCreate,
    TaskStatus,
    TaskUpdate,
)
from socialplan.plans import stage_plan_update
from socialplan.scorecard import MetricScore, active_metrics, plan_scorecard, score_metric
from socialplan.series import metric_series
from socialplan.services import validate
from socialplan.status import AT_RISK_SLACK, ON_TRACK_SLACK, STATUS_LABELS
from socialplan.text import escape_markdown, literal_markdown, unstorable_text_problem
from socialplan.text import markdown_paragraphs as _markdown_paragraphs

# A review may be scheduled (or held) up to a month after the plan ends: the closing review.
GRACE_AFTER_END = timedelta(days=31)

CADENCE_LABELS = {
    ReviewCadence.WEEKLY: "Every week",
    ReviewCadence.BIWEEKLY: "Every two weeks",
    ReviewCadence.MONTHLY: "Every month",
}
STATUS_ICONS = {
    MetricStatus.ON_TRACK: "🟢",
    MetricStatus.AT_RISK: "🟠",
    MetricStatus.OFF_TRACK: "🔴",
    MetricStatus.NO_DATA: "⚪",
}
FIELD_LABELS = {
    "target_date": "target date",
    "next_review_on": "next review date",
    "review_cadence": "review cadence",
    "owner_person_id": "owner",
    "times_per_week": "times per week",
}
MISSING_REASON = "is required — say why the plan changes."


# ---------------------------------------------------------------- input


@dataclass(frozen=True)
class ReviewItemInput:
    """The team's judgement of one metric: confidence 0–10 that it reaches its target."""

    metric_id: int
    confidence: int = 5
    comment: str = ""


@dataclass(frozen=True)
class ChangeTarget:
    """A course correction: a new target and/or target date for a metric."""

    metric_id: int
    version: int
    new_target: float | None = None
    new_target_date: date | None = None
    reason: str = ""


@dataclass(frozen=True)
class AddTask:
    """A course correction: new work under an objective."""

    objective_id: int
    task_create: TaskCreate
    reason: str = ""


@dataclass(frozen=True)
class DropTask:
    """A course correction: stop doing a task (it is kept, marked dropped)."""

    task_id: int
    version: int
    reason: str = ""


Correction = ChangeTarget | AddTask | DropTask


# ---------------------------------------------------------------- output


@dataclass(frozen=True)
class ReviewItemRow:
    """A stored review item with its metric and objective."""

    item: ReviewItem
    metric: Metric
    objective: Objective

    @property
    def metric_name(self) -> str:
        return self.metric.name


@dataclass(frozen=True)
class Decision:
    """A change the review made to the plan, in plain words, with its revision."""

    revision: Revision
    description: str

    @property
    def is_next_review(self) -> bool:
        """Whether this is the review date that holding the review moved (not a correction)."""
        return self.revision.entity == "plan" and self.revision.field == "next_review_on"


@dataclass(frozen=True)
class ReviewDetail:
    """One past review: the session, its plan, its items and its decisions."""

    review: Review
    plan: Plan
    items: list[ReviewItemRow]
    decisions: list[Decision]

    @property
    def file_name(self) -> str:
        return f"review-{self.review.held_on.isoformat()}.md"

    @property
    def corrections(self) -> list[Decision]:
        """The course corrections the team decided, in the order they were made."""
        return [d for d in self.decisions if not d.is_next_review]

    @property
    def next_review_on(self) -> date | None:
        """The next review date this review set, if the plan had a cadence."""
        moved = [d.revision.new_value for d in self.decisions if d.is_next_review]
        return date.fromisoformat(moved[-1]) if moved and moved[-1] else None


@dataclass(frozen=True)
class CorrectionChoices:
    """What a course correction can point at in a plan."""

    metrics: list[Metric]
    objectives: list[Objective]
    tasks: list[Task]
    people: list[Person]
    names: dict[tuple[str, int], str] = field(default_factory=dict)


# ---------------------------------------------------------------- the schedule


def next_review_after(held_on: date, cadence: ReviewCadence | str) -> date:
    """The review after one held on `held_on`: a week, two weeks or a month later."""
    cadence = ReviewCadence(cadence)
    if cadence is ReviewCadence.WEEKLY:
        return held_on + timedelta(days=7)
    if cadence is ReviewCadence.BIWEEKLY:
        return held_on + timedelta(days=14)
    # Months counted from year 0 (January = 0) make December roll over into next January.
    year, month_index = divmod(held_on.year * 12 + held_on.month, 12)
    month = month_index + 1
    # The 31st of January is followed by the last day of February, not by a day in March.
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(held_on.day, last_day))


def _date_window_error(plan: Plan, day: date) -> str | None:
    if day < plan.period_start:
        return f"must be on or after the plan start ({plan.period_start:%d %b %Y})."
    latest = plan.period_end + GRACE_AFTER_END
    if day > latest:
        return f"must be at most 31 days after the plan end ({latest:%d %b %Y} at the latest)."
    return None


def set_review_schedule(
    *,
    session: Session,
    actor: Actor,
    plan_id: int,
    cadence: ReviewCadence | str,
    next_review_on: date,
    version: int,
) -> Plan:
    """Set how often the plan is reviewed and the date of the next review."""
    plan = require_plan(session, actor, plan_id, Role.EDITOR)
    data = validate(
        PlanUpdate,
        {"version": version, "review_cadence": cadence, "next_review_on": next_review_on},
    )
    problem = _date_window_error(plan, next_review_on)
    if problem:
        raise InvalidInput({"next_review_on": problem})
    stage_plan_update(session, actor, plan, data, reason="Review schedule set.")
    session.commit()
    session.refresh(plan)
    return plan


def days_until_next_review(plan: Plan, today: date) -> int | None:
    """Days from `today` to the next review (negative when overdue), None when unscheduled."""
    if plan.next_review_on is None:
        return None
    return (plan.next_review_on - today).days


def next_review_text(plan: Plan, today: date) -> str:
    """When the next review is, in plain words, with what to do about it."""
    days = days_until_next_review(plan, today)
    if days is None:
        return "No review is scheduled yet: choose how often you review and the first date."
    when = f"{plan.next_review_on:%A %d %B %Y}"
    if days == 0:
        return f"Your review is due today ({when}): start it below."
    if days == 1:
        return f"Your next review is tomorrow, {when}."
    if days > 1:
        return f"Your next review is in {days} days, on {when}."
    overdue = "1 day" if days == -1 else f"{-days} days"
    return f"Your review was due {overdue} ago ({when}): hold it now, below."


def status_rule_text() -> str:
    """The status rule in one sentence, with its thresholds."""
    return (
        "Progress is how far a metric has come from its baseline to its target; a metric is "
        f"on track when its progress is no more than {ON_TRACK_SLACK:.0%} behind the share of "
        f"time passed to its target date, at risk when up to {AT_RISK_SLACK:.0%} behind, "
        "and off track when further behind."
    )


# ---------------------------------------------------------------- formatting


def format_number(value: float | None) -> str:
    """A number as the dashboard shows it ("1,240", "48.5"), or "—" when there is none."""
    return "—" if value is None else dashboard.format_number(value)


def format_progress(progress: float | None) -> str:
    """Progress as a whole percentage, "—" when there is no actual yet."""
    return "—" if progress is None else f"{progress * 100:.0f}%"


def status_badge(status: MetricStatus | str) -> str:
    """A status with its icon: "🟢 On track"."""
    status = MetricStatus(status)
    return f"{STATUS_ICONS[status]} {STATUS_LABELS[status]}"


def _with_unit(value: float | None, metric: Metric, *, word_unit: bool = True) -> str:
    if value is None:
        return "—"
    return dashboard.format_value(value, dashboard.metric_unit(metric), word_unit=word_unit)


def word_unit(metric: Metric) -> str:
    """The metric's unit when it is a word ("followers"), "" for none or a symbol (%, €)."""
    unit = dashboard.metric_unit(metric)
    return "" if unit == "%" or unit in dashboard.PREFIX_UNITS else unit


def score_line(score: MetricScore) -> dict[str, str]:
    """One metric of the scorecard as the review sheet shows it.

    Actual and goal leave a word unit out (it goes in `unit`, for the labels), so the
    numbers fit side by side on a narrow screen.
    """
    result, metric = score.result, score.metric
    return {
        "metric": metric.name,
        "objective": score.objective.title,
        "unit": word_unit(metric),
        "actual": _with_unit(result.actual, metric, word_unit=False),
        "goal": _with_unit(result.goal_today, metric, word_unit=False),
        "target": f"{_with_unit(metric.target, metric)} by {metric.target_date:%d %b %Y}",
        "progress": format_progress(result.progress),
        "status": status_badge(result.status),
    }


@dataclass(frozen=True)
class SheetLine:
    """One metric of a review sheet, as the Review page draws it: small enough to cache."""

    metric_id: int
    status: MetricStatus
    line: dict[str, str]


def review_sheet(*, session: Session, actor: Actor, plan_id: int, today: date) -> list[SheetLine]:
    """Every active metric of the plan with its status on `today`, as `score_line` shows it.

    As `plan_scorecard`, but the daily sums of an account set are read once for all the
    metrics on it (followers, posts and engagement of the same accounts), as the dashboard
    does. The series are left out: the sheet shows only the numbers of the day.
    """
    plan = require_plan(session, actor, plan_id)
    shared: dict = {}
    lines = []
    for metric, objective in active_metrics(session, plan_id):
        series = metric_series(session, metric, until=today, shared=shared)
        score = score_metric(metric, objective, plan, series, today)
        lines.append(SheetLine(metric_id=metric.id, status=score.status, line=score_line(score)))
    return lines


# ---------------------------------------------------------------- corrections


def _label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " "))


def correction_choices(*, session: Session, actor: Actor, plan_id: int) -> CorrectionChoices:
    """The metrics, objectives, open tasks and people a course correction may name."""
    plan = require_plan(session, actor, plan_id)
    pairs = active_metrics(session, plan_id)
    objectives = list(
        session.exec(
            select(Objective)
            .where(Objective.plan_id == plan_id, col(Objective.archived_at).is_(None))
            .order_by(Objective.position, Objective.id)
        )
    )
    open_tasks = list(
        session.exec(
            select(Task)
            .join(Objective, Objective.id == Task.objective_id)
            .where(
                Objective.plan_id == plan_id,
                col(Objective.archived_at).is_(None),
                Task.status != TaskStatus.DROPPED,
            )
            .order_by(Objective.position, Objective.id, Task.position, Task.id)
        )
    )
    team = people.list_people(session=session, actor=actor, workspace_id=plan.workspace_id)
    names = {("metric", m.id): m.name for m, _ in pairs}
    names |= {("objective", o.id): o.title for o in objectives}
    names |= {("task", t.id): t.title for t in open_tasks}
    return CorrectionChoices(
        metrics=[m for m, _ in pairs],
        objectives=objectives,
        tasks=open_tasks,
        people=team,
        names=names,
    )


def describe_correction(correction: Correction, names: dict[tuple[str, int], str]) -> str:
    """A course correction in plain words: "Change “Followers”: target 1,500"."""
    if isinstance(correction, ChangeTarget):
        name = names.get(("metric", correction.metric_id), "a metric")
        changes = []
        if correction.new_target is not None:
            changes.append(f"target {format_number(correction.new_target)}")
        if correction.new_target_date is not None:
            changes.append(f"target date {correction.new_target_date:%d %b %Y}")
        return f"Change “{name}”: {' and '.join(changes) or 'nothing yet'}"
    if isinstance(correction, AddTask):
        objective = names.get(("objective", correction.objective_id), "an objective")
        return f"Add the task “{correction.task_create.title}” to “{objective}”"
    name = names.get(("task", correction.task_id), "a task")
    return f"Drop the task “{name}”"


def _field_errors(correction: Correction) -> dict[str, str]:
    """What is wrong with a correction on its own, without looking at the plan."""
    errors: dict[str, str] = {}
    if isinstance(correction, ChangeTarget) and (
        correction.new_target is None and correction.new_target_date is None
    ):
        errors["new_target"] = "or a new target date is needed — change at least one."
    if isinstance(correction, AddTask):
        try:
            validate(TaskCreate, correction.task_create)
        except InvalidInput as error:
            errors.update(error.errors)
        if not correction.task_create.title.strip():
            errors["title"] = "is required."
    if not correction.reason.strip():
        errors["reason"] = MISSING_REASON
    elif len(correction.reason) > TEXT_MAX:
        errors["reason"] = f"must be at most {TEXT_MAX} characters."
    elif problem := unstorable_text_problem(correction.reason):
        errors["reason"] = problem
    return errors


def _plan_errors(session: Session, plan: Plan, correction: Correction) -> dict[str, str]:
    """What is wrong with a correction given the plan it would change."""
    if isinstance(correction, ChangeTarget):
        return _change_target_errors(session, plan, correction)
    if isinstance(correction, AddTask):
        objective = session.get(Objective, correction.objective_id)
        if objective is None or objective.plan_id != plan.id or objective.archived_at:
            return {"objective": "is not one of this plan's objectives."}
        return {}
    task = session.get(Task, correction.task_id)
    objective = session.get(Objective, task.objective_id) if task else None
    if task is None or objective is None or objective.plan_id != plan.id:
        return {"task": "is not one of this plan's tasks."}
    if task.status == TaskStatus.DROPPED:
        return {"task": "is already dropped."}
    return {}


def _change_target_errors(session: Session, plan: Plan, correction: ChangeTarget) -> dict[str, str]:
    active_ids = {m.id for m, _ in active_metrics(session, plan.id)}  # type: ignore[arg-type]
    metric = session.get(Metric, correction.metric_id)
    if metric is None or metric.id not in active_ids:
        return {"metric": "is not one of this plan's metrics."}
    errors: dict[str, str] = {}
    if correction.new_target is not None and correction.new_target == metric.baseline:
        errors["new_target"] = (
            f"must differ from the baseline ({format_number(metric.baseline)}): a target equal "
            "to where you started cannot be measured."
        )
    # The other rules (direction, target date in the plan period) are the metrics service's:
    # check_correction and hold_review meet them by staging the change through it.
    new_date = correction.new_target_date
    unchanged_target = correction.new_target in (None, metric.target)
    unchanged_date = new_date in (None, metric.target_date)
    if not errors and unchanged_target and unchanged_date:
        errors["new_target"] = "and target date are what they are now — nothing would change."
    return errors


# The metrics service names the metric's own fields; a correction's form names the new ones.
_CORRECTION_FIELDS = {"target": "new_target", "target_date": "new_target_date"}


def check_correction(
    *, session: Session, actor: Actor, plan_id: int, correction: Correction
) -> Correction:
    """The correction, if it would apply to the plan now; else InvalidInput naming each field.

    The correction is tried through its area's staging function in a transaction that is
    then rolled back, so it meets exactly the rules that saving the review applies. The
    session must hold no unsaved changes.
    """
    plan = require_plan(session, actor, plan_id, Role.EDITOR)
    errors = {**_plan_errors(session, plan, correction), **_field_errors(correction)}
    if errors:
        raise InvalidInput(errors)
    try:
        _stage_correction(session, actor, plan, None, correction)
    except InvalidInput as error:
        raise InvalidInput(
            {_CORRECTION_FIELDS.get(name, name): message for name, message in error.errors.items()}
        ) from error
    finally:
        session.rollback()
    return correction


def build_add_task(*, objective_id: int, task_fields: dict[str, Any], reason: str) -> AddTask:
    """An "add a task" correction from form values; InvalidInput naming each bad field."""
    errors: dict[str, str] = {}
    task_create: TaskCreate | None = None
    try:
        task_create = validate(TaskCreate, task_fields)
    except InvalidInput as error:
        errors.update(error.errors)
    if not str(task_fields.get("title", "")).strip():
        errors["title"] = "is required."
    if not reason.strip():
        errors["reason"] = MISSING_REASON
    if errors or task_create is None:
        raise InvalidInput(errors)
    return AddTask(objective_id=objective_id, task_create=task_create, reason=reason.strip())


def _correction_message(description: str, errors: dict[str, str]) -> str:
    problems = " ".join(f"The {_label(name)} {message}" for name, message in errors.items())
    return f"({description}): {problems}"


def _duplicate_errors(corrections: Sequence[Correction]) -> dict[str, str]:
    """Two corrections of one metric or one task would trip over each other's version."""
    errors: dict[str, str] = {}
    first_seen: dict[tuple[str, int], int] = {}
    for number, correction in enumerate(corrections, start=1):
        if isinstance(correction, ChangeTarget):
            subject = ("metric", correction.metric_id)
        elif isinstance(correction, DropTask):
            subject = ("task", correction.task_id)
        else:
            continue
        if subject in first_seen:
            errors[f"correction_{number}"] = (
                f"changes the same {subject[0]} as correction {first_seen[subject]} — "
                "put both changes in one."
            )
        else:
            first_seen[subject] = number
    return errors


# ---------------------------------------------------------------- holding a review


def _item_errors(
    items: Sequence[ReviewItemInput], metric_ids: set[int]
) -> tuple[dict[str, str], dict[int, ReviewItemBase]]:
    """Field errors of the items, and the checked judgement per metric."""
    errors: dict[str, str] = {}
    judged: dict[int, ReviewItemBase] = {}
    for item in items:
        if item.metric_id not in metric_ids:
            errors["items"] = "name a metric that is not in this plan — reload the page."
            continue
        if item.metric_id in judged:
            errors["items"] = "name the same metric twice."
            continue
        try:
            judged[item.metric_id] = validate(
                ReviewItemBase, {"confidence": item.confidence, "comment": item.comment}
            )
        except InvalidInput as error:
            # Keyed by metric so the page can show each message under its own slider.
            for name, message in error.errors.items():
                errors[f"{name}_{item.metric_id}"] = message
    return errors, judged


def _review_errors(
    session: Session,
    plan: Plan,
    held_on: date,
    summary: str,
    corrections: Sequence[Correction],
    names: dict[tuple[str, int], str],
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if len(summary) > TEXT_MAX:
        errors["summary"] = f"must be at most {TEXT_MAX} characters."
    elif text_problem := unstorable_text_problem(summary):
        errors["summary"] = text_problem
    problem = _date_window_error(plan, held_on)
    if problem:
        errors["held_on"] = problem
    for number, correction in enumerate(corrections, start=1):
        problems = {**_plan_errors(session, plan, correction), **_field_errors(correction)}
        if problems:
            description = describe_correction(correction, names)
            errors[f"correction_{number}"] = _correction_message(description, problems)
    return {**_duplicate_errors(corrections), **errors}


def _stage_correction(
    session: Session, actor: Actor, plan: Plan, review_id: int | None, correction: Correction
) -> None:
    """Apply one checked correction through its area's staging function; no commit."""
    reason = correction.reason.strip()
    if isinstance(correction, ChangeTarget):
        metric = session.get(Metric, correction.metric_id)
        changes: dict[str, Any] = {"version": correction.version}
        if correction.new_target is not None:
            changes["target"] = correction.new_target
        if correction.new_target_date is not None:
            changes["target_date"] = correction.new_target_date
        metric_update = MetricUpdate(**changes)
        metrics.stage_metric_update(
            session, actor, metric, plan, metric_update, reason=reason, review_id=review_id
        )
    elif isinstance(correction, AddTask):
        objective = session.get(Objective, correction.objective_id)
        task_create = correction.task_create
        tasks.stage_task_create(
            session, actor, objective, plan, task_create, reason=reason, review_id=review_id
        )
    else:
        task = session.get(Task, correction.task_id)
        update = TaskUpdate(version=correction.version, status=TaskStatus.DROPPED)
        tasks.stage_task_update(
            session, actor, task, plan, update, reason=reason, review_id=review_id
        )


def hold_review(
    *,
    session: Session,
    actor: Actor,
    plan_id: int,
    held_on: date,
    items: Sequence[ReviewItemInput],
    corrections: Sequence[Correction] = (),
    summary: str = "",
) -> Review:
    """Store a review of every active metric and apply its course corrections, all or nothing."""
    try:
        review = _stage_review(session, actor, plan_id, held_on, items, corrections, summary)
        session.commit()
    except BaseException:
        # A failure after the review row was staged must take the review with it.
        session.rollback()
        raise
    session.refresh(review)
    return review


def _stage_review(
    session: Session,
    actor: Actor,
    plan_id: int,
    held_on: date,
    items: Sequence[ReviewItemInput],
    corrections: Sequence[Correction],
    summary: str,
) -> Review:
    plan = require_plan(session, actor, plan_id, Role.EDITOR)
    # The numbers are read before anything changes, so the review shows the plan it reviewed.
    scores = plan_scorecard(session=session, actor=actor, plan_id=plan_id, today=held_on)
    names = correction_choices(session=session, actor=actor, plan_id=plan_id).names
    item_errors, judged = _item_errors(items, {s.metric.id for s in scores})  # type: ignore[misc]
    errors = {**item_errors, **_review_errors(session, plan, held_on, summary, corrections, names)}
    if errors:
        raise InvalidInput(errors)
    review = Review(
        plan_id=plan_id, held_on=held_on, summary=summary.strip(), created_by=actor.label
    )
    session.add(review)
    session.flush()
    for score in scores:
        judgement = judged.get(score.metric.id, ReviewItemBase())  # type: ignore[arg-type]
        session.add(_review_item(review, score, judgement))
    for number, correction in enumerate(corrections, start=1):
        try:
            _stage_correction(session, actor, plan, review.id, correction)  # type: ignore[arg-type]
        except InvalidInput as error:
            # Name the correction, so the message says which of several is wrong.
            description = describe_correction(correction, names)
            raise InvalidInput(
                {f"correction_{number}": _correction_message(description, error.errors)}
            ) from error
    if plan.review_cadence is not None:
        session.refresh(plan)
        stage_plan_update(
            session,
            actor,
            plan,
            PlanUpdate(
                version=plan.version,
                next_review_on=next_review_after(held_on, plan.review_cadence),
            ),
            reason=f"The review of {held_on:%d %b %Y} was held; the next follows the cadence.",
            review_id=review.id,
        )
    return review


def _review_item(review: Review, score: MetricScore, judgement: ReviewItemBase) -> ReviewItem:
    result = score.result
    return ReviewItem(
        review_id=review.id,  # type: ignore[arg-type]
        metric_id=score.metric.id,  # type: ignore[arg-type]
        actual=result.actual,
        expected=result.goal_today,
        progress=result.progress,
        status=result.status,
        confidence=judgement.confidence,
        comment=judgement.comment.strip(),
    )


# ---------------------------------------------------------------- past reviews


def list_reviews(*, session: Session, actor: Actor, plan_id: int) -> list[Review]:
    """The plan's reviews, newest first."""
    require_plan(session, actor, plan_id)
    return list(
        session.exec(
            select(Review)
            .where(Review.plan_id == plan_id)
            .order_by(col(Review.held_on).desc(), col(Review.id).desc())
        )
    )


def get_review(*, session: Session, actor: Actor, review_id: int) -> ReviewDetail:
    """A past review with its items (metric names joined) and the decisions it made."""
    review = session.get(Review, review_id)
    if review is None:
        raise NotFound("That review does not exist or is not yours to see.")
    plan = require_plan(session, actor, review.plan_id)
    rows = session.exec(
        select(ReviewItem, Metric, Objective)
        .join(Metric, Metric.id == ReviewItem.metric_id)
        .join(Objective, Objective.id == Metric.objective_id)
        .where(ReviewItem.review_id == review_id)
        .order_by(Objective.position, Objective.id, Metric.position, Metric.id)
    )
    items = [ReviewItemRow(item, metric, objective) for item, metric, objective in rows]
    revisions = session.exec(
        select(Revision).where(Revision.review_id == review_id).order_by(col(Revision.id))
    )
    decisions = [Decision(r, describe_revision(r, _subject_name(session, r))) for r in revisions]
    return ReviewDetail(review=review, plan=plan, items=items, decisions=decisions)


@dataclass(frozen=True)
class PastReview:
    """A past review as the Review page draws it: tables of plain text, small to cache."""

    summary: str
    items: list[dict[str, str]]
    corrections: list[dict[str, str]]
    next_review_on: date | None
    markdown: str
    file_name: str


def past_review(*, session: Session, actor: Actor, review_id: int) -> PastReview:
    """A past review's summary, tables (user text escaped for Markdown) and download."""
    detail = get_review(session=session, actor=actor, review_id=review_id)
    return PastReview(
        summary=detail.review.summary,
        items=literal_rows(item_table(detail)),
        corrections=literal_rows(decision_table(detail)) if detail.corrections else [],
        next_review_on=detail.next_review_on,
        markdown=review_markdown(detail),
        file_name=detail.file_name,
    )


def _subject_name(session: Session, revision: Revision) -> str:
    """The name of what a revision changed, as it is called now."""
    tables: dict[str, tuple[type, str]] = {
        "metric": (Metric, "name"),
        "task": (Task, "title"),
        "objective": (Objective, "title"),
        "plan": (Plan, "name"),
    }
    if revision.entity in tables and revision.entity_id is not None:
        table, attribute = tables[revision.entity]
        row = session.get(table, revision.entity_id)
        if row is not None:
            return str(getattr(row, attribute))
    return revision.new_value or f"{revision.entity} {revision.entity_id or ''}".strip()


def _readable_value(value: str) -> str:
    if not value:
        return "—"
    try:
        return format_number(float(value))
    except ValueError:
        return value


def describe_revision(revision: Revision, subject: str) -> str:
    """A recorded change in plain words: "Metric “Followers”: target 1,200 → 1,500"."""
    entity = revision.entity.replace("_", " ")
    if revision.action == "create":
        return f"Added the {entity} “{subject}”"
    if revision.field == "status" and revision.new_value == TaskStatus.DROPPED.value:
        return f"Dropped the {entity} “{subject}”"
    if revision.field:
        old, new = _readable_value(revision.old_value), _readable_value(revision.new_value)
        return f"{entity.capitalize()} “{subject}”: {_label(revision.field)} {old} → {new}"
    return f"{revision.action.capitalize()} the {entity} “{subject}”"


def item_table(detail: ReviewDetail) -> list[dict[str, str]]:
    """A past review's items as rows for a table, with readable numbers and labels."""
    return [
        {
            "Metric": row.metric_name,
            "Actual": _with_unit(row.item.actual, row.metric),
            "Goal": _with_unit(row.item.expected, row.metric),
            "Progress": format_progress(row.item.progress),
            "Status": status_badge(row.item.status),
            "Confidence": f"{row.item.confidence}/10",
            "Comment": row.item.comment,
        }
        for row in detail.items
    ]


def decision_table(detail: ReviewDetail) -> list[dict[str, str]]:
    """A past review's course corrections as rows for a table: what changed, why, by whom."""
    return [
        {
            "What changed": d.description,
            "Why": d.revision.reason,
            "By": d.revision.changed_by,
        }
        for d in detail.corrections
    ]


# ---------------------------------------------------------------- Markdown


def literal_rows(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Table rows for a viewer that reads Markdown (st.table), shown exactly as typed."""
    return [{column: literal_markdown(value) for column, value in row.items()} for row in rows]


def review_markdown(detail: ReviewDetail) -> str:
    """The review as a Markdown document: summary, the metrics table, the course corrections."""
    review = detail.review
    lines = [
        f"# Review of {escape_markdown(detail.plan.name)} — {review.held_on.isoformat()}",
        "",
        f"Held on {review.held_on:%A %d %B %Y}"
        + (f" by {escape_markdown(review.created_by)}." if review.created_by else "."),
        "",
        "## Summary",
        "",
        _markdown_paragraphs(review.summary) if review.summary.strip() else "_No summary._",
        "",
        "## Metrics",
        "",
    ]
    lines += _markdown_item_table(detail)
    lines += ["", "## Course corrections", ""]
    if detail.corrections:
        for decision in detail.corrections:
            reason = decision.revision.reason
            why = f" — why: {escape_markdown(reason)}" if reason.strip() else ""
            lines.append(f"- {escape_markdown(decision.description)}{why}")
    else:
        lines.append("No changes to the plan.")
    if detail.next_review_on is not None:
        lines += ["", f"Next review: {detail.next_review_on:%A %d %B %Y}."]
    return "\n".join(lines) + "\n"


def _markdown_item_table(detail: ReviewDetail) -> list[str]:
    if not detail.items:
        return ["No metrics were reviewed."]
    lines = [
        "| Metric | Actual | Goal | Progress | Status | Confidence | Comment |",
        "| --- | ---: | ---: | ---: | --- | ---: | --- |",
    ]
    for row in item_table(detail):
        cells = [escape_markdown(value) for value in row.values()]
        lines.append("| " + " | ".join(cells) + " |")
    return lines
