"""A viewer reads every page and is offered nothing that changes the workspace.

Hosted mode under AppTest, on the demo bakery (objectives, metrics with readings and
snapshots, tasks, the team and its roles, past reviews, accounts, the Main Street group),
with Sam as a viewer and Eddie as an editor of it. Each page is checked both ways: the
viewer sees the content, the read-only notice and no edit control; the editor sees the
edit controls (so a page that hid them from everyone would fail here too).
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from socialplan import demo, members
from socialplan.access import Actor
from socialplan.db import make_engine
from socialplan.models import Membership, Role, User, Workspace
from tests.app.conftest import open_page, shown, texts
from tests.app.test_auth import SAM, claims, hosted, make_user

EDDIE = claims("eddie-3", "eddie@example.com", "Eddie")
NOTICE = "your role here is viewer, so only editors change it."

# Widgets that change what is stored. Choices that only change what is shown (a board's
# sort order, the account a score is explained for, the group on screen) are selectboxes
# with the keys below; download buttons and page links are not edit controls either.
EDIT_WIDGETS = (
    "button",
    "text_input",
    "text_area",
    "number_input",
    "date_input",
    "checkbox",
    "toggle",
    "multiselect",
    "radio",
    "slider",
    "file_uploader",
    "selectbox",
    "data_editor",
)
VIEW_CHOICES = ("_sort", "_account", "leaderboard_group")
# Home offers everyone the form that starts a business of their own (a workspace they own).
OWN_BUSINESS_FORM = "home_start"

OBJECTIVE_TITLES = [title for _, title, *_ in demo.OBJECTIVES]
TASK_TITLES = [task[1] for task in demo.TASKS]
PEOPLE = [name for name, _, _ in demo.PEOPLE]
OWN_HANDLE = demo.ACCOUNT_PROFILES[0].handle

# page -> (what the viewer must see, edit-control keys the editor must have)
PAGES = {
    "app_pages/home.py": ([demo.DEMO_NAME, "1. Objectives — 3 objective(s)"], []),
    "app_pages/objectives.py": (OBJECTIVE_TITLES, ["objectives_add_submit"]),
    "app_pages/metrics.py": (
        # A hand-entered metric's readings: counted in a caption, the table one click away.
        [*OBJECTIVE_TITLES, "Instagram followers", "Readings", " readings · latest "],
        ["metrics_edit_"],
    ),
    "app_pages/tasks.py": ([*OBJECTIVE_TITLES, *TASK_TITLES], ["tasks_new_save"]),
    "app_pages/responsibilities.py": (
        [*PEOPLE, OBJECTIVE_TITLES[0]],
        ["responsibilities_add", "responsibilities_matrix"],
    ),
    "app_pages/review.py": (
        ["Every month", "Instagram followers", "Review of ", demo.CORRECTION_REASON],
        ["review_schedule_save", "review_save"],
    ),
    "app_pages/accounts.py": ([OWN_HANDLE], ["accounts_sync", "accounts_add_submit"]),
    "app_pages/leaderboard.py": (
        [demo.MAIN_STREET_NAME, OWN_HANDLE, "Your accounts on this board"],
        ["leaderboard_entries_"],
    ),
    "app_pages/dashboard.py": ([*OBJECTIVE_TITLES], []),
}


@pytest.fixture(scope="module")
def demo_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo bakery with Sam as its viewer and Eddie as its editor, built once."""
    path = tmp_path_factory.mktemp("viewer_pages") / "demo.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    for who in (SAM, EDDIE):
        make_user(engine, who)
    with Session(engine, expire_on_commit=False) as session:
        workspace = demo.load_demo(session=session, actor=Actor.local())
        for who, role in ((SAM, Role.VIEWER), (EDDIE, Role.EDITOR)):
            invitation = members.invite(
                session=session,
                actor=Actor.local(),
                workspace_id=workspace.id,
                email=who["email"],
                role=role,
            )
            user = session.exec(select(User).where(User.subject == who["sub"])).one()
            members.accept_invitation(session=session, user=user, invitation_id=invitation.id)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def demo_app(
    demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """The app under test opens a fresh copy of the demo template; check it through this."""
    path = tmp_path / "socialplan.db"
    shutil.copyfile(demo_template, path)
    monkeypatch.setenv("SOCIALPLAN_DATABASE_URL", f"sqlite:///{path}")
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


def widget_ids(node) -> list[str]:
    """Every edit control under `node`, as kind:key:label."""
    found = []
    for kind in EDIT_WIDGETS:
        for widget in getattr(node, kind):
            key = widget.key or ""
            if kind == "selectbox" and any(part in key for part in VIEW_CHOICES):
                continue
            found.append(f"{kind}:{key}:{getattr(widget, 'label', '')}")
    return found


def edit_controls(at: AppTest) -> list[str]:
    """The edit controls on the page (outside the form that starts one's own business)."""
    allowed = Counter(
        widget
        for form in at.main.form
        if form.key == OWN_BUSINESS_FORM
        for widget in widget_ids(form)
    )
    found = Counter(widget_ids(at.main)) - allowed
    found.update(f"form:{form.key}" for form in at.main.form if form.key != OWN_BUSINESS_FORM)
    return sorted(found.elements())


def everything_shown(at: AppTest) -> str:
    """The page's text, headings, labels of expanders and links, tables and metrics."""
    parts = [texts(at)]
    parts += [element.value for element in at.text]
    parts += [expander.label for expander in at.expander]
    parts += [link.label for link in at.page_link]
    parts += [f"{metric.label} {metric.value}" for metric in at.metric]
    for frame in [*at.dataframe, *at.table]:
        # st.table gets user text escaped for Markdown: compare what a reader sees.
        parts.append(shown(" ".join(map(str, frame.value.to_numpy().ravel()))))
        parts.append(" ".join(str(column) for column in frame.value.columns))
    return "\n".join(parts)


def notices(at: AppTest) -> list[str]:
    return [caption.value for caption in at.caption if NOTICE in caption.value]


@pytest.mark.parametrize("page", list(PAGES))
def test_a_viewer_reads_the_page_and_is_offered_no_change(demo_app, page):
    at = hosted(SAM, page)

    assert not at.exception, at.exception
    page_text = everything_shown(at)
    for expected in PAGES[page][0]:
        assert expected in page_text, f"{expected!r} is not shown on {page}"
    assert edit_controls(at) == []
    assert len(notices(at)) == 1
    assert {button.label for button in at.sidebar.button} <= {"Sign out", "Load the demo bakery"}


@pytest.mark.parametrize("page", list(PAGES))
def test_an_editor_gets_the_edit_controls(demo_app, page):
    at = hosted(EDDIE, page)

    assert not at.exception, at.exception
    assert notices(at) == []
    controls = edit_controls(at)
    for key in PAGES[page][1]:
        assert any(f":{key}" in control for control in controls), f"{key} missing on {page}"
    if not PAGES[page][1]:  # Home and Dashboard change nothing, for anyone
        assert controls == []


def test_a_viewer_may_still_start_a_business_of_their_own(demo_app):
    at = hosted(SAM)
    assert "Start a plan for your own business" in [e.label for e in at.expander]

    at.text_input(key="home_business").input("Sam's Shop")
    at.text_input(key="home_plan_name").input("2027 H1")
    at.button(key=f"FormSubmitter:{OWN_BUSINESS_FORM}-Start my plan").click().run()

    assert not at.exception, at.exception
    assert at.title[0].value == "Sam's Shop"
    assert notices(at) == []
    with Session(demo_app) as session:
        sam = session.exec(select(User).where(User.subject == SAM["sub"])).one()
        roles = session.exec(
            select(Workspace.name, Membership.role)
            .join(Membership, Membership.workspace_id == Workspace.id)
            .where(Membership.user_id == sam.id)
        ).all()
    assert sorted(roles) == [(demo.DEMO_NAME, Role.VIEWER), ("Sam's Shop", Role.OWNER)]


def test_the_x_token_is_the_owners_not_an_editors(demo_app):
    editor = hosted(EDDIE, "app_pages/accounts.py")
    owner = open_page("app_pages/accounts.py")

    for at in (editor, owner):
        assert not at.exception, at.exception
    assert not [w for w in editor.text_input if w.key == "accounts_x_token"]
    assert "set by this workspace's owner" in texts(editor)
    assert [w.key for w in owner.text_input if w.key == "accounts_x_token"] == ["accounts_x_token"]


def test_only_the_owner_removes_a_peer_group_member(demo_app):
    editor = hosted(EDDIE, "app_pages/leaderboard.py")
    owner = open_page("app_pages/leaderboard.py")

    def removals(at: AppTest) -> list[str]:
        return [b.key for b in at.button if (b.key or "").startswith("leaderboard_remove_")]

    for at in (editor, owner):
        assert not at.exception, at.exception
        assert removals(at) == []  # the member list is drawn only while its section is open
        at.session_state[f"leaderboard_members_{at.session_state['leaderboard_group']}"] = True
        at.run()
        assert not at.exception, at.exception
    assert removals(editor) == []
    assert removals(owner)
