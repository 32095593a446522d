"""Social Plan's entry script: page config and navigation, nothing else."""

import streamlit as st

st.set_page_config(page_title="Social Plan", page_icon="📈", layout="wide")

navigation = st.navigation(
    {
        "": [st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True)],
        "Your plan in five steps": [
            st.Page("app_pages/objectives.py", title="Objectives", icon=":material/flag:"),
            st.Page("app_pages/metrics.py", title="Metrics", icon=":material/straighten:"),
            st.Page("app_pages/tasks.py", title="Tasks", icon=":material/checklist:"),
            st.Page(
                "app_pages/responsibilities.py", title="Responsibilities", icon=":material/group:"
            ),
            st.Page("app_pages/review.py", title="Review", icon=":material/rate_review:"),
        ],
        "Data": [st.Page("app_pages/accounts.py", title="Accounts", icon=":material/group_add:")],
        "Results": [
            st.Page("app_pages/dashboard.py", title="Dashboard", icon=":material/monitoring:"),
            st.Page("app_pages/leaderboard.py", title="Leaderboard", icon=":material/leaderboard:"),
        ],
    }
)
navigation.run()
