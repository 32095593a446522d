"""Members of a workspace and invitations to join one.

Only an owner changes roles, removes members and invites; every member may see who else is
in the workspace and leave it. A workspace always keeps an owner: the last one can be
neither demoted, removed nor leave. Changes that count owners lock the workspace row first
(SELECT … FOR UPDATE on PostgreSQL; SQLite lets one writer at a time anyway), so two owners
demoting each other at once cannot leave the workspace with none.

Invitations are addressed to an email and matched against the email the sign-in provider
vouches for (see `users` for that trust decision). They expire after seven days and can be
revoked; an accepted one cannot be used again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from socialplan.access import ROLE_RANK, Actor, require_member
from socialplan.errors import InvalidInput, NotAllowed, NotFound
from socialplan.models import Invitation, Membership, Role, User, Workspace, utcnow
from socialplan.users import normalise_email, user_label

INVITATION_DAYS = 7
NO_SUCH_MEMBER = "That person is not a member of this workspace."
NO_SUCH_INVITATION = "That invitation does not exist or is not yours to see."
LAST_OWNER = (
    "A workspace needs at least one owner: make someone else an owner first, "
    "or delete the workspace."
)


@dataclass(frozen=True)
class Member:
    """A member as the members list shows them."""

    user_id: int
    name: str
    email: str | None
    role: Role
    joined_at: datetime


@dataclass(frozen=True)
class InvitationView:
    """An invitation with the names that make it readable to its invitee."""

    invitation: Invitation
    workspace_name: str
    invited_by: str | None


class InvitationStatus:
    """The states an invitation can be in, as `invitation_status` names them."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    EXPIRED = "expired"


def invitation_status(invitation: Invitation, now: datetime | None = None) -> str:
    """Pending, accepted, revoked or expired."""
    if invitation.accepted_at is not None:
        return InvitationStatus.ACCEPTED
    if invitation.revoked_at is not None:
        return InvitationStatus.REVOKED
    if invitation.expires_at <= (now or utcnow()):
        return InvitationStatus.EXPIRED
    return InvitationStatus.PENDING


def _parse_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise InvalidInput({"role": f"must be one of {choices}."}) from None


def _lock_workspace(session: Session, workspace_id: int) -> None:
    """Hold the workspace row until commit, so owner counts cannot change under us."""
    session.exec(select(Workspace.id).where(Workspace.id == workspace_id).with_for_update())


def _owner_count(session: Session, workspace_id: int) -> int:
    return len(
        session.exec(
            select(Membership.id).where(
                Membership.workspace_id == workspace_id, Membership.role == Role.OWNER
            )
        ).all()
    )


def _membership(session: Session, workspace_id: int, user_id: int) -> Membership | None:
    return session.exec(
        select(Membership)
        .where(Membership.workspace_id == workspace_id, Membership.user_id == user_id)
        # Sessions keep objects after commit: read the role as it is now, not as cached.
        .execution_options(populate_existing=True)
    ).first()


def _not_found(session: Session, message: str) -> NotFound:
    """NotFound, after giving up the workspace lock taken for this change."""
    session.rollback()
    return NotFound(message)


def _require_owner_locked(session: Session, actor: Actor, workspace_id: int) -> Workspace:
    """The workspace, locked, if the actor is its owner (checked again after the lock)."""
    require_member(session, actor, workspace_id, Role.OWNER)
    _lock_workspace(session, workspace_id)
    try:
        # The actor may have been demoted while we waited for the lock.
        return require_member(session, actor, workspace_id, Role.OWNER)
    except Exception:
        session.rollback()
        raise


# ---------------------------------------------------------------- members


def list_members(*, session: Session, actor: Actor, workspace_id: int) -> list[Member]:
    """The workspace's members: owners first, then editors, then viewers; by name."""
    require_member(session, actor, workspace_id)
    rows = session.exec(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.workspace_id == workspace_id)
    ).all()
    members = [
        Member(
            user_id=user.id,  # type: ignore[arg-type]
            name=user_label(user),
            email=user.email,
            role=Role(membership.role),
            joined_at=membership.created_at,
        )
        for membership, user in rows
    ]
    return sorted(members, key=lambda m: (-ROLE_RANK[m.role], m.name.casefold(), m.user_id))


def change_role(
    *, session: Session, actor: Actor, workspace_id: int, user_id: int, role: Role | str
) -> Membership:
    """Give a member another role; the last owner cannot be demoted."""
    new_role = _parse_role(role)
    _require_owner_locked(session, actor, workspace_id)
    membership = _membership(session, workspace_id, user_id)
    if membership is None:
        raise _not_found(session, NO_SUCH_MEMBER)
    if Role(membership.role) == new_role:
        session.commit()  # nothing to change; ends the transaction and its lock
        return membership
    if membership.role == Role.OWNER and _owner_count(session, workspace_id) <= 1:
        session.rollback()
        raise NotAllowed(LAST_OWNER)
    membership.role = new_role
    session.add(membership)
    session.commit()
    session.refresh(membership)
    return membership


def _delete_membership(session: Session, workspace_id: int, membership: Membership) -> None:
    if membership.role == Role.OWNER and _owner_count(session, workspace_id) <= 1:
        session.rollback()
        raise NotAllowed(LAST_OWNER)
    session.delete(membership)
    session.commit()


def remove_member(*, session: Session, actor: Actor, workspace_id: int, user_id: int) -> None:
    """Take a member out of the workspace; the last owner cannot be removed."""
    _require_owner_locked(session, actor, workspace_id)
    membership = _membership(session, workspace_id, user_id)
    if membership is None:
        raise _not_found(session, NO_SUCH_MEMBER)
    _delete_membership(session, workspace_id, membership)


def leave_workspace(*, session: Session, actor: Actor, workspace_id: int) -> None:
    """The acting user leaves the workspace; the last owner cannot leave."""
    require_member(session, actor, workspace_id)
    if actor.user_id is None:
        # The local user owns every workspace by being at the keyboard; there is no
        # membership to give up.
        raise NotAllowed("Only a signed-in member can leave a workspace.")
    _lock_workspace(session, workspace_id)
    membership = _membership(session, workspace_id, actor.user_id)
    if membership is None:
        raise _not_found(session, "That workspace does not exist or is not yours to see.")
    _delete_membership(session, workspace_id, membership)


# ---------------------------------------------------------------- invitations


def _check_email(email: str) -> str:
    if not (email or "").strip():
        raise InvalidInput({"email": "is required."})
    normalised = normalise_email(email)
    if normalised is None:
        raise InvalidInput({"email": "is not an email address (name@example.com)."})
    return normalised


def _pending_for(session: Session, workspace_id: int, email: str) -> Invitation | None:
    now = utcnow()
    return session.exec(
        select(Invitation).where(
            Invitation.workspace_id == workspace_id,
            Invitation.email == email,
            col(Invitation.accepted_at).is_(None),
            col(Invitation.revoked_at).is_(None),
            Invitation.expires_at > now,
        )
    ).first()


def _member_with_email(session: Session, workspace_id: int, email: str) -> User | None:
    return session.exec(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace_id, User.email == email)
    ).first()


def invite(
    *, session: Session, actor: Actor, workspace_id: int, email: str, role: Role | str
) -> Invitation:
    """Invite someone by email with a role; valid for seven days."""
    address = _check_email(email)
    invited_role = _parse_role(role)
    # Locked, so that two clicks on "Invite" cannot make two pending invitations.
    _require_owner_locked(session, actor, workspace_id)
    if _member_with_email(session, workspace_id, address) is not None:
        session.rollback()
        raise InvalidInput({"email": f"{address} is already a member of this workspace."})
    if _pending_for(session, workspace_id, address) is not None:
        session.rollback()
        raise InvalidInput(
            {
                "email": f"{address} already has a pending invitation: revoke it first "
                "to send a new one."
            }
        )
    invitation = Invitation(
        workspace_id=workspace_id,
        email=address,
        role=invited_role,
        invited_by_user_id=actor.user_id,
        expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
    )
    session.add(invitation)
    session.commit()
    session.refresh(invitation)
    return invitation


def list_invitations(
    *, session: Session, actor: Actor, workspace_id: int, include_closed: bool = False
) -> list[Invitation]:
    """The workspace's invitations, newest first: pending ones, or all with `include_closed`."""
    require_member(session, actor, workspace_id, Role.OWNER)
    invitations = session.exec(
        select(Invitation)
        .where(Invitation.workspace_id == workspace_id)
        .order_by(col(Invitation.created_at).desc(), col(Invitation.id).desc())
    ).all()
    if include_closed:
        return list(invitations)
    now = utcnow()
    return [i for i in invitations if invitation_status(i, now) == InvitationStatus.PENDING]


def revoke_invitation(*, session: Session, actor: Actor, invitation_id: int) -> Invitation:
    """Withdraw an invitation so it can no longer be accepted; revoking twice changes nothing."""
    invitation = session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound(NO_SUCH_INVITATION)
    try:
        require_member(session, actor, invitation.workspace_id, Role.OWNER)
    except NotFound:
        raise NotFound(NO_SUCH_INVITATION) from None
    if invitation.accepted_at is not None:
        raise InvalidInput(
            {"invitation": "was already accepted: remove the member instead if need be."}
        )
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        session.add(invitation)
        session.commit()
        session.refresh(invitation)
    return invitation


def pending_invitations_for(*, session: Session, user: User) -> list[Invitation]:
    """The invitations waiting for this user's email, outside workspaces they are already in."""
    email = normalise_email(user.email)
    if email is None:
        return []
    member_of = select(Membership.workspace_id).where(Membership.user_id == user.id)
    return list(
        session.exec(
            select(Invitation)
            .where(
                Invitation.email == email,
                col(Invitation.accepted_at).is_(None),
                col(Invitation.revoked_at).is_(None),
                Invitation.expires_at > utcnow(),
                col(Invitation.workspace_id).not_in(member_of),
            )
            .order_by(col(Invitation.created_at).desc(), col(Invitation.id).desc())
        )
    )


def describe_invitations(
    *, session: Session, invitations: list[Invitation]
) -> list[InvitationView]:
    """Each invitation with its workspace's name and who sent it, for its invitee to read."""
    views = []
    for invitation in invitations:
        workspace = session.get(Workspace, invitation.workspace_id)
        inviter = (
            session.get(User, invitation.invited_by_user_id)
            if invitation.invited_by_user_id is not None
            else None
        )
        views.append(
            InvitationView(
                invitation=invitation,
                workspace_name=workspace.name if workspace else "",
                invited_by=user_label(inviter) if inviter else None,
            )
        )
    return views


def accept_invitation(*, session: Session, user: User, invitation_id: int) -> Membership:
    """Join the invitation's workspace with its role, if it was sent to this user's email."""
    invitation = session.exec(
        select(Invitation)
        .where(Invitation.id == invitation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if invitation is None:
        raise _not_found(session, "That invitation does not exist.")
    email = normalise_email(user.email)
    if email is None:
        session.rollback()
        raise NotAllowed(
            "Your sign-in did not give a verified email address, so this invitation cannot "
            "be matched to you. Sign in with an account whose email is verified."
        )
    if invitation.email != email:
        session.rollback()
        raise NotAllowed(
            "This invitation was sent to a different email address than the one you signed "
            "in with. Sign in with that address, or ask the owner to invite this one."
        )
    status = invitation_status(invitation)
    if status == InvitationStatus.ACCEPTED:
        session.rollback()
        raise NotAllowed("This invitation was already accepted; it can be used only once.")
    if status == InvitationStatus.REVOKED:
        session.rollback()
        raise NotAllowed("This invitation was withdrawn by the workspace's owner.")
    if status == InvitationStatus.EXPIRED:
        session.rollback()
        raise NotAllowed(
            f"This invitation expired on {invitation.expires_at:%Y-%m-%d}: ask the owner "
            "for a new one."
        )
    membership = _membership(session, invitation.workspace_id, user.id)  # type: ignore[arg-type]
    if membership is None:
        membership = Membership(
            workspace_id=invitation.workspace_id,
            user_id=user.id,  # type: ignore[arg-type]
            role=Role(invitation.role),
        )
        session.add(membership)
    # Already a member: the invitation is used up, but the role stays what the owner set.
    invitation.accepted_at = utcnow()
    session.add(invitation)
    session.commit()
    session.refresh(membership)
    return membership
