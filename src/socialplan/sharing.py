"""Share links: a revocable, read-only link to one plan, opened without signing in.

The token is `secrets.token_urlsafe(32)`: 32 random bytes, 256 bits, far past guessing.
Only its SHA-256 digest is stored, so a copy of the database (or a backup of it) opens no
link; the plain token is returned once, by `create_share_link`, to be shown to the owner,
and is never stored, logged or put in a message. A plain hash, not a slow password hash,
is enough because the token is random, not chosen by a person.

`resolve_share_token` finds the link by the digest with an indexed equality lookup. A
timing difference there could at most reveal something about a digest, which does not help
to forge a token (that would need a SHA-256 preimage), so no constant-time comparison is
needed. A wrong, revoked or expired token, or one whose plan is gone, all get the same
`NotFound` with the same message, so the answer says nothing about which it was.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import sqlalchemy as sa
from sqlmodel import Session, col, select

from socialplan.access import Actor, require_member, require_plan
from socialplan.errors import InvalidInput, NotFound
from socialplan.models import TITLE_MAX, Plan, Role, ShareLink, utcnow

TOKEN_BYTES = 32
QUERY_PARAMETER = "share"
INVALID_LINK = "This link is no longer valid. Ask whoever sent it for a new one."
NO_SUCH_LINK = "That share link does not exist or is not yours to see."
# token_urlsafe(32) gives 43 characters; anything much longer is not one of ours, and is
# not worth hashing.
TOKEN_MAX_LENGTH = 100
# Every page view of a shared plan resolves the token; writing "last used" once a minute
# is as precise as the list needs and spares the database a write per click.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class ShareLinkInfo:
    """A share link as the owner's list shows it (never its token)."""

    id: int
    plan_id: int
    plan_name: str
    label: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    status: str


def hash_token(token: str) -> str:
    """The SHA-256 hex digest of a token: what the database keeps instead of it."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def link_status(link: ShareLink, now: datetime | None = None) -> str:
    """The link's state now: active, revoked or expired."""
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at is not None and link.expires_at <= (now or utcnow()):
        return "expired"
    return "active"


def _check_expiry(expires_at: datetime | None) -> datetime | None:
    if expires_at is None:
        return None
    if expires_at.tzinfo is None:
        # Stored datetimes are UTC; a naive one is taken to be UTC too, as the column does.
        expires_at = expires_at.replace(tzinfo=UTC)
    if expires_at <= utcnow():
        raise InvalidInput({"expires_at": "must be in the future."})
    return expires_at


def _check_label(label: str | None) -> str:
    cleaned = " ".join((label or "").split())
    if len(cleaned) > TITLE_MAX:
        raise InvalidInput({"label": f"must be at most {TITLE_MAX} characters."})
    return cleaned


def create_share_link(
    *,
    session: Session,
    actor: Actor,
    plan_id: int,
    label: str,
    expires_at: datetime | None,
) -> tuple[ShareLink, str]:
    """A new read-only link to the plan, and its token: shown once, never kept."""
    plan = require_plan(session, actor, plan_id)
    require_member(session, actor, plan.workspace_id, Role.OWNER)
    clean_label = _check_label(label)
    expiry = _check_expiry(expires_at)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = ShareLink(
        plan_id=plan_id,
        token_hash=hash_token(token),
        label=clean_label,
        created_by_user_id=actor.user_id,
        expires_at=expiry,
    )
    session.add(link)
    session.commit()
    session.refresh(link)
    return link, token


def list_share_links(
    *, session: Session, actor: Actor, workspace_id: int, plan_id: int | None = None
) -> list[ShareLinkInfo]:
    """The workspace's share links (or one plan's), newest first, revoked ones included."""
    require_member(session, actor, workspace_id, Role.OWNER)
    query = (
        select(ShareLink, Plan.name)
        .join(Plan, Plan.id == ShareLink.plan_id)
        .where(Plan.workspace_id == workspace_id)
        .order_by(col(ShareLink.created_at).desc(), col(ShareLink.id).desc())
        # "Last used" is written through Core by readers: read it fresh, not as cached.
        .execution_options(populate_existing=True)
    )
    if plan_id is not None:
        query = query.where(ShareLink.plan_id == plan_id)
    now = utcnow()
    return [
        ShareLinkInfo(
            id=link.id,  # type: ignore[arg-type]
            plan_id=link.plan_id,
            plan_name=plan_name,
            label=link.label,
            created_at=link.created_at,
            expires_at=link.expires_at,
            last_used_at=link.last_used_at,
            revoked_at=link.revoked_at,
            status=link_status(link, now),
        )
        for link, plan_name in session.exec(query)
    ]


def revoke_share_link(*, session: Session, actor: Actor, share_link_id: int) -> ShareLink:
    """Stop a link from opening its plan, at once; revoking twice changes nothing."""
    link = session.get(ShareLink, share_link_id, populate_existing=True)
    plan = session.get(Plan, link.plan_id) if link is not None else None
    if link is None or plan is None:
        raise NotFound(NO_SUCH_LINK)
    try:
        require_member(session, actor, plan.workspace_id, Role.OWNER)
    except NotFound:
        raise NotFound(NO_SUCH_LINK) from None
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        session.add(link)
        session.commit()
        session.refresh(link)
    return link


def resolve_share_token(*, session: Session, token: str) -> Actor:
    """The read-only actor of a valid token; the same NotFound for any invalid one."""
    token = (token or "").strip()
    if not token or len(token) > TOKEN_MAX_LENGTH:
        raise NotFound(INVALID_LINK)
    table = ShareLink.__table__  # type: ignore[attr-defined]
    # Read through Core, not the session's identity map, so a revocation committed by
    # another session is seen even if this session loaded the link before.
    row = session.execute(
        sa.select(table.c.id, table.c.plan_id, table.c.expires_at, table.c.revoked_at).where(
            table.c.token_hash == hash_token(token)
        )
    ).first()
    now = utcnow()
    if (
        row is None
        or row.revoked_at is not None
        or (row.expires_at is not None and row.expires_at <= now)
        or session.get(Plan, row.plan_id) is None
    ):
        raise NotFound(INVALID_LINK)
    session.execute(
        sa.update(table)
        .where(
            table.c.id == row.id,
            sa.or_(
                table.c.last_used_at.is_(None),
                table.c.last_used_at < now - LAST_USED_PRECISION,
            ),
        )
        .values(last_used_at=now)
    )
    session.commit()
    return Actor.share_reader(row.plan_id)


def share_url(base_url: str, token: str) -> str:
    """The link to hand out: the app's address with `?share=TOKEN`."""
    scheme, netloc, path, query, _ = urlsplit(base_url.strip())
    params = [(k, v) for k, v in parse_qsl(query) if k != QUERY_PARAMETER]
    params.append((QUERY_PARAMETER, token))
    return urlunsplit((scheme, netloc, path or "/", urlencode(params), ""))
