"""Social Plan's entry script: page config and navigation, nothing else.

The navigation and the page run inside `errors.database_boundary()`: a database that
cannot be reached shows one clear message and a Try again button, never a traceback.
"""

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from socialplan.ui import auth, errors

st.set_page_config(page_title="Social Plan", page_icon="📈", layout="wide")


def choose_navigation() -> StreamlitPage:
    """The pages this visitor may open: a share link, signed out, local or signed in."""
    mode = auth.app_mode()
    if mode == auth.SHARE_MODE:
        # A share link opens one plan read-only: one page, its views linked with the token.
        return st.navigation(
            [st.Page("app_pages/shared.py", title="Shared plan", default=True)], position="hidden"
        )
    if mode == auth.SIGNED_OUT:
        return st.navigation(
            [st.Page(auth.render_sign_in, title="Sign in", url_path="sign-in", default=True)],
            position="hidden",
        )
    if mode == auth.SIGNED_IN:
        auth.render_account_box()
        auth.render_invitations()
    return st.navigation(
        {
            "": [st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True)],
            "Your plan in five steps": [
                st.Page("app_pages/objectives.py", title="Objectives", icon=":material/flag:"),
                st.Page("app_pages/metrics.py", title="Metrics", icon=":material/straighten:"),
                st.Page("app_pages/tasks.py", title="Tasks", icon=":material/checklist:"),
                st.Page(
                    "app_pages/responsibilities.py",
                    title="Responsibilities",
                    icon=":material/group:",
                ),
                st.Page("app_pages/review.py", title="Review", icon=":material/rate_review:"),
            ],
            "Data": [
                st.Page("app_pages/accounts.py", title="Accounts", icon=":material/group_add:")
            ],
            "Results": [
                st.Page("app_pages/dashboard.py", title="Dashboard", icon=":material/monitoring:"),
                st.Page(
                    "app_pages/leaderboard.py", title="Leaderboard", icon=":material/leaderboard:"
                ),
            ],
            "Workspace": [
                st.Page("app_pages/settings.py", title="Settings", icon=":material/settings:")
            ],
        }
    )


with errors.database_boundary():
    choose_navigation().run()
