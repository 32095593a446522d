"""The influence score: one documented number from 1 to 100 per account per day.

Four parts, each from 0 to 1: reach (followers), engagement (weighted reactions in the last
30 days), amplification (reposts and quotes for the size of the audience) and consistency
(weeks with a post out of the last 8). The score is `1 + 99 × weighted sum`, rounded. A part
whose numbers are missing is left out and the other weights scaled up, never counted as 0.
Pure: no database and no Streamlit, so pages, the CLI, storage and tests share it.
docs/influence-score.md explains the formula and the constants to an owner.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

# ---------------------------------------------------------------- tuned constants
# Tuned together so the calibration of issue 4 holds (idle ≤ 10, small local business
# 25–40, active small business 40–55, regional brand 60–75, celebrity ≥ 90): the table
# as computed is in docs/influence-score.md and in tests/test_scoring.py.

# Reach and engagement carry the score: who can hear you and how many act on what you say.
# Amplification is kept small because it is measured against audience size: with the same
# shares, ten times the followers lowers it, and a large weight would eat the reach step of
# a tenfold gain (that step must stay about the same anywhere on the scale, 5.8–7.4 points).
# Consistency is the part an owner controls most directly, but posting alone is not
# influence, so it gets less than the two big parts.
WEIGHTS = {"reach": 0.45, "engagement": 0.35, "amplification": 0.05, "consistency": 0.15}
PARTS = tuple(WEIGHTS)

# Reach: log10 of followers between a floor and a ceiling. The first 30 followers are mostly
# friends and family; 30 million is where the very largest accounts start, so a celebrity
# with 10 million still has headroom. Each tenfold gain adds the same ~7.4 points.
REACH_FLOOR = 30
REACH_CEILING = 30_000_000

# Engagement: weighted reactions in the window. A reply, repost or quote takes more effort
# and reaches further than a like, so it counts three. Ten a month is the noise floor;
# a million a month is a national celebrity's month.
REACTION_WEIGHTS = {"likes": 1, "replies": 3, "reposts": 3, "quotes": 3}
ENGAGEMENT_FLOOR = 10
ENGAGEMENT_CEILING = 1_000_000

# Amplification: reposts and quotes in the window per follower, on a log scale from
# 1 per 10,000 followers (0.10) to 100 per 1,000 followers (1). Audiences under 100 count
# as 100, so one share on a tiny account is not a huge rate; audiences above the reach
# ceiling count as the ceiling, so amplification stops falling where reach stops rising.
SHARE_RATE_UNIT = 1e-4
SHARE_RATE_CEILING = 0.1
AUDIENCE_FLOOR = 100

# Windows: activity over the trailing 30 days, consistency over the trailing 8 weeks.
ACTIVITY_WINDOW_DAYS = 30
CONSISTENCY_WEEKS = 8
CONSISTENCY_WINDOW_DAYS = 7 * CONSISTENCY_WEEKS

# An account with no post in 8 weeks is not influencing anyone now, however many followers
# it kept: its score is held at this value or below until it posts again (Klout decayed too).
IDLE_SCORE_CAP = 10

# Under 10 accounts a percentile says more about who happens to be in the set than about you.
PERCENTILE_MIN_POPULATION = 10

DAILY_COLUMNS = ["account_id", "day", "followers", "posts", "likes", "reposts", "replies", "quotes"]
INPUT_COLUMNS = [
    "followers",
    "posts_30d",
    "likes_30d",
    "reposts_30d",
    "replies_30d",
    "quotes_30d",
    "active_weeks_8w",
]
SCORE_COLUMNS = ["account_id", "day", "score", *PARTS]

PART_LABELS = {
    "reach": "Reach",
    "engagement": "Engagement",
    "amplification": "Amplification",
    "consistency": "Consistency",
}


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class ScoreInputs:
    """One account's numbers for one day's score; None means the source does not give it."""

    followers: int | None = None
    posts_30d: int | None = None
    likes_30d: int | None = None
    reposts_30d: int | None = None
    replies_30d: int | None = None
    quotes_30d: int | None = None
    active_weeks_8w: int | None = None

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if value is not None and value < 0:
                raise ValueError(f"{field.name} must be 0 or more, not {value}.")
        if self.active_weeks_8w is not None and self.active_weeks_8w > CONSISTENCY_WEEKS:
            raise ValueError(f"active_weeks_8w must be at most {CONSISTENCY_WEEKS}.")

    @property
    def weighted_reactions(self) -> int | None:
        """Likes plus three times each reply, repost and quote; None when none is known."""
        counts = self._reaction_counts().items()
        known = [REACTION_WEIGHTS[name] * value for name, value in counts if value is not None]
        return sum(known) if known else None

    @property
    def shares(self) -> int | None:
        """Reposts plus quotes; None when neither is known."""
        known = [v for v in (self.reposts_30d, self.quotes_30d) if v is not None]
        return sum(known) if known else None

    def _reaction_counts(self) -> dict[str, int | None]:
        return {
            "likes": self.likes_30d,
            "replies": self.replies_30d,
            "reposts": self.reposts_30d,
            "quotes": self.quotes_30d,
        }


@dataclass(frozen=True)
class SubScores:
    """The four parts, each from 0 to 1; None when the part had no data and was left out."""

    reach: float | None
    engagement: float | None
    amplification: float | None
    consistency: float | None

    def get(self, part: str) -> float | None:
        return getattr(self, part)


@dataclass(frozen=True)
class ScoreResult:
    """A score with everything needed to explain it.

    `score` is None only when no part had any data. `weights` holds the weights actually
    used (renormalised over the parts that had data); `unrounded` is `1 + 99 × sum` before
    rounding and before the idle cap; `idle` is True when there was no post in 8 weeks, so
    the score is held at IDLE_SCORE_CAP or below.
    """

    score: int | None
    sub_scores: SubScores
    weights: dict[str, float]
    left_out: tuple[str, ...]
    idle: bool
    unrounded: float | None
    inputs: ScoreInputs


# ---------------------------------------------------------------- the formula (vectorised)


def _log_scale(values: np.ndarray, floor: float, ceiling: float) -> np.ndarray:
    """log10(1 + value) placed between floor (0) and ceiling (1), clamped; NaN stays NaN."""
    low, high = math.log10(1 + floor), math.log10(1 + ceiling)
    return np.clip((np.log10(1 + values) - low) / (high - low), 0.0, 1.0)


def _known_sum(columns: Sequence[tuple[np.ndarray, float]]) -> np.ndarray:
    """Weighted sum of the known values per row; NaN where none of them is known."""
    total = np.zeros_like(columns[0][0])
    any_known = np.zeros(total.shape, dtype=bool)
    for values, weight in columns:
        known = ~np.isnan(values)
        total = total + np.where(known, values * weight, 0.0)
        any_known |= known
    return np.where(any_known, total, np.nan)


def _part_arrays(
    followers: np.ndarray,
    likes: np.ndarray,
    reposts: np.ndarray,
    replies: np.ndarray,
    quotes: np.ndarray,
    active_weeks: np.ndarray,
) -> dict[str, np.ndarray]:
    """The four sub-scores per row (NaN where a part has no data)."""
    weighted = _known_sum(
        [
            (likes, REACTION_WEIGHTS["likes"]),
            (replies, REACTION_WEIGHTS["replies"]),
            (reposts, REACTION_WEIGHTS["reposts"]),
            (quotes, REACTION_WEIGHTS["quotes"]),
        ]
    )
    shares = _known_sum([(reposts, 1.0), (quotes, 1.0)])
    audience = np.clip(followers, AUDIENCE_FLOOR, REACH_CEILING)
    share_rate = shares / audience  # NaN without followers: nothing to compare shares with
    return {
        "reach": _log_scale(followers, REACH_FLOOR, REACH_CEILING),
        "engagement": _log_scale(weighted, ENGAGEMENT_FLOOR, ENGAGEMENT_CEILING),
        "amplification": np.clip(
            np.log10(1 + share_rate / SHARE_RATE_UNIT)
            / math.log10(1 + SHARE_RATE_CEILING / SHARE_RATE_UNIT),
            0.0,
            1.0,
        ),
        "consistency": np.clip(active_weeks, 0, CONSISTENCY_WEEKS) / CONSISTENCY_WEEKS,
    }


def _score_arrays(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Sub-scores, weights used, unrounded and final score per row, from the input columns."""
    parts = _part_arrays(
        columns["followers"],
        columns["likes_30d"],
        columns["reposts_30d"],
        columns["replies_30d"],
        columns["quotes_30d"],
        columns["active_weeks_8w"],
    )
    present = {part: ~np.isnan(values) for part, values in parts.items()}
    weight_total = np.zeros(len(columns["followers"]))
    for part in PARTS:
        weight_total = weight_total + np.where(present[part], WEIGHTS[part], 0.0)
    has_data = weight_total > 0
    safe_total = np.where(has_data, weight_total, 1.0)
    weighted_sum = np.zeros_like(weight_total)
    used = {}
    for part in PARTS:
        used[part] = np.where(present[part], WEIGHTS[part] / safe_total, 0.0)
        weighted_sum = weighted_sum + used[part] * np.nan_to_num(parts[part], nan=0.0)
    unrounded = np.where(has_data, 1 + 99 * weighted_sum, np.nan)
    # Half up, not numpy's half-to-even, so 34.5 is 35 as an owner would round it.
    rounded = np.clip(np.floor(unrounded + 0.5), 1, 100)
    idle = (columns["active_weeks_8w"] == 0) & (np.nan_to_num(columns["posts_30d"]) == 0)
    score = np.where(idle, np.minimum(rounded, IDLE_SCORE_CAP), rounded)
    weights_used = {f"weight_{part}": used[part] for part in PARTS}
    flags = {"score": score, "unrounded": unrounded, "idle": idle & has_data}
    return {**parts, **weights_used, **flags}


def _as_float(value: int | None) -> float:
    return np.nan if value is None else float(value)


def _optional(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def score_account(inputs: ScoreInputs) -> ScoreResult:
    """The score of one account on one day, with its parts and what was left out."""
    columns = {name: np.array([_as_float(getattr(inputs, name))]) for name in INPUT_COLUMNS}
    arrays = _score_arrays(columns)
    sub_scores = SubScores(**{part: _optional(arrays[part][0]) for part in PARTS})
    left_out = tuple(part for part in PARTS if sub_scores.get(part) is None)
    weights = {part: float(arrays[f"weight_{part}"][0]) for part in PARTS if part not in left_out}
    score = arrays["score"][0]
    return ScoreResult(
        score=None if math.isnan(score) else int(score),
        sub_scores=sub_scores,
        weights=weights,
        left_out=left_out,
        idle=bool(arrays["idle"][0]),
        unrounded=_optional(arrays["unrounded"][0]),
        inputs=inputs,
    )


# ---------------------------------------------------------------- explanations


def _audience(followers: int) -> int:
    """The follower count amplification compares shares with (floored and capped)."""
    return min(max(followers, AUDIENCE_FLOOR), REACH_CEILING)


def _part_detail(part: str, inputs: ScoreInputs) -> str:
    """What the part was computed from, in plain words."""
    if part == "reach":
        return (
            f"{inputs.followers:,} followers, on a log scale from {REACH_FLOOR} followers (0) "
            f"to {REACH_CEILING:,} (1), so each tenfold gain counts the same"
        )
    if part == "engagement":
        return (
            f"{inputs.weighted_reactions:,} weighted reactions in the last "
            f"{ACTIVITY_WINDOW_DAYS} days (a like counts 1; a reply, repost or quote counts 3), "
            f"on a log scale from {ENGAGEMENT_FLOOR} (0) to {ENGAGEMENT_CEILING:,} (1)"
        )
    if part == "amplification":
        shares, followers = inputs.shares or 0, inputs.followers or 0
        per_thousand = 1000 * shares / _audience(followers)
        floor_note = (
            f" (audiences under {AUDIENCE_FLOOR} count as {AUDIENCE_FLOOR})"
            if followers < AUDIENCE_FLOOR
            else ""
        )
        return (
            f"{shares:,} reposts and quotes in the last {ACTIVITY_WINDOW_DAYS} days, "
            f"{per_thousand:.1f} for every 1,000 followers{floor_note}; "
            f"{1000 * SHARE_RATE_CEILING:.0f} per 1,000 scores 1"
        )
    return f"A post in {inputs.active_weeks_8w} of the last {CONSISTENCY_WEEKS} weeks"


def _left_out_reason(part: str, inputs: ScoreInputs) -> str:
    """Why a part had no data, in plain words."""
    if part == "reach":
        return "the numbers have no follower total"
    if part == "engagement":
        return (
            "the numbers have no likes, replies, reposts or quotes for the last "
            f"{ACTIVITY_WINDOW_DAYS} days"
        )
    if part == "amplification" and inputs.followers is None:
        return "without a follower total, shares cannot be compared with the audience"
    if part == "amplification":
        return f"the numbers have no reposts or quotes for the last {ACTIVITY_WINDOW_DAYS} days"
    return f"the numbers have no post counts for the last {CONSISTENCY_WEEKS} weeks"


def explain(result: ScoreResult) -> list[str]:
    """The score in plain words: each part with its weight, what was left out and why."""
    if result.score is None:
        return [
            "No score yet: there are no numbers for this account. Connect it or import "
            "its numbers, then the score appears the next day."
        ]
    held = result.idle and round(result.unrounded) > result.score
    total = (
        f"the parts add up to {result.unrounded:.1f}; see the hold at the end"
        if held
        else f"{result.unrounded:.1f} before rounding"
    )
    lines = [
        f"Score {result.score} of 100: 1 point, plus up to 99 points from the parts below "
        f"({total})."
    ]
    for part in PARTS:
        value = result.sub_scores.get(part)
        if value is None:
            continue
        weight = result.weights[part]
        lines.append(
            f"{PART_LABELS[part]}: {value:.2f} of 1 × weight {weight:.0%} = "
            f"{99 * weight * value:.1f} points. {_part_detail(part, result.inputs)}."
        )
    for part in result.left_out:
        lines.append(f"{PART_LABELS[part]} is left out: {_left_out_reason(part, result.inputs)}.")
    if result.left_out:
        lines.append(
            "The other weights were scaled up to add up to 100%, so a missing number counts "
            "neither for nor against you."
        )
    if result.idle:
        lines.append(
            f"No post in the last {CONSISTENCY_WEEKS} weeks: the score is held at "
            f"{IDLE_SCORE_CAP} or below until you post again."
        )
    return lines


def _gain(result: ScoreResult, **changes: int) -> int:
    """Points the score would gain with `changes` to its inputs, the rest held."""
    values = {field.name: getattr(result.inputs, field.name) for field in fields(ScoreInputs)}
    better = score_account(ScoreInputs(**{**values, **changes}))
    return (better.score or 0) - (result.score or 0)


def _times_ten(value: int | None) -> int | None:
    return None if value is None else 10 * value


def _points(gain: int) -> str:
    return "less than a point" if gain < 1 else f"about {gain} point{'s' if gain != 1 else ''}"


def _lever_text(part: str, result: ScoreResult) -> str:
    """One plain-words suggestion for raising `part`, with what it would add."""
    inputs = result.inputs
    if part == "reach":
        base = max(inputs.followers or 0, REACH_FLOOR)
        gain = _gain(result, followers=10 * base)
        return (
            f"Grow your audience: you have {inputs.followers:,} followers, and ten times as "
            f"many would add {_points(gain)}."
        )
    if part == "engagement":
        gain = _gain(
            result,
            likes_30d=_times_ten(inputs.likes_30d),
            replies_30d=_times_ten(inputs.replies_30d),
            reposts_30d=_times_ten(inputs.reposts_30d),
            quotes_30d=_times_ten(inputs.quotes_30d),
        )
        return (
            "Start more conversations — ask questions and answer every reply; a reply, repost "
            f"or quote counts as three likes. Ten times your {inputs.weighted_reactions:,} "
            f"weighted reactions a month would add {_points(gain)}."
        )
    if part == "amplification":
        gain = _gain(
            result,
            reposts_30d=_times_ten(inputs.reposts_30d),
            quotes_30d=_times_ten(inputs.quotes_30d),
        )
        return (
            "Post things people want to pass on (tips, news, offers for their friends): ten "
            f"times your {inputs.shares:,} reposts and quotes a month would add {_points(gain)}."
        )
    gain = _gain(result, active_weeks_8w=CONSISTENCY_WEEKS, posts_30d=max(inputs.posts_30d or 0, 4))
    return (
        f"Post every week: you posted in {inputs.active_weeks_8w} of the last "
        f"{CONSISTENCY_WEEKS} weeks, and a post in every week would add {_points(gain)}."
    )


def biggest_lever(result: ScoreResult) -> str:
    """The one change that would raise the score most: the part with most weighted headroom."""
    if result.score is None:
        return "Connect an account or import its numbers to get a score."
    if result.idle:
        gain = _gain(result, active_weeks_8w=1, posts_30d=1)
        return (
            f"Post again: with no post in {CONSISTENCY_WEEKS} weeks your score is held at "
            f"{IDLE_SCORE_CAP} or below, and one post this week would add {_points(gain)}."
        )
    headroom = {
        part: weight * (1 - (result.sub_scores.get(part) or 0.0))
        for part, weight in result.weights.items()
    }
    part = max(headroom, key=lambda name: (headroom[name], -PARTS.index(name)))
    if headroom[part] <= 0:
        return "Keep going: every part of your score is at its top."
    return _lever_text(part, result)


# ---------------------------------------------------------------- percentile


def mid_rank_percentile(score: float, population: Sequence[float]) -> float | None:
    """100 × (scores below + ½ scores equal) / n; None when the set has fewer than 10.

    `population` is every score in the comparison set, this account's own included.
    """
    values = np.asarray(population, dtype=float)
    if values.size < PERCENTILE_MIN_POPULATION:
        return None
    below = int(np.count_nonzero(values < score))
    equal = int(np.count_nonzero(values == score))
    return 100 * (below + 0.5 * equal) / values.size


def top_share_label(percentile: float) -> str:
    """ "top 10%" for the 90th percentile; rounded up, so it never claims more than is true."""
    share = math.ceil(round(100 - percentile, 6))
    return f"top {min(max(share, 1), 100)}%"


# ---------------------------------------------------------------- frames (vectorised)


def _normalise_daily(daily: pd.DataFrame) -> pd.DataFrame:
    """The daily rows with datetime days and float counts (NaN where missing), one per
    account and day, sorted by account and day."""
    missing = [column for column in DAILY_COLUMNS if column not in daily.columns]
    if missing:
        raise ValueError(f"daily numbers lack the columns {missing}.")
    frame = daily[DAILY_COLUMNS].copy()
    frame["account_id"] = frame["account_id"].astype("int64")
    frame["day"] = pd.to_datetime(frame["day"]).dt.normalize().astype("datetime64[ns]")
    for column in DAILY_COLUMNS[2:]:
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    accounts = frame["account_id"].to_numpy()
    days = _day_numbers(frame["day"])
    order = np.lexsort((days, accounts))
    if not _is_identity(order):
        frame = frame.iloc[order].reset_index(drop=True)
        accounts, days = accounts[order], days[order]
    # Sorted, a duplicate sits next to its twin: no hash of millions of pairs needed.
    if ((accounts[1:] == accounts[:-1]) & (days[1:] == days[:-1])).any():
        raise ValueError("daily numbers have more than one row for an account and day.")
    return frame


def _is_identity(order: np.ndarray) -> bool:
    return bool((order == np.arange(len(order))).all())


def _day_numbers(days: pd.Series) -> np.ndarray:
    """Datetime days as whole days since 1970, for arithmetic on positions."""
    return days.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype("int64")


@dataclass(frozen=True)
class _Grid:
    """Every day from each account's start to its end, laid end to end in one array.

    Rolling by rows is rolling by days only on a gapless grid. Accounts follow each other
    in order, so a window is a difference of cumulative sums, cut at the account's first
    row (`first_row`, per grid row) instead of looping over accounts.
    """

    account_ids: np.ndarray  # per grid row
    days: np.ndarray  # per grid row, whole days since 1970
    first_row: np.ndarray  # per grid row: the grid row of its account's first day
    rows: np.ndarray  # per input row: its grid row

    @property
    def size(self) -> int:
        return len(self.account_ids)

    def spread(self, values: np.ndarray) -> np.ndarray:
        """Input-row values placed on the grid; NaN on days without a row."""
        spread = np.full(self.size, np.nan)
        spread[self.rows] = values
        return spread


def _grid(accounts: np.ndarray, days: np.ndarray, spans: pd.DataFrame) -> _Grid:
    """The grid of `spans` (index: account id, start/end: whole days), sorted by account id,
    and where each (account, day) input row lands on it."""
    spans = spans.sort_index()
    starts = spans["start"].to_numpy(dtype="int64")
    lengths = spans["end"].to_numpy(dtype="int64") - starts + 1
    firsts = np.cumsum(lengths) - lengths
    grid_accounts = np.repeat(spans.index.to_numpy(dtype="int64"), lengths)
    first_row = np.repeat(firsts, lengths)
    grid_days = np.arange(int(lengths.sum()), dtype="int64") - first_row
    grid_days += np.repeat(starts, lengths)
    span_of_row = np.searchsorted(spans.index.to_numpy(dtype="int64"), accounts)
    rows = firsts[span_of_row] + (days - starts[span_of_row])
    return _Grid(grid_accounts, grid_days, first_row, rows)


def _own_spans(accounts: np.ndarray, days: np.ndarray) -> pd.DataFrame:
    """Each account's first and last day, from rows sorted by account and day."""
    unique, first = np.unique(accounts, return_index=True)
    last = np.append(first[1:], len(accounts)) - 1
    return pd.DataFrame({"start": days[first], "end": days[last]}, index=unique)


def _carry_forward(grid: _Grid, values: np.ndarray) -> np.ndarray:
    """Each row's value, or the account's last known one before it; NaN before the first."""
    positions = np.where(np.isnan(values), -1, np.arange(grid.size))
    last_known = np.maximum.accumulate(positions) if grid.size else positions
    valid = last_known >= grid.first_row
    return np.where(valid, values[np.where(valid, last_known, 0)], np.nan)


def _rolling_sum(grid: _Grid, values: np.ndarray, days: int) -> np.ndarray:
    """Trailing `days`-day sum per account; NaN where every day of the window is unknown.

    Counts are whole numbers, so cumulative sums in int64 are exact and the difference of
    two is exactly the window's sum (what a row-by-row rolling sum gives).
    """
    known = ~np.isnan(values)
    filled = np.where(known, values, 0.0)
    if not (filled == np.floor(filled)).all() or float(filled.sum()) >= 2**62:
        return _rolling_sum_by_rows(grid, values, days)
    totals = np.concatenate([[0], np.cumsum(filled.astype("int64"))])
    seen = np.concatenate([[0], np.cumsum(known)])
    here = np.arange(1, grid.size + 1)
    window_start = np.maximum(here - days, grid.first_row)
    sums = (totals[here] - totals[window_start]).astype("float64")
    return np.where(seen[here] - seen[window_start] > 0, sums, np.nan)


def _rolling_sum_by_rows(grid: _Grid, values: np.ndarray, days: int) -> np.ndarray:
    """The same window for counts that are not whole numbers (never stored, but a frame
    may carry them): pandas' rolling sum, exact where cumulative sums would round."""
    series = pd.Series(values)
    rolled = series.groupby(grid.account_ids, sort=False).rolling(days, min_periods=1).sum()
    return rolled.reset_index(level=0, drop=True).sort_index().to_numpy()


def _shifted(grid: _Grid, values: np.ndarray, rows: int) -> np.ndarray:
    """Each row's value `rows` days earlier in the same account; NaN before its start."""
    earlier = np.arange(grid.size) - rows
    inside = earlier >= grid.first_row
    return np.where(inside, values[np.where(inside, earlier, 0)], np.nan)


def _active_weeks(grid: _Grid, posts: np.ndarray) -> np.ndarray:
    """Weeks with at least one post among the last 8 (weeks end on the day scored).

    A week with no numbers at all counts as a week without a post; the value is NaN only
    when none of the 8 weeks has a post count.
    """
    week_posts = _rolling_sum(grid, posts, 7)
    active = np.zeros(grid.size)
    known = np.zeros(grid.size, dtype=bool)
    for week in range(CONSISTENCY_WEEKS):
        earlier = _shifted(grid, week_posts, 7 * week)
        active += earlier > 0
        known |= ~np.isnan(earlier)
    return np.where(known, active, np.nan)


def window_inputs(daily: pd.DataFrame) -> pd.DataFrame:
    """Per account and snapshot day, the ScoreInputs columns from the trailing windows.

    `daily` has one row per account and day: account_id, day, followers (total that day),
    posts, likes, reposts, replies, quotes (that day's counts; NaN/None when not given).
    Followers carry forward from the last day that had them. Rows come out sorted by
    account and day.
    """
    frame = _normalise_daily(daily)
    if frame.empty:
        return pd.DataFrame(columns=["account_id", "day", *INPUT_COLUMNS])
    accounts, days = frame["account_id"].to_numpy(), _day_numbers(frame["day"])
    grid = _grid(accounts, days, _own_spans(accounts, days))

    def on_grid(column: str) -> np.ndarray:
        return grid.spread(frame[column].to_numpy(dtype="float64"))

    inputs = frame[["account_id", "day"]].copy()
    inputs["followers"] = _carry_forward(grid, on_grid("followers"))[grid.rows]
    for column in ["posts", "likes", "reposts", "replies", "quotes"]:
        window = _rolling_sum(grid, on_grid(column), ACTIVITY_WINDOW_DAYS)
        inputs[f"{column}_30d"] = window[grid.rows]
    inputs["active_weeks_8w"] = _active_weeks(grid, on_grid("posts"))[grid.rows]
    return inputs


def combine_accounts(daily: pd.DataFrame, group_of: dict[int, int]) -> pd.DataFrame:
    """Daily rows of groups of accounts (a business's own accounts) as if each were one account.

    Per group and day: followers summed over the accounts' last known totals, posts and
    reactions summed (NaN only where no account has the count). Only accounts in `group_of`
    count; the group's id goes in `account_id`, so `score_frame` scores it like an account.
    """
    frame = _normalise_daily(daily)
    frame = frame[frame["account_id"].isin(list(group_of))].reset_index(drop=True)
    if frame.empty:
        return pd.DataFrame(columns=DAILY_COLUMNS)
    accounts, days = frame["account_id"].to_numpy(), _day_numbers(frame["day"])
    group_ids = pd.Series(group_of, dtype="int64")
    by_group = pd.Series(days).groupby(group_ids.reindex(accounts).to_numpy())
    group_spans = by_group.agg(["min", "max"]).set_axis(["start", "end"], axis=1)
    # Each account runs over its group's days, so a quiet account's followers still count.
    account_index = np.unique(accounts)
    spans = group_spans.loc[group_ids.reindex(account_index).to_numpy()].set_axis(account_index)
    grid = _grid(accounts, days, spans)
    columns = {name: grid.spread(frame[name].to_numpy("float64")) for name in DAILY_COLUMNS[2:]}
    columns["followers"] = _carry_forward(grid, columns["followers"])
    keys, group_grid = _group_day_keys(grid, group_ids.reindex(grid.account_ids), group_spans)
    combined = pd.DataFrame(columns).groupby(keys).sum(min_count=1)
    has_snapshot = np.bincount(keys[grid.rows], minlength=group_grid.size) > 0
    rows = combined.index.to_numpy()
    kept = has_snapshot[rows]
    result = pd.DataFrame(
        {
            "account_id": group_grid.account_ids[rows[kept]],
            "day": group_grid.days[rows[kept]].astype("datetime64[D]").astype("datetime64[ns]"),
        }
    )
    for name in DAILY_COLUMNS[2:]:
        result[name] = combined[name].to_numpy("float64")[kept]
    return result


def _group_day_keys(
    grid: _Grid, groups: pd.Series, group_spans: pd.DataFrame
) -> tuple[np.ndarray, _Grid]:
    """Per grid row, the row of its group and day on the groups' own grid, and that grid."""
    nothing = np.empty(0, dtype="int64")
    group_grid = _grid(nothing, nothing, group_spans)
    starts = group_spans["start"].to_numpy(dtype="int64")
    lengths = group_spans["end"].to_numpy(dtype="int64") - starts + 1
    firsts = np.cumsum(lengths) - lengths
    span = np.searchsorted(group_spans.index.to_numpy(dtype="int64"), groups.to_numpy("int64"))
    return firsts[span] + grid.days - starts[span], group_grid


def scores_of_inputs(inputs: pd.DataFrame) -> pd.DataFrame:
    """Score and sub-scores per row of a window_inputs frame; rows without any data dropped."""
    columns = {name: inputs[name].to_numpy(dtype="float64") for name in INPUT_COLUMNS}
    arrays = _score_arrays(columns)
    scored = inputs[["account_id", "day"]].copy()
    scored["score"] = arrays["score"]
    for part in PARTS:
        scored[part] = arrays[part]
    scored = scored[scored["score"].notna()].reset_index(drop=True)
    scored["score"] = scored["score"].astype("int64")
    return scored[SCORE_COLUMNS]


def score_frame(daily: pd.DataFrame) -> pd.DataFrame:
    """Score per account per snapshot day, from daily rows (see `window_inputs`).

    Returns account_id, day, score (int) and the four sub-scores (NaN when left out); a day
    without any data gets no row. Agrees exactly with `score_account` on the same inputs.
    """
    return scores_of_inputs(window_inputs(daily))
