"""Tasks: the recurring or one-off work that serves an objective, and the time it takes.

A task's owner is its "responsible" person: whenever the owner changes, the matching
Responsibility row (role responsible) changes with it, so the matrix and the owner agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from socialplan.access import Actor, require_objective, require_plan, require_task
from socialplan.errors import InvalidInput
from socialplan.models import (
    Cadence,
    Objective,
    Person,
    Plan,
    RaciRole,
    Responsibility,
    Role,
    Task,
    TaskCreate,
    TaskStatus,
    TaskUpdate,
)
from socialplan.people import format_minutes
from socialplan.services import (
    changed_fields,
    stage_field_revisions,
    stage_revision,
    stage_versioned_update,
    validate,
)

CLOSED_STATUSES = frozenset({TaskStatus.DONE, TaskStatus.DROPPED})
WEEKS_PER_YEAR = 52
# Fields a task always has: None in an update means "leave as it is", not "clear".
REQUIRED_FIELDS = ("title", "cadence", "times_per_week", "minutes", "status")

CADENCE_LABELS = {
    Cadence.ONCE: "Once",
    Cadence.DAILY: "Every day",
    Cadence.WEEKLY: "Every week",
    Cadence.MONTHLY: "Every month",
}
STATUS_LABELS = {
    TaskStatus.TODO: "To do",
    TaskStatus.DOING: "Doing",
    TaskStatus.DONE: "Done",
    TaskStatus.DROPPED: "Dropped",
}

TaskInput = TaskCreate | Mapping[str, Any]
TaskChange = TaskUpdate | Mapping[str, Any]


# ---------------------------------------------------------------- rules


def _explicit(data: TaskInput | TaskChange) -> dict[str, Any]:
    """The fields the caller actually gave (so defaults are not mistaken for choices)."""
    if isinstance(data, Mapping):
        return dict(data)
    return data.model_dump(exclude_unset=True)


def _checked(
    session: Session, plan: Plan, values: dict[str, Any], given: set[str], *, creating: bool
) -> dict[str, Any]:
    """`values` with the cross-field rules applied, or InvalidInput naming every broken one.

    On an update, the due date and the owner are checked only when they (or the cadence)
    change, so a task can still be marked done after its plan period or owner moved on.
    """
    checked = dict(values)
    errors: dict[str, str] = {}
    checked["title"] = checked["title"].strip()
    if not checked["title"]:
        errors["title"] = "is required."
    cadence = Cadence(checked["cadence"])
    if cadence == Cadence.ONCE:
        due = checked.get("due_date")
        if due is None:
            errors["due_date"] = "is required for a one-off task."
        elif (creating or {"due_date", "cadence"} & given) and not (
            plan.period_start <= due <= plan.period_end
        ):
            errors["due_date"] = (
                f"must be within the plan period, {plan.period_start:%d %b %Y} "
                f"to {plan.period_end:%d %b %Y}."
            )
    elif "due_date" in given and checked.get("due_date") is not None:
        errors["due_date"] = "is only for one-off tasks; leave it empty for a task that repeats."
    else:
        checked["due_date"] = None
    if cadence != Cadence.WEEKLY:
        if "times_per_week" in given and checked["times_per_week"] != 1:
            errors["times_per_week"] = "is only for weekly tasks."
        checked["times_per_week"] = 1
    owner_error = None
    if creating or "owner_person_id" in given:
        owner_error = _owner_error(session, plan, checked.get("owner_person_id"))
    if owner_error:
        errors["owner_person_id"] = owner_error
    if errors:
        raise InvalidInput(errors)
    return checked


def _owner_error(session: Session, plan: Plan, person_id: int | None) -> str | None:
    """Why `person_id` cannot own a task of `plan`, or None when they can."""
    if person_id is None:
        return None
    person = session.get(Person, person_id)
    # Ids come from the browser, so a person of another business must be refused here.
    if person is None or person.workspace_id != plan.workspace_id:
        return "must be someone on this business's team."
    if person.archived_at is not None:
        return f"cannot be {person.name}, who is no longer on the team."
    return None


def _next_position(session: Session, objective_id: int) -> int:
    highest = session.exec(
        select(func.max(Task.position)).where(Task.objective_id == objective_id)
    ).one()
    return (highest or 0) + 1


def _person_name(session: Session, person_id: int | None) -> str:
    person = session.get(Person, person_id) if person_id is not None else None
    return person.name if person else ""


def _stage_owner_role(
    session: Session, task: Task, old_owner: int | None, new_owner: int | None
) -> None:
    """Move the task's "responsible" row from the old owner to the new one; no commit."""
    stale = session.exec(
        select(Responsibility).where(
            Responsibility.task_id == task.id,
            col(Responsibility.person_id).in_([p for p in (old_owner, new_owner) if p]),
        )
    ).all()
    for row in stale:
        # The new owner's row is replaced too: a person has one role per task.
        if row.person_id == new_owner or row.role == RaciRole.RESPONSIBLE:
            session.delete(row)
    session.flush()
    if new_owner is not None:
        session.add(Responsibility(person_id=new_owner, task_id=task.id, role=RaciRole.RESPONSIBLE))


# ---------------------------------------------------------------- writes


def stage_task_create(
    session: Session,
    actor: Actor,
    objective: Objective,
    plan: Plan,
    task_create: TaskInput,
    *,
    reason: str = "",
    review_id: int | None = None,
) -> Task:
    """Add a checked task to the objective and record it as a revision; no commit."""
    data = validate(TaskCreate, task_create)
    if objective.archived_at is not None:
        raise InvalidInput({"objective": f"“{objective.title}” is archived; pick another one."})
    given = set(_explicit(task_create))
    values = _checked(session, plan, data.model_dump(), given, creating=True)
    task = Task(objective_id=objective.id, position=_next_position(session, objective.id), **values)
    session.add(task)
    session.flush()
    stage_revision(
        session,
        actor=actor,
        plan_id=plan.id,  # type: ignore[arg-type]
        entity="task",
        entity_id=task.id,
        action="create",
        new_value=task.title,
        reason=reason,
        review_id=review_id,
    )
    if task.owner_person_id is not None:
        _stage_owner_role(session, task, None, task.owner_person_id)
    return task


def stage_task_update(
    session: Session,
    actor: Actor,
    task: Task,
    plan: Plan,
    task_update: TaskChange,
    *,
    reason: str = "",
    review_id: int | None = None,
) -> Task:
    """Apply a checked, versioned change to the task and record each changed field; no commit."""
    data = validate(TaskUpdate, task_update)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    changes = {k: v for k, v in changes.items() if v is not None or k not in REQUIRED_FIELDS}
    current = {name: getattr(task, name) for name in TaskCreate.model_fields}
    checked = _checked(session, plan, {**current, **changes}, set(changes), creating=False)
    # Keep what the caller changed plus what the rules cleared (a due date on a weekly task).
    changes = {k: v for k, v in checked.items() if k in changes or v != current[k]}
    diff = changed_fields(task, changes)
    old_owner = task.owner_person_id
    stage_versioned_update(session, task, changes, data.version, what=f"The task “{task.title}”")
    recorded = dict(diff)
    if "owner_person_id" in diff:
        # Names, not ids, so the plan's history reads well after people come and go.
        old, new = diff["owner_person_id"]
        recorded["owner_person_id"] = (_person_name(session, old), _person_name(session, new))
    stage_field_revisions(
        session,
        actor=actor,
        plan_id=plan.id,
        entity="task",
        entity_id=task.id,  # type: ignore[arg-type]
        diff=recorded,
        reason=reason,
        review_id=review_id,
    )
    if "owner_person_id" in diff:
        _stage_owner_role(session, task, old_owner, task.owner_person_id)
    return task


def create_task(
    *, session: Session, actor: Actor, objective_id: int, task_create: TaskInput
) -> Task:
    """A new task serving the objective."""
    objective, plan = require_objective(session, actor, objective_id, Role.EDITOR)
    task = stage_task_create(session, actor, objective, plan, task_create)
    session.commit()
    session.refresh(task)
    return task


def update_task(*, session: Session, actor: Actor, task_id: int, task_update: TaskChange) -> Task:
    """Change a task (including its status: done, dropped); refused if someone saved first."""
    task, _, plan = require_task(session, actor, task_id, Role.EDITOR)
    stage_task_update(session, actor, task, plan, task_update)
    session.commit()
    session.refresh(task)
    return task


# ---------------------------------------------------------------- reads


def tasks_by_objective(
    *, session: Session, actor: Actor, plan_id: int, include_dropped: bool = True
) -> list[tuple[Objective, list[Task]]]:
    """Each active objective of the plan, in order, with its tasks (possibly none)."""
    require_plan(session, actor, plan_id)
    objectives = session.exec(
        select(Objective)
        .where(Objective.plan_id == plan_id, col(Objective.archived_at).is_(None))
        .order_by(Objective.position, Objective.id)
    ).all()
    tasks = list_tasks(
        session=session, actor=actor, plan_id=plan_id, include_dropped=include_dropped
    )
    return [(o, [t for t in tasks if t.objective_id == o.id]) for o in objectives]


def list_tasks(
    *, session: Session, actor: Actor, plan_id: int, include_dropped: bool = True
) -> list[Task]:
    """The tasks of the plan's active objectives, in objective order, then task order."""
    require_plan(session, actor, plan_id)
    query = (
        select(Task)
        .join(Objective, Objective.id == Task.objective_id)
        .where(Objective.plan_id == plan_id, col(Objective.archived_at).is_(None))
        .order_by(Objective.position, Objective.id, Task.position, Task.id)
    )
    if not include_dropped:
        query = query.where(Task.status != TaskStatus.DROPPED)
    return list(session.exec(query))


def weekly_minutes(task: Task) -> int:
    """Minutes the task takes in an ordinary week.

    A monthly task is spread over the weeks of a year (12 months / 52 weeks). A one-off
    task counts 0: it does not recur, so it is no part of the ongoing weekly budget a
    person signs off; it shows up instead in "This week" when it falls due.
    """
    cadence = Cadence(task.cadence)
    if cadence == Cadence.DAILY:
        return task.minutes * 7
    if cadence == Cadence.WEEKLY:
        return task.minutes * task.times_per_week
    if cadence == Cadence.MONTHLY:
        return round(task.minutes * 12 / WEEKS_PER_YEAR)
    return 0


def is_open(task: Task) -> bool:
    """Whether the task is still to be done (neither done nor dropped)."""
    return TaskStatus(task.status) not in CLOSED_STATUSES


def week_of(today: date) -> tuple[date, date]:
    """The Monday and the Sunday of `today`'s week."""
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


def tasks_this_week(tasks: Iterable[Task], today: date) -> list[Task]:
    """Open recurring tasks, plus open one-off tasks due Monday–Sunday of `today`'s week."""
    monday, sunday = week_of(today)
    return [
        t
        for t in tasks
        if is_open(t)
        and (
            Cadence(t.cadence) != Cadence.ONCE
            or (t.due_date is not None and monday <= t.due_date <= sunday)
        )
    ]


def overdue_tasks(tasks: Iterable[Task], today: date) -> list[Task]:
    """Open one-off tasks whose due date has passed."""
    return [
        t
        for t in tasks
        if is_open(t)
        and Cadence(t.cadence) == Cadence.ONCE
        and t.due_date is not None
        and t.due_date < today
    ]


# ---------------------------------------------------------------- words for the page


def fields_for_cadence(values: Mapping[str, Any]) -> dict[str, Any]:
    """A task form's values without those its cadence ignores (a due date on a weekly task).

    A form shows every field at once, so what does not apply must not be sent as a choice.
    """
    kept = dict(values)
    cadence = kept.get("cadence")
    if cadence != Cadence.ONCE:
        kept.pop("due_date", None)
    if cadence != Cadence.WEEKLY:
        kept.pop("times_per_week", None)
    return kept


def cadence_text(task: Task) -> str:
    """How often, in plain words: "3 times a week", "Once, due Fri 12 Mar 2027"."""
    cadence = Cadence(task.cadence)
    if cadence == Cadence.ONCE:
        return f"Once, due {task.due_date:%a %d %b %Y}" if task.due_date else "Once"
    if cadence == Cadence.WEEKLY and task.times_per_week > 1:
        return f"{task.times_per_week} times a week"
    return CADENCE_LABELS[cadence]


def time_text(task: Task) -> str:
    """How long, in plain words: "30 min each · 1 h 30 min a week"."""
    each = f"{format_minutes(task.minutes)} each"
    if Cadence(task.cadence) == Cadence.ONCE:
        return format_minutes(task.minutes)
    return f"{each} · {format_minutes(weekly_minutes(task))} a week"


def task_table(
    tasks: Iterable[Task], *, objective_titles: Mapping[int, str], owner_names: Mapping[int, str]
) -> list[dict[str, str]]:
    """Rows describing tasks for a table: task, objective, how often, time, owner, status."""
    return [
        {
            "Task": t.title,
            "Objective": objective_titles.get(t.objective_id, ""),
            "How often": cadence_text(t),
            "Time": time_text(t),
            "Owner": owner_names.get(t.owner_person_id or 0, "Nobody yet"),
            "Status": STATUS_LABELS[TaskStatus(t.status)],
        }
        for t in tasks
    ]
