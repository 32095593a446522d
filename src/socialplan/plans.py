"""Plans: create, read, change (with revisions), and find the one in use."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from socialplan.access import Actor, require_plan, require_workspace
from socialplan.errors import InvalidInput
from socialplan.models import Plan, PlanCreate, PlanStatus, PlanUpdate, Revision, Role
from socialplan.services import (
    changed_fields,
    stage_field_revisions,
    stage_versioned_update,
    validate,
)

STATUS_ORDER = {PlanStatus.ACTIVE: 0, PlanStatus.DRAFT: 1, PlanStatus.CLOSED: 2}


def _check_period(start: date, end: date) -> None:
    if end <= start:
        raise InvalidInput({"period_end": "must be after the period start."})


def create_plan(
    *, session: Session, actor: Actor, workspace_id: int, plan_create: PlanCreate
) -> Plan:
    """A new plan in the workspace."""
    require_workspace(session, actor, workspace_id, Role.EDITOR)
    data = validate(PlanCreate, plan_create)
    _check_period(data.period_start, data.period_end)
    plan = Plan(workspace_id=workspace_id, **data.model_dump())
    session.add(plan)
    session.commit()
    session.refresh(plan)
    return plan


def get_plan(*, session: Session, actor: Actor, plan_id: int) -> Plan:
    """The plan, if the actor may see it."""
    return require_plan(session, actor, plan_id)


def list_plans(*, session: Session, actor: Actor, workspace_id: int) -> list[Plan]:
    """The workspace's plans: active first, then drafts, then closed; newest period first."""
    require_workspace(session, actor, workspace_id)
    query = select(Plan).where(Plan.workspace_id == workspace_id)
    if actor.share_plan_id is not None:
        # A share link opens one plan: its reader never learns of the workspace's others.
        query = query.where(Plan.id == actor.share_plan_id)
    plans = session.exec(query).all()
    return sorted(
        plans,
        key=lambda p: (STATUS_ORDER[PlanStatus(p.status)], -p.period_start.toordinal(), -p.id),
    )


def current_plan(*, session: Session, actor: Actor, workspace_id: int) -> Plan | None:
    """The plan to show by default: the active one, else the newest draft, else the newest."""
    plans = list_plans(session=session, actor=actor, workspace_id=workspace_id)
    return plans[0] if plans else None


def stage_plan_update(
    session: Session,
    actor: Actor,
    plan: Plan,
    plan_update: PlanUpdate,
    *,
    reason: str = "",
    review_id: int | None = None,
) -> Plan:
    """Apply a checked change to the plan and record it as revisions; no commit."""
    data = validate(PlanUpdate, plan_update)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    _check_period(
        changes.get("period_start", plan.period_start), changes.get("period_end", plan.period_end)
    )
    diff = changed_fields(plan, changes)
    stage_versioned_update(session, plan, changes, data.version, what="This plan")
    stage_field_revisions(
        session,
        actor=actor,
        plan_id=plan.id,
        entity="plan",
        entity_id=plan.id,  # type: ignore[arg-type]
        diff=diff,
        reason=reason,
        review_id=review_id,
    )
    return plan


def update_plan(
    *, session: Session, actor: Actor, plan_id: int, plan_update: PlanUpdate, reason: str = ""
) -> Plan:
    """Change the plan's name, period, status or review schedule."""
    plan = require_plan(session, actor, plan_id, Role.EDITOR)
    stage_plan_update(session, actor, plan, plan_update, reason=reason)
    session.commit()
    session.refresh(plan)
    return plan


def list_revisions(*, session: Session, actor: Actor, plan_id: int) -> list[Revision]:
    """The plan's history of changes, newest first."""
    require_plan(session, actor, plan_id)
    return list(
        session.exec(
            select(Revision)
            .where(Revision.plan_id == plan_id)
            .order_by(col(Revision.created_at).desc(), col(Revision.id).desc())
        )
    )
