"""Accounts: the social profiles a workspace follows (its own and competitors')."""

from __future__ import annotations

from sqlmodel import Session, select

from socialplan.access import Actor, require_workspace
from socialplan.models import Account, AccountKind


def list_accounts(
    *,
    session: Session,
    actor: Actor,
    workspace_id: int,
    kind: AccountKind | None = None,
    include_removed: bool = False,
) -> list[Account]:
    """The workspace's accounts by network and handle, optionally only own or competitors."""
    require_workspace(session, actor, workspace_id)
    query = select(Account).where(Account.workspace_id == workspace_id)
    if kind is not None:
        query = query.where(Account.kind == kind)
    if not include_removed:
        query = query.where(Account.removed_at.is_(None))  # type: ignore[union-attr]
    return list(session.exec(query.order_by(Account.network, Account.handle)))


def account_label(account: Account) -> str:
    """How an account is named on screen: "@rosasbakery on Bluesky"."""
    handle = account.handle if account.handle.startswith("@") else f"@{account.handle}"
    return f"{handle} on {NETWORK_LABELS.get(account.network, account.network)}"


NETWORK_LABELS = {
    "x": "X",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "linkedin": "LinkedIn",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "other": "another network",
}
