"""Dashboard: every metric's actual against its goal line, where the trend leads, and status."""

from datetime import date

import streamlit as st
from sqlmodel import Session

from socialplan.access import Actor
from socialplan.charts import metric_chart, with_arrow_tables
from socialplan.dashboard import (
    PanelCard,
    card_counts,
    cards_by_objective,
    dashboard_panels,
    next_action,
    panel_card,
)
from socialplan.models import MetricStatus, Plan, Workspace
from socialplan.status import STATUS_LABELS
from socialplan.ui.cache import cached_for_workspace
from socialplan.ui.context import (
    db_session,
    may_edit,
    require_plan_context,
    show_read_only_notice,
)
from socialplan.ui.score_headline import render_score_headline

METRICS_PAGE = "app_pages/metrics.py"
REVIEW_PAGE = "app_pages/review.py"
STATUS_COLORS = {
    MetricStatus.ON_TRACK: "green",
    MetricStatus.AT_RISK: "orange",
    MetricStatus.OFF_TRACK: "red",
    MetricStatus.NO_DATA: "gray",
}


def dashboard_cards(
    session: Session, actor: Actor, workspace: Workspace, plan: Plan, today: date
) -> list[PanelCard]:
    """Every metric's card and chart, cached until the workspace's data changes.

    Reading and shaping twenty metrics' series takes a few tenths of a second; a rerun
    (a click, a new tab) with nothing written since gets the cards from `st.cache_data`.
    The cards hold only what is drawn, so copying them out of the cache is cheap.
    """

    def build() -> list[PanelCard]:
        panels = dashboard_panels(session=session, actor=actor, plan_id=plan.id, today=today)
        return [
            panel_card(panel, with_arrow_tables(metric_chart(panel)) if panel.has_data else None)
            for panel in panels
        ]

    return cached_for_workspace(
        session, actor, workspace.id, "dashboard_cards", (plan.id, today), build
    )


def render_summary(cards: list[PanelCard]) -> None:
    counts = card_counts(cards)
    for column, (status, count) in zip(st.columns(len(counts)), counts.items(), strict=True):
        column.metric(STATUS_LABELS[status], count, border=True)
    st.info(next_action(counts))
    if counts[MetricStatus.AT_RISK] + counts[MetricStatus.OFF_TRACK]:
        st.page_link(REVIEW_PAGE, label="Go to Review", icon="5️⃣")


def render_panel(card: PanelCard, editable: bool) -> None:
    with st.container(border=True):
        st.badge(card.status_label, color=STATUS_COLORS[card.status])
        if card.chart is not None:
            st.vega_lite_chart(
                spec=card.chart, width="stretch", key=f"dashboard_chart_{card.metric_id}"
            )
            st.caption(card.summary)
            return
        st.subheader(card.name, anchor=False)
        st.caption(card.source_detail)
        st.info(card.no_data_hint, icon="ℹ️")
        if card.needs_readings and editable:
            st.page_link(METRICS_PAGE, label="Enter readings on the Metrics step", icon="2️⃣")


st.title("Dashboard")
with db_session() as session:
    actor, workspace, plan = require_plan_context(session)
    editable = may_edit(session, actor, workspace)
    cards = dashboard_cards(session, actor, workspace, plan, date.today())

st.caption(
    f"{plan.name} · {plan.period_start:%d %b %Y} – {plan.period_end:%d %b %Y}. "
    "Solid line: your actual numbers. Dashed: the goal line from baseline to target. "
    "Dotted: where the last four weeks' pace leads by the target date."
)
if not editable:
    show_read_only_notice()
render_score_headline(workspace.id, key="dashboard_score")
if not cards:
    st.info(
        "Your plan has no metrics yet. Add a metric with a baseline and a target to each "
        "objective on the Metrics step, and its chart appears here."
    )
    st.page_link(METRICS_PAGE, label="Go to Metrics", icon="2️⃣")
    st.stop()

render_summary(cards)
for objective_title, objective_cards in cards_by_objective(cards):
    st.header(objective_title, anchor=False, divider="gray")
    for card in objective_cards:
        render_panel(card, editable)
