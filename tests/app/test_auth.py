"""Hosted mode under AppTest: `[auth]` in the secrets, `st.user` seeded through `at.user`."""

from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from socialplan import members, sharing, users
from socialplan.access import Actor
from socialplan.models import Membership, Objective, Role, User, Workspace
from tests.app.conftest import APP, texts
from tests.factories import create_workspace_with_plan

ISSUER = "https://id.example.com"
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret",
    "client_id": "social-plan",
    "client_secret": "test-client-secret",
    "server_metadata_url": f"{ISSUER}/.well-known/openid-configuration",
}


def claims(sub: str, email: str, name: str) -> dict:
    return {
        "is_logged_in": True,
        "iss": ISSUER,
        "sub": sub,
        "email": email,
        "email_verified": True,
        "name": name,
    }


ROSA = claims("rosa-1", "rosa@example.com", "Rosa")
SAM = claims("sam-2", "sam@example.com", "Sam")


def hosted(user: dict | None, page: str | None = None, **query) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.secrets["auth"] = AUTH
    at.user = user if user is not None else {"is_logged_in": False}
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


def make_user(engine, who: dict) -> Actor:
    with Session(engine, expire_on_commit=False) as session:
        user = users.upsert_user(
            session=session,
            issuer=who["iss"],
            subject=who["sub"],
            email=who["email"],
            name=who["name"],
            email_verified=True,
        )
        return users.actor_for_user(user)


def rosa_workspace_with_sam_as(engine, role: Role) -> tuple[Workspace, object]:
    rosa = make_user(engine, ROSA)
    make_user(engine, SAM)
    with Session(engine, expire_on_commit=False) as session:
        workspace, plan = create_workspace_with_plan(session, rosa)
        invitation = members.invite(
            session=session, actor=rosa, workspace_id=workspace.id, email=SAM["email"], role=role
        )
        sam = session.exec(select(User).where(User.subject == SAM["sub"])).one()
        members.accept_invitation(session=session, user=sam, invitation_id=invitation.id)
    return workspace, plan


def test_signed_out_only_the_sign_in_screen_is_reachable(app_engine):
    with Session(app_engine) as session:
        create_workspace_with_plan(session, Actor.local())

    at = hosted(None)

    assert not at.exception, at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert "Rosa" not in texts(at)
    assert "Sign in to see your business's plan" in texts(at)


def test_a_share_link_opens_signed_out_in_hosted_mode(app_engine):
    with Session(app_engine) as session:
        _, plan = create_workspace_with_plan(session, Actor.local())
        _, token = sharing.create_share_link(
            session=session, actor=Actor.local(), plan_id=plan.id, label="", expires_at=None
        )

    at = hosted(None, share=token)

    assert not at.exception, at.exception
    assert at.title[0].value == "2027 H1"
    assert not at.button


def test_first_sign_in_records_the_user_and_offers_to_start_a_plan(app_engine):
    at = hosted(ROSA)

    assert not at.exception, at.exception
    assert "Start my plan" in texts(at)
    assert "Signed in as Rosa" in texts(at)
    with Session(app_engine) as session:
        user = session.exec(select(User)).one()
    assert (user.issuer, user.subject, user.email) == (ISSUER, "rosa-1", "rosa@example.com")

    at.text_input(key="home_business").input("Rosa's Bakery")
    at.text_input(key="home_plan_name").input("2027 H1")
    at.button(key="FormSubmitter:home_start-Start my plan").click().run()

    assert not at.exception, at.exception
    with Session(app_engine) as session:
        membership = session.exec(select(Membership)).one()
    assert (membership.user_id, membership.role) == (user.id, Role.OWNER)


def test_an_invitee_accepts_from_the_sidebar_and_switches_workspaces(app_engine):
    rosa = make_user(app_engine, ROSA)
    sam = make_user(app_engine, SAM)
    with Session(app_engine, expire_on_commit=False) as session:
        rosas, _ = create_workspace_with_plan(session, rosa)
        sams, _ = create_workspace_with_plan(session, sam, name="Sam's Shop")
        create_workspace_with_plan(session, Actor.local(), name="Stranger's Store")
        members.invite(
            session=session, actor=rosa, workspace_id=rosas.id, email=SAM["email"], role="viewer"
        )

    at = hosted(SAM)
    assert not at.exception, at.exception
    assert "join Rosa's Bakery as viewer" in texts(at)
    accept = next(b for b in at.sidebar.button if b.label == "Accept")
    accept.click().run()

    assert not at.exception, at.exception
    switcher = at.sidebar.selectbox(key="sidebar_workspace_id")
    assert sorted(switcher.options) == ["Rosa's Bakery", "Sam's Shop"]
    assert "Stranger's Store" not in texts(at)
    assert at.title[0].value == "Rosa's Bakery"

    switcher.select(sams.id).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Sam's Shop"


def test_a_viewer_sees_objectives_read_only(app_engine):
    rosa_workspace_with_sam_as(app_engine, Role.VIEWER)

    at = hosted(SAM, "app_pages/objectives.py")

    assert not at.exception, at.exception
    assert "your role here is viewer, so only editors change it" in texts(at)
    assert not at.main.text_input and not at.main.button
    with Session(app_engine) as session:
        assert session.exec(select(Objective)).all() == []


def test_an_editor_can_add_an_objective(app_engine):
    rosa_workspace_with_sam_as(app_engine, Role.EDITOR)

    at = hosted(SAM, "app_pages/objectives.py")
    at.text_input(key="objectives_title").input("Fill the Saturday workshop")
    at.button(key="objectives_add_submit").click().run()

    assert not at.exception, at.exception
    with Session(app_engine) as session:
        assert [o.title for o in session.exec(select(Objective))] == ["Fill the Saturday workshop"]


def test_a_viewer_sees_settings_read_only(app_engine):
    rosa_workspace_with_sam_as(app_engine, Role.VIEWER)

    at = hosted(SAM, "app_pages/settings.py")

    assert not at.exception, at.exception
    assert "Your role here is viewer: only an owner can change these settings." in texts(at)
    assert not at.text_input and not at.get("code")
    assert "Rosa · rosa@example.com" in texts(at)


def test_the_owner_sees_members_with_their_roles(app_engine):
    rosa_workspace_with_sam_as(app_engine, Role.VIEWER)

    at = hosted(ROSA, "app_pages/settings.py")

    assert not at.exception, at.exception
    assert "Role: viewer" in texts(at) and "Role: owner" in texts(at)


def test_the_last_owner_cannot_be_demoted(app_engine):
    rosa_workspace_with_sam_as(app_engine, Role.VIEWER)
    at = hosted(ROSA, "app_pages/settings.py")
    with Session(app_engine) as session:
        rosa_id = session.exec(select(User).where(User.subject == "rosa-1")).one().id

    at.selectbox(key=f"settings_role_{rosa_id}").select("viewer")
    at.button(key=f"settings_role_save_{rosa_id}").click().run()

    assert not at.exception, at.exception
    assert "A workspace needs at least one owner" in "\n".join(e.value for e in at.error)


def test_sign_out_returns_to_the_sign_in_screen(app_engine):
    at = hosted(ROSA)

    at.sidebar.button(key="auth_sign_out").click().run()

    assert not at.exception, at.exception
    assert [b.label for b in at.button] == ["Sign in"]


def test_without_an_auth_section_the_app_stays_local(app_engine):
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.user = {"is_logged_in": False}
    at.run()

    assert not at.exception, at.exception
    assert "Start my plan" in texts(at)
    assert "Sign in" not in [b.label for b in at.button]
    assert "Sign out" not in [b.label for b in at.sidebar.button]


def test_a_signed_in_stranger_sees_no_other_workspace(app_engine):
    with Session(app_engine) as session:
        create_workspace_with_plan(session, Actor.local(), name="Stranger's Store")

    at = hosted(SAM, "app_pages/settings.py")

    assert not at.exception, at.exception
    assert "There is no workspace yet" in texts(at)
    assert "Stranger" not in texts(at)


def test_a_viewer_leaves_a_workspace_and_no_longer_sees_it(app_engine):
    workspace, _ = rosa_workspace_with_sam_as(app_engine, Role.VIEWER)
    at = hosted(SAM, "app_pages/settings.py")

    at.checkbox(key="settings_leave_sure").check()
    at.button(key="settings_leave").click().run()

    assert not at.exception, at.exception
    assert "You left Rosa's Bakery. Its owner can invite you again." in texts(at)
    assert "There is no workspace yet" in texts(at)
    with Session(app_engine) as session:
        roles = session.exec(
            select(Membership.role).where(Membership.workspace_id == workspace.id)
        ).all()
    assert roles == [Role.OWNER]


def test_leaving_needs_the_box_ticked(app_engine):
    workspace, _ = rosa_workspace_with_sam_as(app_engine, Role.VIEWER)
    at = hosted(SAM, "app_pages/settings.py")

    at.button(key="settings_leave").click().run()

    assert not at.exception, at.exception
    assert "Tick the box to confirm that you want to leave." in texts(at)
    with Session(app_engine) as session:
        assert len(session.exec(select(Membership)).all()) == 2


def test_the_last_owner_cannot_leave(app_engine):
    rosa_workspace_with_sam_as(app_engine, Role.VIEWER)
    at = hosted(ROSA, "app_pages/settings.py")

    at.checkbox(key="settings_leave_sure").check()
    at.button(key="settings_leave").click().run()

    assert not at.exception, at.exception
    assert "at least one owner" in "\n".join(e.value for e in at.error)
    with Session(app_engine) as session:
        assert len(session.exec(select(Membership)).all()) == 2


def test_local_mode_offers_no_leaving(app_engine):
    with Session(app_engine) as session:
        create_workspace_with_plan(session, Actor.local())
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    at.switch_page("app_pages/settings.py")
    at.run()

    assert not at.exception, at.exception
    assert not [b for b in at.button if b.label == "Leave workspace"]


def test_an_unverified_email_is_explained_in_the_sidebar(app_engine):
    rosa = make_user(app_engine, ROSA)
    with Session(app_engine, expire_on_commit=False) as session:
        rosas, _ = create_workspace_with_plan(session, rosa)
        members.invite(
            session=session, actor=rosa, workspace_id=rosas.id, email=SAM["email"], role="viewer"
        )

    at = hosted({**SAM, "email_verified": False})

    assert not at.exception, at.exception
    warnings = "\n".join(w.value for w in at.sidebar.warning)
    assert "has not verified the email sam@example.com" in warnings.replace("\\", "")
    assert "join Rosa's Bakery" not in texts(at)


def test_a_verified_email_gets_no_such_warning(app_engine):
    at = hosted(SAM)

    assert not at.exception, at.exception
    assert not at.sidebar.warning
