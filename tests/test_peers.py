"""Peer groups: invite codes, joining, opt-in entries, leaving, removal, roles, visibility."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, func, select

from socialplan import leaderboards, peers
from socialplan.access import Actor
from socialplan.errors import InvalidInput, NotAllowed, NotFound
from socialplan.models import (
    Account,
    AccountKind,
    BusinessScore,
    InfluenceScore,
    Membership,
    Network,
    PeerGroup,
    PeerGroupEntry,
    PeerGroupMember,
    Plan,
    Role,
    User,
    Workspace,
    WorkspaceCreate,
    utcnow,
)
from socialplan.workspaces import create_workspace

DAY = date(2027, 3, 15)


def business(session: Session, name: str) -> Workspace:
    return create_workspace(
        session=session, actor=Actor.local(), workspace_create=WorkspaceCreate(name=name)
    )


def account(
    session: Session,
    workspace: Workspace,
    handle: str,
    score: int | None = 40,
    *,
    kind: AccountKind = AccountKind.OWN,
    removed: bool = False,
) -> Account:
    """An account with one stored score (the board reads stored scores only)."""
    row = Account(
        workspace_id=workspace.id,
        network=Network.BLUESKY,
        handle=handle,
        display_name=handle.split(".")[0].title(),
        kind=kind,
        removed_at=utcnow() if removed else None,
    )
    session.add(row)
    session.commit()
    if score is not None:
        session.add(InfluenceScore(account_id=row.id, day=DAY, score=score, reach=0.3))
        session.commit()
    return row


def user_with_role(session: Session, workspace: Workspace, role: Role, subject: str) -> Actor:
    user = User(issuer="https://id.example", subject=subject)
    session.add(user)
    session.commit()
    session.add(Membership(workspace_id=workspace.id, user_id=user.id, role=role))
    session.commit()
    return Actor.user(user.id, subject)


def board_handles(session: Session, viewer: Workspace, group: PeerGroup) -> set[str]:
    board = leaderboards.group_board(
        session=session, actor=Actor.local(), viewer_workspace_id=viewer.id, group_id=group.id
    )
    return {row.handle for row in board.rows}


def count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def street(session: Session) -> dict:
    """A group created by the bakery, joined by the florist; each with accounts."""
    bakery, florist = business(session, "Bakery"), business(session, "Florist")
    accounts = {
        "bakery_ig": account(session, bakery, "bakery.ig", 55),
        "bakery_bsky": account(session, bakery, "bakery.bsky", 41),
        "rival": account(session, bakery, "rival.shop", 60, kind=AccountKind.COMPETITOR),
        "florist_ig": account(session, florist, "florist.ig", 35),
        "florist_secret": account(session, florist, "florist.secret", 70),
    }
    group = peers.create_group(
        session=session,
        actor=Actor.local(),
        workspace_id=bakery.id,
        name="Main Street",
        description="Shops of Main Street.",
    )
    peers.join_group(
        session=session, actor=Actor.local(), workspace_id=florist.id, code=group.invite_code
    )
    return {"bakery": bakery, "florist": florist, "group": group, **accounts}


def enter(session: Session, workspace: Workspace, group: PeerGroup, *accounts: Account) -> None:
    peers.set_entries(
        session=session,
        actor=Actor.local(),
        workspace_id=workspace.id,
        group_id=group.id,
        account_ids=[a.id for a in accounts],
    )


# ---------------------------------------------------------------- creating and joining


def test_creating_a_group_gives_a_readable_code_and_makes_the_creator_its_first_member(session):
    bakery = business(session, "Bakery")
    group = peers.create_group(
        session=session, actor=Actor.local(), workspace_id=bakery.id, name="  Main Street "
    )
    assert group.name == "Main Street" and group.owner_workspace_id == bakery.id
    assert len(group.invite_code) == peers.CODE_LENGTH
    assert set(group.invite_code) <= set(peers.CODE_ALPHABET)
    assert not set(group.invite_code) & set("01ILO")
    (membership,) = peers.list_memberships(
        session=session, actor=Actor.local(), workspace_id=bakery.id
    )
    assert membership.is_creator and membership.member_count == 1
    assert membership.entered_account_ids == frozenset()


def test_invite_codes_do_not_repeat(session):
    bakery = business(session, "Bakery")
    codes = {
        peers.create_group(
            session=session, actor=Actor.local(), workspace_id=bakery.id, name=f"Group {n}"
        ).invite_code
        for n in range(30)
    }
    assert len(codes) == 30


def test_a_group_without_a_name_is_refused_and_nothing_is_written(session):
    bakery = business(session, "Bakery")
    with pytest.raises(InvalidInput) as error:
        peers.create_group(session=session, actor=Actor.local(), workspace_id=bakery.id, name=" ")
    assert error.value.errors == {"name": "is required."}
    assert count(session, PeerGroup) == 0 and count(session, PeerGroupMember) == 0


@pytest.mark.parametrize("typed", ["{code}", "{lower}", " {first}-{last} ", "{first} {last}"])
def test_joining_accepts_the_code_in_any_case_with_spaces_or_dashes(session, typed):
    bakery, florist = business(session, "Bakery"), business(session, "Florist")
    group = peers.create_group(
        session=session, actor=Actor.local(), workspace_id=bakery.id, name="Main Street"
    )
    code = group.invite_code
    text = typed.format(code=code, lower=code.lower(), first=code[:4], last=code[4:])
    joined = peers.join_group(
        session=session, actor=Actor.local(), workspace_id=florist.id, code=text
    )
    assert joined.id == group.id
    assert [m.group.id for m in peers.list_memberships(
        session=session, actor=Actor.local(), workspace_id=florist.id
    )] == [group.id]  # fmt: skip


def test_an_unknown_code_gets_a_clear_message_on_the_code_and_joins_nothing(session, street):
    other = business(session, "Barber")
    with pytest.raises(InvalidInput) as error:
        peers.join_group(session=session, actor=Actor.local(), workspace_id=other.id, code="zz99")
    assert error.value.errors["code"].startswith("“ZZ99” matches no peer group.")
    assert "Check it with whoever gave it to you" in error.value.errors["code"]
    assert count(session, PeerGroupMember) == 2


def test_an_empty_code_is_refused(session):
    bakery = business(session, "Bakery")
    with pytest.raises(InvalidInput) as error:
        peers.join_group(session=session, actor=Actor.local(), workspace_id=bakery.id, code="  ")
    assert error.value.errors["code"].startswith("is required")


def test_joining_a_group_twice_says_the_business_is_in_it_already(session, street):
    with pytest.raises(InvalidInput) as error:
        peers.join_group(
            session=session,
            actor=Actor.local(),
            workspace_id=street["florist"].id,
            code=street["group"].invite_code,
        )
    assert error.value.errors["code"] == "is for “Main Street”, which your business is in already."


# ---------------------------------------------------------------- opt-in entries


def test_joining_enters_nothing_so_the_new_member_shows_nothing(session, street):
    enter(session, street["bakery"], street["group"], street["bakery_ig"])
    assert board_handles(session, street["florist"], street["group"]) == {"bakery.ig"}


def test_only_the_accounts_a_member_entered_appear_on_the_board(session, street):
    enter(session, street["bakery"], street["group"], street["bakery_ig"], street["bakery_bsky"])
    enter(session, street["florist"], street["group"], street["florist_ig"])
    for viewer in (street["bakery"], street["florist"]):
        assert board_handles(session, viewer, street["group"]) == {
            "bakery.ig",
            "bakery.bsky",
            "florist.ig",
        }


def test_setting_entries_replaces_the_set_and_withdrawing_takes_one_off(session, street):
    group, bakery = street["group"], street["bakery"]
    enter(session, bakery, group, street["bakery_ig"], street["bakery_bsky"])
    enter(session, bakery, group, street["bakery_bsky"])
    assert board_handles(session, bakery, group) == {"bakery.bsky"}
    peers.enter_account(
        session=session,
        actor=Actor.local(),
        workspace_id=bakery.id,
        group_id=group.id,
        account_id=street["bakery_ig"].id,
    )
    peers.withdraw_account(
        session=session,
        actor=Actor.local(),
        workspace_id=bakery.id,
        group_id=group.id,
        account_id=street["bakery_bsky"].id,
    )
    assert board_handles(session, bakery, group) == {"bakery.ig"}


@pytest.mark.parametrize(
    ("which", "message"),
    [
        ("rival", "not the competitors you follow"),
        ("florist_ig", "may only name your own accounts"),
        ("removed", "may not name an account you removed"),
    ],
)
def test_a_member_may_enter_only_its_own_current_accounts_and_a_bad_one_changes_nothing(
    session, street, which, message
):
    if which == "removed":
        street["removed"] = account(session, street["bakery"], "old.bakery", 30, removed=True)
    with pytest.raises(InvalidInput) as error:
        enter(session, street["bakery"], street["group"], street["bakery_ig"], street[which])
    assert message in error.value.errors["account_ids"]
    assert count(session, PeerGroupEntry) == 0


def test_a_removed_account_leaves_the_board_without_being_withdrawn(session, street):
    enter(session, street["bakery"], street["group"], street["bakery_ig"], street["bakery_bsky"])
    street["bakery_bsky"].removed_at = utcnow()
    session.add(street["bakery_bsky"])
    session.commit()
    assert board_handles(session, street["florist"], street["group"]) == {"bakery.ig"}


def test_update_sharing_saves_entries_and_progress_in_one_go(session, street):
    entered = peers.update_sharing(
        session=session,
        actor=Actor.local(),
        workspace_id=street["florist"].id,
        group_id=street["group"].id,
        account_ids=[street["florist_ig"].id],
        share_progress=True,
    )
    assert entered == {street["florist_ig"].id}
    (membership,) = peers.list_memberships(
        session=session, actor=Actor.local(), workspace_id=street["florist"].id
    )
    assert membership.member.share_progress and membership.entered_account_ids == entered


# ---------------------------------------------------------------- visibility


def test_a_business_outside_the_group_sees_nothing_of_it(session, street):
    enter(session, street["bakery"], street["group"], street["bakery_ig"])
    outsider = business(session, "Barber")
    with pytest.raises(NotFound):
        leaderboards.group_board(
            session=session,
            actor=Actor.local(),
            viewer_workspace_id=outsider.id,
            group_id=street["group"].id,
        )
    with pytest.raises(NotFound):
        leaderboards.account_detail(
            session=session,
            actor=Actor.local(),
            viewer_workspace_id=outsider.id,
            account_id=street["bakery_ig"].id,
        )
    with pytest.raises(NotFound):
        peers.get_group(
            session=session,
            actor=Actor.local(),
            workspace_id=outsider.id,
            group_id=street["group"].id,
        )
    assert (
        peers.list_memberships(session=session, actor=Actor.local(), workspace_id=outsider.id) == []
    )


def test_a_signed_in_user_of_another_business_cannot_view_a_group_as_a_member(session, street):
    barber = business(session, "Barber")
    barber_owner = user_with_role(session, barber, Role.OWNER, "barber")
    with pytest.raises(NotFound):
        leaderboards.group_board(
            session=session,
            actor=barber_owner,
            viewer_workspace_id=street["florist"].id,
            group_id=street["group"].id,
        )


def test_a_member_sees_no_account_that_was_not_entered(session, street):
    enter(session, street["florist"], street["group"], street["florist_ig"])
    handles = board_handles(session, street["bakery"], street["group"])
    assert handles == {"florist.ig"}
    assert "florist.secret" not in handles
    with pytest.raises(NotFound):
        leaderboards.account_detail(
            session=session,
            actor=Actor.local(),
            viewer_workspace_id=street["bakery"].id,
            account_id=street["florist_secret"].id,
        )
    seen = leaderboards.account_detail(
        session=session,
        actor=Actor.local(),
        viewer_workspace_id=street["bakery"].id,
        account_id=street["florist_ig"].id,
    )
    assert seen.score == 35 and not seen.is_own and seen.goal is None


# ---------------------------------------------------------------- leaving and removing


def test_leaving_takes_the_members_accounts_off_the_board_at_once(session, street):
    enter(session, street["bakery"], street["group"], street["bakery_ig"])
    enter(session, street["florist"], street["group"], street["florist_ig"])
    peers.leave_group(
        session=session,
        actor=Actor.local(),
        workspace_id=street["florist"].id,
        group_id=street["group"].id,
    )
    assert board_handles(session, street["bakery"], street["group"]) == {"bakery.ig"}
    assert count(session, PeerGroupEntry) == 1
    with pytest.raises(NotFound):
        board_handles(session, street["florist"], street["group"])


def test_a_creator_that_leaves_hands_the_group_to_the_earliest_member(session, street):
    peers.leave_group(
        session=session,
        actor=Actor.local(),
        workspace_id=street["bakery"].id,
        group_id=street["group"].id,
    )
    group = session.get(PeerGroup, street["group"].id)
    session.refresh(group)
    assert group.owner_workspace_id == street["florist"].id


def test_the_last_member_to_leave_deletes_the_group(session, street):
    for workspace in (street["bakery"], street["florist"]):
        peers.leave_group(
            session=session,
            actor=Actor.local(),
            workspace_id=workspace.id,
            group_id=street["group"].id,
        )
    assert count(session, PeerGroup) == 0 and count(session, PeerGroupMember) == 0


def test_the_creator_removes_a_member_and_its_entries_go_with_it(session, street):
    enter(session, street["florist"], street["group"], street["florist_ig"])
    peers.remove_member(
        session=session,
        actor=Actor.local(),
        workspace_id=street["bakery"].id,
        group_id=street["group"].id,
        member_workspace_id=street["florist"].id,
    )
    assert board_handles(session, street["bakery"], street["group"]) == set()
    assert count(session, PeerGroupMember) == 1 and count(session, PeerGroupEntry) == 0


def test_only_the_creator_may_remove_a_member_or_list_all_members(session, street):
    with pytest.raises(NotAllowed):
        peers.remove_member(
            session=session,
            actor=Actor.local(),
            workspace_id=street["florist"].id,
            group_id=street["group"].id,
            member_workspace_id=street["bakery"].id,
        )
    with pytest.raises(NotAllowed):
        peers.list_members(
            session=session,
            actor=Actor.local(),
            workspace_id=street["florist"].id,
            group_id=street["group"].id,
        )
    members = peers.list_members(
        session=session,
        actor=Actor.local(),
        workspace_id=street["bakery"].id,
        group_id=street["group"].id,
    )
    assert [(m.name, m.is_creator) for m in members] == [("Bakery", True), ("Florist", False)]


def test_the_creator_cannot_remove_itself(session, street):
    with pytest.raises(InvalidInput, match="leave the group instead"):
        peers.remove_member(
            session=session,
            actor=Actor.local(),
            workspace_id=street["bakery"].id,
            group_id=street["group"].id,
            member_workspace_id=street["bakery"].id,
        )


# ---------------------------------------------------------------- roles


def test_a_viewer_may_look_at_the_board_but_not_join_enter_or_leave(session, street):
    viewer = user_with_role(session, street["florist"], Role.VIEWER, "florist-viewer")
    group = street["group"]
    board = leaderboards.group_board(
        session=session, actor=viewer, viewer_workspace_id=street["florist"].id, group_id=group.id
    )
    assert board.rows == ()
    refused = [
        lambda: peers.set_entries(
            session=session,
            actor=viewer,
            workspace_id=street["florist"].id,
            group_id=group.id,
            account_ids=[street["florist_ig"].id],
        ),
        lambda: peers.leave_group(
            session=session, actor=viewer, workspace_id=street["florist"].id, group_id=group.id
        ),
        lambda: peers.create_group(
            session=session, actor=viewer, workspace_id=street["florist"].id, name="Mine"
        ),
    ]
    for action in refused:
        with pytest.raises(NotAllowed):
            action()
    assert count(session, PeerGroupEntry) == 0 and count(session, PeerGroupMember) == 2


def test_an_editor_may_enter_accounts_but_only_an_owner_of_the_creator_may_remove(session, street):
    editor = user_with_role(session, street["bakery"], Role.EDITOR, "bakery-editor")
    peers.set_entries(
        session=session,
        actor=editor,
        workspace_id=street["bakery"].id,
        group_id=street["group"].id,
        account_ids=[street["bakery_ig"].id],
    )
    with pytest.raises(NotAllowed):
        peers.remove_member(
            session=session,
            actor=editor,
            workspace_id=street["bakery"].id,
            group_id=street["group"].id,
            member_workspace_id=street["florist"].id,
        )
    owner = user_with_role(session, street["bakery"], Role.OWNER, "bakery-owner")
    peers.remove_member(
        session=session,
        actor=owner,
        workspace_id=street["bakery"].id,
        group_id=street["group"].id,
        member_workspace_id=street["florist"].id,
    )
    assert count(session, PeerGroupMember) == 1


def test_a_user_cannot_act_for_a_business_they_do_not_belong_to(session, street):
    barber = business(session, "Barber")
    stranger = user_with_role(session, barber, Role.OWNER, "stranger")
    with pytest.raises(NotFound):
        peers.join_group(
            session=session,
            actor=stranger,
            workspace_id=street["florist"].id,
            code=street["group"].invite_code,
        )


# ---------------------------------------------------------------- progress


def test_plan_progress_shows_only_for_members_that_share_it(session, street):
    enter(session, street["bakery"], street["group"], street["bakery_ig"])
    enter(session, street["florist"], street["group"], street["florist_ig"])
    peers.set_share_progress(
        session=session,
        actor=Actor.local(),
        workspace_id=street["florist"].id,
        group_id=street["group"].id,
        share=True,
    )
    board = leaderboards.group_board(
        session=session,
        actor=Actor.local(),
        viewer_workspace_id=street["bakery"].id,
        group_id=street["group"].id,
        today=DAY + timedelta(days=1),
    )
    assert board.shows_progress
    # Neither has a plan: sharing shows "no progress" rather than a number.
    assert {row.handle: row.progress for row in board.rows} == {
        "bakery.ig": None,
        "florist.ig": None,
    }
    assert "Plan on track" in leaderboards.board_table(board).columns


def test_a_share_link_reader_sees_neither_the_groups_nor_their_boards(session, street):
    enter(session, street["florist"], street["group"], street["florist_ig"])
    plan = Plan(
        workspace_id=street["bakery"].id,
        name="2027",
        period_start=DAY,
        period_end=DAY + timedelta(days=90),
    )
    session.add(plan)
    session.add(BusinessScore(workspace_id=street["bakery"].id, day=DAY, score=44))
    session.commit()
    reader = Actor.share_reader(plan.id)
    bakery_id, group_id = street["bakery"].id, street["group"].id
    refused = [
        lambda: peers.list_memberships(session=session, actor=reader, workspace_id=bakery_id),
        lambda: peers.get_group(
            session=session, actor=reader, workspace_id=bakery_id, group_id=group_id
        ),
        lambda: leaderboards.group_board(
            session=session, actor=reader, viewer_workspace_id=bakery_id, group_id=group_id
        ),
        lambda: leaderboards.account_detail(
            session=session,
            actor=reader,
            viewer_workspace_id=bakery_id,
            account_id=street["florist_ig"].id,
        ),
    ]
    for action in refused:
        with pytest.raises(NotFound):
            action()
    standing = leaderboards.business_standing(session=session, actor=reader, workspace_id=bakery_id)
    assert (standing.headline, standing.group_name, standing.note) == ("Your score 44", None, None)
