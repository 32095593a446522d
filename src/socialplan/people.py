"""People on the team: add, change, archive, list; and their weekly time budget in hours.

The UI speaks of hours per week; the model stores `weekly_budget_minutes`, so every
conversion between the two lives here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

from sqlmodel import Session, col, select

from socialplan.access import Actor, require_person, require_workspace
from socialplan.errors import InvalidInput
from socialplan.models import (
    Objective,
    Person,
    PersonCreate,
    PersonUpdate,
    Plan,
    PlanStatus,
    Responsibility,
    Role,
    Task,
    TaskStatus,
    utcnow,
)
from socialplan.services import stage_revision, stage_versioned_update, validate

M = TypeVar("M", PersonCreate, PersonUpdate)
MAX_WEEKLY_HOURS = 7 * 24
# Deliberately loose: it catches typos such as a missing "@", not every invalid address.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def hours_to_minutes(hours: float) -> int:
    """A budget typed in hours (1.5) as whole minutes (90)."""
    return round(hours * 60)


def minutes_to_hours(minutes: int) -> float:
    """Whole minutes (90) as hours (1.5), for a number input that speaks hours."""
    return minutes / 60


def format_minutes(minutes: int) -> str:
    """Minutes in plain words: 390 -> "6 h 30 min", 45 -> "45 min", 120 -> "2 h"."""
    hours, rest = divmod(abs(minutes), 60)
    sign = "-" if minutes < 0 else ""
    if hours and rest:
        return f"{sign}{hours} h {rest} min"
    if hours:
        return f"{sign}{hours} h"
    return f"{sign}{rest} min"


def _raw(data: Mapping[str, Any] | PersonCreate | PersonUpdate) -> dict[str, Any]:
    if isinstance(data, Mapping):
        return dict(data)
    return data.model_dump(exclude_unset=True)


def _validated(model: type[M], raw: dict[str, Any]) -> M:
    """`validate`, with the budget's message in the hours the user typed, not in minutes."""
    try:
        return validate(model, raw)
    except InvalidInput as error:
        errors = dict(error.errors)
        if "weekly_budget_minutes" in errors and isinstance(
            raw.get("weekly_budget_minutes"), int | float
        ):
            errors["weekly_budget_minutes"] = (
                f"must be between 0 and {MAX_WEEKLY_HOURS} hours a week."
            )
        raise InvalidInput(errors) from error


def _clean_contact(raw: dict[str, Any]) -> dict[str, Any]:
    """Trim the name and email; an empty email means no email."""
    cleaned = dict(raw)
    if isinstance(cleaned.get("name"), str):
        cleaned["name"] = cleaned["name"].strip()
    if "email" in cleaned:
        email = (cleaned["email"] or "").strip()
        cleaned["email"] = email or None
    return cleaned


def _check_contact(
    session: Session, workspace_id: int, name: str | None, email: str | None, *, skip_id: int | None
) -> None:
    errors: dict[str, str] = {}
    if email is not None and not EMAIL_PATTERN.match(email):
        errors["email"] = "does not look like an email address (name@example.com)."
    if name is not None and _name_taken(session, workspace_id, name, skip_id):
        # The matrix and the owner lists show people by name, so two alike would be confusing.
        errors["name"] = f"“{name}” is already on the team; add something to tell them apart."
    if errors:
        raise InvalidInput(errors)


def _name_taken(session: Session, workspace_id: int, name: str, skip_id: int | None) -> bool:
    others = session.exec(
        select(Person.name).where(
            Person.workspace_id == workspace_id,
            col(Person.archived_at).is_(None),
            Person.id != (skip_id or 0),
        )
    ).all()
    return name.casefold() in {other.casefold() for other in others}


def create_person(
    *,
    session: Session,
    actor: Actor,
    workspace_id: int,
    person_create: PersonCreate | Mapping[str, Any],
) -> Person:
    """A new person on the workspace's team."""
    require_workspace(session, actor, workspace_id, Role.EDITOR)
    raw = _clean_contact(_raw(person_create))
    data = _validated(PersonCreate, raw)
    _check_contact(session, workspace_id, data.name, data.email, skip_id=None)
    person = Person(workspace_id=workspace_id, **data.model_dump())
    session.add(person)
    session.commit()
    session.refresh(person)
    return person


def update_person(
    *,
    session: Session,
    actor: Actor,
    person_id: int,
    person_update: PersonUpdate | Mapping[str, Any],
) -> Person:
    """Change a person's name, email or weekly budget; refused if someone saved first."""
    person = require_person(session, actor, person_id, Role.EDITOR)
    raw = _clean_contact(_raw(person_update))
    data = _validated(PersonUpdate, raw)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    # None means "leave as it is" for the fields a person must always have.
    changes = {k: v for k, v in changes.items() if v is not None or k == "email"}
    _check_contact(
        session, person.workspace_id, changes.get("name"), changes.get("email"), skip_id=person.id
    )
    stage_versioned_update(session, person, changes, data.version, what=f"{person.name}'s details")
    session.commit()
    session.refresh(person)
    return person


def archive_person(*, session: Session, actor: Actor, person_id: int, version: int) -> Person:
    """Take a person off the team, freeing their open tasks and roles in plans still running.

    Done and dropped tasks keep their owner and roles, and closed plans keep everything, so
    history still says who did the work.
    """
    person = require_person(session, actor, person_id, Role.EDITOR)
    stage_versioned_update(
        session, person, {"archived_at": utcnow()}, version, what=f"{person.name}'s details"
    )
    _stage_release_open_work(session, actor, person)
    session.commit()
    session.refresh(person)
    return person


def _stage_release_open_work(session: Session, actor: Actor, person: Person) -> None:
    """Unassign the person's open tasks; drop their roles on open work of plans not closed."""
    open_plans = select(Plan.id).where(
        Plan.workspace_id == person.workspace_id, Plan.status != PlanStatus.CLOSED
    )
    open_objectives = select(Objective.id).where(col(Objective.plan_id).in_(open_plans))
    open_tasks = session.exec(
        select(Task, Objective.plan_id)
        .join(Objective, Objective.id == Task.objective_id)
        .where(
            col(Task.objective_id).in_(open_objectives),
            Task.owner_person_id == person.id,
            col(Task.status).in_([TaskStatus.TODO, TaskStatus.DOING]),
        )
    ).all()
    for task, plan_id in open_tasks:
        stage_versioned_update(session, task, {"owner_person_id": None}, task.version, "A task")
        stage_revision(
            session,
            actor=actor,
            plan_id=plan_id,
            entity="task",
            entity_id=task.id,
            action="update",
            field="owner_person_id",
            old_value=person.name,
            new_value="",
            reason=f"{person.name} left the team.",
        )
    open_task_ids = select(Task.id).where(
        col(Task.objective_id).in_(open_objectives),
        col(Task.status).in_([TaskStatus.TODO, TaskStatus.DOING]),
    )
    roles = session.exec(
        select(Responsibility).where(
            Responsibility.person_id == person.id,
            col(Responsibility.objective_id).in_(open_objectives)
            | col(Responsibility.task_id).in_(open_task_ids),
        )
    ).all()
    for role in roles:
        session.delete(role)


def list_people(
    *, session: Session, actor: Actor, workspace_id: int, include_archived: bool = False
) -> list[Person]:
    """The workspace's team, by name (case ignored); archived people only when asked."""
    require_workspace(session, actor, workspace_id)
    query = select(Person).where(Person.workspace_id == workspace_id)
    if not include_archived:
        query = query.where(col(Person.archived_at).is_(None))
    return sorted(session.exec(query).all(), key=lambda p: (p.name.casefold(), p.id))


def person_table(people: list[Person]) -> list[dict[str, str]]:
    """Rows for a table of the team: name, email and weekly budget in hours."""
    return [
        {
            "Name": person.name,
            "Email": person.email or "—",
            "Time a week": format_minutes(person.weekly_budget_minutes),
        }
        for person in people
    ]
