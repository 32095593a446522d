"""Workspace data versions: every committed write moves its workspace's token on, and only that."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from socialplan import objectives, peers, versions
from socialplan.access import Actor
from socialplan.accounts import add_account, enter_snapshot_by_hand
from socialplan.models import Objective, ObjectiveCategory, Workspace
from socialplan.scores import recompute_scores
from socialplan.workspaces import delete_workspace
from tests.factories import create_workspace_with_plan

DAY = date(2027, 1, 10)


def _objective(session: Session, actor: Actor, plan_id: int, title: str = "Grow") -> Objective:
    return objectives.create_objective(
        session=session,
        actor=actor,
        plan_id=plan_id,
        objective_create={"title": title, "category": ObjectiveCategory.AWARENESS},
    )


def test_a_new_workspace_has_a_version_and_an_unknown_one_has_none(session, actor) -> None:
    workspace, _ = create_workspace_with_plan(session, actor)
    assert versions.data_version(session, workspace.id) != ""
    assert versions.data_version(session, workspace.id + 1000) == ""


def test_an_edit_moves_the_token_on_and_a_read_does_not(session, actor) -> None:
    workspace, plan = create_workspace_with_plan(session, actor)
    before = versions.data_version(session, workspace.id)
    objectives.list_objectives(session=session, actor=actor, plan_id=plan.id)
    session.commit()
    assert versions.data_version(session, workspace.id) == before
    _objective(session, actor, plan.id)
    after = versions.data_version(session, workspace.id)
    assert after != before
    _objective(session, actor, plan.id, "Sell")
    assert versions.data_version(session, workspace.id) not in (before, after)


def test_a_write_moves_only_its_own_workspace(session, actor) -> None:
    mine, my_plan = create_workspace_with_plan(session, actor, name="Mine")
    theirs, _ = create_workspace_with_plan(session, actor, name="Theirs")
    their_token = versions.data_version(session, theirs.id)
    _objective(session, actor, my_plan.id)
    assert versions.data_version(session, theirs.id) == their_token


def test_a_rolled_back_write_leaves_the_token(session, actor) -> None:
    workspace, plan = create_workspace_with_plan(session, actor)
    before = versions.data_version(session, workspace.id)
    session.add(Objective(plan_id=plan.id, title="Never", position=9))
    session.flush()
    session.rollback()
    assert versions.data_version(session, workspace.id) == before


def test_snapshots_and_their_scores_move_the_token(session, actor) -> None:
    workspace, _ = create_workspace_with_plan(session, actor)
    account = add_account(
        session=session, actor=actor, workspace_id=workspace.id, network="bluesky",
        text="rosa.bsky.social",
    )  # fmt: skip
    before = versions.data_version(session, workspace.id)
    enter_snapshot_by_hand(
        session=session, actor=actor, account_id=account.id, day=DAY,
        counts={"followers": 120}, today=DAY,
    )  # fmt: skip
    assert versions.data_version(session, workspace.id) != before


def test_an_installation_wide_recompute_moves_every_workspace(session, actor) -> None:
    first, _ = create_workspace_with_plan(session, actor, name="First")
    second, _ = create_workspace_with_plan(session, actor, name="Second")
    tokens = [versions.data_version(session, w.id) for w in (first, second)]
    recompute_scores(session=session)
    assert [versions.data_version(session, w.id) for w in (first, second)] != tokens
    assert all(
        versions.data_version(session, w.id) != token
        for w, token in zip((first, second), tokens, strict=True)
    )


def test_a_write_outside_the_orm_is_counted_once_noted(session, actor) -> None:
    workspace, plan = create_workspace_with_plan(session, actor)
    before = versions.data_version(session, workspace.id)
    session.execute(sa.update(Objective).where(Objective.plan_id == plan.id).values(why="x"))
    versions.note_workspaces(session, [workspace.id])
    session.commit()
    assert versions.data_version(session, workspace.id) != before


def test_deleting_a_workspace_commits_and_its_version_goes_with_it(session, actor) -> None:
    workspace, _ = create_workspace_with_plan(session, actor)
    workspace_id = workspace.id
    delete_workspace(
        session=session, actor=actor, workspace_id=workspace_id, confirm_name=workspace.name
    )
    assert versions.data_version(session, workspace_id) == ""
    left = session.execute(
        sa.select(sa.func.count())
        .select_from(versions.VERSION)
        .where(versions.VERSION.c.workspace_id == workspace_id)
    ).scalar_one()
    assert left == 0


def test_a_workspace_that_reuses_a_deleted_id_gets_another_token(session, actor) -> None:
    workspace, plan = create_workspace_with_plan(session, actor, name="Old")
    _objective(session, actor, plan.id)
    old_token = versions.data_version(session, workspace.id)
    delete_workspace(
        session=session, actor=actor, workspace_id=workspace.id, confirm_name=workspace.name
    )
    again, _ = create_workspace_with_plan(session, actor, name="New")
    assert versions.data_version(session, again.id) != old_token


@pytest.mark.parametrize("writers", [4])
def test_concurrent_writers_each_move_the_version_on(engine: Engine, writers: int) -> None:
    actor = Actor.local()
    with Session(engine, expire_on_commit=False) as session:
        workspace, plan = create_workspace_with_plan(session, actor)
        start = _version_number(session, workspace.id)
    errors: list[BaseException] = []

    def write(number: int) -> None:
        try:
            with Session(engine, expire_on_commit=False) as own:
                _objective(own, actor, plan.id, f"Objective {number}")
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Session(engine) as session:
        assert _version_number(session, workspace.id) == start + writers


def _version_number(session: Session, workspace_id: int) -> int:
    return int(
        session.execute(
            sa.select(versions.VERSION.c.version).where(
                versions.VERSION.c.workspace_id == workspace_id
            )
        ).scalar_one()
    )


def test_the_workspace_model_and_the_version_table_agree(session, actor) -> None:
    workspace, _ = create_workspace_with_plan(session, actor)
    assert session.get(Workspace, workspace.id) is not None
    assert _version_number(session, workspace.id) >= 1


def test_peer_versions_name_every_member_of_the_groups_and_move_with_their_data(session):
    actor = Actor.local()
    mine, _ = create_workspace_with_plan(session, name="Rosa's Bakery")
    peer, _ = create_workspace_with_plan(session, name="Crumb & Co.", plan_name="Other")
    stranger, _ = create_workspace_with_plan(session, name="Elsewhere", plan_name="Third")
    assert versions.peer_versions(session, mine.id) == ()

    group = peers.create_group(session=session, actor=actor, workspace_id=mine.id, name="Main")
    peers.join_group(session=session, actor=actor, workspace_id=peer.id, code=group.invite_code)
    joined = dict(versions.peer_versions(session, mine.id))
    assert set(joined) == {mine.id, peer.id}

    # A write to the peer's data (here: noted as a bulk write, as a sync's snapshots are).
    versions.note_workspaces(session, [peer.id])
    session.commit()
    moved = dict(versions.peer_versions(session, mine.id))
    assert moved[peer.id] == joined[peer.id] + 1
    assert moved[mine.id] == joined[mine.id]

    # A business outside the groups never changes the key.
    versions.note_workspaces(session, [stranger.id])
    session.commit()
    assert dict(versions.peer_versions(session, mine.id)) == moved
