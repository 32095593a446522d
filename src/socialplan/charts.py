"""Altair charts of the Dashboard: a metric's actual against its goal line and projection."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd

from socialplan.dashboard import MetricPanel

ACTUAL = "Actual"
GOAL = "Goal line"
PROJECTION = "At this pace"
TARGET = "Target"
TODAY = "Today"
LINE_COLORS = {
    ACTUAL: "#1f5fa8",
    GOAL: "#6b6b6b",
    PROJECTION: "#e07b00",
    TARGET: "#2e8540",
}
# Solid, dashed and dotted, so the three lines stay apart even without colour.
LINE_DASHES = {ACTUAL: [1, 0], GOAL: [6, 4], PROJECTION: [2, 3]}
DATE_FORMAT = "%a %d %b %Y"
# d3's "~" drops trailing zeros: 1240 -> "1,240", 3.250 -> "3.25".
VALUE_FORMAT = ",.2~f"
CHART_HEIGHT = 280


def _color() -> alt.Color:
    return alt.Color(
        "line:N",
        scale=alt.Scale(domain=list(LINE_COLORS), range=list(LINE_COLORS.values())),
        legend=alt.Legend(title=None, orient="bottom"),
    )


def _tooltip(unit: str) -> list[alt.Tooltip]:
    return [
        alt.Tooltip("line:N", title="What"),
        alt.Tooltip("day:T", title="Date", format=DATE_FORMAT),
        alt.Tooltip("value:Q", title=f"Value ({unit})" if unit else "Value", format=VALUE_FORMAT),
    ]


def _labelled(frame: pd.DataFrame, line: str) -> pd.DataFrame:
    return frame[["day", "value"]].assign(line=line)


def _line_layer(
    frame: pd.DataFrame, line: str, name: str, unit: str, y_title: str | None
) -> alt.Chart:
    return (
        alt.Chart(_labelled(frame, line), name=name)
        .mark_line(strokeWidth=2.5 if line == ACTUAL else 2, strokeDash=LINE_DASHES[line])
        .encode(
            x=alt.X("day:T", title=None),
            y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False)),
            color=_color(),
            tooltip=_tooltip(unit),
        )
    )


def _actual_points(panel: MetricPanel) -> alt.Chart:
    """Hover targets on the actual line; visible dots only when there are few of them."""
    opacity = 1.0 if len(panel.series) <= 60 else 0.0
    return (
        alt.Chart(_labelled(panel.series, ACTUAL), name="actual_points")
        .mark_circle(size=40, opacity=opacity)
        .encode(x="day:T", y="value:Q", color=_color(), tooltip=_tooltip(panel.unit))
    )


def _target_point(panel: MetricPanel) -> alt.Chart:
    metric = panel.metric
    frame = pd.DataFrame(
        {"day": pd.to_datetime([metric.target_date]), "value": [metric.target], "line": [TARGET]}
    )
    return (
        alt.Chart(frame, name="target")
        .mark_point(shape="diamond", size=140, filled=True)
        .encode(x="day:T", y="value:Q", color=_color(), tooltip=_tooltip(panel.unit))
    )


def _today_layers(today: date) -> list[alt.Chart]:
    frame = pd.DataFrame({"day": pd.to_datetime([today]), "line": [TODAY]})
    tooltip = [
        alt.Tooltip("line:N", title="What"),
        alt.Tooltip("day:T", title="Date", format=DATE_FORMAT),
    ]
    rule = (
        alt.Chart(frame, name="today")
        .mark_rule(color="#9a9a9a", strokeWidth=1)
        .encode(x="day:T", tooltip=tooltip)
    )
    label = (
        alt.Chart(frame, name="today_label")
        .mark_text(align="left", baseline="top", dx=4, color="#6b6b6b")
        .encode(x="day:T", y=alt.value(2), text="line:N")
    )
    return [rule, label]


def metric_chart(panel: MetricPanel) -> alt.LayerChart:
    """One metric: actual (solid), goal line (dashed), projection (dotted), target and today."""
    unit = panel.unit
    # The metric's name is the chart's title; a long axis title would squash the plot.
    y_title = unit or None
    layers: list[alt.Chart] = [_line_layer(panel.goal, GOAL, "goal", unit, y_title)]
    if panel.projection is not None:
        layers.append(_line_layer(panel.projection, PROJECTION, "projection", unit, y_title))
    if panel.has_data:
        layers.append(_line_layer(panel.series, ACTUAL, "actual", unit, y_title))
        layers.append(_actual_points(panel))
    layers.append(_target_point(panel))
    layers.extend(_today_layers(panel.today))
    title = alt.TitleParams(
        text=panel.metric.name,
        subtitle=f"{panel.status_label} · {panel.source_detail}",
        anchor="start",
    )
    return alt.layer(*layers).properties(title=title, width="container", height=CHART_HEIGHT)
