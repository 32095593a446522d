"""Who is acting, and what their role lets them do in a workspace.

Every service takes an `Actor` and calls one of the `require_*` functions before it reads
or writes, so no page, CLI command or share link can get round the roles.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from socialplan import versions
from socialplan.errors import NotAllowed, NotFound
from socialplan.models import Membership, Metric, Objective, Person, Plan, Role, Task, Workspace

ROLE_RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.OWNER: 3}
WHAT_ROLE_MAY = {
    Role.VIEWER: "read this workspace",
    Role.EDITOR: "change the plan",
    Role.OWNER: "manage this workspace",
}


@dataclass(frozen=True)
class Actor:
    """The user a service acts for.

    `is_local` is the person at the keyboard of a local install: owner of every workspace.
    `share_plan_id` is a reader of a share link: a viewer of that one plan, nothing else.
    """

    user_id: int | None = None
    label: str = "You"
    is_local: bool = False
    share_plan_id: int | None = None

    @classmethod
    def local(cls, label: str = "Owner") -> Actor:
        return cls(label=label, is_local=True)

    @classmethod
    def user(cls, user_id: int, label: str) -> Actor:
        return cls(user_id=user_id, label=label)

    @classmethod
    def share_reader(cls, plan_id: int) -> Actor:
        return cls(label="Share link reader", share_plan_id=plan_id)


def role_in_workspace(session: Session, actor: Actor, workspace_id: int) -> Role | None:
    """The actor's role in the workspace, or None when they have none."""
    if actor.is_local:
        return Role.OWNER
    if actor.share_plan_id is not None:
        plan = session.get(Plan, actor.share_plan_id)
        return Role.VIEWER if plan is not None and plan.workspace_id == workspace_id else None
    if actor.user_id is None:
        return None
    membership = session.exec(
        select(Membership).where(
            Membership.workspace_id == workspace_id, Membership.user_id == actor.user_id
        )
    ).first()
    return Role(membership.role) if membership else None


def require_workspace(
    session: Session, actor: Actor, workspace_id: int, needed: Role = Role.VIEWER
) -> Workspace:
    """The workspace, if the actor's role there is at least `needed`; else NotAllowed/NotFound."""
    workspace = session.get(Workspace, workspace_id)
    role = role_in_workspace(session, actor, workspace_id) if workspace else None
    # Whatever this session goes on to write, it writes here: its data version moves on.
    versions.note_workspace(session, workspace_id)
    if workspace is None or role is None:
        # The same answer for "missing" and "not yours", so ids cannot be probed.
        raise NotFound("That workspace does not exist or is not yours to see.")
    if ROLE_RANK[role] < ROLE_RANK[needed]:
        raise NotAllowed(
            f"Your role here is {role.value}: only an {needed.value} or above may "
            f"{WHAT_ROLE_MAY[needed]}."
        )
    return workspace


def require_member(
    session: Session, actor: Actor, workspace_id: int, needed: Role = Role.VIEWER
) -> Workspace:
    """Like `require_workspace`, but for a workspace's own matters: share readers are refused.

    A share link opens one plan; the workspace's members, invitations, links and settings
    are none of its reader's business, so they get the same NotFound as a stranger.
    """
    if actor.share_plan_id is not None:
        raise NotFound("That workspace does not exist or is not yours to see.")
    return require_workspace(session, actor, workspace_id, needed)


def require_plan(session: Session, actor: Actor, plan_id: int, needed: Role = Role.VIEWER) -> Plan:
    """The plan, if the actor may act on it with `needed`; share readers see only theirs."""
    plan = session.get(Plan, plan_id)
    if plan is None or (actor.share_plan_id is not None and actor.share_plan_id != plan_id):
        raise NotFound("That plan does not exist or is not yours to see.")
    require_workspace(session, actor, plan.workspace_id, needed)
    return plan


def require_objective(
    session: Session, actor: Actor, objective_id: int, needed: Role = Role.VIEWER
) -> tuple[Objective, Plan]:
    """The objective and its plan, checked like `require_plan`."""
    objective = session.get(Objective, objective_id)
    if objective is None:
        raise NotFound("That objective does not exist or is not yours to see.")
    return objective, require_plan(session, actor, objective.plan_id, needed)


def require_metric(
    session: Session, actor: Actor, metric_id: int, needed: Role = Role.VIEWER
) -> tuple[Metric, Objective, Plan]:
    """The metric with its objective and plan, checked like `require_plan`."""
    metric = session.get(Metric, metric_id)
    if metric is None:
        raise NotFound("That metric does not exist or is not yours to see.")
    objective, plan = require_objective(session, actor, metric.objective_id, needed)
    return metric, objective, plan


def require_task(
    session: Session, actor: Actor, task_id: int, needed: Role = Role.VIEWER
) -> tuple[Task, Objective, Plan]:
    """The task with its objective and plan, checked like `require_plan`."""
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound("That task does not exist or is not yours to see.")
    objective, plan = require_objective(session, actor, task.objective_id, needed)
    return task, objective, plan


def require_person(
    session: Session, actor: Actor, person_id: int, needed: Role = Role.VIEWER
) -> Person:
    """The person, if the actor may act on their workspace with `needed`."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("That person does not exist or is not yours to see.")
    require_workspace(session, actor, person.workspace_id, needed)
    return person
