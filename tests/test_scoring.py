"""The influence score formula: calibration, properties, explanations, percentile, frames."""

from __future__ import annotations

import dataclasses
import math
import re
from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialplan import scoring
from socialplan.scoring import (
    IDLE_SCORE_CAP,
    INPUT_COLUMNS,
    PARTS,
    WEIGHTS,
    ScoreInputs,
    biggest_lever,
    combine_accounts,
    explain,
    mid_rank_percentile,
    score_account,
    score_frame,
    top_share_label,
    window_inputs,
)

# The five profiles. Reactions follow one mix (of 4 reactions: 3 likes and 1 reply,
# repost or quote), so the weighted totals are the issue's ~60, ~600, ~20,000 and ~5 million.
IDLE = ScoreInputs(
    followers=50, posts_30d=0, likes_30d=0, reposts_30d=0, replies_30d=0, quotes_30d=0,
    active_weeks_8w=0,
)  # fmt: skip
SMALL_LOCAL = ScoreInputs(
    followers=500, posts_30d=12, likes_30d=30, reposts_30d=4, replies_30d=5, quotes_30d=1,
    active_weeks_8w=8,
)  # fmt: skip
ACTIVE_SMALL = ScoreInputs(
    followers=3_000, posts_30d=20, likes_30d=300, reposts_30d=35, replies_30d=50,
    quotes_30d=15, active_weeks_8w=8,
)  # fmt: skip
REGIONAL = ScoreInputs(
    followers=50_000, posts_30d=60, likes_30d=10_000, reposts_30d=1_200, replies_30d=1_650,
    quotes_30d=483, active_weeks_8w=8,
)  # fmt: skip
CELEBRITY = ScoreInputs(
    followers=10_000_000, posts_30d=100, likes_30d=2_500_000, reposts_30d=300_000,
    replies_30d=400_000, quotes_30d=133_333, active_weeks_8w=8,
)  # fmt: skip

CALIBRATION = [
    pytest.param(IDLE, 0, 1, 10, id="idle account"),
    pytest.param(SMALL_LOCAL, 60, 25, 40, id="small local business"),
    pytest.param(ACTIVE_SMALL, 600, 40, 55, id="active small business"),
    pytest.param(REGIONAL, 20_000, 60, 75, id="regional brand"),
    pytest.param(CELEBRITY, 5_000_000, 90, 100, id="celebrity"),
]


@pytest.mark.parametrize(("inputs", "weighted", "low", "high"), CALIBRATION)
def test_calibration_profiles_score_in_their_band(inputs, weighted, low, high):
    assert inputs.weighted_reactions == pytest.approx(weighted, rel=0.001, abs=1)
    assert low <= score_account(inputs).score <= high


def test_calibration_profiles_rank_in_order():
    profiles = [IDLE, SMALL_LOCAL, ACTIVE_SMALL, REGIONAL, CELEBRITY]
    scores = [score_account(inputs).score for inputs in profiles]
    assert scores == sorted(scores) and len(set(scores)) == len(scores)


# ---------------------------------------------------------------- properties


def maybe(values: st.SearchStrategy[int]) -> st.SearchStrategy[int | None]:
    """A number, or (one time in four) None for a count the source does not give."""
    return st.integers(0, 3).flatmap(lambda pick: st.none() if pick == 0 else values)


def spread(digits: int) -> st.SearchStrategy[int]:
    """Integers from 0 to 10**digits, as often small as large (log-uniform, roughly)."""
    return st.integers(0, digits).flatmap(lambda d: st.integers(0, 10**d))


counts = spread(8)
any_inputs = st.builds(
    ScoreInputs,
    followers=maybe(spread(9)),
    posts_30d=maybe(spread(4)),
    likes_30d=maybe(counts),
    reposts_30d=maybe(counts),
    replies_30d=maybe(counts),
    quotes_30d=maybe(counts),
    active_weeks_8w=maybe(st.integers(0, 8)),
)
complete_activity = st.builds(
    ScoreInputs,
    followers=st.just(0),
    posts_30d=st.integers(1, 10_000),
    likes_30d=counts,
    reposts_30d=counts,
    replies_30d=counts,
    quotes_30d=counts,
    active_weeks_8w=st.integers(1, 8),
)


def has_any_part(inputs: ScoreInputs) -> bool:
    return any(
        value is not None
        for value in (
            inputs.followers,
            inputs.likes_30d,
            inputs.reposts_30d,
            inputs.replies_30d,
            inputs.quotes_30d,
            inputs.active_weeks_8w,
        )
    )


@settings(deadline=None)  # a shared, loaded machine: no timing in unit tests
@given(any_inputs)
def test_score_is_always_an_integer_from_1_to_100_when_there_is_any_data(inputs):
    result = score_account(inputs)
    if has_any_part(inputs):
        assert type(result.score) is int and 1 <= result.score <= 100
        assert all(0.0 <= result.sub_scores.get(part) <= 1.0 for part in result.weights)
    else:
        assert result.score is None


@pytest.mark.parametrize("field", INPUT_COLUMNS)
@settings(deadline=None)  # a shared, loaded machine: no timing in unit tests
@given(inputs=any_inputs, more=st.integers(1, 9).flatmap(lambda d: st.integers(1, 10**d)))
def test_more_of_any_input_never_lowers_the_score(field, inputs, more):
    before = getattr(inputs, field)
    if before is None:
        before = 0
        inputs = dataclasses.replace(inputs, **{field: before})
    after = min(before + more, 8) if field == "active_weeks_8w" else before + more
    low, high = score_account(inputs), score_account(dataclasses.replace(inputs, **{field: after}))
    if low.score is not None:
        assert high.score >= low.score
        assert high.unrounded >= low.unrounded - 1e-9


@settings(deadline=None)  # a shared, loaded machine: no timing in unit tests
@given(complete_activity, st.floats(2.0, math.log10(3_000_000)))
def test_a_tenfold_gain_in_followers_is_about_the_same_step_anywhere_on_the_scale(
    activity, log_followers
):
    # 100 followers to 3 million (tenfold: 30 million, the reach ceiling). The step is the
    # reach step (7.4 points) less at most 1.65 for amplification, which is measured per
    # follower; a linear or square-root reach would give steps near 0 at the low end.
    followers = round(10**log_followers)
    before = score_account(dataclasses.replace(activity, followers=followers))
    after = score_account(dataclasses.replace(activity, followers=10 * followers))
    assert 5.7 <= after.unrounded - before.unrounded <= 7.5


@settings(deadline=None)  # a shared, loaded machine: no timing in unit tests
@given(
    maybe(st.integers(0, 10**9)),
    maybe(counts),
    maybe(counts),
    maybe(counts),
    maybe(counts),
)
def test_no_post_for_8_weeks_scores_10_or_less_at_any_follower_count(
    followers, likes, reposts, replies, quotes
):
    # Reactions may still trickle in to old posts; without a post in 8 weeks, the score
    # is held at 10 or below whatever the audience, so a big idle account is not influential.
    inputs = ScoreInputs(followers, 0, likes, reposts, replies, quotes, active_weeks_8w=0)
    result = score_account(inputs)
    assert result.score <= IDLE_SCORE_CAP
    assert any("held at 10 or below" in line for line in explain(result))


def test_an_idle_account_that_posts_again_is_no_longer_held_at_10():
    idle_celebrity = dataclasses.replace(CELEBRITY, posts_30d=0, active_weeks_8w=0)
    assert score_account(idle_celebrity).score == IDLE_SCORE_CAP
    posted_once = dataclasses.replace(idle_celebrity, posts_30d=1, active_weeks_8w=1)
    assert score_account(posted_once).score > 80


# ---------------------------------------------------------------- missing data


def test_missing_followers_leave_out_reach_and_amplification_and_renormalise():
    inputs = dataclasses.replace(SMALL_LOCAL, followers=None)
    result = score_account(inputs)
    assert result.left_out == ("reach", "amplification")
    assert result.weights == pytest.approx({"engagement": 0.35 / 0.5, "consistency": 0.15 / 0.5})
    engagement = result.sub_scores.engagement
    assert result.score == math.floor(1 + 99 * (0.7 * engagement + 0.3 * 1.0) + 0.5)
    lines = explain(result)
    assert any(line.startswith("Reach is left out: the numbers have no follower") for line in lines)
    assert any(line.startswith("Amplification is left out: without a follower") for line in lines)
    assert any("scaled up to add up to 100%" in line for line in lines)


def test_missing_reaction_counts_are_left_out_rather_than_counted_as_none():
    no_counts = dataclasses.replace(
        ACTIVE_SMALL, likes_30d=None, reposts_30d=None, replies_30d=None, quotes_30d=None
    )
    zero_counts = dataclasses.replace(
        ACTIVE_SMALL, likes_30d=0, reposts_30d=0, replies_30d=0, quotes_30d=0
    )
    missing, zero = score_account(no_counts), score_account(zero_counts)
    assert missing.left_out == ("engagement", "amplification")
    assert sum(missing.weights.values()) == pytest.approx(1.0)
    assert missing.score > zero.score
    assert any("Engagement is left out" in line for line in explain(missing))


def test_a_network_without_quotes_scores_as_if_it_had_none():
    without_quotes = dataclasses.replace(ACTIVE_SMALL, quotes_30d=None)
    assert (
        score_account(without_quotes).sub_scores
        == score_account(dataclasses.replace(ACTIVE_SMALL, quotes_30d=0)).sub_scores
    )


def test_no_numbers_at_all_give_no_score_and_say_so():
    result = score_account(ScoreInputs(posts_30d=3))
    assert result.score is None and result.left_out == PARTS
    assert explain(result)[0].startswith("No score yet")


def test_negative_counts_are_refused():
    with pytest.raises(ValueError, match="likes_30d must be 0 or more"):
        ScoreInputs(followers=10, likes_30d=-1)


# ---------------------------------------------------------------- explanation and lever


def test_explanation_names_each_part_its_weight_and_its_numbers():
    result = score_account(SMALL_LOCAL)
    lines = explain(result)
    assert lines[0].startswith(f"Score {result.score} of 100")
    expected = [
        ("Reach: 0.20 of 1 × weight 45%", "500 followers"),
        ("Engagement: 0.15 of 1 × weight 35%", "60 weighted reactions"),
        ("Amplification: 0.67 of 1 × weight 5%", "10.0 for every 1,000 followers"),
        ("Consistency: 1.00 of 1 × weight 15%", "A post in 8 of the last 8 weeks"),
    ]
    assert len(lines) == 1 + len(expected)
    for line, (start, numbers) in zip(lines[1:], expected, strict=True):
        assert line.startswith(start) and numbers in line


def test_explained_points_add_up_to_the_score():
    result = score_account(REGIONAL)
    points = [float(re.search(r"= ([\d.]+) points", line)[1]) for line in explain(result)[1:]]
    assert 1 + sum(points) == pytest.approx(result.unrounded, abs=0.2)


def test_biggest_lever_is_the_part_with_most_weighted_headroom():
    # A big account that posted in one week of eight: consistency has 0.15 × 7/8 of room,
    # reach 0.45 × 0.08, engagement none.
    rare_poster = dataclasses.replace(CELEBRITY, active_weeks_8w=1)
    result = score_account(rare_poster)
    lever = biggest_lever(result)
    assert lever.startswith("Post every week: you posted in 1 of the last 8 weeks")
    every_week = score_account(dataclasses.replace(rare_poster, active_weeks_8w=8))
    assert f"about {every_week.score - result.score} points" in lever


def test_biggest_lever_of_a_small_business_is_reach():
    assert biggest_lever(score_account(SMALL_LOCAL)).startswith("Grow your audience")


def test_biggest_lever_of_an_idle_account_is_to_post_again():
    assert biggest_lever(score_account(IDLE)).startswith("Post again")


def test_biggest_lever_when_every_part_is_at_its_top():
    top = ScoreInputs(10**9, 100, 10**8, 10**8, 10**8, 10**8, 8)
    assert biggest_lever(score_account(top)).startswith("Keep going: every part")


# ---------------------------------------------------------------- percentile


def test_percentile_needs_at_least_10_scores():
    assert mid_rank_percentile(50, [50] * 9) is None
    assert mid_rank_percentile(50, [50] * 10) == 50.0


def test_percentile_counts_ties_as_half():
    population = [10, 20, 30, 45, 45, 45, 60, 70, 80, 90]
    assert mid_rank_percentile(45, population) == 100 * (3 + 1.5) / 10


def test_percentile_of_the_top_and_bottom_score():
    population = list(range(1, 11))
    assert mid_rank_percentile(10, population) == 95.0
    assert mid_rank_percentile(1, population) == 5.0


@pytest.mark.parametrize(
    ("percentile", "label"),
    [(90.0, "top 10%"), (95.0, "top 5%"), (90.4, "top 10%"), (50.0, "top 50%"), (99.99, "top 1%")],
)
def test_top_share_label_never_claims_more_than_is_true(percentile, label):
    assert top_share_label(percentile) == label


@settings(deadline=None)  # a shared, loaded machine: no timing in unit tests
@given(st.lists(st.integers(1, 100), min_size=10, max_size=200), st.data())
def test_percentile_of_a_member_is_strictly_between_0_and_100(population, data):
    score = data.draw(st.sampled_from(population))
    percentile = mid_rank_percentile(score, population)
    assert 0 < percentile < 100
    higher = [s for s in population if s > score]
    if higher:
        assert mid_rank_percentile(min(higher), population) > percentile


# ---------------------------------------------------------------- frames

START = date(2027, 1, 1)


def daily_frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=scoring.DAILY_COLUMNS)


def reference_inputs(daily: pd.DataFrame, account_id: int, day: date) -> ScoreInputs:
    """The window sums for one account and day, the slow obvious way."""
    rows = {row.day: row for row in daily[daily["account_id"] == account_id].itertuples()}

    def known(value) -> bool:
        return value is not None and not pd.isna(value)

    followers = None
    for past, row in sorted(rows.items()):
        if past <= day and known(row.followers):
            followers = int(row.followers)

    def window_sum(column: str, days: int, end: date) -> int | None:
        values = [
            getattr(rows[end - timedelta(days=n)], column)
            for n in range(days)
            if end - timedelta(days=n) in rows
        ]
        values = [v for v in values if known(v)]
        return int(sum(values)) if values else None

    weeks = [window_sum("posts", 7, day - timedelta(days=7 * week)) for week in range(8)]
    active = None if all(w is None for w in weeks) else sum(1 for w in weeks if w)
    return ScoreInputs(
        followers=followers,
        posts_30d=window_sum("posts", 30, day),
        likes_30d=window_sum("likes", 30, day),
        reposts_30d=window_sum("reposts", 30, day),
        replies_30d=window_sum("replies", 30, day),
        quotes_30d=window_sum("quotes", 30, day),
        active_weeks_8w=active,
    )


small_count = st.none() | st.integers(0, 50)
daily_rows = st.lists(
    st.tuples(
        st.integers(1, 3),
        st.integers(0, 90),
        st.none() | st.integers(0, 5_000),
        small_count,
        small_count,
        small_count,
        small_count,
        small_count,
    ),
    min_size=1,
    max_size=120,
    unique_by=lambda row: (row[0], row[1]),
)


def as_daily(rows: list[tuple]) -> pd.DataFrame:
    return daily_frame([(a, START + timedelta(days=d), *rest) for a, d, *rest in rows])


@settings(max_examples=60, deadline=None)
@given(daily_rows)
def test_window_inputs_match_the_obvious_per_day_sums(rows):
    daily = as_daily(rows)
    inputs = window_inputs(daily)
    assert len(inputs) == len(daily)
    for row in inputs.itertuples():
        expected = reference_inputs(daily, row.account_id, row.day.date())
        got = ScoreInputs(
            **{c: None if pd.isna(getattr(row, c)) else int(getattr(row, c)) for c in INPUT_COLUMNS}
        )
        assert got == expected


@settings(max_examples=60, deadline=None)
@given(daily_rows)
def test_score_frame_agrees_exactly_with_score_account(rows):
    daily = as_daily(rows)
    frame = score_frame(daily).set_index(["account_id", "day"])
    for row in window_inputs(daily).itertuples():
        inputs = ScoreInputs(
            **{c: None if pd.isna(getattr(row, c)) else int(getattr(row, c)) for c in INPUT_COLUMNS}
        )
        result = score_account(inputs)
        key = (row.account_id, row.day)
        if result.score is None:
            assert key not in frame.index
            continue
        stored = frame.loc[key]
        assert stored["score"] == result.score
        for part in PARTS:
            expected = result.sub_scores.get(part)
            assert (pd.isna(stored[part]) and expected is None) or stored[part] == expected


def test_score_frame_scores_only_snapshot_days_but_windows_span_the_gaps():
    daily = daily_frame(
        [
            (1, START, 500, 1, 10, 0, 0, 0),
            (1, START + timedelta(days=20), None, 1, 20, 1, 2, 0),
            (1, START + timedelta(days=40), None, 0, 5, 0, 0, 0),
        ]
    )
    inputs = window_inputs(daily)
    assert list(inputs["day"].dt.date) == [START, START + timedelta(20), START + timedelta(40)]
    assert list(inputs["followers"]) == [500, 500, 500]
    assert list(inputs["likes_30d"]) == [10, 30, 25]
    # Day 40: the post of day 20 falls in week 3 back, the post of day 0 in week 6 back.
    assert list(inputs["active_weeks_8w"]) == [1, 2, 2]
    assert list(score_frame(daily).columns) == scoring.SCORE_COLUMNS


def test_combine_accounts_sums_own_accounts_and_carries_each_follower_total_forward():
    daily = daily_frame(
        [
            (1, START, 100, 1, 10, None, 1, None),
            (2, START, 50, 0, 5, 2, 0, None),
            (2, START + timedelta(days=1), 60, 1, 1, 0, 0, None),
            (3, START, 1_000_000, 9, 900, 90, 90, 9),
        ]
    )
    combined = combine_accounts(daily, {1: 7, 2: 7})
    expected = daily_frame(
        [
            (7, START, 150, 1, 15, 2, 1, None),
            (7, START + timedelta(days=1), 160, 1, 1, 0, 0, None),
        ]
    )
    expected["day"] = pd.to_datetime(expected["day"]).astype("datetime64[ns]")
    expected[scoring.DAILY_COLUMNS[2:]] = expected[scoring.DAILY_COLUMNS[2:]].astype("float64")
    pd.testing.assert_frame_equal(combined, expected)


def test_duplicate_days_are_refused():
    row = (1, START, 10, 1, 1, 1, 1, 1)
    with pytest.raises(ValueError, match="more than one row"):
        score_frame(daily_frame([row, row]))


def test_weights_add_up_to_one():
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)
