"""Dashboard: every metric's actual against its goal line, where the trend leads, and status."""

from datetime import date

import streamlit as st

from socialplan.charts import metric_chart, with_arrow_tables
from socialplan.dashboard import (
    MetricPanel,
    dashboard_panels,
    next_action,
    no_data_hint,
    panels_by_objective,
    summary_counts,
)
from socialplan.models import MetricStatus
from socialplan.status import STATUS_LABELS
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


def render_summary(panels: list[MetricPanel]) -> None:
    counts = summary_counts(panels)
    for column, (status, count) in zip(st.columns(len(counts)), counts.items(), strict=True):
        column.metric(STATUS_LABELS[status], count, border=True)
    st.info(next_action(counts))
    if counts[MetricStatus.AT_RISK] + counts[MetricStatus.OFF_TRACK]:
        st.page_link(REVIEW_PAGE, label="Go to Review", icon="5️⃣")


def render_panel(panel: MetricPanel, editable: bool) -> None:
    with st.container(border=True):
        st.badge(panel.status_label, color=STATUS_COLORS[panel.status])
        if panel.has_data:
            st.vega_lite_chart(
                spec=with_arrow_tables(metric_chart(panel)),
                width="stretch",
                key=f"dashboard_chart_{panel.metric.id}",
            )
            st.caption(panel.summary)
            return
        st.subheader(panel.metric.name, anchor=False)
        st.caption(panel.source_detail)
        st.info(no_data_hint(panel.metric), icon="ℹ️")
        if panel.needs_readings and editable:
            st.page_link(METRICS_PAGE, label="Enter readings on the Metrics step", icon="2️⃣")


st.title("Dashboard")
with db_session() as session:
    actor, workspace, plan = require_plan_context(session)
    editable = may_edit(session, actor, workspace)
    panels = dashboard_panels(session=session, actor=actor, plan_id=plan.id, today=date.today())

st.caption(
    f"{plan.name} · {plan.period_start:%d %b %Y} – {plan.period_end:%d %b %Y}. "
    "Solid line: your actual numbers. Dashed: the goal line from baseline to target. "
    "Dotted: where the last four weeks' pace leads by the target date."
)
if not editable:
    show_read_only_notice()
render_score_headline(workspace.id, key="dashboard_score")
if not panels:
    st.info(
        "Your plan has no metrics yet. Add a metric with a baseline and a target to each "
        "objective on the Metrics step, and its chart appears here."
    )
    st.page_link(METRICS_PAGE, label="Go to Metrics", icon="2️⃣")
    st.stop()

render_summary(panels)
for objective, objective_panels in panels_by_objective(panels):
    st.header(objective.title, anchor=False, divider="gray")
    for panel in objective_panels:
        render_panel(panel, editable)
