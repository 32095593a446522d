"""Peer groups: businesses comparing scores on an opt-in leaderboard, joined by invite code.

A workspace creates a group and hands out its invite code; another workspace joins with the
code and then enters, one by one, the own accounts it wants on the group's board. Nothing is
entered by joining: a member that entered nothing shows nothing. Leaving removes the
member's entries with it; the creator may remove a member. A member may also share its plan
progress (the share of its metrics on track). Changing memberships and entries needs an
editor of the acting workspace; removing another member needs the creator's owner.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from socialplan.access import Actor, require_member, require_workspace
from socialplan.errors import InvalidInput, NotAllowed, NotFound
from socialplan.models import (
    TEXT_MAX,
    TITLE_MAX,
    Account,
    AccountKind,
    PeerGroup,
    PeerGroupEntry,
    PeerGroupMember,
    Role,
    Workspace,
)

# No 0/O, 1/I/L: a code read out over the phone or copied from paper still works.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
# Eight characters from 31 give 850 billion codes: a clash is rare, and retried.
CODE_ATTEMPTS = 5
NO_SUCH_GROUP = "That peer group does not exist or your business is not in it."


@dataclass(frozen=True)
class GroupMembership:
    """A group the workspace is in, with what the workspace put on its board."""

    group: PeerGroup
    member: PeerGroupMember
    entered_account_ids: frozenset[int]
    member_count: int
    is_creator: bool


@dataclass(frozen=True)
class MemberInfo:
    """A member business as the group's creator sees it (to remove one)."""

    workspace_id: int
    name: str
    entries: int
    is_creator: bool


# ---------------------------------------------------------------- codes


def normalise_code(code: str) -> str:
    """An invite code as stored: capitals, without the spaces and dashes people type."""
    return re.sub(r"[\s\-]+", "", code or "").upper()


def new_invite_code(session: Session) -> str:
    """A random, readable code that no group has yet."""
    for _ in range(CODE_ATTEMPTS):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if session.exec(select(PeerGroup.id).where(PeerGroup.invite_code == code)).first() is None:
            return code
    raise RuntimeError("could not find an unused invite code; try again")


# ---------------------------------------------------------------- checks


def require_group_member(
    session: Session, actor: Actor, workspace_id: int, group_id: int, needed: Role = Role.VIEWER
) -> tuple[PeerGroup, PeerGroupMember]:
    """The group and the workspace's membership of it; NotFound when it is not a member.

    A share link's reader gets NotFound too: the other businesses opted in to the group,
    not to whoever holds a link to one plan.
    """
    require_member(session, actor, workspace_id, needed)
    row = session.exec(
        select(PeerGroup, PeerGroupMember)
        .join(PeerGroupMember, PeerGroupMember.group_id == PeerGroup.id)
        .where(PeerGroup.id == group_id, PeerGroupMember.workspace_id == workspace_id)
    ).first()
    if row is None:
        # The same answer for "no such group" and "not yours", so ids cannot be probed.
        raise NotFound(NO_SUCH_GROUP)
    return row[0], row[1]


def _own_account(session: Session, workspace_id: int, account_id: int) -> Account:
    """The workspace's own, not removed account, or InvalidInput on `account_ids`."""
    account = session.get(Account, account_id)
    if account is None or account.workspace_id != workspace_id:
        raise InvalidInput({"account_ids": "may only name your own accounts."})
    if account.kind != AccountKind.OWN:
        raise InvalidInput(
            {"account_ids": "may only name your own accounts, not the competitors you follow."}
        )
    if account.removed_at is not None:
        raise InvalidInput({"account_ids": "may not name an account you removed."})
    return account


def _commit(session: Session) -> None:
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise


# ---------------------------------------------------------------- groups


def create_group(
    *, session: Session, actor: Actor, workspace_id: int, name: str, description: str = ""
) -> PeerGroup:
    """A new group with a fresh invite code; the creating workspace is its first member."""
    require_member(session, actor, workspace_id, Role.EDITOR)
    name, description = (name or "").strip(), (description or "").strip()
    errors = {}
    if not name:
        errors["name"] = "is required."
    elif len(name) > TITLE_MAX:
        errors["name"] = f"must be at most {TITLE_MAX} characters."
    if len(description) > TEXT_MAX:
        errors["description"] = f"must be at most {TEXT_MAX} characters."
    if errors:
        raise InvalidInput(errors)
    group = PeerGroup(
        name=name,
        description=description,
        invite_code=new_invite_code(session),
        owner_workspace_id=workspace_id,
    )
    session.add(group)
    session.flush()
    session.add(PeerGroupMember(group_id=group.id, workspace_id=workspace_id))
    _commit(session)
    session.refresh(group)
    return group


def join_group(*, session: Session, actor: Actor, workspace_id: int, code: str) -> PeerGroup:
    """Join the group whose invite code this is; enters no account (that is opt-in)."""
    require_member(session, actor, workspace_id, Role.EDITOR)
    wanted = normalise_code(code)
    if not wanted:
        raise InvalidInput({"code": "is required: ask the group's creator for it."})
    group = session.exec(select(PeerGroup).where(PeerGroup.invite_code == wanted)).first()
    if group is None:
        raise InvalidInput(
            {
                "code": f"“{wanted}” matches no peer group. Check it with whoever gave it to "
                "you: it has 8 letters and digits."
            }
        )
    already = session.exec(
        select(PeerGroupMember.id).where(
            PeerGroupMember.group_id == group.id, PeerGroupMember.workspace_id == workspace_id
        )
    ).first()
    if already is not None:
        raise InvalidInput({"code": f"is for “{group.name}”, which your business is in already."})
    session.add(PeerGroupMember(group_id=group.id, workspace_id=workspace_id))
    try:
        session.commit()
    except IntegrityError:
        # Two clicks on "Join" at once: the other one made the membership; nothing is lost.
        session.rollback()
    session.refresh(group)
    return group


def _delete_membership(session: Session, group_id: int, workspace_id: int) -> None:
    """Stage the removal of a member and of every entry it made (its accounts leave the board)."""
    own_accounts = sa.select(Account.id).where(Account.workspace_id == workspace_id)
    session.execute(
        sa.delete(PeerGroupEntry).where(
            PeerGroupEntry.group_id == group_id,
            col(PeerGroupEntry.account_id).in_(own_accounts),
        )
    )
    session.execute(
        sa.delete(PeerGroupMember).where(
            PeerGroupMember.group_id == group_id, PeerGroupMember.workspace_id == workspace_id
        )
    )


def leave_group(*, session: Session, actor: Actor, workspace_id: int, group_id: int) -> None:
    """Leave the group; the workspace's accounts disappear from its board at once.

    A creator that leaves hands the group to the member that joined earliest, so the group
    keeps someone who can remove members; the last member to leave deletes the group.
    """
    group, _ = require_group_member(session, actor, workspace_id, group_id, Role.EDITOR)
    _delete_membership(session, group_id, workspace_id)
    session.flush()
    successor = session.exec(
        select(PeerGroupMember.workspace_id)
        .where(PeerGroupMember.group_id == group_id)
        .order_by(PeerGroupMember.joined_at, PeerGroupMember.id)
    ).first()
    if successor is None:
        session.delete(group)
    elif group.owner_workspace_id == workspace_id:
        group.owner_workspace_id = successor
        session.add(group)
    _commit(session)


def remove_member(
    *, session: Session, actor: Actor, workspace_id: int, group_id: int, member_workspace_id: int
) -> None:
    """The creator removes another member; its entries leave the board with it."""
    group, _ = require_group_member(session, actor, workspace_id, group_id, Role.OWNER)
    if group.owner_workspace_id != workspace_id:
        raise NotAllowed("Only the business that created the group may remove a member.")
    if member_workspace_id == workspace_id:
        raise InvalidInput({"member": "is your own business: leave the group instead."})
    member = session.exec(
        select(PeerGroupMember.id).where(
            PeerGroupMember.group_id == group_id,
            PeerGroupMember.workspace_id == member_workspace_id,
        )
    ).first()
    if member is None:
        raise NotFound("That business is not in the group.")
    _delete_membership(session, group_id, member_workspace_id)
    _commit(session)


def set_share_progress(
    *, session: Session, actor: Actor, workspace_id: int, group_id: int, share: bool
) -> PeerGroupMember:
    """Show (or stop showing) the workspace's plan progress to the group."""
    _, member = require_group_member(session, actor, workspace_id, group_id, Role.EDITOR)
    member.share_progress = bool(share)
    session.add(member)
    _commit(session)
    session.refresh(member)
    return member


# ---------------------------------------------------------------- entries (opt-in)


def enter_account(
    *, session: Session, actor: Actor, workspace_id: int, group_id: int, account_id: int
) -> PeerGroupEntry:
    """Put one own account on the group's board (nothing is entered unless asked)."""
    require_group_member(session, actor, workspace_id, group_id, Role.EDITOR)
    _own_account(session, workspace_id, account_id)
    existing = session.exec(
        select(PeerGroupEntry).where(
            PeerGroupEntry.group_id == group_id, PeerGroupEntry.account_id == account_id
        )
    ).first()
    if existing is not None:
        return existing
    entry = PeerGroupEntry(group_id=group_id, account_id=account_id)
    session.add(entry)
    _commit(session)
    session.refresh(entry)
    return entry


def withdraw_account(
    *, session: Session, actor: Actor, workspace_id: int, group_id: int, account_id: int
) -> None:
    """Take one own account off the group's board."""
    require_group_member(session, actor, workspace_id, group_id, Role.EDITOR)
    account = session.get(Account, account_id)
    if account is None or account.workspace_id != workspace_id:
        raise InvalidInput({"account_ids": "may only name your own accounts."})
    session.execute(
        sa.delete(PeerGroupEntry).where(
            PeerGroupEntry.group_id == group_id, PeerGroupEntry.account_id == account_id
        )
    )
    _commit(session)


def set_entries(
    *,
    session: Session,
    actor: Actor,
    workspace_id: int,
    group_id: int,
    account_ids: Iterable[int],
) -> frozenset[int]:
    """Make exactly these own accounts the workspace's entries in the group; the new set.

    Every id is checked first, so a bad one changes nothing.
    """
    require_group_member(session, actor, workspace_id, group_id, Role.EDITOR)
    wanted = _stage_entries(session, workspace_id, group_id, account_ids)
    _commit(session)
    return wanted


def update_sharing(
    *,
    session: Session,
    actor: Actor,
    workspace_id: int,
    group_id: int,
    account_ids: Iterable[int],
    share_progress: bool,
) -> frozenset[int]:
    """The page's one save: which own accounts are entered, and whether progress is shared."""
    _, member = require_group_member(session, actor, workspace_id, group_id, Role.EDITOR)
    wanted = _stage_entries(session, workspace_id, group_id, account_ids)
    member.share_progress = bool(share_progress)
    session.add(member)
    _commit(session)
    return wanted


def _stage_entries(
    session: Session, workspace_id: int, group_id: int, account_ids: Iterable[int]
) -> frozenset[int]:
    """Stage the entries so that exactly `account_ids` are entered; nothing if one is bad."""
    wanted = frozenset(int(account_id) for account_id in account_ids)
    for account_id in sorted(wanted):
        _own_account(session, workspace_id, account_id)
    current = _entered(session, workspace_id, group_id)
    stale = current - wanted
    if stale:
        session.execute(
            sa.delete(PeerGroupEntry).where(
                PeerGroupEntry.group_id == group_id,
                col(PeerGroupEntry.account_id).in_(sorted(stale)),
            )
        )
    session.add_all(
        PeerGroupEntry(group_id=group_id, account_id=account_id)
        for account_id in sorted(wanted - current)
    )
    return wanted


def _entered(session: Session, workspace_id: int, group_id: int) -> frozenset[int]:
    """Ids of the workspace's accounts entered in the group."""
    rows = session.exec(
        select(PeerGroupEntry.account_id)
        .join(Account, Account.id == PeerGroupEntry.account_id)
        .where(PeerGroupEntry.group_id == group_id, Account.workspace_id == workspace_id)
    )
    return frozenset(int(account_id) for account_id in rows)


# ---------------------------------------------------------------- reading


def list_memberships(*, session: Session, actor: Actor, workspace_id: int) -> list[GroupMembership]:
    """The groups the workspace is in, oldest membership first, with its entries.

    Not for a share link's reader: the answer holds the groups' invite codes.
    """
    require_member(session, actor, workspace_id)
    rows = list(
        session.exec(
            select(PeerGroup, PeerGroupMember)
            .join(PeerGroupMember, PeerGroupMember.group_id == PeerGroup.id)
            .where(PeerGroupMember.workspace_id == workspace_id)
            .order_by(PeerGroupMember.joined_at, PeerGroupMember.id)
        )
    )
    if not rows:
        return []
    group_ids = [group.id for group, _ in rows]
    sizes = dict(
        session.exec(
            select(PeerGroupMember.group_id, sa.func.count(PeerGroupMember.id))
            .where(col(PeerGroupMember.group_id).in_(group_ids))
            .group_by(PeerGroupMember.group_id)
        ).all()
    )
    entries: dict[int, set[int]] = {group_id: set() for group_id in group_ids}  # type: ignore[misc]
    for group_id, account_id in session.exec(
        select(PeerGroupEntry.group_id, PeerGroupEntry.account_id)
        .join(Account, Account.id == PeerGroupEntry.account_id)
        .where(col(PeerGroupEntry.group_id).in_(group_ids), Account.workspace_id == workspace_id)
    ):
        entries[group_id].add(account_id)
    return [
        GroupMembership(
            group=group,
            member=member,
            entered_account_ids=frozenset(entries[group.id]),  # type: ignore[index]
            member_count=int(sizes.get(group.id, 0)),
            is_creator=group.owner_workspace_id == workspace_id,
        )
        for group, member in rows
    ]


def get_group(*, session: Session, actor: Actor, workspace_id: int, group_id: int) -> PeerGroup:
    """The group, if the workspace is a member of it."""
    return require_group_member(session, actor, workspace_id, group_id)[0]


def group_by_code(*, session: Session, code: str) -> PeerGroup:
    """The group with this invite code (the code is what a member hands out); else NotFound."""
    group = session.exec(
        select(PeerGroup).where(PeerGroup.invite_code == normalise_code(code))
    ).first()
    if group is None:
        raise NotFound(f"No peer group has the invite code “{normalise_code(code)}”.")
    return group


def list_members(
    *, session: Session, actor: Actor, workspace_id: int, group_id: int
) -> list[MemberInfo]:
    """Every member business with its number of entries; only for the group's creator."""
    group, _ = require_group_member(session, actor, workspace_id, group_id)
    if group.owner_workspace_id != workspace_id:
        raise NotAllowed("Only the business that created the group sees all of its members.")
    entries = (
        sa.select(Account.workspace_id, sa.func.count(PeerGroupEntry.id).label("entries"))
        .join(Account, Account.id == PeerGroupEntry.account_id)
        .where(PeerGroupEntry.group_id == group_id)
        .group_by(Account.workspace_id)
        .subquery()
    )
    rows = session.exec(
        select(Workspace.id, Workspace.name, entries.c.entries)
        .join(PeerGroupMember, PeerGroupMember.workspace_id == Workspace.id)
        .outerjoin(entries, entries.c.workspace_id == Workspace.id)
        .where(PeerGroupMember.group_id == group_id)
        .order_by(Workspace.name, Workspace.id)
    )
    return [
        MemberInfo(
            workspace_id=int(member_id),
            name=name,
            entries=int(count or 0),
            is_creator=member_id == workspace_id,
        )
        for member_id, name, count in rows
    ]


def enterable_accounts(*, session: Session, actor: Actor, workspace_id: int) -> list[Account]:
    """The workspace's own, not removed accounts: the ones it may enter in a group."""
    require_workspace(session, actor, workspace_id)
    return list(
        session.exec(
            select(Account)
            .where(
                Account.workspace_id == workspace_id,
                Account.kind == AccountKind.OWN,
                col(Account.removed_at).is_(None),
            )
            .order_by(Account.network, Account.handle)
        )
    )
