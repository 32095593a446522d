"""Objectives step (being built)."""

import streamlit as st

from socialplan.ui.context import db_session, require_plan_context

st.title("Objectives")
with db_session() as session:
    actor, workspace, plan = require_plan_context(session)
