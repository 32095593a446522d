"""The Settings page under AppTest, as the local owner: rename, invite, share links, delete."""

from sqlmodel import Session, select

from socialplan.models import Invitation, ShareLink, Workspace
from tests.app.conftest import open_page, texts
from tests.factories import create_workspace_with_plan

PAGE = "app_pages/settings.py"


def arrange(engine) -> int:
    with Session(engine, expire_on_commit=False) as session:
        workspace, _ = create_workspace_with_plan(session)
        return workspace.id


def workspace_names(engine) -> list[str]:
    with Session(engine) as session:
        return sorted(w.name for w in session.exec(select(Workspace)))


def test_settings_without_a_workspace_points_to_home(app_engine):
    at = open_page(PAGE)

    assert not at.exception, at.exception
    assert at.title[0].value == "Settings"
    assert "There is no workspace yet" in texts(at)


def test_the_owner_renames_the_workspace(app_engine):
    workspace_id = arrange(app_engine)
    at = open_page(PAGE)

    at.text_input(key=f"settings_name_{workspace_id}_1").input("Rosa's Cakes")
    at.button(key="settings_rename").click().run()

    assert not at.exception, at.exception
    assert "The workspace is renamed." in texts(at)
    assert workspace_names(app_engine) == ["Rosa's Cakes"]
    with Session(app_engine) as session:
        assert session.exec(select(Workspace)).one().version == 2


def test_the_owner_invites_by_email_and_revokes_the_invitation(app_engine):
    arrange(app_engine)
    at = open_page(PAGE)

    at.text_input(key="settings_invite_email").input("Sam@Example.com")
    at.selectbox(key="settings_invite_role").select("editor")
    at.button(key="settings_invite").click().run()

    assert not at.exception, at.exception
    assert "sam@example.com · editor" in texts(at)
    with Session(app_engine) as session:
        invitation = session.exec(select(Invitation)).one()
    at.button(key=f"settings_revoke_invitation_{invitation.id}").click().run()
    assert "The invitation is revoked." in texts(at)
    assert "No pending invitations." in texts(at)


def test_a_bad_email_is_refused_under_its_field(app_engine):
    arrange(app_engine)
    at = open_page(PAGE)

    at.text_input(key="settings_invite_email").input("not an address")
    at.button(key="settings_invite").click().run()

    assert not at.exception, at.exception
    assert "Email " in "\n".join(e.value for e in at.error)
    with Session(app_engine) as session:
        assert session.exec(select(Invitation)).all() == []


def test_a_share_link_is_shown_once_then_listed_and_revoked(app_engine):
    arrange(app_engine)
    at = open_page(PAGE)

    at.text_input(key="settings_share_label").input("for the bank")
    at.button(key="settings_share_create").click().run()

    assert not at.exception, at.exception
    assert len(at.code) == 1
    url = at.code[0].value
    assert "?share=" in url
    token = url.split("share=")[1]
    with Session(app_engine) as session:
        link = session.exec(select(ShareLink)).one()
    assert link.token_hash != token and token not in link.token_hash
    assert "for the bank · 2027 H1" in texts(at)
    assert "Active" in texts(at)

    at.run()
    assert not at.code  # shown only once

    at.button(key=f"settings_revoke_link_{link.id}").click().run()
    assert not at.exception, at.exception
    assert "The share link is revoked" in texts(at)
    assert "Revoked" in texts(at)
    assert token not in texts(at)


def test_delete_needs_the_exact_name_and_removes_only_that_workspace(app_engine):
    rosa_id = arrange(app_engine)
    with Session(app_engine) as session:
        create_workspace_with_plan(session, name="Another Shop")
    at = open_page(PAGE)
    at.sidebar.selectbox(key="sidebar_workspace_id").select(rosa_id).run()
    assert at.text_input(key=f"settings_name_{rosa_id}_1").value == "Rosa's Bakery"

    at.text_input(key="settings_delete_confirm").input("Rosas Bakery")
    at.button(key="settings_delete").click().run()

    assert not at.exception, at.exception
    assert "must be the workspace's name" in "\n".join(e.value for e in at.error)
    assert workspace_names(app_engine) == ["Another Shop", "Rosa's Bakery"]

    at.text_input(key="settings_delete_confirm").input("Rosa's Bakery")
    at.button(key="settings_delete").click().run()

    assert not at.exception, at.exception
    assert workspace_names(app_engine) == ["Another Shop"]
    assert "The workspace and everything in it are deleted." in texts(at)


def test_share_links_point_at_the_configured_public_address(app_engine, monkeypatch):
    monkeypatch.setenv("SOCIALPLAN_PUBLIC_URL", "https://plan.example.com/app/")
    arrange(app_engine)
    at = open_page(PAGE)

    at.text_input(key="settings_share_label").input("for the bank")
    at.button(key="settings_share_create").click().run()

    assert not at.exception, at.exception
    assert at.code[0].value.startswith("https://plan.example.com/app/?share=")
