"""Dates, numbers, the status rule and the score under generated input.

Cell parsers return a value in range or raise CellError (whose text completes "Line N,
column “X”: …"); the status rule and the score return well-formed results for every input
their callers can pass; nothing raises anything else.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone

import pandas as pd
from hypothesis import assume, example, given
from hypothesis import strategies as st

from socialplan.imports.values import (
    MAX_READING,
    CellError,
    DateStyle,
    parse_count,
    parse_day,
    parse_reading_value,
)
from socialplan.limits import MAX_COUNT
from socialplan.models import MetricStatus
from socialplan.scoring import (
    CONSISTENCY_WEEKS,
    PARTS,
    ScoreInputs,
    biggest_lever,
    explain,
    score_account,
    score_frame,
)
from socialplan.status import evaluate, expected_fraction
from tests.reliability.conftest import examples, nasty_text

STYLES = st.lists(st.sampled_from(list(DateStyle)), min_size=1, max_size=3, unique=True).map(tuple)


def two_digits(low: int, high: int) -> st.SearchStrategy[str]:
    """Mostly a number from low to high, sometimes any two digits: valid and invalid parts."""
    return st.one_of(st.integers(low, high), st.integers(0, 99)).map("{:02d}".format)


# ISO-looking moments at any year, with a time and a UTC offset, valid or not.
ISO_MOMENTS = st.builds(
    "{:04d}-{}-{}{}{}:{}{}{}".format,
    st.one_of(st.sampled_from([1, 9999]), st.integers(min_value=0, max_value=9999)),
    two_digits(1, 12),
    two_digits(1, 31),
    st.sampled_from(["T", " "]),
    two_digits(0, 23),
    two_digits(0, 59),
    st.sampled_from(["", ":00", ":59.999"]),
    st.one_of(
        st.sampled_from(["", "Z", " Z", "z"]),
        st.builds(
            "{}{}{}{}{}".format,
            st.sampled_from(["", " "]),
            st.sampled_from("+-"),
            st.integers(0, 99).map("{:02d}".format),
            st.sampled_from(["", ":"]),
            two_digits(0, 59),
        ),
    ),
)
DATE_TEXT = st.one_of(
    nasty_text(max_size=40),
    ISO_MOMENTS,
    st.from_regex(r"\d{1,3}/\d{1,3}/\d{1,5}( \d{1,3}:\d{2}( [ap]\.?m\.?)?)?", fullmatch=True),
    st.from_regex(r"([A-Za-z]{3,9},? )?[A-Za-z]{3,9}\.? \d{1,3},? \d{4}", fullmatch=True),
)


def day_or_refusal(text: str, styles: tuple[DateStyle, ...]) -> date | None:
    try:
        return parse_day(text, styles)
    except CellError as error:
        assert str(error).endswith(").")
        return None


@examples(ci=150, full=10_000)
@given(DATE_TEXT, STYLES)
# Found by this property: an offset of 24 hours or more ("+9900") raised ValueError from
# timezone(), and a moment at the very start or end of the calendar raised OverflowError
# when turned into UTC. Both are now "… is not a date".
@example("2026-03-10 10:00 +9900", (DateStyle.ISO,))
@example("0001-01-01 00:00 +0100", (DateStyle.ISO,))
@example("9999-12-31 23:00 -0500", (DateStyle.ISO,))
def test_any_date_cell_is_a_day_or_refused(text, styles):
    day_or_refusal(text, styles)


@examples(ci=50, full=3_000)
@given(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)),
    st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59),
)
def test_a_moment_with_an_offset_reads_as_its_utc_day(moment, offset_minutes):
    sign = "-" if offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(offset_minutes), 60)
    text = f"{moment:%Y-%m-%d %H:%M:%S} {sign}{hours:02d}{minutes:02d}"
    zone = timezone(timedelta(minutes=offset_minutes))
    expected = moment.replace(tzinfo=zone).astimezone(UTC).date()
    assert parse_day(text, (DateStyle.ISO,)) == expected


@examples(ci=50, full=3_000)
@given(st.dates(min_value=date(1000, 1, 1)), st.sampled_from(list(DateStyle)))
def test_every_day_written_in_a_style_reads_back_as_that_day(day, style):
    text = {
        DateStyle.ISO: day.isoformat(),
        DateStyle.US: f"{day.month:02d}/{day.day:02d}/{day.year:04d}",
        DateStyle.MONTH_NAME: f"{day:%a}, {day:%b} {day.day}, {day.year:04d}",
    }[style]
    assert parse_day(text, (style,)) == day


NUMBER_TEXT = st.one_of(
    nasty_text(max_size=30),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.integers(min_value=0, max_value=10**25).map("{:,}".format),
    st.floats().map(str),
    st.from_regex(r"[+-]?\d{0,6}([.,]\d{0,4})?([eE][+-]?\d{1,4})?", fullmatch=True),
    st.integers(min_value=4000, max_value=6000).map(lambda n: "9" * n),
    st.sampled_from(["inf", "-inf", "nan", "Infinity", "1_000", "１２", "0x10", "1e400", "-0"]),
)


@examples(ci=120, full=10_000)
@given(NUMBER_TEXT)
# Found by this property: a count of more than 4,300 digits raised ValueError (Python's
# limit on int() of a string) instead of "… is larger than Social Plan can store".
@example("9" * 5000)
@example("9" * 5000 + ".0")
def test_any_count_cell_is_a_storable_count_or_refused(text):
    try:
        count = parse_count(text)
    except CellError as error:
        assert str(error).endswith(").") or str(error).endswith(".")
        return
    assert count is None or (isinstance(count, int) and 0 <= count <= MAX_COUNT)


@examples(ci=50, full=3_000)
@given(st.integers(min_value=0, max_value=MAX_COUNT))
def test_every_storable_count_reads_back_in_the_ways_exports_write_it(count):
    assert parse_count(str(count)) == count
    assert parse_count(f"{count:,}") == count
    assert parse_count(f"{count}.0") == count
    assert parse_count(f" {count} ") == count


@examples(ci=30, full=2_000)
@given(st.integers(min_value=MAX_COUNT + 1, max_value=10**40))
def test_a_count_too_large_to_store_is_refused_with_the_limit(count):
    for text in (str(count), f"{count:,}", f"{count}.0"):
        try:
            parse_count(text)
        except CellError as error:
            assert "larger than Social Plan can store" in str(error)
        else:
            raise AssertionError(f"{text} was accepted")


@examples(ci=120, full=10_000)
@given(NUMBER_TEXT)
@example("9" * 5000)
@example("1e400")
def test_any_business_value_cell_is_a_finite_number_in_range_or_refused(text):
    try:
        value = parse_reading_value(text)
    except CellError:
        return
    assert math.isfinite(value) and abs(value) <= MAX_READING


@examples(ci=50, full=3_000)
@given(st.floats(min_value=-MAX_READING, max_value=MAX_READING))
def test_every_value_in_range_reads_back_exactly(value):
    assert parse_reading_value(repr(value)) == value


# ---------------------------------------------------------------- the status rule

VALUES = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)
DAYS = st.dates(min_value=date(1970, 1, 1), max_value=date(2200, 12, 31))


@examples(ci=150, full=10_000)
@given(VALUES, VALUES, st.one_of(st.none(), VALUES), DAYS, DAYS, DAYS)
def test_the_status_rule_gives_a_well_formed_status_for_every_metric_it_can_see(
    baseline, target, actual, plan_start, target_date, today
):
    # Metrics are only stored with a target that differs from the baseline (metrics.py).
    assume(target != baseline)
    result = evaluate(
        baseline=baseline,
        target=target,
        actual=actual,
        plan_start=plan_start,
        target_date=target_date,
        today=today,
    )
    assert result.status in set(MetricStatus)
    assert 0.0 <= result.expected <= 1.0
    assert math.isfinite(result.goal_today)
    # The goal line runs between baseline and target (up to float rounding).
    slack = 1e-9 * max(abs(baseline), abs(target))
    assert min(baseline, target) - slack <= result.goal_today <= max(baseline, target) + slack
    if actual is None:
        assert result.status is MetricStatus.NO_DATA and result.progress is None
    else:
        assert result.status is not MetricStatus.NO_DATA
        assert result.progress is not None and not math.isnan(result.progress)


@examples(ci=50, full=3_000)
@given(DAYS, DAYS, DAYS, DAYS)
def test_expected_progress_never_goes_back_as_days_pass(plan_start, target_date, day, later):
    assume(day <= later)
    assert expected_fraction(plan_start, target_date, day) <= expected_fraction(
        plan_start, target_date, later
    )


# ---------------------------------------------------------------- the score

COUNTS = st.one_of(st.none(), st.integers(min_value=0, max_value=MAX_COUNT))
SCORE_INPUTS = st.builds(
    ScoreInputs,
    followers=COUNTS,
    posts_30d=COUNTS,
    likes_30d=COUNTS,
    reposts_30d=COUNTS,
    replies_30d=COUNTS,
    quotes_30d=COUNTS,
    active_weeks_8w=st.one_of(st.none(), st.integers(min_value=0, max_value=CONSISTENCY_WEEKS)),
)


@examples(ci=60, full=3_000)
@given(SCORE_INPUTS)
def test_any_numbers_give_a_score_from_1_to_100_with_its_explanation(inputs):
    result = score_account(inputs)
    if result.score is None:
        assert all(result.sub_scores.get(part) is None for part in PARTS)
    else:
        assert 1 <= result.score <= 100
        assert math.isclose(sum(result.weights.values()), 1.0)
    for part in PARTS:
        value = result.sub_scores.get(part)
        assert value is None or 0.0 <= value <= 1.0
    assert all(isinstance(line, str) and line for line in explain(result))
    assert isinstance(biggest_lever(result), str)


@examples(ci=10, full=300)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=400),
            st.one_of(st.none(), st.integers(min_value=0, max_value=MAX_COUNT)),
            st.one_of(st.none(), st.integers(min_value=0, max_value=10**6)),
        ),
        min_size=1,
        max_size=40,
        unique_by=lambda row: row[0],
    )
)
def test_scores_of_any_daily_numbers_stay_in_range(rows):
    first = date(2026, 1, 1)
    daily = pd.DataFrame(
        {
            "account_id": [1] * len(rows),
            "day": [first + timedelta(days=offset) for offset, _, _ in rows],
            "followers": [followers for _, followers, _ in rows],
            "posts": [posts for _, _, posts in rows],
            "likes": [posts for _, _, posts in rows],
            "reposts": [None] * len(rows),
            "replies": [0] * len(rows),
            "quotes": [None] * len(rows),
        }
    )
    scored = score_frame(daily)
    assert scored["score"].between(1, 100).all()
    for part in PARTS:
        values = scored[part].dropna()
        assert values.between(0.0, 1.0).all()
