from datetime import date

import pytest

from socialplan.models import MetricStatus
from socialplan.status import classify, evaluate, expected_fraction, goal_on, progress_of

START = date(2027, 1, 1)
TARGET_DATE = date(2027, 1, 11)  # ten days, so each day is 10% of the way


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 12, 1), 0.0),
        (START, 0.0),
        (date(2027, 1, 6), 0.5),
        (TARGET_DATE, 1.0),
        (date(2027, 3, 1), 1.0),
    ],
)
def test_expected_fraction_is_the_share_of_time_elapsed_clamped_to_0_1(today, expected):
    assert expected_fraction(START, TARGET_DATE, today) == pytest.approx(expected)


def test_expected_fraction_is_complete_when_target_date_is_the_start():
    assert expected_fraction(START, START, START) == 1.0


@pytest.mark.parametrize(
    ("progress", "expected", "status"),
    [
        (0.50, 0.50, MetricStatus.ON_TRACK),
        (0.45, 0.50, MetricStatus.ON_TRACK),  # exactly expected − 0.05
        (0.449, 0.50, MetricStatus.AT_RISK),
        (0.30, 0.50, MetricStatus.AT_RISK),  # exactly expected − 0.20
        (0.299, 0.50, MetricStatus.OFF_TRACK),
        (-0.5, 0.10, MetricStatus.OFF_TRACK),
        (1.2, 1.0, MetricStatus.ON_TRACK),
    ],
)
def test_classify_uses_the_documented_thresholds(progress, expected, status):
    assert classify(progress, expected) == status


def test_progress_of_a_metric_going_down_is_positive_when_it_falls():
    assert progress_of(baseline=10, target=5, actual=7.5) == pytest.approx(0.5)
    assert progress_of(baseline=10, target=5, actual=12) == pytest.approx(-0.4)


def test_progress_refuses_a_target_equal_to_the_baseline():
    with pytest.raises(ValueError):
        progress_of(baseline=3, target=3, actual=4)


def test_goal_line_runs_from_baseline_at_start_to_target_at_target_date():
    assert goal_on(100, 200, START, TARGET_DATE, START) == 100
    assert goal_on(100, 200, START, TARGET_DATE, date(2027, 1, 6)) == pytest.approx(150)
    assert goal_on(100, 200, START, TARGET_DATE, date(2027, 5, 1)) == 200


@pytest.mark.parametrize(
    ("actual", "status"),
    [(160, MetricStatus.ON_TRACK), (135, MetricStatus.AT_RISK), (120, MetricStatus.OFF_TRACK)],
)
def test_evaluate_half_way_through_the_period(actual, status):
    result = evaluate(
        baseline=100,
        target=200,
        actual=actual,
        plan_start=START,
        target_date=TARGET_DATE,
        today=date(2027, 1, 6),
    )
    assert result.status == status
    assert result.goal_today == pytest.approx(150)


@pytest.mark.parametrize(
    ("actual", "status"),
    [(7, MetricStatus.ON_TRACK), (8.5, MetricStatus.AT_RISK), (9.5, MetricStatus.OFF_TRACK)],
)
def test_evaluate_a_metric_that_should_go_down(actual, status):
    result = evaluate(
        baseline=10,
        target=5,
        actual=actual,
        plan_start=START,
        target_date=TARGET_DATE,
        today=date(2027, 1, 6),
    )
    assert result.status == status


def test_evaluate_without_an_actual_says_no_data():
    result = evaluate(
        baseline=1,
        target=2,
        actual=None,
        plan_start=START,
        target_date=TARGET_DATE,
        today=START,
    )
    assert result.status == MetricStatus.NO_DATA
    assert result.progress is None
