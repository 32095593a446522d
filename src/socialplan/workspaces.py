"""Workspaces: create one, find one, list those the actor belongs to."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import Session, select

from socialplan.access import Actor, require_member, require_workspace
from socialplan.errors import InvalidInput, NotAllowed, NotFound
from socialplan.models import (
    Membership,
    PeerGroup,
    PeerGroupMember,
    Plan,
    PlanCreate,
    PlanStatus,
    Role,
    Workspace,
    WorkspaceBase,
    WorkspaceCreate,
)
from socialplan.services import stage_versioned_update, validate

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def slugify(name: str) -> str:
    """A URL-safe slug from a business name: "Rosa's Bakery" -> "rosas-bakery"."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower().replace("'", "")).strip("-")
    return slug[:64].rstrip("-") or "workspace"


def _unique_slug(session: Session, wanted: str) -> str:
    slug, n = wanted, 1
    while session.exec(select(Workspace.id).where(Workspace.slug == slug)).first() is not None:
        n += 1
        suffix = f"-{n}"
        slug = wanted[: 64 - len(suffix)] + suffix
    return slug


def stage_workspace(session: Session, actor: Actor, data: WorkspaceCreate) -> Workspace:
    """Add a workspace (and the actor's owner membership) to the session; no commit."""
    if actor.share_plan_id is not None or (actor.user_id is None and not actor.is_local):
        raise NotAllowed("Sign in to create a workspace.")
    data = validate(WorkspaceCreate, data)
    if data.slug is not None:
        if not SLUG_PATTERN.fullmatch(data.slug):
            raise InvalidInput({"slug": "use lowercase letters, digits and dashes only."})
        if session.exec(select(Workspace.id).where(Workspace.slug == data.slug)).first():
            raise InvalidInput({"slug": f"“{data.slug}” is already taken."})
        slug = data.slug
    else:
        slug = _unique_slug(session, slugify(data.name))
    workspace = Workspace(name=data.name.strip(), slug=slug)
    session.add(workspace)
    session.flush()
    if actor.user_id is not None:
        session.add(Membership(workspace_id=workspace.id, user_id=actor.user_id, role=Role.OWNER))
    return workspace


def create_workspace(
    *, session: Session, actor: Actor, workspace_create: WorkspaceCreate
) -> Workspace:
    """A new workspace owned by the actor."""
    workspace = stage_workspace(session, actor, workspace_create)
    session.commit()
    session.refresh(workspace)
    return workspace


def start_plan(
    *,
    session: Session,
    actor: Actor,
    business_name: str,
    plan_name: str,
    period_start: date,
    period_end: date,
) -> tuple[Workspace, Plan]:
    """Home's "Start my plan": a workspace for the business and its first, active plan."""
    errors: dict[str, str] = {}
    if not business_name.strip():
        errors["business_name"] = "is required."
    if not plan_name.strip():
        errors["plan_name"] = "is required."
    if period_end <= period_start:
        errors["period_end"] = "must be after the period start."
    if errors:
        raise InvalidInput(errors)
    workspace = stage_workspace(session, actor, WorkspaceCreate(name=business_name))
    plan_data = validate(
        PlanCreate,
        {"name": plan_name.strip(), "period_start": period_start, "period_end": period_end},
    )
    plan = Plan(
        workspace_id=workspace.id,
        status=PlanStatus.ACTIVE,
        **plan_data.model_dump(exclude={"status"}),
    )
    session.add(plan)
    session.commit()
    session.refresh(workspace)
    session.refresh(plan)
    return workspace, plan


def list_workspaces(*, session: Session, actor: Actor) -> list[Workspace]:
    """The workspaces the actor belongs to, by name (all of them for the local user)."""
    query = select(Workspace).order_by(Workspace.name, Workspace.id)
    if actor.is_local:
        return list(session.exec(query))
    if actor.user_id is None:
        return []
    query = query.join(Membership, Membership.workspace_id == Workspace.id).where(
        Membership.user_id == actor.user_id
    )
    return list(session.exec(query))


def get_workspace_by_slug(*, session: Session, actor: Actor, slug: str) -> Workspace:
    """The workspace with that slug, if the actor may see it."""
    workspace = session.exec(select(Workspace).where(Workspace.slug == slug)).first()
    if workspace is None:
        raise NotFound(f"No workspace “{slug}” here.")
    return require_workspace(session, actor, workspace.id)  # type: ignore[arg-type]


def rename_workspace(
    *, session: Session, actor: Actor, workspace_id: int, name: str, version: int
) -> Workspace:
    """Give the workspace a new name; its slug stays, so links to it keep working."""
    workspace = require_member(session, actor, workspace_id, Role.OWNER)
    data = validate(WorkspaceBase, {"name": (name or "").strip()})
    stage_versioned_update(session, workspace, {"name": data.name}, version, what="This workspace")
    session.commit()
    session.refresh(workspace)
    return workspace


def delete_workspace(
    *, session: Session, actor: Actor, workspace_id: int, confirm_name: str
) -> None:
    """Delete the workspace and everything in it, once its name is typed to confirm.

    The database's ON DELETE CASCADE removes every row that hangs off the workspace (plans
    and all under them, people, accounts with their numbers, memberships, invitations,
    share links, peer-group memberships and entries). Peer groups are shared with other
    businesses, so they stay, handed on as `peers.leave_group` would: to the member that
    joined earliest, or deleted when this workspace was their last member.
    """
    workspace = require_member(session, actor, workspace_id, Role.OWNER)
    if (confirm_name or "").strip() != workspace.name.strip():
        raise InvalidInput(
            {"confirm_name": f"must be the workspace's name, “{workspace.name}”, exactly."}
        )
    _hand_on_peer_groups(session, workspace_id)
    session.delete(workspace)
    session.commit()


def _hand_on_peer_groups(session: Session, workspace_id: int) -> None:
    """Pass each group this workspace created to the next member; drop groups left empty."""
    group_ids = session.exec(
        select(PeerGroupMember.group_id).where(PeerGroupMember.workspace_id == workspace_id)
    ).all()
    created = session.exec(
        select(PeerGroup.id).where(PeerGroup.owner_workspace_id == workspace_id)
    ).all()
    for group_id in sorted(set(group_ids) | set(created)):
        group = session.get(PeerGroup, group_id)
        if group is None:
            continue
        successor = session.exec(
            select(PeerGroupMember.workspace_id)
            .where(
                PeerGroupMember.group_id == group_id,
                PeerGroupMember.workspace_id != workspace_id,
            )
            .order_by(PeerGroupMember.joined_at, PeerGroupMember.id)
        ).first()
        if successor is None:
            session.delete(group)
        elif group.owner_workspace_id == workspace_id:
            group.owner_workspace_id = successor
            session.add(group)
    session.flush()
