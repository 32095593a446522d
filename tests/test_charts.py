"""The Dashboard's Altair chart of one metric, checked through its Vega-Lite spec."""

from datetime import date

import pandas as pd
import pytest

from socialplan.charts import metric_chart
from socialplan.dashboard import MetricPanel, build_panel
from socialplan.models import Metric, MetricSource, Objective, Plan
from socialplan.scorecard import score_metric
from tests.factories import PLAN_END, PLAN_START

TODAY = date(2027, 3, 1)
TARGET_DATE = date(2027, 6, 30)


def make_panel(
    values: list[float], *, start: date = date(2027, 1, 1), plan_start: date = PLAN_START
) -> MetricPanel:
    plan = Plan(id=1, workspace_id=1, name="Plan", period_start=plan_start, period_end=PLAN_END)
    objective = Objective(id=1, plan_id=1, title="Be known")
    metric = Metric(
        id=7,
        objective_id=1,
        name="Followers",
        source=MetricSource.FOLLOWERS,
        unit="followers",
        baseline=1000,
        target=1500,
        target_date=TARGET_DATE,
    )
    series = pd.DataFrame(
        {"day": pd.date_range(start, periods=len(values), freq="D"), "value": values}
    )
    series = series[series["day"] <= pd.Timestamp(TODAY)]
    score = score_metric(metric, objective, plan, series, TODAY)
    return build_panel(score, plan, TODAY, "Followers of all your own accounts")


def layers_by_name(spec: dict) -> dict[str, dict]:
    return {layer["name"]: layer for layer in spec["layer"]}


def rows(spec: dict, layer: dict) -> list[dict]:
    """The data rows a layer draws (Altair moves each layer's data into `datasets`)."""
    return spec["datasets"][layer["data"]["name"]]


def test_the_chart_layers_actual_goal_projection_target_and_today():
    spec = metric_chart(make_panel([1000 + 3 * n for n in range(59)])).to_dict()

    assert list(layers_by_name(spec)) == [
        "goal",
        "projection",
        "actual",
        "actual_points",
        "target",
        "today",
        "today_label",
    ]


def test_the_goal_line_is_dashed_from_baseline_at_plan_start_to_target_at_target_date():
    spec = metric_chart(make_panel([1000.0, 1010.0])).to_dict()
    goal = layers_by_name(spec)["goal"]

    assert [(r["day"][:10], r["value"]) for r in rows(spec, goal)] == [
        ("2027-01-01", 1000.0),
        ("2027-06-30", 1500.0),
    ]
    assert goal["mark"]["strokeDash"] == [6, 4]


def test_the_projection_is_dotted_from_the_newest_actual_to_the_target_date():
    spec = metric_chart(make_panel([1000 + 3 * n for n in range(59)])).to_dict()
    projection = layers_by_name(spec)["projection"]

    assert [(r["day"][:10], r["value"]) for r in rows(spec, projection)] == [
        ("2027-02-28", 1174.0),
        ("2027-06-30", pytest.approx(1174.0 + 3 * 122)),
    ]
    assert projection["mark"]["strokeDash"] == [2, 3]


def test_the_target_is_marked_and_today_is_a_rule():
    spec = metric_chart(make_panel([1000.0, 1010.0])).to_dict()
    layers = layers_by_name(spec)

    target_row = rows(spec, layers["target"])[0]
    assert (target_row["day"][:10], target_row["value"]) == ("2027-06-30", 1500.0)
    assert layers["today"]["mark"]["type"] == "rule"
    assert rows(spec, layers["today"])[0]["day"][:10] == "2027-03-01"


def test_no_series_sends_more_than_a_thousand_points_to_the_browser():
    five_years = [1000 + n * 0.1 for n in range(5 * 365)]
    panel = make_panel(five_years, start=date(2022, 3, 2), plan_start=date(2022, 3, 2))
    spec = metric_chart(panel).to_dict()

    assert all(len(data) <= 1000 for data in spec["datasets"].values())
    actual_rows = rows(spec, layers_by_name(spec)["actual"])
    assert actual_rows[0]["day"].startswith("2022-03")
    assert actual_rows[-1]["value"] == pytest.approx(five_years[-1])


def test_the_title_is_the_metric_name_with_the_status_in_the_subtitle():
    spec = metric_chart(make_panel([1000.0, 1300.0])).to_dict()

    assert spec["title"]["text"] == "Followers"
    assert spec["title"]["subtitle"] == "On track · Followers of all your own accounts"


def test_tooltips_show_formatted_dates_and_values():
    spec = metric_chart(make_panel([1000.0, 1010.0])).to_dict()
    tooltip = {t["field"]: t for t in layers_by_name(spec)["actual_points"]["encoding"]["tooltip"]}

    assert tooltip["day"]["format"] == "%a %d %b %Y"
    assert tooltip["value"] == {
        "field": "value",
        "type": "quantitative",
        "title": "Value (followers)",
        "format": ",.2~f",
    }


def test_a_metric_without_numbers_charts_only_its_goal_target_and_today():
    spec = metric_chart(make_panel([])).to_dict()

    assert list(layers_by_name(spec)) == ["goal", "target", "today", "today_label"]
    assert spec["title"]["subtitle"].startswith("No data yet")
