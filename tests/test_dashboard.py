"""The Dashboard's numbers: downsampling, goal line, projection, summaries and panels."""

from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialplan.access import Actor
from socialplan.dashboard import (
    MetricPanel,
    build_panel,
    card_counts,
    cards_by_objective,
    chart_window,
    dashboard_panels,
    downsample,
    format_number,
    format_value,
    goal_line,
    next_action,
    no_data_hint,
    panel_card,
    panel_summary,
    panels_by_objective,
    projected_value_at_target,
    projection,
    summary_counts,
)
from socialplan.errors import NotFound
from socialplan.models import (
    Account,
    Direction,
    Metric,
    MetricSource,
    MetricStatus,
    Network,
    Objective,
    Plan,
    Reading,
    Snapshot,
)
from socialplan.scorecard import MetricScore, score_metric
from socialplan.status import StatusResult
from tests.factories import PLAN_END, PLAN_START, create_workspace_with_plan

TODAY = date(2027, 3, 1)
TARGET_DATE = date(2027, 6, 30)


def daily_series(start: date, values: list[float]) -> pd.DataFrame:
    """One value a day from `start`."""
    return pd.DataFrame(
        {"day": pd.date_range(start, periods=len(values), freq="D"), "value": values}
    )


def make_plan(start: date = PLAN_START) -> Plan:
    return Plan(id=1, workspace_id=1, name="2027 H1", period_start=start, period_end=PLAN_END)


def make_metric(**fields) -> Metric:
    values = {
        "id": 1,
        "objective_id": 1,
        "name": "Followers",
        "source": MetricSource.FOLLOWERS,
        "unit": "followers",
        "baseline": 1000.0,
        "target": 1500.0,
        "target_date": TARGET_DATE,
    }
    return Metric(**{**values, **fields})


def make_score(metric: Metric, series: pd.DataFrame, plan: Plan | None = None) -> MetricScore:
    objective = Objective(id=metric.objective_id, plan_id=1, title="Be known")
    return score_metric(metric, objective, plan or make_plan(), series, TODAY)


def fixed_score(metric: Metric, actual: float | None, goal: float, status) -> MetricScore:
    """A scorecard entry with the numbers given, to test how they are put in words."""
    result = StatusResult(actual, goal, 0.5, None if actual is None else 0.5, status)
    objective = Objective(id=1, plan_id=1, title="Be known")
    return MetricScore(metric, objective, pd.DataFrame(columns=["day", "value"]), result)


# ---------------------------------------------------------------- downsample


def test_downsample_leaves_a_short_series_as_it_is():
    series = daily_series(date(2027, 1, 1), [1.0, 5.0, 3.0])

    pd.testing.assert_frame_equal(downsample(series, max_points=3), series)


def test_downsample_keeps_at_most_max_points_and_the_newest_value_exactly():
    series = daily_series(date(2024, 1, 1), [float(n) for n in range(3 * 365)])

    shrunk = downsample(series)

    assert len(shrunk) <= 1000
    assert shrunk.iloc[-1].tolist() == series.iloc[-1].tolist()


def test_downsample_averages_calendar_weeks_at_the_day_they_average_to():
    monday = date(2027, 1, 4)
    series = daily_series(monday, [float(n) for n in range(1001)])

    shrunk = downsample(series, max_points=1000)

    # Week one holds 0..6 (mean 3), placed on its middle day, Thursday the 7th.
    assert shrunk.iloc[0].tolist() == [pd.Timestamp(2027, 1, 7), 3.0]
    assert len(shrunk) == 144  # 143 whole weeks and the newest day on its own


def test_downsample_falls_back_to_equal_spans_when_even_years_are_too_many():
    series = daily_series(date(2020, 1, 1), [float(n) for n in range(6 * 365)])

    shrunk = downsample(series, max_points=3)

    assert len(shrunk) == 3
    assert shrunk["value"].iloc[-1] == 6 * 365 - 1


def test_downsample_refuses_fewer_than_two_points():
    with pytest.raises(ValueError, match="at least 2"):
        downsample(daily_series(date(2027, 1, 1), [1.0, 2.0, 3.0]), max_points=1)


@given(
    offsets=st.lists(st.integers(0, 4000), min_size=1, max_size=1500, unique=True),
    max_points=st.integers(2, 1200),
)
def test_downsample_never_exceeds_max_points_and_never_invents_values(offsets, max_points):
    offsets.sort()
    series = pd.DataFrame(
        {
            "day": [pd.Timestamp(2020, 1, 1) + pd.Timedelta(days=o) for o in offsets],
            "value": [float(o % 97) for o in offsets],
        }
    )

    shrunk = downsample(series, max_points)

    assert len(shrunk) <= max_points
    assert shrunk.iloc[-1].tolist() == series.iloc[-1].tolist()
    assert shrunk["day"].is_monotonic_increasing and shrunk["day"].is_unique
    assert shrunk["value"].between(series["value"].min(), series["value"].max()).all()


# ---------------------------------------------------------------- goal line


def test_the_goal_line_runs_from_the_baseline_at_plan_start_to_the_target_at_the_target_date():
    line = goal_line(make_metric(), make_plan())

    assert line.to_dict("list") == {
        "day": [pd.Timestamp(PLAN_START), pd.Timestamp(TARGET_DATE)],
        "value": [1000.0, 1500.0],
    }


def test_the_goal_line_of_a_metric_that_should_fall_slopes_down():
    metric = make_metric(baseline=20.0, target=4.0, direction=Direction.DOWN)

    assert goal_line(metric, make_plan())["value"].tolist() == [20.0, 4.0]


# ---------------------------------------------------------------- projection


def test_projection_of_an_exact_line_lands_on_the_lines_value_at_the_target_date():
    start = date(2027, 1, 1)
    series = daily_series(start, [100 + 2.5 * n for n in range(59)])  # to 28 Feb
    target_date = date(2027, 4, 1)

    line = projection(series, target_date, TODAY)

    days_from_start = (target_date - start).days
    assert line["day"].tolist() == [pd.Timestamp(2027, 2, 28), pd.Timestamp(target_date)]
    assert line["value"].tolist() == pytest.approx([100 + 2.5 * 58, 100 + 2.5 * days_from_start])
    assert projected_value_at_target(series, target_date, TODAY) == pytest.approx(
        100 + 2.5 * days_from_start
    )


def test_projection_follows_only_the_last_four_weeks():
    flat_then_rising = [50.0] * 30 + [50.0 + 3 * n for n in range(1, 29)]
    series = daily_series(date(2027, 1, 1), flat_then_rising)  # last point 27 Feb
    target_date = date(2027, 3, 9)

    assert projected_value_at_target(series, target_date, TODAY) == pytest.approx(
        flat_then_rising[-1] + 3 * 10
    )


def test_projection_ignores_points_after_today():
    series = daily_series(date(2027, 2, 20), [float(n) for n in range(20)])  # to 11 Mar

    line = projection(series, TARGET_DATE, TODAY)

    assert line["day"].iloc[0] == pd.Timestamp(TODAY)
    assert line["value"].iloc[0] == 9.0


@pytest.mark.parametrize(
    "days",
    [
        [date(2027, 2, 27)],
        [date(2026, 12, 1), date(2027, 2, 27)],  # the older point is outside the window
    ],
)
def test_there_is_no_projection_with_fewer_than_two_points_in_the_window(days):
    series = pd.DataFrame({"day": pd.to_datetime(days), "value": [1.0] * len(days)})

    assert projection(series, TARGET_DATE, TODAY) is None
    assert projected_value_at_target(series, TARGET_DATE, TODAY) is None


def test_there_is_no_projection_once_the_target_date_is_reached():
    series = daily_series(date(2027, 2, 1), [float(n) for n in range(28)])

    assert projection(series, date(2027, 2, 28), TODAY) is None


# ---------------------------------------------------------------- words


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1240.0, "1,240"),
        (1240.4, "1,240"),
        (48.5, "48.5"),
        (3.25, "3.25"),
        (3.2, "3.2"),
        (0.0, "0"),
        (-12.0, "-12"),
    ],
)
def test_numbers_are_written_without_needless_decimals(value, text):
    assert format_number(value) == text


@pytest.mark.parametrize(
    ("unit", "word_unit", "text"),
    [
        ("followers", True, "1,240 followers"),
        ("followers", False, "1,240"),
        ("%", False, "1,240%"),
        ("€", False, "€1,240"),
        ("", True, "1,240"),
    ],
)
def test_values_carry_their_unit_where_it_reads_naturally(unit, word_unit, text):
    assert format_value(1240, unit, word_unit=word_unit) == text


def test_the_summary_says_actual_goal_status_and_where_the_pace_leads():
    score = fixed_score(make_metric(), 1240, 1180, MetricStatus.ON_TRACK)

    assert panel_summary(score, 1610, TODAY) == (
        "1,240 followers, goal for today 1,180 — on track; "
        "at this pace you reach 1,610 by 30 Jun, target 1,500."
    )


def test_the_summary_without_a_projection_names_the_target():
    metric = make_metric(unit="%", baseline=2.0, target=5.0)
    score = fixed_score(metric, 2.5, 3.1, MetricStatus.AT_RISK)

    assert panel_summary(score, None, TODAY) == (
        "2.5%, goal for today 3.1% — at risk; target 5% by 30 Jun."
    )


def test_the_summary_of_a_past_target_date_says_it_was_due():
    metric = make_metric(target_date=date(2027, 2, 1))
    score = fixed_score(metric, 1400, 1500, MetricStatus.OFF_TRACK)

    assert panel_summary(score, None, TODAY) == (
        "1,400 followers, goal for today 1,500 — off track; the target of 1,500 was due 1 Feb."
    )


def test_the_summary_of_a_metric_without_numbers_says_so_and_names_next_years_date():
    metric = make_metric(target_date=date(2028, 1, 31))
    score = fixed_score(metric, None, 1180, MetricStatus.NO_DATA)

    assert panel_summary(score, None, TODAY) == (
        "No numbers yet — goal for today 1,180 followers; target 1,500 by 31 Jan 2028."
    )


def test_a_hand_entered_metric_without_data_points_to_the_metrics_step():
    assert "Metrics step" in no_data_hint(make_metric(source=MetricSource.MANUAL))
    assert "synced or its analytics export is imported" in no_data_hint(make_metric())


# ---------------------------------------------------------------- panels


def test_a_panel_charts_the_plan_period_after_a_four_week_run_up():
    series = daily_series(date(2024, 3, 1), [1000 + 0.25 * n for n in range(1096)])
    score = make_score(make_metric(), series)

    panel = build_panel(score, make_plan(), TODAY)

    assert panel.series["day"].iloc[0] == pd.Timestamp(2026, 12, 4)  # 28 days before 1 Jan
    assert panel.series.iloc[-1].tolist() == series.iloc[-1].tolist()
    assert len(panel.score.series) == 1096
    assert panel.goal["value"].tolist() == [1000.0, 1500.0]
    assert panel.projected_value == pytest.approx(series["value"].iloc[-1] + 0.25 * 121)
    assert panel.summary == (
        "1,274 followers, goal for today 1,164 — on track; "
        "at this pace you reach 1,304 by 30 Jun, target 1,500."
    )
    assert panel.has_data and panel.status_label == "On track"


def test_a_panel_of_a_long_plan_sends_at_most_a_thousand_points_from_its_start():
    plan = make_plan(start=date(2024, 3, 1))
    series = daily_series(date(2024, 3, 1), [1000 + 0.25 * n for n in range(1096)])

    panel = build_panel(make_score(make_metric(), series, plan), plan, TODAY)

    assert len(panel.series) <= 1000
    assert panel.series["day"].iloc[0] < pd.Timestamp(2024, 3, 8)
    assert panel.series.iloc[-1].tolist() == series.iloc[-1].tolist()


def test_the_chart_window_keeps_the_newest_point_even_when_it_predates_the_plan():
    series = daily_series(date(2026, 1, 1), [5.0, 6.0])

    assert chart_window(series, PLAN_START).to_dict("list") == {
        "day": [pd.Timestamp(2026, 1, 2)],
        "value": [6.0],
    }
    assert chart_window(series.iloc[0:0], PLAN_START).empty


def panel_with(status: MetricStatus, objective_id: int = 1) -> MetricPanel:
    metric = make_metric(objective_id=objective_id)
    result = StatusResult(None, 0.0, 0.0, None, status)
    objective = Objective(id=objective_id, plan_id=1, title=f"Objective {objective_id}")
    score = MetricScore(metric, objective, pd.DataFrame(columns=["day", "value"]), result)
    empty = pd.DataFrame(columns=["day", "value"])
    return MetricPanel(score, TODAY, empty, empty, None, None, "", "")


def test_summary_counts_counts_every_status_including_zeros():
    panels = [
        panel_with(MetricStatus.ON_TRACK),
        panel_with(MetricStatus.ON_TRACK),
        panel_with(MetricStatus.OFF_TRACK),
    ]

    assert summary_counts(panels) == {
        MetricStatus.ON_TRACK: 2,
        MetricStatus.AT_RISK: 0,
        MetricStatus.OFF_TRACK: 1,
        MetricStatus.NO_DATA: 0,
    }


def test_panels_are_grouped_under_their_objective_in_plan_order():
    panels = [panel_with(MetricStatus.ON_TRACK, 2), panel_with(MetricStatus.AT_RISK, 1)]
    panels.append(panel_with(MetricStatus.NO_DATA, 2))

    groups = panels_by_objective(panels)

    assert [(o.id, len(p)) for o, p in groups] == [(2, 2), (1, 1)]


def test_a_card_carries_what_the_page_shows_of_its_panel_and_no_rows():
    metric = make_metric(id=9, objective_id=3)
    series = daily_series(TODAY - timedelta(days=1), [1000.0, 1040.0])
    panel = build_panel(make_score(metric, series), make_plan(), TODAY, "Mine")
    chart = {"layer": []}

    card = panel_card(panel, chart)

    assert (card.metric_id, card.objective_id, card.objective_title) == (9, 3, "Be known")
    assert panel.has_data
    assert (card.name, card.status, card.status_label) == (
        metric.name,
        panel.status,
        panel.status_label,
    )
    assert (card.summary, card.source_detail) == (panel.summary, "Mine")
    assert card.no_data_hint == no_data_hint(metric)
    assert card.chart is chart and card.has_data
    # Plain values only: nothing that needs the database or a big frame to copy.
    assert not any(
        isinstance(value, (pd.DataFrame, Metric, Objective)) for value in vars(card).values()
    )


def test_a_card_without_numbers_has_no_chart_even_if_one_is_given():
    card = panel_card(panel_with(MetricStatus.NO_DATA), {"layer": []})

    assert card.chart is None and not card.has_data


def test_cards_are_counted_and_grouped_as_their_panels_are():
    panels = [panel_with(MetricStatus.ON_TRACK, 2), panel_with(MetricStatus.AT_RISK, 1)]
    panels.append(panel_with(MetricStatus.ON_TRACK, 2))
    cards = [panel_card(panel, None) for panel in panels]

    assert card_counts(cards) == summary_counts(panels)
    assert [(title, len(group)) for title, group in cards_by_objective(cards)] == [
        ("Objective 2", 2),
        ("Objective 1", 1),
    ]


@pytest.mark.parametrize(
    ("statuses", "start"),
    [
        ([MetricStatus.ON_TRACK, MetricStatus.OFF_TRACK], "1 metric is behind"),
        ([MetricStatus.AT_RISK, MetricStatus.OFF_TRACK], "2 metrics are behind"),
        ([MetricStatus.NO_DATA], "No numbers yet"),
        ([MetricStatus.ON_TRACK, MetricStatus.NO_DATA], "What has numbers is on track"),
        ([MetricStatus.ON_TRACK], "Everything is on track"),
    ],
)
def test_next_action_says_what_to_do_given_the_statuses(statuses, start):
    assert next_action(summary_counts([panel_with(s) for s in statuses])).startswith(start)


# ---------------------------------------------------------------- from the database


def add_objective(session, plan: Plan, title: str, position: int) -> Objective:
    objective = Objective(plan_id=plan.id, title=title, position=position)
    session.add(objective)
    session.flush()
    return objective


def test_dashboard_panels_chart_every_active_metric_with_its_status(session, actor):
    workspace, plan = create_workspace_with_plan(session, actor)
    awareness = add_objective(session, plan, "Be known", 0)
    orders = add_objective(session, plan, "Sell cakes", 1)
    account = Account(workspace_id=workspace.id, network=Network.BLUESKY, handle="rosa")
    session.add(account)
    session.flush()
    followers = Metric(
        objective_id=awareness.id,
        name="Followers",
        source=MetricSource.FOLLOWERS,
        account_id=account.id,
        baseline=1000,
        target=1590,
        target_date=date(2027, 4, 1),  # 90 days: a third of the way on 31 Jan
    )
    cakes = Metric(
        objective_id=orders.id,
        name="Cake orders",
        source=MetricSource.MANUAL,
        unit="orders",
        baseline=10,
        target=40,
        target_date=date(2027, 4, 1),
    )
    leads = Metric(
        objective_id=orders.id,
        name="Leads",
        baseline=0,
        target=20,
        target_date=date(2027, 4, 1),
        position=1,
    )
    session.add_all([followers, cakes, leads])
    session.flush()
    session.add_all(
        Snapshot(account_id=account.id, day=date(2027, 1, 1) + timedelta(n), followers=1000 + 7 * n)
        for n in range(31)
    )
    session.add_all(
        [
            Reading(metric_id=cakes.id, day=date(2027, 1, 10), value=11),
            Reading(metric_id=cakes.id, day=date(2027, 1, 31), value=12),
        ]
    )
    session.commit()

    panels = dashboard_panels(
        session=session, actor=actor, plan_id=plan.id, today=date(2027, 1, 31)
    )

    assert [p.metric.name for p in panels] == ["Followers", "Cake orders", "Leads"]
    assert [p.status for p in panels] == [
        MetricStatus.ON_TRACK,  # 210 of 590 = 36% against 33% expected
        MetricStatus.OFF_TRACK,  # 2 of 30 = 7% against 33%
        MetricStatus.NO_DATA,
    ]
    follower_panel = panels[0]
    assert follower_panel.source_detail == "Followers of @rosa on Bluesky"
    assert follower_panel.projected_value == pytest.approx(1210 + 7 * 60)
    assert follower_panel.summary == (
        "1,210 followers, goal for today 1,197 — on track; "
        "at this pace you reach 1,630 by 1 Apr, target 1,590."
    )
    assert not panels[2].has_data and panels[2].needs_readings
    assert summary_counts(panels)[MetricStatus.OFF_TRACK] == 1


def test_dashboard_panels_are_not_shown_to_a_stranger(session):
    _, plan = create_workspace_with_plan(session)

    with pytest.raises(NotFound):
        dashboard_panels(
            session=session, actor=Actor.user(999, "stranger"), plan_id=plan.id, today=TODAY
        )
