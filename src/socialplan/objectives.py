"""Objectives: what the business wants from social media, in the order it matters."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from socialplan.access import Actor, require_objective, require_plan
from socialplan.errors import InvalidInput
from socialplan.models import (
    Objective,
    ObjectiveCategory,
    ObjectiveCreate,
    ObjectiveUpdate,
    Priority,
    Role,
    utcnow,
)
from socialplan.services import (
    changed_fields,
    stage_field_revisions,
    stage_revision,
    stage_versioned_update,
    validate,
)

ENTITY = "objective"
WHAT = "This objective"

CATEGORY_LABELS = {
    ObjectiveCategory.AWARENESS: "Awareness — more people know us",
    ObjectiveCategory.ENGAGEMENT: "Engagement — people talk with us",
    ObjectiveCategory.LEADS: "Leads — enquiries from possible customers",
    ObjectiveCategory.SALES: "Sales — orders that start on social media",
    ObjectiveCategory.CUSTOMER_SERVICE: "Customer service — quick, helpful answers",
    ObjectiveCategory.HIRING: "Hiring — people want to work with us",
    ObjectiveCategory.OTHER: "Something else",
}
PRIORITY_LABELS = {
    Priority.HIGH: "High",
    Priority.MEDIUM: "Medium",
    Priority.LOW: "Low",
}


def _active_in_order(session: Session, plan_id: int) -> list[Objective]:
    return list(
        session.exec(
            select(Objective)
            .where(Objective.plan_id == plan_id, col(Objective.archived_at).is_(None))
            .order_by(Objective.position, Objective.id)
        )
    )


def _next_position(session: Session, plan_id: int) -> int:
    active = _active_in_order(session, plan_id)
    return max((o.position for o in active), default=-1) + 1


def _clean_title(title: str) -> str:
    cleaned = title.strip()
    if not cleaned:
        raise InvalidInput({"title": "is required."})
    return cleaned


def create_objective(
    *,
    session: Session,
    actor: Actor,
    plan_id: int,
    objective_create: ObjectiveCreate | dict[str, Any],
) -> Objective:
    """A new objective of the plan, placed after the others."""
    require_plan(session, actor, plan_id, Role.EDITOR)
    data = validate(ObjectiveCreate, objective_create)
    values = {**data.model_dump(), "title": _clean_title(data.title), "why": data.why.strip()}
    objective = Objective(plan_id=plan_id, position=_next_position(session, plan_id), **values)
    session.add(objective)
    session.flush()
    stage_revision(
        session,
        actor=actor,
        plan_id=plan_id,
        entity=ENTITY,
        entity_id=objective.id,
        action="create",
        new_value=objective.title,
    )
    session.commit()
    session.refresh(objective)
    return objective


def get_objective(*, session: Session, actor: Actor, objective_id: int) -> Objective:
    """The objective, if the actor may see it."""
    objective, _ = require_objective(session, actor, objective_id)
    return objective


def update_objective(
    *,
    session: Session,
    actor: Actor,
    objective_id: int,
    objective_update: ObjectiveUpdate | dict[str, Any],
) -> Objective:
    """Change an objective's title, why, category or priority; refused if stale."""
    objective, plan = require_objective(session, actor, objective_id, Role.EDITOR)
    data = validate(ObjectiveUpdate, objective_update)
    # Every field of an objective is required in the table, so None means "leave as is".
    changes = {
        field: value
        for field, value in data.model_dump(exclude_unset=True, exclude={"version"}).items()
        if value is not None
    }
    if "title" in changes:
        changes["title"] = _clean_title(changes["title"])
    if "why" in changes:
        changes["why"] = changes["why"].strip()
    diff = changed_fields(objective, changes)
    stage_versioned_update(session, objective, changes, data.version, what=WHAT)
    stage_field_revisions(
        session,
        actor=actor,
        plan_id=plan.id,
        entity=ENTITY,
        entity_id=objective.id,
        diff=diff,  # type: ignore[arg-type]
    )
    session.commit()
    session.refresh(objective)
    return objective


def move_objective(
    *, session: Session, actor: Actor, objective_id: int, offset: int
) -> list[Objective]:
    """Move an objective up (-1) or down (+1); returns the active objectives in their new order.

    Positions are renumbered 0..n-1 on every move, which also heals any duplicates left
    by two people adding objectives at the same moment. The position is bookkeeping, not
    content, so a move does not bump versions: an edit form opened before the move still saves.
    """
    objective, plan = require_objective(session, actor, objective_id, Role.EDITOR)
    if objective.archived_at is not None:
        raise InvalidInput({"position": "cannot change while the objective is archived."})
    ordered = _active_in_order(session, plan.id)  # type: ignore[arg-type]
    current = next(i for i, o in enumerate(ordered) if o.id == objective.id)
    wanted = min(max(current + offset, 0), len(ordered) - 1)
    ordered.insert(wanted, ordered.pop(current))
    for position, item in enumerate(ordered):
        if item.position != position:
            item.position = position
            session.add(item)
    session.commit()
    return _active_in_order(session, plan.id)  # type: ignore[arg-type]


def _stage_archived_at(
    session: Session, actor: Actor, objective_id: int, version: int, *, archive: bool
) -> Objective:
    objective, plan = require_objective(session, actor, objective_id, Role.EDITOR)
    if (objective.archived_at is not None) == archive:
        return objective  # already where the user wants it: nothing to record
    changes: dict[str, Any] = {"archived_at": utcnow() if archive else None}
    if not archive:
        # A restored objective comes back at the end, after those kept active meanwhile.
        changes["position"] = _next_position(session, plan.id)  # type: ignore[arg-type]
    stage_versioned_update(session, objective, changes, version, what=WHAT)
    stage_revision(
        session,
        actor=actor,
        plan_id=plan.id,  # type: ignore[arg-type]
        entity=ENTITY,
        entity_id=objective.id,
        action="archive" if archive else "restore",
        old_value=objective.title,
    )
    return objective


def archive_objective(
    *, session: Session, actor: Actor, objective_id: int, version: int
) -> Objective:
    """Put an objective (and with it its metrics and tasks) out of the plan, keeping its history."""
    objective = _stage_archived_at(session, actor, objective_id, version, archive=True)
    session.commit()
    session.refresh(objective)
    return objective


def restore_objective(
    *, session: Session, actor: Actor, objective_id: int, version: int
) -> Objective:
    """Bring an archived objective back into the plan, at the end of the list."""
    objective = _stage_archived_at(session, actor, objective_id, version, archive=False)
    session.commit()
    session.refresh(objective)
    return objective


def list_objectives(
    *, session: Session, actor: Actor, plan_id: int, include_archived: bool = False
) -> list[Objective]:
    """The plan's objectives in position order; archived ones (when asked for) come last."""
    require_plan(session, actor, plan_id)
    active = _active_in_order(session, plan_id)
    if not include_archived:
        return active
    archived = session.exec(
        select(Objective)
        .where(Objective.plan_id == plan_id, col(Objective.archived_at).is_not(None))
        .order_by(Objective.position, Objective.id)
    )
    return active + list(archived)
