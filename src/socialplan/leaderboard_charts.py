"""Vega-Lite charts of the Leaderboard: a board's histogram, an account's history and its parts.

Plain specs (dicts) for `st.vega_lite_chart`, like the Dashboard's (see `socialplan.charts`).
"""

from __future__ import annotations

import pandas as pd

from socialplan.charts import JsonDict, json_number, rows, temporal_rows
from socialplan.leaderboards import AccountDetail, Board

OWN_COLOR = "#e07b00"
HERE_COLOR = "#3d2a14"  # dark, so the marker shows on the orange bar of your own bucket
OTHERS_COLOR = "#1f5fa8"
GOAL_COLOR = "#6b6b6b"
POSSIBLE_COLOR = "#d9e2ef"
DATE_FORMAT = "%a %d %b %Y"
CHART_HEIGHT = 240


def histogram_frame(board: Board) -> pd.DataFrame:
    """One row per bucket of ten points: its range, how many scores, whether one is yours."""
    return pd.DataFrame(
        {
            # Drawn from 0 to 10, 10 to 20 …: bucket 1–10 is the first tenth of the scale.
            "low": [bucket.low - 1 for bucket in board.histogram],
            "high": [bucket.high for bucket in board.histogram],
            "range": [bucket.label for bucket in board.histogram],
            "accounts": [bucket.count for bucket in board.histogram],
            "whose": ["yours" if bucket.own else "others" for bucket in board.histogram],
        }
    )


def histogram_chart(board: Board) -> JsonDict:
    """The board's scores in buckets of ten, with a "you are here" rule at each of yours."""
    frame = histogram_frame(board)
    bars = {
        "name": "buckets",
        "data": {"name": "buckets"},
        "mark": {"type": "bar", "stroke": "white", "strokeWidth": 1},
        "encoding": {
            "x": {
                "field": "low",
                "type": "quantitative",
                "title": "Score",
                "bin": "binned",
                "scale": {"domain": [0, 100], "nice": False},
                "axis": {"values": list(range(0, 101, 10))},
            },
            "x2": {"field": "high"},
            "y": {
                "field": "accounts",
                "type": "quantitative",
                "title": "Accounts",
                "axis": {"tickMinStep": 1},
            },
            "color": {
                "field": "whose",
                "type": "nominal",
                "scale": {"domain": ["others", "yours"], "range": [OTHERS_COLOR, OWN_COLOR]},
                "legend": None,
            },
            "tooltip": [
                {"field": "range", "type": "nominal", "title": "Scores"},
                {"field": "accounts", "type": "quantitative", "title": "Accounts"},
            ],
        },
    }
    datasets = {"buckets": frame_rows(frame)}
    layers = [bars]
    if board.own_scores:
        scores = sorted(set(board.own_scores))
        datasets["you"] = rows(score=scores, label=["you are here"] * len(scores))
        layers.append(
            {
                "name": "you",
                "data": {"name": "you"},
                "mark": {
                    "type": "rule",
                    "color": HERE_COLOR,
                    "strokeWidth": 2,
                    "strokeDash": [4, 3],
                },
                "encoding": {"x": {"field": "score", "type": "quantitative"}},
            }
        )
        layers.append(
            {
                "name": "you_label",
                "data": {"name": "you"},
                "mark": {
                    "type": "text",
                    "align": "left",
                    "baseline": "top",
                    "dx": 4,
                    "dy": 2,
                    "color": HERE_COLOR,
                    "fontWeight": "bold",
                },
                "encoding": {
                    "x": {"field": "score", "type": "quantitative"},
                    "y": {"value": 0},
                    "text": {"field": "label", "type": "nominal"},
                },
            }
        )
    return {
        "width": "container",
        "height": CHART_HEIGHT,
        "datasets": datasets,
        "layer": layers,
    }


def history_chart(detail: AccountDetail) -> JsonDict:
    """The account's daily score, with the goal line of its score metric when it has one."""
    data = temporal_rows(detail.history, value="score", line="Score")
    lines_shown = ["Score"]
    if detail.goal is not None:
        data += temporal_rows(detail.goal, line="Goal line")
        lines_shown.append("Goal line")
    colors = {"Score": OTHERS_COLOR, "Goal line": GOAL_COLOR}
    dashes = {"Score": [1, 0], "Goal line": [6, 4]}
    lines = {
        "name": "history",
        "data": {"name": "history"},
        "mark": {"type": "line"},
        "encoding": {
            "x": {"field": "day", "type": "temporal", "title": None},
            "y": {
                "field": "value",
                "type": "quantitative",
                "title": "Score",
                "scale": {"zero": False},
            },
            "color": {
                "field": "line",
                "type": "nominal",
                "scale": {"domain": lines_shown, "range": [colors[n] for n in lines_shown]},
                "legend": {"title": None, "orient": "bottom"},
            },
            "strokeDash": {
                "field": "line",
                "type": "nominal",
                "scale": {"domain": lines_shown, "range": [dashes[n] for n in lines_shown]},
                "legend": None,
            },
            "tooltip": [
                {"field": "line", "type": "nominal", "title": "What"},
                {"field": "day", "type": "temporal", "title": "Date", "format": DATE_FORMAT},
                {"field": "value", "type": "quantitative", "title": "Score", "format": ".0f"},
            ],
        },
    }
    return {
        "width": "container",
        "height": CHART_HEIGHT,
        "datasets": {"history": data},
        "layer": [lines],
    }


def parts_frame(detail: AccountDetail) -> pd.DataFrame:
    """Per part: the points it earned and the points its weight makes possible."""
    return pd.DataFrame(
        {
            "part": [
                f"{bar.label} ({bar.weight:.0%})"
                if bar.value is not None
                else f"{bar.label} (left out)"
                for bar in detail.parts
            ],
            "earned": [round(bar.points, 1) for bar in detail.parts],
            "possible": [round(bar.possible, 1) for bar in detail.parts],
            "value": [bar.value for bar in detail.parts],
        }
    )


def parts_chart(detail: AccountDetail) -> JsonDict:
    """Each part as a bar of the points it earned, against the points it could earn."""
    y = {"field": "part", "type": "nominal", "title": None, "sort": None}
    tooltip = [
        {"field": "part", "type": "nominal", "title": "Part"},
        {"field": "value", "type": "quantitative", "title": "Value (0–1)", "format": ".2f"},
        {"field": "earned", "type": "quantitative", "title": "Points earned"},
        {"field": "possible", "type": "quantitative", "title": "Points possible"},
    ]
    possible = {
        "name": "possible",
        "data": {"name": "parts"},
        "mark": {"type": "bar", "color": POSSIBLE_COLOR},
        "encoding": {
            "x": {"field": "possible", "type": "quantitative", "title": "Points of the score"},
            "y": y,
            "tooltip": tooltip,
        },
    }
    earned = {
        "name": "earned",
        "data": {"name": "parts"},
        "mark": {"type": "bar", "color": OTHERS_COLOR},
        "encoding": {
            "x": {"field": "earned", "type": "quantitative"},
            "y": y,
            "tooltip": tooltip,
        },
    }
    return {
        "width": "container",
        "height": 160,
        "datasets": {"parts": frame_rows(parts_frame(detail))},
        "layer": [possible, earned],
    }


def frame_rows(frame: pd.DataFrame) -> list[JsonDict]:
    """A small frame of numbers and text as JSON-safe rows (a missing number becomes null)."""
    columns = {
        name: [
            json_number(value) if isinstance(value, float) else value
            for value in frame[name].tolist()
        ]
        for name in frame.columns
    }
    return rows(**columns)
