"""Progress through the five steps of the plan wizard, and what to do next."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from socialplan.access import Actor, require_plan
from socialplan.models import Metric, Objective, Plan, RaciRole, Responsibility, Task, TaskStatus

STEP_PAGES = {
    1: "app_pages/objectives.py",
    2: "app_pages/metrics.py",
    3: "app_pages/tasks.py",
    4: "app_pages/responsibilities.py",
    5: "app_pages/review.py",
}


@dataclass(frozen=True)
class StepState:
    """One wizard step: whether it is complete, and in plain words what is missing."""

    number: int
    title: str
    complete: bool
    detail: str

    @property
    def page(self) -> str:
        return STEP_PAGES[self.number]


def _active_objectives(session: Session, plan_id: int) -> list[Objective]:
    return list(
        session.exec(
            select(Objective).where(
                Objective.plan_id == plan_id,
                Objective.archived_at.is_(None),  # type: ignore[union-attr]
            )
        )
    )


def step_progress(*, session: Session, actor: Actor, plan_id: int) -> list[StepState]:
    """The five steps of the plan, each complete or with what is still missing."""
    plan = require_plan(session, actor, plan_id)
    objectives = _active_objectives(session, plan_id)
    ids = [o.id for o in objectives]
    metrics = session.exec(
        select(Metric.objective_id).where(
            Metric.objective_id.in_(ids),  # type: ignore[union-attr]
            Metric.archived_at.is_(None),  # type: ignore[union-attr]
        )
    ).all()
    tasks = list(
        session.exec(
            select(Task).where(
                Task.objective_id.in_(ids),  # type: ignore[union-attr]
                Task.status != TaskStatus.DROPPED,
            )
        )
    )
    accountable = Counter(
        session.exec(
            select(Responsibility.objective_id).where(
                Responsibility.objective_id.in_(ids),  # type: ignore[union-attr]
                Responsibility.role == RaciRole.ACCOUNTABLE,
            )
        ).all()
    )
    return [
        _objectives_step(objectives),
        _per_objective_step(2, "Metrics", objectives, set(metrics), "a metric"),
        _per_objective_step(3, "Tasks", objectives, {t.objective_id for t in tasks}, "a task"),
        _responsibilities_step(objectives, tasks, accountable),
        _review_step(plan),
    ]


def _objectives_step(objectives: list[Objective]) -> StepState:
    if objectives:
        return StepState(1, "Objectives", True, f"{len(objectives)} objective(s)")
    return StepState(
        1, "Objectives", False, "Write down what the business wants from social media."
    )


def _per_objective_step(
    number: int, title: str, objectives: list[Objective], covered: set[int], what: str
) -> StepState:
    missing = [o.title for o in objectives if o.id not in covered]
    if objectives and not missing:
        return StepState(number, title, True, f"Every objective has {what}.")
    if not objectives:
        return StepState(number, title, False, "Needs objectives first.")
    return StepState(number, title, False, f"Give {what} to: {', '.join(missing)}.")


def _responsibilities_step(
    objectives: list[Objective], tasks: list[Task], accountable: Counter
) -> StepState:
    problems = [
        f"“{o.title}” needs exactly one accountable person"
        for o in objectives
        if accountable.get(o.id, 0) != 1
    ]
    unowned = [t.title for t in tasks if t.owner_person_id is None]
    if unowned:
        problems.append(f"{len(unowned)} task(s) have no owner")
    if objectives and not problems:
        return StepState(4, "Responsibilities", True, "Everyone knows what they own.")
    if not objectives:
        return StepState(4, "Responsibilities", False, "Needs objectives first.")
    return StepState(4, "Responsibilities", False, "; ".join(problems) + ".")


def _review_step(plan: Plan) -> StepState:
    if plan.review_cadence and plan.next_review_on:
        return StepState(5, "Review", True, f"Next review on {plan.next_review_on:%a %d %b %Y}.")
    return StepState(5, "Review", False, "Choose how often you review and the next review date.")


def review_due_text(next_review_on: date, today: date) -> str:
    """When the next review is, in words: "Sun 06 Dec 2026 (in 10 days)"."""
    days = (next_review_on - today).days
    if days == 0:
        when = "today"
    elif days > 0:
        when = "tomorrow" if days == 1 else f"in {days} days"
    else:
        when = f"overdue by {-days} day{'s' if days < -1 else ''}"
    return f"{next_review_on:%a %d %b %Y} ({when})"


def next_step(steps: list[StepState]) -> StepState | None:
    """The first step that is not complete, or None when the plan is complete."""
    return next((s for s in steps if not s.complete), None)
