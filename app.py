"""Social Plan's entry script: page config and navigation, nothing else."""

import streamlit as st

st.set_page_config(page_title="Social Plan", page_icon="📈", layout="wide")

navigation = st.navigation(
    {
        "": [st.Page("pages/home.py", title="Home", icon="🏠", default=True)],
        "Your plan in five steps": [
            st.Page("pages/objectives.py", title="Objectives", icon="1️⃣"),
            st.Page("pages/metrics.py", title="Metrics", icon="2️⃣"),
            st.Page("pages/tasks.py", title="Tasks", icon="3️⃣"),
            st.Page("pages/responsibilities.py", title="Responsibilities", icon="4️⃣"),
            st.Page("pages/review.py", title="Review", icon="5️⃣"),
        ],
        "Results": [st.Page("pages/dashboard.py", title="Dashboard", icon="📊")],
    }
)
navigation.run()
