"""The floors: the most direct way to get each answer the app computes, to time it against.

Each floor is written independently of the code it checks (hand-written SQL, or tight
numpy over an in-memory frame), so a run that finds the two equal has also checked the
app's answer. Where a floor relies on a property of the benchmark's data (every account's
days without gaps), it asserts it rather than assume it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa

from socialplan.dashboard import chart_window, downsample
from socialplan.leaderboards import CHANGE_DAYS, SPARKLINE_DAYS, SPARKLINE_POINTS
from socialplan.models import MetricSource
from socialplan.scoring import (
    ACTIVITY_WINDOW_DAYS,
    CONSISTENCY_WEEKS,
    PERCENTILE_MIN_POPULATION,
    SCORE_COLUMNS,
    scores_of_inputs,
)
from socialplan.series import ENGAGEMENT_WINDOW_DAYS, POSTS_WINDOW_DAYS
from socialplan.status import evaluate

# ---------------------------------------------------------------- the leaderboard


@dataclass(frozen=True)
class FloorRow:
    """One row of a board as the floor computes it."""

    account_id: int
    score: int | None
    rank: int | None
    percentile: float | None
    change_30d: int | None
    sparkline: tuple[int, ...]


def _shift_days(column: str, days: int, dialect: str) -> str:
    if dialect == "postgresql":
        return f"({column} - {days})"
    return f"date({column}, '-{days} days')"


def board_sql(dialect: str) -> str:
    """One query: a group's entered accounts with newest score, rank, percentile, 30-day
    change and the downsampled 90-day sparkline (as text)."""
    spark = (
        "string_agg(CAST(score AS TEXT), ',' ORDER BY day)"
        if dialect == "postgresql"
        else "group_concat(score, ',')"
    )
    then_day = _shift_days("l.day", CHANGE_DAYS, dialect)
    shown_from = _shift_days("l.day", SPARKLINE_DAYS, dialect)
    since = _shift_days("(SELECT min(day) FROM latest)", SPARKLINE_DAYS - 1, dialect)
    return f"""
WITH entered AS (
    SELECT a.id AS account_id
    FROM account a
    JOIN peer_group_entry e ON e.account_id = a.id AND e.group_id = :group_id
    JOIN peer_group_member m ON m.group_id = e.group_id AND m.workspace_id = a.workspace_id
    WHERE a.kind = 'own' AND a.removed_at IS NULL
),
newest AS MATERIALIZED (
    SELECT account_id,
           (SELECT max(day) FROM influence_score x WHERE x.account_id = entered.account_id) AS day
    FROM entered
),
latest AS (
    SELECT s.account_id, s.day, s.score
    FROM newest
    JOIN influence_score s ON s.account_id = newest.account_id AND s.day = newest.day
),
ranked AS (
    SELECT account_id, day, score,
           rank() OVER (ORDER BY score DESC) AS board_rank,
           rank() OVER (ORDER BY score) - 1 AS below,
           count(*) OVER (PARTITION BY score) AS equal,
           count(*) OVER () AS population
    FROM latest
),
recent AS (
    SELECT s.account_id, s.day, s.score,
           row_number() OVER (PARTITION BY s.account_id ORDER BY s.day DESC) AS back,
           count(*) OVER (PARTITION BY s.account_id) AS shown
    FROM latest l
    JOIN influence_score s ON s.account_id = l.account_id
     AND s.day > {shown_from} AND s.day >= {since}
),
spark AS (
    SELECT account_id, {spark} AS sparkline
    FROM (
        SELECT account_id, day, score FROM recent
        WHERE shown <= {SPARKLINE_POINTS}
           OR (back - 1) % ((shown + {SPARKLINE_POINTS - 1}) / {SPARKLINE_POINTS}) = 0
        ORDER BY account_id, day
    ) kept
    GROUP BY account_id
)
SELECT e.account_id, r.score, r.board_rank, r.below, r.equal, r.population,
       r.score - (
           SELECT s.score FROM influence_score s
           WHERE s.account_id = e.account_id AND s.day <= {then_day.replace("l.", "r.")}
             AND s.day >= {since}
           ORDER BY s.day DESC LIMIT 1
       ) AS change_30d,
       spark.sparkline
FROM entered e
LEFT JOIN ranked r ON r.account_id = e.account_id
LEFT JOIN spark ON spark.account_id = e.account_id
"""


def floor_board(connection: sa.Connection, group_id: int) -> dict[int, FloorRow]:
    """The group board by the one hand-written query, keyed by account."""
    sql = board_sql(connection.dialect.name)
    rows = connection.execute(sa.text(sql), {"group_id": group_id}).all()
    board = {}
    for account_id, score, rank, below, equal, population, change, sparkline in rows:
        percentile = None
        if score is not None and population >= PERCENTILE_MIN_POPULATION:
            percentile = 100 * (below + 0.5 * equal) / population
        board[int(account_id)] = FloorRow(
            account_id=int(account_id),
            score=None if score is None else int(score),
            rank=None if rank is None else int(rank),
            percentile=percentile,
            change_30d=None if change is None else int(change),
            sparkline=tuple(int(v) for v in sparkline.split(",")) if sparkline else (),
        )
    return board


def instance_percentile_sql() -> str:
    """One query: where an account's newest score stands among every account's newest,
    each profile (network and handle) counted once with its newest score."""
    return """
WITH newest AS MATERIALIZED (
    SELECT a.id AS account_id, a.network, lower(a.handle) AS handle,
           (SELECT max(day) FROM influence_score x WHERE x.account_id = a.id) AS day
    FROM account a
    WHERE a.removed_at IS NULL
),
latest AS (
    SELECT n.account_id, n.network, n.handle, n.day, s.score
    FROM newest n
    JOIN influence_score s ON s.account_id = n.account_id AND s.day = n.day
),
profiles AS (
    SELECT score, row_number() OVER (
        PARTITION BY network, handle ORDER BY day DESC, account_id DESC
    ) AS newest
    FROM latest
),
population AS (SELECT score FROM profiles WHERE newest = 1),
own AS (SELECT score FROM latest WHERE account_id = :account_id)
SELECT own.score,
       (SELECT count(*) FROM population) AS n,
       (SELECT count(*) FROM population p WHERE p.score < own.score) AS below,
       (SELECT count(*) FROM population p WHERE p.score = own.score) AS equal
FROM own
"""


def floor_instance_percentile(
    connection: sa.Connection, account_id: int
) -> tuple[int, float | None, int]:
    """(score, percentile, population) of the account among the installation."""
    row = connection.execute(sa.text(instance_percentile_sql()), {"account_id": account_id}).one()
    score, population, below, equal = (int(value) for value in row)
    percentile = None
    if population >= PERCENTILE_MIN_POPULATION:
        percentile = 100 * (below + 0.5 * equal) / population
    return score, percentile, population


# ---------------------------------------------------------------- scores


def _dense_groups(frame: pd.DataFrame) -> np.ndarray:
    """Index of each row's account's first row; asserts every account's days are gapless."""
    accounts = frame["account_id"].to_numpy()
    days = frame["day"].to_numpy().astype("datetime64[D]").astype(np.int64)
    new_group = np.ones(len(frame), dtype=bool)
    new_group[1:] = accounts[1:] != accounts[:-1]
    gaps = (~new_group[1:]) & (np.diff(days) != 1)
    if gaps.any():
        raise AssertionError("the score floor needs gapless days per account")
    starts = np.flatnonzero(new_group)
    return np.repeat(starts, np.diff(np.append(starts, len(frame))))


def _window_sum(values: np.ndarray, group_start: np.ndarray, window: int) -> np.ndarray:
    """Trailing `window`-row sums within each account; NaN where the window knows nothing."""
    known = ~np.isnan(values)
    total = np.concatenate([[0.0], np.cumsum(np.where(known, values, 0.0))])
    count = np.concatenate([[0], np.cumsum(known)])
    index = np.arange(len(values))
    low = np.maximum(index - window + 1, group_start)
    sums = total[index + 1] - total[low]
    return np.where(count[index + 1] - count[low] > 0, sums, np.nan)


def _carried(values: np.ndarray, group_start: np.ndarray) -> np.ndarray:
    """Forward-filled within each account (NaN until the account's first known value)."""
    index = np.arange(len(values))
    last = np.maximum.accumulate(np.where(np.isnan(values), -1, index))
    return np.where(last >= group_start, values[np.maximum(last, 0)], np.nan)


def floor_score_inputs(daily: pd.DataFrame) -> pd.DataFrame:
    """The score inputs per account and day by cumulative sums (gapless days required)."""
    frame = daily.sort_values(["account_id", "day"], ignore_index=True)
    starts = _dense_groups(frame)
    column = {name: frame[name].to_numpy(dtype="float64") for name in frame.columns[2:]}
    inputs = frame[["account_id", "day"]].copy()
    inputs["followers"] = _carried(column["followers"], starts)
    for name in ("posts", "likes", "reposts", "replies", "quotes"):
        inputs[f"{name}_30d"] = _window_sum(column[name], starts, ACTIVITY_WINDOW_DAYS)
    week_posts = _window_sum(column["posts"], starts, 7)
    index = np.arange(len(frame))
    active = np.zeros(len(frame))
    known = np.zeros(len(frame), dtype=bool)
    for week in range(CONSISTENCY_WEEKS):
        back = index - 7 * week
        inside = back >= starts
        earlier = np.where(inside, week_posts[np.maximum(back, 0)], np.nan)
        active += np.nan_to_num(earlier) > 0
        known |= ~np.isnan(earlier)
    inputs["active_weeks_8w"] = np.where(known, active, np.nan)
    return inputs


def floor_business_daily(daily: pd.DataFrame, own: dict[int, int]) -> pd.DataFrame:
    """Each business's own accounts summed per day (gapless accounts, so no carrying)."""
    mine = daily[daily["account_id"].isin(list(own))]
    groups = mine["account_id"].map(own).rename("group")
    summed = mine.drop(columns="account_id").groupby([groups, mine["day"]]).sum(min_count=1)
    return summed.reset_index().rename(columns={"group": "account_id"})


def floor_scores(
    daily: pd.DataFrame, own: dict[int, int], since: date | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Account and business scores (from `since` on) of an in-memory daily frame."""
    account = scores_of_inputs(_from(floor_score_inputs(daily), since))
    business = scores_of_inputs(_from(floor_score_inputs(floor_business_daily(daily, own)), since))
    return account, business


def _from(inputs: pd.DataFrame, since: date | None) -> pd.DataFrame:
    if since is None:
        return inputs
    return inputs[inputs["day"] >= pd.Timestamp(since)].reset_index(drop=True)


def assert_same_scores(ours: pd.DataFrame, floor: pd.DataFrame, what: str) -> None:
    """Equal rows, scores and sub-scores (NaN where a part was left out); else AssertionError."""
    key = ["account_id", "day"]
    left = ours[SCORE_COLUMNS].sort_values(key, ignore_index=True)
    right = floor[SCORE_COLUMNS].sort_values(key, ignore_index=True)
    if len(left) != len(right):
        raise AssertionError(f"{what}: {len(left)} stored scores, the floor has {len(right)}")
    for name in SCORE_COLUMNS:
        a, b = left[name].to_numpy(), right[name].to_numpy()
        if name == "day":
            same = a.astype("datetime64[D]") == b.astype("datetime64[D]")
        else:
            a, b = a.astype("float64"), b.astype("float64")
            same = (a == b) | (np.isnan(a) & np.isnan(b))
        if not same.all():
            first = int(np.flatnonzero(~same)[0])
            raise AssertionError(
                f"{what}: {name} differs from the floor at {left.iloc[first][key].tolist()}: "
                f"{left.iloc[first][name]} != {right.iloc[first][name]}"
            )


# ---------------------------------------------------------------- the dashboard


@dataclass(frozen=True)
class FloorMetric:
    """One metric's chart data and status as the floor computes them."""

    metric_id: int
    series: pd.DataFrame
    chart: pd.DataFrame
    status: str
    actual: float | None


def _daily_sums(connection: sa.Connection, account_ids: list[int], until: date) -> pd.DataFrame:
    """Per day, the accounts' counts summed in SQL (gapless accounts: totals need no carrying)."""
    marks = ", ".join(str(int(a)) for a in account_ids)
    rows = connection.execute(
        sa.text(
            "SELECT day, sum(followers), sum(posts), sum(likes), sum(reposts), sum(replies), "
            f"sum(quotes) FROM snapshot WHERE account_id IN ({marks}) AND day <= :until "
            "GROUP BY day ORDER BY day"
        ),
        {"until": until},
    ).all()
    frame = pd.DataFrame(
        rows, columns=["day", "followers", "posts", "likes", "reposts", "replies", "quotes"]
    )
    frame["day"] = pd.to_datetime(frame["day"])
    return frame.set_index("day").astype("float64")


def _trailing(values: pd.Series, days: int) -> pd.Series:
    """A full `days` window's sum, where the window reported the count at least once."""
    reported = values.notna().astype(float).rolling(days, min_periods=days).sum()
    return values.rolling(days, min_periods=1).sum().where(reported > 0)


def _account_values(daily: pd.DataFrame, source: MetricSource) -> pd.Series:
    if source is MetricSource.FOLLOWERS:
        return daily["followers"]
    if source is MetricSource.POSTS_PER_WEEK:
        return _trailing(daily["posts"], POSTS_WINDOW_DAYS)
    reactions = daily[["likes", "reposts", "replies", "quotes"]].sum(axis=1, min_count=1)
    window_reactions = _trailing(reactions, ENGAGEMENT_WINDOW_DAYS)
    window_posts = _trailing(daily["posts"], ENGAGEMENT_WINDOW_DAYS)
    followers = daily["followers"]
    rate = 100 * window_reactions / (window_posts * followers)
    return rate.where((window_posts > 0) & (followers > 0))


def floor_dashboard(
    connection: sa.Connection, plan_id: int, workspace_id: int, today: date
) -> dict[int, FloorMetric]:
    """Every active metric's series, chart data and status by direct SQL and pandas."""
    plan = connection.execute(
        sa.text("SELECT period_start FROM plan WHERE id = :id"), {"id": plan_id}
    ).one()
    plan_start = _as_date(plan[0])
    metrics = connection.execute(
        sa.text(
            "SELECT m.id, m.source, m.account_id, m.baseline, m.target, m.target_date "
            "FROM metric m JOIN objective o ON o.id = m.objective_id "
            "WHERE o.plan_id = :plan AND m.archived_at IS NULL AND o.archived_at IS NULL"
        ),
        {"plan": plan_id},
    ).all()
    own = [
        int(a)
        for a in connection.execute(
            sa.text(
                "SELECT id FROM account WHERE workspace_id = :w AND kind = 'own' "
                "AND removed_at IS NULL"
            ),
            {"w": workspace_id},
        ).scalars()
    ]
    combined: pd.DataFrame | None = None
    result = {}
    for metric_id, source_text, account_id, baseline, target, target_date in metrics:
        source = MetricSource(source_text)
        if source is MetricSource.MANUAL:
            series = _series(connection, "SELECT day, value FROM reading WHERE metric_id = :k "
                             "AND day <= :until ORDER BY day", metric_id, today)  # fmt: skip
        elif source is MetricSource.INFLUENCE_SCORE and account_id is None:
            series = _series(connection, "SELECT day, score FROM business_score WHERE "
                             "workspace_id = :k AND day <= :until ORDER BY day", workspace_id,
                             today)  # fmt: skip
        elif source is MetricSource.INFLUENCE_SCORE:
            series = _series(connection, "SELECT day, score FROM influence_score WHERE "
                             "account_id = :k AND day <= :until ORDER BY day", account_id,
                             today)  # fmt: skip
        else:
            if account_id is None:
                if combined is None:
                    combined = _daily_sums(connection, own, today)
                daily = combined
            else:
                daily = _daily_sums(connection, [int(account_id)], today)
            values = _account_values(daily, source).dropna()
            series = pd.DataFrame({"day": values.index, "value": values.to_numpy(dtype=float)})
        actual = None if series.empty else float(series["value"].iloc[-1])
        status = evaluate(
            baseline=baseline, target=target, actual=actual, plan_start=plan_start,
            target_date=_as_date(target_date), today=today,
        ).status  # fmt: skip
        result[int(metric_id)] = FloorMetric(
            metric_id=int(metric_id),
            series=series,
            chart=downsample(chart_window(series, plan_start)),
            status=str(status),
            actual=actual,
        )
    return result


def _series(connection: sa.Connection, sql: str, key: int, until: date) -> pd.DataFrame:
    rows = connection.execute(sa.text(sql), {"k": key, "until": until}).all()
    frame = pd.DataFrame(rows, columns=["day", "value"])
    frame["day"] = pd.to_datetime(frame["day"])
    frame["value"] = frame["value"].astype(float)
    return frame


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def assert_same_series(ours: pd.DataFrame, floor: pd.DataFrame, what: str) -> None:
    """Same days and values (to 1e-9 relative, sums in another order); else AssertionError."""
    if len(ours) != len(floor):
        raise AssertionError(f"{what}: {len(ours)} points, the floor has {len(floor)}")
    days_ours = ours["day"].to_numpy().astype("datetime64[D]")
    days_floor = floor["day"].to_numpy().astype("datetime64[D]")
    if not (days_ours == days_floor).all():
        raise AssertionError(f"{what}: the days differ from the floor's")
    if not np.allclose(ours["value"], floor["value"], rtol=1e-9, atol=0, equal_nan=True):
        raise AssertionError(f"{what}: the values differ from the floor's")


def day_before(day: date) -> date:
    return day - timedelta(days=1)
