"""A shared plan, opened through `?share=TOKEN`: read-only summary, dashboard and review.

The reader sees one plan and nothing else: no edit widgets, no workspace switcher, no other
page. Every link keeps the token in its query parameters; the token itself is never shown.
"""

from datetime import date

import streamlit as st

from socialplan import plans, reviews, sharing
from socialplan.charts import metric_chart, with_arrow_tables
from socialplan.dashboard import dashboard_panels, panels_by_objective, summary_counts
from socialplan.errors import SocialPlanError
from socialplan.leaderboards import business_standing
from socialplan.status import STATUS_LABELS
from socialplan.ui.auth import share_actor, share_token
from socialplan.ui.context import db_session
from socialplan.ui.score_headline import plain
from socialplan.wizard import step_progress

SHARED_PAGE = "app_pages/shared.py"
VIEWS = {"home": "Summary", "dashboard": "Dashboard", "review": "Review"}
VIEW_ICONS = {
    "home": ":material/home:",
    "dashboard": ":material/monitoring:",
    "review": ":material/rate_review:",
}


def render_invalid() -> None:
    st.title("This link is no longer valid")
    st.error(sharing.INVALID_LINK, icon="🔗")
    st.stop()


def render_navigation(token: str, current: str) -> None:
    for column, (view, label) in zip(st.columns(len(VIEWS)), VIEWS.items(), strict=True):
        with column:
            st.page_link(
                SHARED_PAGE,
                label=label,
                icon=VIEW_ICONS[view],
                query_params={sharing.QUERY_PARAMETER: token, "view": view},
                disabled=view == current,
            )


def render_home(session, actor, plan) -> None:
    st.subheader(f"{plan.period_start:%d %b %Y} – {plan.period_end:%d %b %Y}", anchor=False)
    st.caption(f"Status: {plan.status}")
    try:
        standing = business_standing(session=session, actor=actor, workspace_id=plan.workspace_id)
    except SocialPlanError:
        standing = None
    if standing is not None:
        st.markdown(f"#### {plain(standing.headline)}")
        st.markdown("\n".join(f"- {line}" for line in standing.explanation))
    steps = step_progress(session=session, actor=actor, plan_id=plan.id)
    if steps:
        done = sum(s.complete for s in steps)
        st.progress(done / len(steps), text=f"{done} of {len(steps)} steps complete")
        for step in steps:
            mark = "✅" if step.complete else "⬜"
            st.markdown(plain(f"{mark} {step.number}. {step.title} — {step.detail}"))


def render_dashboard(session, actor, plan) -> None:
    panels = dashboard_panels(session=session, actor=actor, plan_id=plan.id, today=date.today())
    if not panels:
        st.info("This plan has no metrics yet.")
        return
    counts = summary_counts(panels)
    for column, (status, count) in zip(st.columns(len(counts)), counts.items(), strict=True):
        column.metric(STATUS_LABELS[status], count, border=True)
    for objective, objective_panels in panels_by_objective(panels):
        st.header(plain(objective.title), anchor=False, divider="gray")
        for panel in objective_panels:
            with st.container(border=True):
                st.caption(panel.status_label)
                if panel.has_data:
                    st.vega_lite_chart(
                        spec=with_arrow_tables(metric_chart(panel)),
                        width="stretch",
                        key=f"shared_chart_{panel.metric.id}",
                    )
                    st.caption(panel.summary)
                else:
                    st.subheader(plain(panel.metric.name), anchor=False)
                    st.caption("No numbers yet.")


def render_review(session, actor, plan) -> None:
    past = reviews.list_reviews(session=session, actor=actor, plan_id=plan.id)
    if plan.next_review_on:
        st.caption(f"Next review: {plan.next_review_on:%d %b %Y}")
    if not past:
        st.info("No review has been held on this plan yet.")
        return
    for review in past:
        detail = reviews.get_review(session=session, actor=actor, review_id=review.id)
        with st.expander(f"Review of {review.held_on:%d %b %Y}", expanded=review is past[0]):
            st.dataframe(reviews.item_table(detail), hide_index=True)
            if detail.decisions:
                st.dataframe(reviews.decision_table(detail), hide_index=True)


token = share_token()
with db_session() as session:
    actor = share_actor(session)
    if actor is None or token is None:
        render_invalid()
    plan = plans.get_plan(session=session, actor=actor, plan_id=actor.share_plan_id)
    view = st.query_params.get("view", "home")
    if view not in VIEWS:
        view = "home"
    # Streamlit 1.67 drops a page link's extra parameters from the address bar after the
    # run; writing the view back keeps it there, so a reload or a bookmark opens this view.
    st.query_params["view"] = view
    st.title(plain(plan.name), anchor=False)
    st.caption("A read-only view of this plan, shared with you by its owner.")
    render_navigation(token, view)
    {"home": render_home, "dashboard": render_dashboard, "review": render_review}[view](
        session, actor, plan
    )
