"""Vega-Lite charts of the Dashboard: a metric's actual against its goal line and projection.

The charts are plain Vega-Lite specs (dicts), not Altair objects: on a dashboard of twenty
metrics, building Altair objects and having Streamlit validate them against the schema took
seven seconds a run, the plain specs a few hundredths of that. `rows` and `temporal_rows`
serve the Leaderboard's charts too; tests check each kind of spec against the schema.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from socialplan.dashboard import MetricPanel

JsonDict = dict[str, Any]

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
LINE_WIDTHS = {ACTUAL: 2.5, GOAL: 2, PROJECTION: 2}
DATE_FORMAT = "%a %d %b %Y"
# d3's "~" drops trailing zeros: 1240 -> "1,240", 3.250 -> "3.25".
VALUE_FORMAT = ",.2~f"
CHART_HEIGHT = 280


def rows(**columns: list[Any]) -> list[JsonDict]:
    """Columns of equal length as the list of row dicts a Vega-Lite dataset holds."""
    names = list(columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def json_number(value: float) -> float | None:
    """A number JSON can carry: a missing one (NaN) becomes null, as Vega-Lite expects."""
    number = float(value)
    return None if math.isnan(number) else number


def temporal_rows(frame: pd.DataFrame, value: str = "value", **constants: str) -> list[JsonDict]:
    """A frame's `day` and `value` columns as rows, days as ISO strings (local time).

    `constants` are columns with one value for every row (the line's name, say).
    """
    days = np.datetime_as_string(
        pd.to_datetime(frame["day"]).to_numpy(dtype="datetime64[s]"), unit="s"
    ).tolist()
    values = [json_number(number) for number in frame[value].tolist()]
    extra = {name: [text] * len(days) for name, text in constants.items()}
    return rows(day=days, value=values, **extra)


def _color() -> JsonDict:
    return {
        "field": "line",
        "type": "nominal",
        "scale": {"domain": list(LINE_COLORS), "range": list(LINE_COLORS.values())},
        "legend": {"title": None, "orient": "bottom"},
    }


def _tooltip(unit: str) -> list[JsonDict]:
    return [
        {"field": "line", "type": "nominal", "title": "What"},
        {"field": "day", "type": "temporal", "title": "Date", "format": DATE_FORMAT},
        {
            "field": "value",
            "type": "quantitative",
            "title": f"Value ({unit})" if unit else "Value",
            "format": VALUE_FORMAT,
        },
    ]


def _labelled(frame: pd.DataFrame, line: str) -> list[JsonDict]:
    return temporal_rows(frame, line=line)


def _x() -> JsonDict:
    return {"field": "day", "type": "temporal", "title": None}


def _y(y_title: str | None) -> JsonDict:
    return {"field": "value", "type": "quantitative", "title": y_title, "scale": {"zero": False}}


def _by_line(values: dict[str, Any]) -> JsonDict:
    """An encoding channel that maps each line's name to a fixed value, with no legend."""
    return {
        "field": "line",
        "type": "nominal",
        "scale": {"domain": list(values), "range": list(values.values())},
        "legend": None,
    }


def _lines_layer(y_title: str | None) -> JsonDict:
    """Actual, goal line and projection as one line mark, told apart by colour and dash.

    One mark over one dataset instead of a layer per line: the browser builds and runs a
    data flow per layer, a good part of its time to draw twenty charts. Hover
    tooltips come from the actual line's points (`_actual_points`): a line mark's tooltip
    shows the line's first point wherever it is hovered.
    """
    return {
        "name": "lines",
        "data": {"name": "lines"},
        "mark": {"type": "line"},
        "encoding": {
            "x": _x(),
            "y": _y(y_title),
            "color": _color(),
            "strokeDash": _by_line(LINE_DASHES),
            "strokeWidth": _by_line(LINE_WIDTHS),
        },
    }


def _actual_points(panel: MetricPanel) -> JsonDict:
    """Hover targets on the actual line; visible dots only when there are few of them."""
    opacity = 1.0 if len(panel.series) <= 60 else 0.0
    return {
        "name": "actual_points",
        # The actual line's rows, sent once for both layers.
        "data": {"name": "lines"},
        "transform": [{"filter": {"field": "line", "equal": ACTUAL}}],
        "mark": {"type": "circle", "size": 40, "opacity": opacity, "color": LINE_COLORS[ACTUAL]},
        "encoding": {"x": _x(), "y": _y(None), "tooltip": _tooltip(panel.unit)},
    }


def _target_point(panel: MetricPanel) -> JsonDict:
    return {
        "name": "target",
        "data": {"name": "target"},
        "mark": {"type": "point", "shape": "diamond", "size": 140, "filled": True},
        "encoding": {"x": _x(), "y": _y(None), "color": _color(), "tooltip": _tooltip(panel.unit)},
    }


def _today_layers() -> list[JsonDict]:
    # The label says what the rule is: a tooltip on a one-pixel rule added nothing.
    rule = {
        "name": "today",
        "data": {"name": "today"},
        "mark": {"type": "rule", "color": "#9a9a9a", "strokeWidth": 1},
        "encoding": {"x": _x()},
    }
    label = {
        "name": "today_label",
        "data": {"name": "today"},
        "mark": {"type": "text", "align": "left", "baseline": "top", "dx": 4, "color": "#6b6b6b"},
        "encoding": {"x": _x(), "y": {"value": 2}, "text": {"field": "line", "type": "nominal"}},
    }
    return [rule, label]


def _day(day: date) -> str:
    # Local midnight, as the series' days are: a bare date would be read as UTC midnight.
    return f"{day.isoformat()}T00:00:00"


def line_rows(panel: MetricPanel) -> list[JsonDict]:
    """The rows of the `lines` dataset: the goal line, the projection (if any), the actual."""
    lines = _labelled(panel.goal, GOAL)
    if panel.projection is not None:
        lines += _labelled(panel.projection, PROJECTION)
    if panel.has_data:
        lines += _labelled(panel.series, ACTUAL)
    return lines


def metric_chart(panel: MetricPanel) -> JsonDict:
    """One metric: actual (solid), goal line (dashed), projection (dotted), target and today.

    A Vega-Lite spec for `st.vega_lite_chart`, its rows in named `datasets` (which Streamlit
    sends to the browser as Arrow tables), days as ISO strings: `lines` holds the three
    lines (its column `line` names each), `target` the target, `today` today's date.
    """
    metric = panel.metric
    # The metric's name is the chart's title; a long axis title would squash the plot.
    y_title = panel.unit or None
    layers = [_lines_layer(y_title)]
    if panel.has_data:
        layers.append(_actual_points(panel))
    layers.append(_target_point(panel))
    layers.extend(_today_layers())
    target = rows(day=[_day(metric.target_date)], value=[float(metric.target)], line=[TARGET])
    return {
        "title": {
            "text": metric.name,
            "subtitle": f"{panel.status_label} · {panel.source_detail}",
            "anchor": "start",
        },
        "width": "container",
        "height": CHART_HEIGHT,
        "datasets": {
            "lines": line_rows(panel),
            "target": target,
            "today": rows(day=[_day(panel.today)], line=[TODAY]),
        },
        "layer": layers,
    }


def with_arrow_tables(spec: JsonDict) -> JsonDict:
    """The spec with its datasets as Arrow tables, ready for `st.vega_lite_chart`.

    Streamlit sends datasets as Arrow; given rows, it builds a pandas frame of each first,
    which on a dashboard of twenty charts cost a few tenths of a second a run. pyarrow
    builds the same tables from the rows directly, ten times faster.
    """
    datasets = {name: pa.Table.from_pylist(data) for name, data in spec["datasets"].items()}
    return {**spec, "datasets": datasets}
