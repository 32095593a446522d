"""What every page needs first: the engine, the acting user, the workspace and plan shown."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from socialplan import plans, workspaces
from socialplan.access import Actor
from socialplan.config import load_settings
from socialplan.db import make_engine, session_scope, upgrade_database
from socialplan.models import Plan, Workspace

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
    """The user the page acts for (local mode: the owner at the keyboard)."""
    return Actor.local()


def select_workspace(session: Session, actor: Actor) -> Workspace | None:
    """The workspace to show, chosen in the sidebar when there is more than one."""
    available = workspaces.list_workspaces(session=session, actor=actor)
    if not available:
        return None
    ids = [w.id for w in available]
    if st.session_state.get("workspace_id") not in ids:
        st.session_state["workspace_id"] = ids[0]
    if len(available) > 1:
        names = {w.id: w.name for w in available}
        st.sidebar.selectbox("Business", ids, format_func=names.__getitem__, key="workspace_id")
    return next(w for w in available if w.id == st.session_state["workspace_id"])


def select_plan(session: Session, actor: Actor, workspace: Workspace) -> Plan | None:
    """The plan to show: the active one unless another is picked in the sidebar."""
    available = plans.list_plans(session=session, actor=actor, workspace_id=workspace.id)
    if not available:
        return None
    ids = [p.id for p in available]
    if st.session_state.get("plan_id") not in ids:
        st.session_state["plan_id"] = ids[0]
    if len(available) > 1:
        names = {p.id: f"{p.name} ({p.status})" for p in available}
        st.sidebar.selectbox("Plan", ids, format_func=names.__getitem__, key="plan_id")
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
