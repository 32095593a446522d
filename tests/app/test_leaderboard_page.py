"""The Leaderboard page: create and join peer groups, opt accounts in, and read the boards."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from socialplan import peers
from socialplan.access import Actor
from socialplan.latest_scores import refresh_latest_scores
from socialplan.models import (
    Account,
    AccountKind,
    InfluenceScore,
    Network,
    PeerGroup,
    PeerGroupMember,
    Workspace,
    WorkspaceCreate,
)
from socialplan.workspaces import create_workspace
from tests.app.conftest import open_page, texts

PAGE = "app_pages/leaderboard.py"
TODAY = date.today()


def business(session: Session, name: str) -> Workspace:
    return create_workspace(
        session=session, actor=Actor.local(), workspace_create=WorkspaceCreate(name=name)
    )


def scored_account(
    session: Session, workspace: Workspace, handle: str, score: int, kind=AccountKind.OWN
) -> Account:
    account = Account(workspace_id=workspace.id, network=Network.BLUESKY, handle=handle, kind=kind)
    session.add(account)
    session.commit()
    session.add_all(
        InfluenceScore(account_id=account.id, day=TODAY - timedelta(days=ago), score=score)
        for ago in range(40)
    )
    session.commit()
    # Written straight into the table, not by a recompute: the newest-score row follows.
    refresh_latest_scores(session, [account.id])
    session.commit()
    return account


@pytest.fixture
def street(app_engine) -> dict:
    """The bakery's group with its account entered; the florist not in it yet."""
    with Session(app_engine, expire_on_commit=False) as session:
        bakery, florist = business(session, "Bakery"), business(session, "Florist")
        bakery_account = scored_account(session, bakery, "bakery.bsky.social", 48)
        florist_account = scored_account(session, florist, "florist.bsky.social", 36)
        group = peers.create_group(
            session=session, actor=Actor.local(), workspace_id=bakery.id, name="Main Street"
        )
        peers.set_entries(
            session=session,
            actor=Actor.local(),
            workspace_id=bakery.id,
            group_id=group.id,
            account_ids=[bakery_account.id],
        )
    return {
        "bakery": bakery,
        "florist": florist,
        "group": group,
        "florist_account": florist_account,
    }


def open_as(workspace: Workspace):
    at = open_page(PAGE)
    if at.sidebar.selectbox:
        at.sidebar.selectbox(key="sidebar_workspace_id").set_value(workspace.id).run()
    assert not at.exception, at.exception
    return at


def board_frame(at):
    """The peer group's board (the first table on the page)."""
    return at.dataframe[0].value


def join(at, code: str):
    at.text_input(key="leaderboard_code").input(code)
    return at.button(key="FormSubmitter:leaderboard_join-Join").click().run()


def test_a_business_joins_with_the_code_opts_an_account_in_and_sees_its_row(street, app_engine):
    at = open_as(street["florist"])
    assert "Your business is in no peer group yet" in texts(at)
    at = join(at, f" {street['group'].invite_code.lower()} ")
    assert not at.exception, at.exception
    assert "You joined “Main Street”" in texts(at)
    # Joined, nothing entered yet: the florist sees the bakery, and is not on the board.
    assert board_frame(at)["Account"].tolist() == ["@bakery.bsky.social"]
    group_id = street["group"].id
    florist_id = street["florist"].id
    at.multiselect(key=f"leaderboard_entries_{florist_id}_{group_id}").select(
        street["florist_account"].id
    )
    form = f"leaderboard_sharing_{florist_id}_{group_id}"
    at.button(key=f"FormSubmitter:{form}-Save what we share").click()
    at.run()
    assert not at.exception, at.exception
    assert "Saved: 1 of your accounts on the board." in texts(at)
    frame = board_frame(at)
    assert frame["Account"].tolist() == ["@bakery.bsky.social", "@florist.bsky.social"]
    assert frame["Yours"].tolist() == [False, True]
    assert frame["Score"].tolist() == [48, 36]
    assert frame["Rank"].tolist() == [1, 2]


def test_a_bad_code_gets_a_clear_message_and_joins_nothing(street, app_engine):
    at = join(open_as(street["florist"]), "NOPE-2345")
    assert "The code “NOPE2345” matches no peer group." in texts(at)
    assert "Nothing was saved" in texts(at)
    with Session(app_engine) as session:
        members = session.exec(select(PeerGroupMember.workspace_id)).all()
    assert members == [street["bakery"].id]


def test_creating_a_group_shows_the_code_to_hand_out(street, app_engine):
    at = open_as(street["florist"])
    at.text_input(key="leaderboard_group_name").input("Florists of the North")
    at.text_area(key="leaderboard_group_description").input("Cut flowers, compared.")
    at.button(key="FormSubmitter:leaderboard_create-Create the group").click().run()
    assert not at.exception, at.exception
    with Session(app_engine) as session:
        group = session.exec(
            select(PeerGroup).where(PeerGroup.name == "Florists of the North")
        ).one()
    assert f"Its invite code is {group.invite_code}" in texts(at)
    assert [code.proto.code_text for code in at.get("code")] == [group.invite_code]
    # A new group with nothing entered says how it fills up.
    assert "Nobody has entered an account in “Florists of the North” yet" in texts(at)


def test_a_group_without_a_name_is_refused_next_to_the_field(street, app_engine):
    at = open_as(street["florist"])
    at.button(key="FormSubmitter:leaderboard_create-Create the group").click().run()
    assert "Name is required." in texts(at)
    with Session(app_engine) as session:
        assert len(session.exec(select(PeerGroup)).all()) == 1


def test_leaving_takes_the_business_off_the_board(street, app_engine):
    with Session(app_engine) as session:
        peers.join_group(
            session=session,
            actor=Actor.local(),
            workspace_id=street["florist"].id,
            code=street["group"].invite_code,
        )
    at = open_as(street["florist"])
    at.button(key=f"leaderboard_leave_{street['group'].id}").click().run()
    assert not at.exception, at.exception
    assert "You left “Main Street”" in texts(at)
    assert "Your business is in no peer group yet" in texts(at)


def test_accounts_without_scores_say_how_scores_are_made(app_engine):
    with Session(app_engine, expire_on_commit=False) as session:
        shop = business(session, "Shop")
        session.add(Account(workspace_id=shop.id, network=Network.BLUESKY, handle="new.shop"))
        session.commit()
    at = open_page(PAGE)
    # The competitors tab holds the business's own accounts even without a peer group.
    at.session_state["leaderboard_tab"] = "Competitors"
    at.run()
    assert not at.exception, at.exception
    assert "No scores yet — they are computed after each sync or import" in texts(at)
    assert "socialplan scores recompute" in texts(at)


def test_without_a_business_the_page_points_to_home(app_engine):
    at = open_page(PAGE)
    assert not at.exception
    assert "There is no business yet" in texts(at)


def test_the_demo_board_renders_with_the_bakery_marked_and_explained(app_engine):
    at = open_page()
    at.button(key="home_demo").click().run()
    assert "Your score" in texts(at) and "of the Main Street group" in texts(at)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    # The neighbours have no plan, so the bakery is the one business offered and shown.
    assert not at.sidebar.selectbox
    page = texts(at)
    assert "Main Street" in page
    assert [code.proto.code_text for code in at.get("code")] == ["MAINST01"]
    frame = board_frame(at)
    assert len(frame) >= 40
    own = frame[frame["Yours"]]
    assert sorted(own["Account"]) == ["@crumbandco.bakery", "@crumbandco.bsky.social"]
    assert own["Top"].str.startswith("top ").all()
    assert own["Plan on track"].tolist() == [0.5, 0.5]
    assert len(frame["Last 90 days"].iloc[0]) == 30
    # Histogram, and for the chosen account its history and its parts.
    assert len(at.get("vega_lite_chart")) >= 3
    assert "The one change that would raise it most" in page
    # Only the open tab is drawn; the competitors and team tabs are drawn once opened.
    assert len(at.dataframe) == 1
    at.session_state["leaderboard_tab"] = "Competitors"
    at.run()
    assert not at.exception, at.exception
    [competitors] = [table.value for table in at.dataframe]
    assert "Golden Crust Bakehouse" in competitors["Name"].tolist()
    assert "Main Street" not in texts(at)
    at.session_state["leaderboard_tab"] = "Team"
    at.run()
    assert not at.exception, at.exception
    [team] = [table.value for table in at.dataframe]
    assert sorted(team["Person"]) == ["Leo Park", "Maya Chen", "Rosa Almeida"]
    assert "No personal account yet for Sam Okafor" in texts(at)


def test_sorting_the_board_by_30_day_change_reorders_it(street, app_engine):
    at = open_as(street["bakery"])
    at.selectbox(key="leaderboard_group_board_sort").set_value("change_30d").run()
    assert not at.exception, at.exception
    assert board_frame(at)["Account"].tolist() == ["@bakery.bsky.social"]


def test_switching_business_shows_what_that_business_entered_not_the_last_ones(street, app_engine):
    with Session(app_engine) as session:
        peers.join_group(
            session=session,
            actor=Actor.local(),
            workspace_id=street["florist"].id,
            code=street["group"].invite_code,
        )
    at = open_as(street["bakery"])
    group_id, bakery_id, florist_id = street["group"].id, street["bakery"].id, street["florist"].id
    assert len(at.multiselect(key=f"leaderboard_entries_{bakery_id}_{group_id}").value) == 1
    at.sidebar.selectbox(key="sidebar_workspace_id").set_value(florist_id).run()
    assert not at.exception, at.exception
    assert at.multiselect(key=f"leaderboard_entries_{florist_id}_{group_id}").value == []
    assert board_frame(at)["Yours"].tolist() == [False]


def test_the_creator_removes_a_member(street, app_engine):
    group_id, florist_id = street["group"].id, street["florist"].id
    with Session(app_engine) as session:
        peers.join_group(
            session=session,
            actor=Actor.local(),
            workspace_id=florist_id,
            code=street["group"].invite_code,
        )
    at = open_as(street["bakery"])
    remove_key = f"leaderboard_remove_{group_id}_{florist_id}"
    # The member list is drawn only while its section is open.
    assert remove_key not in [button.key for button in at.button]
    at.session_state[f"leaderboard_members_{group_id}"] = True
    at.run()
    assert "Florist · 0 accounts entered" in [text.value for text in at.text]
    at.button(key=remove_key).click().run()
    assert not at.exception, at.exception
    assert "Removed “Florist” from the group." in texts(at)
    with Session(app_engine) as session:
        members = session.exec(
            select(PeerGroupMember.workspace_id).where(PeerGroupMember.group_id == group_id)
        ).all()
    assert members == [street["bakery"].id]


def test_a_member_opens_the_section_to_create_or_join_another_group(street, app_engine):
    at = open_as(street["bakery"])
    # Drawn only while open: its forms are not built on every run of the board.
    assert not [w for w in at.text_input if w.key == "leaderboard_code"]
    at.session_state["leaderboard_another_group"] = True
    at.run()
    assert not at.exception, at.exception
    at.text_input(key="leaderboard_group_name").input("Bakers of the North")
    at.button(key="FormSubmitter:leaderboard_create-Create the group").click().run()
    assert not at.exception, at.exception
    with Session(app_engine) as session:
        names = sorted(session.exec(select(PeerGroup.name)).all())
    assert names == ["Bakers of the North", "Main Street"]
