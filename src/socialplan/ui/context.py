"""What every page needs first: the engine, the acting user, the workspace and plan shown."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from socialplan import plans, workspaces
from socialplan.access import ROLE_RANK, Actor, role_in_workspace
from socialplan.config import load_settings
from socialplan.db import make_engine, session_scope, upgrade_database
from socialplan.models import Plan, Role, Workspace
from socialplan.ui.auth import resolve_actor

HOME_PAGE = "app_pages/home.py"


@st.cache_resource(show_spinner="Opening the database…")
def _engine_for(url: str) -> Engine:
    engine = make_engine(url)
    upgrade_database(engine)
    return engine


def get_engine() -> Engine:
    """The app's engine, migrated to the newest schema on first use."""
    return _engine_for(load_settings().database_url)


@contextmanager
def db_session() -> Iterator[Session]:
    """A database session for one block of page code."""
    with session_scope(get_engine()) as session:
        yield session


def current_actor() -> Actor:
    """The user the page acts for: local owner, signed-in user or share-link reader."""
    with db_session() as session:
        return resolve_actor(session)


def _sidebar_choice(label: str, state_key: str, options: dict[int, str]) -> None:
    """A sidebar selectbox that writes the choice into the plain session key `state_key`.

    The choice lives under its own key, not the widget's: Streamlit drops a widget's key
    when the user switches pages, and the business shown must not change with the page.
    """
    widget_key = f"sidebar_{state_key}"
    ids = list(options)
    st.session_state[widget_key] = st.session_state[state_key]

    def keep_choice() -> None:
        st.session_state[state_key] = st.session_state[widget_key]

    st.sidebar.selectbox(
        label, ids, format_func=options.__getitem__, key=widget_key, on_change=keep_choice
    )


def select_workspace(session: Session, actor: Actor) -> Workspace | None:
    """The workspace to show, chosen in the sidebar when there is more than one."""
    available = workspaces.list_workspaces(session=session, actor=actor)
    if not available:
        return None
    with_plans = set(session.exec(select(Plan.workspace_id).distinct()).all())
    # Businesses without a plan (the demo's neighbours on the leaderboard) stay out of the
    # switcher unless there is nothing else to show.
    available = [w for w in available if w.id in with_plans] or available
    ids = [w.id for w in available]
    if st.session_state.get("workspace_id") not in ids:
        st.session_state["workspace_id"] = default_workspace_id(available)
    if len(available) > 1:
        _sidebar_choice("Business", "workspace_id", {w.id: w.name for w in available})
    return next(w for w in available if w.id == st.session_state["workspace_id"])


def default_workspace_id(available: list[Workspace]) -> int:
    """The newest of the workspaces offered: the one just started or just loaded."""
    return max(available, key=lambda w: (w.created_at, w.id)).id  # type: ignore[return-value]


def select_plan(session: Session, actor: Actor, workspace: Workspace) -> Plan | None:
    """The plan to show: the active one unless another is picked in the sidebar."""
    available = plans.list_plans(session=session, actor=actor, workspace_id=workspace.id)
    if not available:
        return None
    ids = [p.id for p in available]
    if st.session_state.get("plan_id") not in ids:
        st.session_state["plan_id"] = ids[0]
    if len(available) > 1:
        _sidebar_choice("Plan", "plan_id", {p.id: f"{p.name} ({p.status})" for p in available})
    return next(p for p in available if p.id == st.session_state["plan_id"])


def require_plan_context(session: Session) -> tuple[Actor, Workspace, Plan]:
    """The actor, workspace and plan for a step page; an empty state and stop when none."""
    actor = current_actor()
    workspace = select_workspace(session, actor)
    plan = select_plan(session, actor, workspace) if workspace else None
    if workspace is None or plan is None:
        st.info("There is no plan yet. Start one on the Home page — it takes a minute.")
        st.page_link(HOME_PAGE, label="Go to Home", icon="🏠")
        st.stop()
    st.sidebar.caption(f"{workspace.name} · {plan.name}")
    return actor, workspace, plan


def _has_role(session: Session, actor: Actor, workspace: Workspace, needed: Role) -> bool:
    role = role_in_workspace(session, actor, workspace.id)  # type: ignore[arg-type]
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[needed]


def may_edit(session: Session, actor: Actor, workspace: Workspace) -> bool:
    """Whether the actor may change the plan here (editor or owner): pages show their
    forms only then, so a viewer is never offered a button the services would refuse."""
    return _has_role(session, actor, workspace, Role.EDITOR)


def may_manage(session: Session, actor: Actor, workspace: Workspace) -> bool:
    """Whether the actor owns the workspace: the X token and removing a peer group's
    members are the owner's, like members and share links."""
    return _has_role(session, actor, workspace, Role.OWNER)


def show_read_only_notice(what: str = "this plan") -> None:
    """The one line a viewer sees where editors see forms."""
    st.caption(f"👁 You can read {what}; your role here is viewer, so only editors change it.")
