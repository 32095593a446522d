"""Altair charts of the Leaderboard: a board's histogram, an account's history and its parts."""

from __future__ import annotations

import altair as alt
import pandas as pd

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


def histogram_chart(board: Board) -> alt.LayerChart:
    """The board's scores in buckets of ten, with a "you are here" rule at each of yours."""
    bars = (
        alt.Chart(histogram_frame(board), name="buckets")
        .mark_bar(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X(
                "low:Q",
                title="Score",
                bin="binned",
                scale=alt.Scale(domain=[0, 100], nice=False),
                axis=alt.Axis(values=list(range(0, 101, 10))),
            ),
            x2="high:Q",
            y=alt.Y("accounts:Q", title="Accounts", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "whose:N",
                scale=alt.Scale(domain=["others", "yours"], range=[OTHERS_COLOR, OWN_COLOR]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("range:N", title="Scores"),
                alt.Tooltip("accounts:Q", title="Accounts"),
            ],
        )
    )
    layers: list[alt.Chart] = [bars]
    if board.own_scores:
        scores = sorted(set(board.own_scores))
        marks = pd.DataFrame({"score": scores, "label": "you are here"})
        layers.append(
            alt.Chart(marks, name="you")
            .mark_rule(color=HERE_COLOR, strokeWidth=2, strokeDash=[4, 3])
            .encode(x="score:Q")
        )
        layers.append(
            alt.Chart(marks, name="you_label")
            .mark_text(
                align="left", baseline="top", dx=4, dy=2, color=HERE_COLOR, fontWeight="bold"
            )
            .encode(x="score:Q", y=alt.value(0), text="label:N")
        )
    return alt.layer(*layers).properties(width="container", height=CHART_HEIGHT)


def history_chart(detail: AccountDetail) -> alt.LayerChart:
    """The account's daily score, with the goal line of its score metric when it has one."""
    history = detail.history.rename(columns={"score": "value"}).assign(line="Score")
    frames, lines_shown = [history], ["Score"]
    if detail.goal is not None:
        frames.append(detail.goal.assign(line="Goal line"))
        lines_shown.append("Goal line")
    data = pd.concat(frames, ignore_index=True)
    colors = {"Score": OTHERS_COLOR, "Goal line": GOAL_COLOR}
    dashes = {"Score": [1, 0], "Goal line": [6, 4]}
    lines = (
        alt.Chart(data, name="history")
        .mark_line()
        .encode(
            x=alt.X("day:T", title=None),
            y=alt.Y("value:Q", title="Score", scale=alt.Scale(zero=False)),
            color=alt.Color(
                "line:N",
                scale=alt.Scale(domain=lines_shown, range=[colors[n] for n in lines_shown]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            strokeDash=alt.StrokeDash(
                "line:N",
                scale=alt.Scale(domain=lines_shown, range=[dashes[n] for n in lines_shown]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("line:N", title="What"),
                alt.Tooltip("day:T", title="Date", format=DATE_FORMAT),
                alt.Tooltip("value:Q", title="Score", format=".0f"),
            ],
        )
    )
    return alt.layer(lines).properties(width="container", height=CHART_HEIGHT)


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


def parts_chart(detail: AccountDetail) -> alt.LayerChart:
    """Each part as a bar of the points it earned, against the points it could earn."""
    frame = parts_frame(detail)
    y = alt.Y("part:N", title=None, sort=None)
    tooltip = [
        alt.Tooltip("part:N", title="Part"),
        alt.Tooltip("value:Q", title="Value (0–1)", format=".2f"),
        alt.Tooltip("earned:Q", title="Points earned"),
        alt.Tooltip("possible:Q", title="Points possible"),
    ]
    possible = (
        alt.Chart(frame, name="possible")
        .mark_bar(color=POSSIBLE_COLOR)
        .encode(x=alt.X("possible:Q", title="Points of the score"), y=y, tooltip=tooltip)
    )
    earned = (
        alt.Chart(frame, name="earned")
        .mark_bar(color=OTHERS_COLOR)
        .encode(x="earned:Q", y=y, tooltip=tooltip)
    )
    return alt.layer(possible, earned).properties(width="container", height=160)
