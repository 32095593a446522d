"""The Vega-Lite specs of the Dashboard's metric charts and the Leaderboard's charts."""

import json
from datetime import date

import altair as alt
import jsonschema
import pandas as pd
import pytest

from socialplan.charts import metric_chart, with_arrow_tables
from socialplan.dashboard import MetricPanel, build_panel
from socialplan.leaderboard_charts import histogram_chart, history_chart, parts_chart
from socialplan.leaderboards import AccountDetail, Board, Bucket, PartBar
from socialplan.models import Metric, MetricSource, Objective, Plan
from socialplan.scorecard import score_metric
from tests.factories import PLAN_END, PLAN_START

TODAY = date(2027, 3, 1)
TARGET_DATE = date(2027, 6, 30)


def make_panel(
    values: list[float],
    *,
    start: date = date(2027, 1, 1),
    plan_start: date = PLAN_START,
    name: str = "Followers",
    unit: str = "followers",
    source_detail: str = "Followers of all your own accounts",
) -> MetricPanel:
    plan = Plan(id=1, workspace_id=1, name="Plan", period_start=plan_start, period_end=PLAN_END)
    objective = Objective(id=1, plan_id=1, title="Be known")
    metric = Metric(
        id=7,
        objective_id=1,
        name=name,
        source=MetricSource.FOLLOWERS,
        unit=unit,
        baseline=1000,
        target=1500,
        target_date=TARGET_DATE,
    )
    series = pd.DataFrame(
        {"day": pd.date_range(start, periods=len(values), freq="D"), "value": values}
    )
    series = series[series["day"] <= pd.Timestamp(TODAY)]
    score = score_metric(metric, objective, plan, series, TODAY)
    return build_panel(score, plan, TODAY, source_detail)


def layers_by_name(spec: dict) -> dict[str, dict]:
    return {layer["name"]: layer for layer in spec["layer"]}


def rows(spec: dict, layer: dict) -> list[dict]:
    """The data rows a layer draws (named datasets, which Streamlit sends as Arrow tables)."""
    return spec["datasets"][layer["data"]["name"]]


def line(spec: dict, name: str) -> list[dict]:
    """The rows of one line (actual, goal line, projection) of the chart's `lines` dataset."""
    return [row for row in rows(spec, layers_by_name(spec)["lines"]) if row["line"] == name]


def style_of(spec: dict, channel: str, name: str):
    """The value the lines layer's `channel` (strokeDash, strokeWidth, color) gives a line."""
    scale = layers_by_name(spec)["lines"]["encoding"][channel]["scale"]
    return dict(zip(scale["domain"], scale["range"], strict=True))[name]


def test_the_chart_layers_lines_hover_points_target_and_today():
    spec = metric_chart(make_panel([1000 + 3 * n for n in range(59)]))

    assert list(layers_by_name(spec)) == [
        "lines",
        "actual_points",
        "target",
        "today",
        "today_label",
    ]
    assert set(spec["datasets"]) == {"lines", "target", "today"}
    assert {row["line"] for row in rows(spec, layers_by_name(spec)["lines"])} == {
        "Actual",
        "Goal line",
        "At this pace",
    }


def test_the_goal_line_is_dashed_from_baseline_at_plan_start_to_target_at_target_date():
    spec = metric_chart(make_panel([1000.0, 1010.0]))

    assert [(r["day"][:10], r["value"]) for r in line(spec, "Goal line")] == [
        ("2027-01-01", 1000.0),
        ("2027-06-30", 1500.0),
    ]
    assert style_of(spec, "strokeDash", "Goal line") == [6, 4]


def test_the_projection_is_dotted_from_the_newest_actual_to_the_target_date():
    spec = metric_chart(make_panel([1000 + 3 * n for n in range(59)]))

    assert [(r["day"][:10], r["value"]) for r in line(spec, "At this pace")] == [
        ("2027-02-28", 1174.0),
        ("2027-06-30", pytest.approx(1174.0 + 3 * 122)),
    ]
    assert style_of(spec, "strokeDash", "At this pace") == [2, 3]


def test_the_actual_line_is_solid_thicker_and_its_points_carry_the_tooltips():
    spec = metric_chart(make_panel([1000 + 3 * n for n in range(59)]))
    points = layers_by_name(spec)["actual_points"]

    assert style_of(spec, "strokeDash", "Actual") == [1, 0]
    assert style_of(spec, "strokeWidth", "Actual") > style_of(spec, "strokeWidth", "Goal line")
    assert style_of(spec, "color", "Actual") == points["mark"]["color"]
    # The points are the actual line's own rows, not a second copy sent to the browser.
    assert points["data"] == {"name": "lines"}
    assert points["transform"] == [{"filter": {"field": "line", "equal": "Actual"}}]
    assert len(line(spec, "Actual")) == 59


def test_no_series_sends_more_than_a_thousand_points_to_the_browser():
    five_years = [1000 + n * 0.1 for n in range(5 * 365)]
    panel = make_panel(five_years, start=date(2022, 3, 2), plan_start=date(2022, 3, 2))
    spec = metric_chart(panel)

    assert all(len(data) <= 1000 for data in spec["datasets"].values())
    actual_rows = line(spec, "Actual")
    assert actual_rows[0]["day"].startswith("2022-03")
    assert actual_rows[-1]["value"] == pytest.approx(five_years[-1])


def test_the_title_is_the_metric_name_with_the_status_in_the_subtitle():
    spec = metric_chart(make_panel([1000.0, 1300.0]))

    assert spec["title"]["text"] == "Followers"
    assert spec["title"]["subtitle"] == "On track · Followers of all your own accounts"


def test_tooltips_show_formatted_dates_and_values():
    spec = metric_chart(make_panel([1000.0, 1010.0]))
    tooltip = {t["field"]: t for t in layers_by_name(spec)["actual_points"]["encoding"]["tooltip"]}

    assert tooltip["day"]["format"] == "%a %d %b %Y"
    assert tooltip["value"] == {
        "field": "value",
        "type": "quantitative",
        "title": "Value (followers)",
        "format": ",.2~f",
    }


def test_a_metric_without_numbers_charts_only_its_goal_target_and_today():
    spec = metric_chart(make_panel([]))

    assert list(layers_by_name(spec)) == ["lines", "target", "today", "today_label"]
    assert {row["line"] for row in rows(spec, layers_by_name(spec)["lines"])} == {"Goal line"}
    assert spec["title"]["subtitle"].startswith("No data yet")


def test_the_spec_is_plain_json_with_days_as_iso_strings():
    spec = metric_chart(make_panel([1000.0, float("nan"), 1010.0]))

    # allow_nan=False: a NaN would be invalid JSON; a missing reading is null instead.
    assert json.loads(json.dumps(spec, allow_nan=False)) == spec
    actual = line(spec, "Actual")
    assert actual[0]["day"] == "2027-01-01T00:00:00"
    assert [row["value"] for row in actual] == [1000.0, None, 1010.0]


def test_names_and_units_are_shown_as_typed_not_read_as_fields_or_markup():
    typed = "Sales: {value} <b>$.day</b> \\n"
    panel = make_panel([1000.0, 1010.0], name=typed, unit="€ [k]", source_detail=typed)
    spec = metric_chart(panel)

    assert spec["title"]["text"] == typed
    assert spec["title"]["subtitle"].endswith(typed)
    tooltip = layers_by_name(spec)["actual_points"]["encoding"]["tooltip"]
    assert tooltip[2]["title"] == "Value (€ [k])"
    assert {t["field"] for t in tooltip} == {"line", "day", "value"}


def make_board(own_scores: tuple[int, ...]) -> Board:
    histogram = tuple(
        Bucket(
            low=low,
            high=low + 9,
            count=count,
            own=sum(low <= score <= low + 9 for score in own_scores),
        )
        for low, count in zip(range(1, 101, 10), [0, 1, 3, 5, 8, 4, 2, 1, 0, 0], strict=True)
    )
    return Board(
        kind="group",
        title="Main Street",
        rows=(),
        population=24,
        percentile_note=None,
        histogram=histogram,
        own_scores=own_scores,
    )


def make_detail(*, with_goal: bool) -> AccountDetail:
    days = pd.date_range("2027-01-01", periods=40, freq="D")
    goal = pd.DataFrame({"day": [days[0], days[-1]], "value": [30.0, 60.0]})
    return AccountDetail(
        account_id=1,
        label="@crumbandco.bakery",
        business="Crumb & Co.",
        network="x",
        is_own=True,
        score=45,
        day=days[-1].date(),
        history=pd.DataFrame({"day": days, "score": range(20, 60)}),
        goal=goal if with_goal else None,
        goal_text=None,
        parts=(
            PartBar("reach", "Reach", 0.5, 0.4, 20.0, 40.0),
            PartBar("growth", "Growth", None, 0.0, 0.0, 0.0),
        ),
        explanation=(),
        lever="Post more",
        standing=None,
    )


def test_the_histogram_marks_your_bucket_and_where_you_are():
    spec = histogram_chart(make_board((45, 45)))
    layers = layers_by_name(spec)

    buckets = rows(spec, layers["buckets"])
    assert [(b["low"], b["high"], b["range"]) for b in buckets[:2]] == [
        (0, 10, "1–10"),
        (10, 20, "11–20"),
    ]
    assert [b["whose"] for b in buckets if b["whose"] == "yours"] == ["yours"]
    assert rows(spec, layers["you"]) == [{"score": 45, "label": "you are here"}]
    assert layers["you_label"]["encoding"]["text"]["field"] == "label"


def test_the_histogram_without_scores_of_yours_has_no_marker():
    assert list(layers_by_name(histogram_chart(make_board(())))) == ["buckets"]


def test_the_history_draws_the_score_and_the_goal_line_dashed():
    spec = history_chart(make_detail(with_goal=True))
    [layer] = spec["layer"]
    data = rows(spec, layer)

    assert {row["line"] for row in data} == {"Score", "Goal line"}
    assert data[0] == {"day": "2027-01-01T00:00:00", "value": 20.0, "line": "Score"}
    assert layer["encoding"]["strokeDash"]["scale"]["range"] == [[1, 0], [6, 4]]
    no_goal = history_chart(make_detail(with_goal=False))
    assert no_goal["layer"][0]["encoding"]["color"]["scale"]["domain"] == ["Score"]


def test_the_parts_show_earned_against_possible_and_a_left_out_part():
    spec = parts_chart(make_detail(with_goal=False))
    layers = layers_by_name(spec)

    parts = rows(spec, layers["earned"])
    assert parts == [
        {"part": "Reach (40%)", "earned": 20.0, "possible": 40.0, "value": 0.5},
        {"part": "Growth (left out)", "earned": 0.0, "possible": 0.0, "value": None},
    ]
    assert layers["possible"]["data"] == layers["earned"]["data"]


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(
            lambda: metric_chart(make_panel([1000 + 3 * n for n in range(59)])), id="metric"
        ),
        pytest.param(lambda: metric_chart(make_panel([])), id="metric-without-numbers"),
        pytest.param(lambda: histogram_chart(make_board((45,))), id="histogram"),
        pytest.param(lambda: history_chart(make_detail(with_goal=True)), id="history"),
        pytest.param(lambda: parts_chart(make_detail(with_goal=False)), id="parts"),
    ],
)
def test_every_kind_of_chart_is_a_valid_vega_lite_spec(build):
    # Altair ships Vega-Lite's JSON schema and raises on a spec that breaks it.
    alt.LayerChart.from_dict(build(), validate=True)


def test_the_schema_check_catches_a_broken_spec():
    spec = metric_chart(make_panel([1000.0, 1010.0]))
    spec["layer"][0]["mark"]["type"] = "squiggle"

    with pytest.raises(jsonschema.ValidationError, match="squiggle"):
        alt.LayerChart.from_dict(spec, validate=True)


def test_the_datasets_become_arrow_tables_holding_the_same_rows():
    spec = metric_chart(make_panel([1000.0, float("nan"), 1010.0]))
    ready = with_arrow_tables(spec)

    assert {name: table.to_pylist() for name, table in ready["datasets"].items()} == spec[
        "datasets"
    ]
    assert ready["layer"] == spec["layer"]
    # The spec itself is left as it was (a test or a second caller may still read its rows).
    assert isinstance(spec["datasets"]["lines"], list)
