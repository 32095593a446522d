"""The actual values of a metric over time, wherever they come from.

Account metrics are read from snapshots (one account, or all the workspace's own accounts
combined when the metric names none), business metrics from readings, score metrics from
the stored influence scores. Sums are done in SQL; only rolling windows run in pandas.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, select

from socialplan.models import (
    Account,
    AccountKind,
    BusinessScore,
    InfluenceScore,
    Metric,
    MetricSource,
    Objective,
    Plan,
    Reading,
    Snapshot,
)

ENGAGEMENT_WINDOW_DAYS = 28
POSTS_WINDOW_DAYS = 7
COLUMNS = ["day", "value"]

SOURCE_LABELS = {
    MetricSource.FOLLOWERS: "Followers",
    MetricSource.POSTS_PER_WEEK: "Posts per week",
    MetricSource.ENGAGEMENT_RATE: "Engagement rate",
    MetricSource.INFLUENCE_SCORE: "Influence score",
    MetricSource.MANUAL: "Entered by hand",
}
SOURCE_UNITS = {
    MetricSource.FOLLOWERS: "followers",
    MetricSource.POSTS_PER_WEEK: "posts",
    MetricSource.ENGAGEMENT_RATE: "%",
    MetricSource.INFLUENCE_SCORE: "points",
}


def empty_series() -> pd.DataFrame:
    """A series with no points, with the right columns."""
    return pd.DataFrame({"day": pd.Series(dtype="datetime64[ns]"), "value": pd.Series(dtype=float)})


def workspace_of_metric(session: Session, metric: Metric) -> int:
    """The workspace a metric belongs to (through its objective and plan)."""
    row = session.exec(
        select(Plan.workspace_id)
        .join(Objective, Objective.plan_id == Plan.id)
        .where(Objective.id == metric.objective_id)
    ).one()
    return int(row)


def metric_account_ids(session: Session, metric: Metric) -> list[int]:
    """The accounts whose snapshots feed an account metric."""
    if metric.account_id is not None:
        return [metric.account_id]
    workspace_id = workspace_of_metric(session, metric)
    return list(
        session.exec(
            select(Account.id).where(
                Account.workspace_id == workspace_id,
                Account.kind == AccountKind.OWN,
                Account.removed_at.is_(None),  # type: ignore[union-attr]
            )
        )
    )


def _frame(rows: list, columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


def _read(session: Session, query: sa.Select, columns: list[str]) -> pd.DataFrame:
    """A query whose first column is a DATE as a frame, fetched in bulk (see scores.read_frame)."""
    from socialplan.scores import days_from_epoch, epoch_days, read_frame

    day, *rest = query.selected_columns
    dialect = session.get_bind().dialect.name
    frame = read_frame(session, query.with_only_columns(epoch_days(day, dialect), *rest), columns)
    frame["day"] = days_from_epoch(frame["day"])
    return frame


SNAPSHOT_SUM_COLUMNS = ["followers", "posts", "likes", "reposts", "replies", "quotes"]


def _daily_snapshot_sums(
    session: Session, account_ids: list[int], until: date | None
) -> pd.DataFrame:
    """Per day: followers (last known total per account, summed), posts and reactions."""
    if not account_ids:
        return pd.DataFrame()
    query = select(
        Snapshot.day,
        Snapshot.account_id,
        *(getattr(Snapshot, name) for name in SNAPSHOT_SUM_COLUMNS),
    ).where(Snapshot.account_id.in_(account_ids))  # type: ignore[attr-defined]
    if until is not None:
        query = query.where(Snapshot.day <= until)
    frame = _read(session, query, ["day", "account_id", *SNAPSHOT_SUM_COLUMNS])
    if frame.empty:
        return frame
    # Totals carry forward over gaps per account, so one account's missing day does not
    # make the combined follower count dip. (account_id, day) is unique: a plain pivot.
    followers = (
        frame.pivot(index="day", columns="account_id", values="followers")
        .sort_index()
        .ffill()
        .sum(axis=1, min_count=1)
    )
    activity = frame.groupby("day")[SNAPSHOT_SUM_COLUMNS[1:]].sum(min_count=1)
    daily = activity.join(followers.rename("followers"), how="outer").sort_index()
    full_range = pd.date_range(daily.index.min(), daily.index.max(), freq="D")
    return daily.reindex(full_range).rename_axis("day")


def _rolling_sum(values: pd.Series, days: int) -> pd.Series:
    """Sum over a trailing window of `days`: a full window, with at least one reported count.

    Days without a count inside the window add nothing, but a window in which the source
    never reported the count at all has no value rather than a misleading zero.
    """
    reported = values.notna().astype(float).rolling(days, min_periods=days).sum()
    return values.rolling(days, min_periods=1).sum().where(reported > 0)


def metric_series(
    session: Session,
    metric: Metric,
    *,
    until: date | None = None,
    shared: dict | None = None,
) -> pd.DataFrame:
    """The metric's actual values by day, oldest first: columns `day` (datetime) and `value`.

    `shared` is a dict the caller keeps for one read of several metrics (a dashboard): the
    daily sums of an account set are then read once, not once per metric of that set.
    """
    source = MetricSource(metric.source)
    if source is MetricSource.MANUAL:
        return _reading_series(session, metric, until)
    if source is MetricSource.INFLUENCE_SCORE:
        return _score_series(session, metric, until)
    account_ids = metric_account_ids(session, metric)
    key = (tuple(sorted(account_ids)), until)
    if shared is not None and key in shared:
        daily = shared[key]
    else:
        daily = _daily_snapshot_sums(session, account_ids, until)
        if shared is not None:
            shared[key] = daily
    if daily.empty:
        return empty_series()
    if source is MetricSource.FOLLOWERS:
        values = daily["followers"]
    elif source is MetricSource.POSTS_PER_WEEK:
        values = _rolling_sum(daily["posts"], POSTS_WINDOW_DAYS)
    else:
        values = engagement_rate(daily)
    series = values.dropna().rename("value").reset_index()
    series["value"] = series["value"].astype(float)
    return series[COLUMNS]


def engagement_rate(daily: pd.DataFrame) -> pd.Series:
    """Reactions per post as a percentage of followers, over the trailing 28 days."""
    reactions = daily[["likes", "reposts", "replies", "quotes"]].sum(axis=1, min_count=1)
    window_reactions = _rolling_sum(reactions, ENGAGEMENT_WINDOW_DAYS)
    window_posts = _rolling_sum(daily["posts"], ENGAGEMENT_WINDOW_DAYS)
    followers = daily["followers"].ffill()
    rate = 100 * window_reactions / (window_posts * followers)
    return rate.where((window_posts > 0) & (followers > 0))


def _reading_series(session: Session, metric: Metric, until: date | None) -> pd.DataFrame:
    query = select(Reading.day, Reading.value).where(Reading.metric_id == metric.id)
    if until is not None:
        query = query.where(Reading.day <= until)
    return _typed(_read(session, query.order_by(Reading.day), COLUMNS))


def _typed(series: pd.DataFrame) -> pd.DataFrame:
    series["value"] = series["value"].astype(float)
    return series


def _score_series(session: Session, metric: Metric, until: date | None) -> pd.DataFrame:
    if metric.account_id is not None:
        table: type[InfluenceScore] | type[BusinessScore] = InfluenceScore
        owner = InfluenceScore.account_id == metric.account_id
    else:
        table = BusinessScore
        owner = BusinessScore.workspace_id == workspace_of_metric(session, metric)
    query = select(table.day, table.score).where(owner)
    if until is not None:
        query = query.where(table.day <= until)
    return _typed(_read(session, query.order_by(table.day), COLUMNS))


def latest_actual(series: pd.DataFrame) -> float | None:
    """The newest value of a series, or None when it has none."""
    if series.empty:
        return None
    return float(series["value"].iloc[-1])
