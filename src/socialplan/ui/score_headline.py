"""The business score headline Home and Dashboard share, with its explanation one click away."""

from __future__ import annotations

import re

import streamlit as st
from sqlmodel import Session

from socialplan import versions
from socialplan.leaderboards import Standing, business_standing
from socialplan.ui.cache import cached_for_workspace
from socialplan.ui.context import current_actor, db_session

LEADERBOARD_PAGE = "app_pages/leaderboard.py"
# The characters Markdown reads as formatting inside a line (emphasis, code, links, HTML,
# tables, maths), and a colon that could start one of Streamlit's :material/…: or :red[…].
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~$#]|:(?=[A-Za-z\[]))")


def plain(text: str) -> str:
    """User text made safe to put inside Markdown: shown as typed, never as formatting."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def cached_standing(session: Session, workspace_id: int) -> Standing | None:
    """`business_standing`, cached until this business's data or its peers' data changes.

    Working out the score's explanation and percentile takes about a tenth of a second;
    Home and Dashboard show it on every rerun.
    """
    actor = current_actor()
    return cached_for_workspace(
        session,
        actor,
        workspace_id,
        "business_standing",
        versions.peer_versions(session, workspace_id),
        lambda: business_standing(session=session, actor=actor, workspace_id=workspace_id),
    )


def render_score_headline(workspace_id: int, key: str) -> None:
    """The headline ("Your score 45 · top 10% of the Main Street group") and its workings."""
    with db_session() as session:
        standing = cached_standing(session, workspace_id)
    if standing is None:
        return
    with st.container(border=True, key=key):
        st.markdown(f"#### {plain(standing.headline)}")
        with st.expander("How is this score worked out?"):
            st.caption(f"Your business score on {standing.day:%d %b %Y}.")
            # Explanations are the app's own sentences (numbers, no user text).
            st.markdown("\n".join(f"- {line}" for line in standing.explanation))
            if standing.lever:
                st.info(f"What would raise it most: {standing.lever}", icon="💡")
            if standing.note:
                st.caption(plain(standing.note))
            st.page_link(
                LEADERBOARD_PAGE, label="Open the Leaderboard", icon=":material/leaderboard:"
            )
