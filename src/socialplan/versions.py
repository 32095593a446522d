"""Workspace data versions: a number every committed write to a workspace's data bumps.

Streamlit reruns a page's whole script on every click, so pages cache what they compute
from a workspace (`socialplan.ui.cache`) keyed on its data version: a rerun with nothing
changed reads one small row instead of recomputing, and any write — from this server,
another replica, a sync or an import on the command line — moves the number on, so a
cached answer is never shown after a change.

Which workspaces a transaction wrote to is known without each service saying so: every
service checks the actor's role with `access.require_workspace` (noted here), ORM writes
of rows that carry a `workspace_id` name theirs, and bulk writes that bypass the ORM
(snapshots, scores) call `note_workspaces` or `note_every_workspace`. When a session that
wrote commits, one statement bumps them all, inside the same transaction: the new number
becomes visible exactly when the data does.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from socialplan.models import PeerGroupMember, Workspace, WorkspaceDataVersion

SEEN = "socialplan_workspaces_seen"
WROTE = "socialplan_wrote"
EVERY = "socialplan_every_workspace"
VERSION = WorkspaceDataVersion.__table__  # type: ignore[attr-defined]


def note_workspace(session: Session, workspace_id: int) -> None:
    """The session acted on this workspace (a role check): bumped if the session writes."""
    session.info.setdefault(SEEN, set()).add(int(workspace_id))


def note_workspaces(session: Session, workspace_ids: Iterable[int]) -> None:
    """A write outside the ORM changed these workspaces' data (bulk snapshots, scores)."""
    seen = session.info.setdefault(SEEN, set())
    seen.update(int(workspace_id) for workspace_id in workspace_ids)
    session.info[WROTE] = True


def note_every_workspace(session: Session) -> None:
    """A write outside the ORM changed data of every workspace (a full score recompute)."""
    session.info[EVERY] = True
    session.info[WROTE] = True


def data_version(session: Session, workspace_id: int) -> str:
    """A token that changes whenever the workspace's data does ("" if there is no such
    workspace): its creation time and its version (0 before its first write).

    The creation time tells two workspaces apart that got the same id one after the other
    (SQLite may hand out a deleted workspace's id again), so neither ever sees the other's
    cached answers.
    """
    row = session.execute(
        sa.select(Workspace.created_at, VERSION.c.version)
        .select_from(Workspace)
        .outerjoin(VERSION, VERSION.c.workspace_id == Workspace.id)
        .where(Workspace.id == workspace_id)
    ).one_or_none()
    if row is None:
        return ""
    created_at, version = row
    return f"{created_at.isoformat()}#{int(version or 0)}"


def peer_versions(session: Session, workspace_id: int) -> tuple[tuple[int, int], ...]:
    """The data version of every business sharing a peer group with this one, by id.

    The headline's percentile compares this business's score with the accounts the other
    members of its groups entered, so it changes when their data does (a sync, an import,
    a recompute bumps their version) or when members join or leave (the set changes) —
    not only when this workspace's own data changes. One small query.
    """
    mine = sa.select(PeerGroupMember.group_id).where(PeerGroupMember.workspace_id == workspace_id)
    rows = session.execute(
        sa.select(PeerGroupMember.workspace_id, sa.func.coalesce(VERSION.c.version, 0))
        .outerjoin(VERSION, VERSION.c.workspace_id == PeerGroupMember.workspace_id)
        .where(PeerGroupMember.group_id.in_(mine))  # type: ignore[attr-defined]
        .distinct()
        .order_by(PeerGroupMember.workspace_id)
    ).all()
    return tuple((int(member), int(number)) for member, number in rows)


def _forget(session: Session) -> None:
    for key in (SEEN, WROTE, EVERY):
        session.info.pop(key, None)


def _workspace_of(instance: object) -> int | None:
    if isinstance(instance, Workspace):
        return instance.id
    workspace_id = getattr(instance, "workspace_id", None)
    return workspace_id if isinstance(workspace_id, int) else None


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _context: UOWTransaction) -> None:
    changed = [*session.new, *session.dirty, *session.deleted]
    if not changed:
        return
    session.info[WROTE] = True
    seen = session.info.setdefault(SEEN, set())
    seen.update(w for w in map(_workspace_of, changed) if w is not None)


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


@event.listens_for(Session, "before_commit")
def _bump_written(session: Session) -> None:
    # Commit flushes after this event: flush first, so the flush's writes are counted.
    if session.new or session.dirty or session.deleted:
        session.flush()
    if not session.info.get(WROTE):
        # Nothing written: the workspaces seen stay noted for a write later in the session
        # (bumping one too many only costs a cache miss; one too few would show old data).
        return
    every = bool(session.info.get(EVERY))
    seen = sorted(session.info.get(SEEN, ()))
    _forget(session)
    if every or seen:
        session.connection().execute(_bump_statement(session, None if every else seen))


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_writes(session: Session) -> None:
    # The writes are gone; the workspaces seen stay, for a retry that does not check again.
    session.info.pop(WROTE, None)
    session.info.pop(EVERY, None)


def _bump_statement(session: Session, workspace_ids: list[int] | None) -> sa.Insert:
    """One INSERT … ON CONFLICT that adds 1 to each workspace's version (None: all).

    Taken from `workspace`, so a workspace deleted in this transaction is skipped, and in id
    order, so two transactions bumping the same workspaces lock them in the same order.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    source = sa.select(Workspace.id, sa.literal(1, sa.BigInteger))  # type: ignore[call-overload]
    # `WHERE true` at least: SQLite cannot tell an upsert's ON from a join's without one.
    source = source.where(
        sa.true() if workspace_ids is None else Workspace.id.in_(workspace_ids)  # type: ignore[union-attr]
    ).order_by(Workspace.id)
    statement = insert(VERSION).from_select(["workspace_id", "version"], source)
    return statement.on_conflict_do_update(
        index_elements=[VERSION.c.workspace_id], set_={"version": VERSION.c.version + 1}
    )
