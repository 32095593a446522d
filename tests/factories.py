"""Small helpers that arrange data for tests through the real services."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from socialplan.access import Actor
from socialplan.models import Plan, Workspace
from socialplan.workspaces import start_plan

PLAN_START = date(2027, 1, 1)
PLAN_END = date(2027, 6, 30)


def create_workspace_with_plan(
    session: Session,
    actor: Actor | None = None,
    *,
    name: str = "Rosa's Bakery",
    plan_name: str = "2027 H1",
    period_start: date = PLAN_START,
    period_end: date = PLAN_END,
) -> tuple[Workspace, Plan]:
    """A workspace with one active plan, as Home's "Start my plan" makes it."""
    return start_plan(
        session=session,
        actor=actor or Actor.local(),
        business_name=name,
        plan_name=plan_name,
        period_start=period_start,
        period_end=period_end,
    )
