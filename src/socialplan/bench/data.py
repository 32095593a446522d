"""The data-level figures of the benchmark (2–5 of issue 6), each against its floor.

Every figure is the median of repeated runs after a warm-up; a figure with a floor times
the floor in the same run and checks that both give the same answer (AssertionError if
not: a mismatch is a bug, in the app or in the floor).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from socialplan import accounts, imports, leaderboards, scores
from socialplan.access import Actor
from socialplan.bench import floors
from socialplan.bench.build import bulk_write
from socialplan.bench.results import Figure, Instance
from socialplan.dashboard import dashboard_panels
from socialplan.latest_scores import refresh_latest_scores
from socialplan.models import (
    Account,
    AccountKind,
    BusinessScore,
    InfluenceScore,
    LatestScore,
    Metric,
    MetricSource,
    Objective,
    Plan,
    PlanStatus,
    Reading,
    Snapshot,
    Workspace,
)
from socialplan.scoring import SCORE_COLUMNS

T = TypeVar("T")
MS = 1000.0
IMPORT_ROWS = {"small": 20_000, "full": 1_000_000}
IMPORT_SLUG = "bench-import"
IMPORT_METRICS = ("Leads", "Orders")
# What a new day's snapshot continues from the day before (and which counts the network has).
NEW_DAY_CARRIED = (
    "followers",
    "following",
    "posts_total",
    "reposts",
    "quotes",
    "bookmarks",
    "impressions",
)
SNAPSHOT_NUMBERS = (
    "followers",
    "following",
    "posts_total",
    "posts",
    "likes",
    "reposts",
    "replies",
    "quotes",
)


@dataclass(frozen=True)
class Repeats:
    """How often a figure runs: warm-ups (not counted), then timed runs (median kept)."""

    warmups: int
    runs: int


@dataclass(frozen=True)
class Timed:
    seconds: float
    runs: int
    result: Any


def timed(
    action: Callable[[], T], repeats: Repeats, before: Callable[[], None] | None = None
) -> Timed:
    """The median time of `action` over the timed runs; `before` runs untimed before each."""
    seconds = []
    result: Any = None
    for number in range(repeats.warmups + repeats.runs):
        if before is not None:
            before()
        started = time.perf_counter()
        result = action()
        elapsed = time.perf_counter() - started
        if number >= repeats.warmups:
            seconds.append(elapsed)
    return Timed(statistics.median(seconds), len(seconds), result)


def repeats_for(scale: str, heavy: bool = False) -> Repeats:
    """Light figures: 1 warm-up, 7 runs (3 at small scale). Heavy ones (a full recompute, the
    import) run twice at full scale after the build's own recompute warmed the caches."""
    if heavy:
        return Repeats(0, 2) if scale == "full" else Repeats(1, 2)
    return Repeats(1, 7) if scale == "full" else Repeats(1, 3)


# ---------------------------------------------------------------- context


@dataclass(frozen=True)
class Context:
    """What the figures need to know of the instance."""

    engine: Engine
    instance: Instance
    database: str
    workspace_id: int
    today: date
    last_day: date
    # Every figure's repeats, when set (tests run each once: they check answers, not times).
    repeats: Repeats | None = None

    def repeats_for(self, heavy: bool = False) -> Repeats:
        return self.repeats or repeats_for(self.instance.scale, heavy)


def context_for(
    engine: Engine, instance: Instance, database: str, repeats: Repeats | None = None
) -> Context:
    with Session(engine) as session:
        workspace_id = session.execute(
            sa.select(Workspace.id).where(Workspace.slug == instance.plan_workspace_slug)
        ).scalar_one()
        last_day = session.execute(sa.select(sa.func.max(Snapshot.day))).scalar_one()
    last_day = floors._as_date(last_day)
    return Context(
        engine, instance, database, int(workspace_id), last_day + timedelta(1), last_day, repeats
    )


def _ms(seconds: float) -> float:
    return round(seconds * MS, 2)


# ---------------------------------------------------------------- 2. leaderboard


def measure_leaderboard(context: Context, progress: Callable[[str], None]) -> list[Figure]:
    """The group board of the 1,000 entered accounts, and one account's instance percentile."""
    repeats = context.repeats_for()
    group_id = context.instance.peer_group_id

    def board() -> leaderboards.Board:
        with Session(context.engine) as session:
            return leaderboards.group_board(
                session=session,
                actor=Actor.local(),
                viewer_workspace_id=context.workspace_id,
                group_id=group_id,
                today=context.today,
            )

    def board_floor() -> dict[int, floors.FloorRow]:
        with context.engine.connect() as connection:
            return floors.floor_board(connection, group_id)

    ours, floor = timed(board, repeats), timed(board_floor, repeats)
    _check_board(ours.result, floor.result)
    progress(f"leaderboard: {_ms(ours.seconds)} ms, floor {_ms(floor.seconds)} ms")
    account_id = context.instance.sample_account_id

    def percentile() -> leaderboards.InstanceStanding:
        with Session(context.engine) as session:
            return leaderboards.instance_percentile(
                session=session, actor=Actor.local(), account_id=account_id
            )

    def percentile_floor() -> tuple[int, float | None, int]:
        with context.engine.connect() as connection:
            return floors.floor_instance_percentile(connection, account_id)

    standing, standing_floor = timed(percentile, repeats), timed(percentile_floor, repeats)
    got = (standing.result.score, standing.result.percentile, standing.result.population)
    if got != standing_floor.result:
        raise AssertionError(f"instance percentile {got} != floor {standing_floor.result}")
    progress(
        f"instance percentile: {_ms(standing.seconds)} ms, floor {_ms(standing_floor.seconds)}"
    )
    entered = len(ours.result.rows)
    return [
        Figure(
            key="leaderboard_group",
            label=f"Leaderboard of the {entered:,}-account peer group",
            database=context.database,
            value=_ms(ours.seconds),
            unit="ms",
            budget=100.0,
            floor=_ms(floor.seconds),
            ratio_budget=2.0,
            runs=ours.runs,
            note="leaderboards.group_board: ranks, percentiles, 30-day changes, sparklines",
        ),
        Figure(
            key="percentile_instance",
            label=f"Instance-wide percentile of one account (among {got[2]:,})",
            database=context.database,
            value=_ms(standing.seconds),
            unit="ms",
            budget=100.0,
            floor=_ms(standing_floor.seconds),
            ratio_budget=2.0,
            runs=standing.runs,
            note="leaderboards.instance_percentile; each profile counted once",
        ),
    ]


def _check_board(board: leaderboards.Board, floor: dict[int, floors.FloorRow]) -> None:
    ours = {
        row.account_id: floors.FloorRow(
            row.account_id, row.score, row.rank, row.percentile, row.change_30d, row.sparkline
        )
        for row in board.rows
    }
    if set(ours) != set(floor):
        raise AssertionError(
            f"leaderboard: {len(ours)} accounts, the floor has {len(floor)} "
            f"({len(set(ours) ^ set(floor))} differ)"
        )
    for account_id, row in ours.items():
        expected = floor[account_id]
        same_percentile = (row.percentile is None and expected.percentile is None) or (
            row.percentile is not None
            and expected.percentile is not None
            and abs(row.percentile - expected.percentile) < 1e-9
        )
        if replace_percentile(row) != replace_percentile(expected) or not same_percentile:
            raise AssertionError(f"leaderboard row of account {account_id}: {row} != {expected}")


def replace_percentile(row: floors.FloorRow) -> tuple:
    return (row.account_id, row.score, row.rank, row.change_30d, row.sparkline)


# ---------------------------------------------------------------- 3. dashboard


def measure_dashboard(context: Context, progress: Callable[[str], None]) -> list[Figure]:
    """The Dashboard's data: every metric's series, chart points, projection and status."""
    repeats = context.repeats_for()
    plan_id = context.instance.plan_id

    def ours() -> list:
        with Session(context.engine) as session:
            return dashboard_panels(
                session=session, actor=Actor.local(), plan_id=plan_id, today=context.today
            )

    def floor() -> dict[int, floors.FloorMetric]:
        with context.engine.connect() as connection:
            return floors.floor_dashboard(connection, plan_id, context.workspace_id, context.today)

    panels, floor_panels = timed(ours, repeats), timed(floor, repeats)
    _check_dashboard(panels.result, floor_panels.result)
    progress(f"dashboard: {_ms(panels.seconds)} ms, floor {_ms(floor_panels.seconds)} ms")
    points = sum(len(panel.score.series) for panel in panels.result)
    return [
        Figure(
            key="dashboard_data",
            label=f"Dashboard data, {len(panels.result)} metrics ({points:,} daily points)",
            database=context.database,
            value=_ms(panels.seconds),
            unit="ms",
            floor=_ms(floor_panels.seconds),
            ratio_budget=2.0,
            runs=panels.runs,
            note="dashboard.dashboard_panels: series, status, chart points, projection",
        )
    ]


def _check_dashboard(panels: list, floor: dict[int, floors.FloorMetric]) -> None:
    if {panel.metric.id for panel in panels} != set(floor):
        raise AssertionError("dashboard: the metrics differ from the floor's")
    for panel in panels:
        expected = floor[panel.metric.id]
        what = f"dashboard metric {panel.metric.name!r}"
        floors.assert_same_series(panel.score.series, expected.series, what)
        floors.assert_same_series(panel.series, expected.chart, f"{what} (chart)")
        if str(panel.status) != expected.status:
            raise AssertionError(f"{what}: status {panel.status} != floor {expected.status}")


# ---------------------------------------------------------------- 4. score recompute


def _clear_scores(engine: Engine, since: date | None = None) -> None:
    with engine.begin() as connection:
        for table in (InfluenceScore, BusinessScore):
            statement = sa.delete(table)
            if since is not None:
                statement = statement.where(table.day >= since)
            connection.execute(statement)


def _own_map(engine: Engine) -> dict[int, int]:
    with Session(engine) as session:
        return scores._own_account_workspaces(session, None)


def _stored(engine: Engine, table: type, key: str, since: date | None = None) -> pd.DataFrame:
    with Session(engine) as session:
        frame = scores._stored_scores(session, table, key, sa.true(), since)
    return frame.drop(columns="id").rename(columns={key: "account_id"})[SCORE_COLUMNS]


def measure_recompute(context: Context, progress: Callable[[str], None]) -> list[Figure]:
    """A recompute of every score from nothing, and of one new day for every account."""
    return [_recompute_all(context, progress), _recompute_new_day(context, progress)]


def _recompute_all(context: Context, progress: Callable[[str], None]) -> Figure:
    engine = context.engine

    def recompute() -> scores.RecomputeSummary:
        with Session(engine) as session:
            return scores.recompute_scores(session=session)

    ours = timed(recompute, context.repeats_for(heavy=True), lambda: _clear_scores(engine))
    with Session(engine) as session:
        daily = scores._read_daily(session, None, None)
    own = _own_map(engine)
    floor = timed(lambda: floors.floor_scores(daily, own), context.repeats_for())
    floors.assert_same_scores(
        _stored(engine, InfluenceScore, "account_id"), floor.result[0], "account scores"
    )
    floors.assert_same_scores(
        _stored(engine, BusinessScore, "workspace_id"), floor.result[1], "business scores"
    )
    summary = ours.result
    progress(f"recompute all: {ours.seconds:.1f} s, floor {floor.seconds:.1f} s")
    return Figure(
        key="recompute_all",
        label=(
            f"Score recompute from scratch ({summary.account_scores:,} account and "
            f"{summary.business_scores:,} business scores)"
        ),
        database=context.database,
        value=round(ours.seconds, 3),
        unit="s",
        budget=60.0,
        floor=round(floor.seconds, 3),
        runs=ours.runs,
        note="scores.recompute_scores: read, compute, write; floor: numpy over the frame in memory",
    )


def _new_day_snapshots(engine: Engine, day: date, seed: int) -> int:
    """Every account's numbers for `day`, continuing its last day's (written once, untimed)."""
    with Session(engine) as session:
        last = pd.DataFrame(
            session.execute(
                sa.select(
                    Snapshot.account_id, *(getattr(Snapshot, name) for name in NEW_DAY_CARRIED)
                ).where(Snapshot.day == day - timedelta(days=1))
            ).all(),
            columns=["account_id", *NEW_DAY_CARRIED],
        )
        rng = np.random.default_rng(seed)
        count = len(last)
        posts = rng.poisson(0.6, count)
        noise = rng.lognormal(0, 0.3, count)
        likes = pd.Series(np.rint(posts * last["followers"].to_numpy() * 0.02 * noise))
        frame = pd.DataFrame(
            {
                "account_id": last["account_id"],
                "day": pd.Timestamp(day),
                "followers": last["followers"] + rng.integers(0, 5, count),
                "following": last["following"],
                "posts_total": last["posts_total"] + posts,
                "posts": posts,
                "likes": likes.astype(np.int64).to_numpy(),
                "reposts": (likes * 0.1).round().where(last["reposts"].notna()).astype("Int64"),
                "replies": (likes * 0.08).round().astype(np.int64).to_numpy(),
                "quotes": (likes * 0.02).round().where(last["quotes"].notna()).astype("Int64"),
                "bookmarks": last["bookmarks"].astype("Int64"),
                "impressions": last["impressions"].astype("Int64"),
                "source": "sync",
                "updated_at": pd.Timestamp(day) + pd.Timedelta(hours=23),
            }
        )
        bulk_write(session, "snapshot", frame)
        session.commit()
    return count


def _recompute_new_day(context: Context, progress: Callable[[str], None]) -> Figure:
    engine, day = context.engine, context.today
    accounts_written = _new_day_snapshots(engine, day, seed=int(day.toordinal()))
    try:

        def recompute() -> scores.RecomputeSummary:
            with Session(engine) as session:
                return scores.recompute_scores(session=session, since=day)

        ours = timed(recompute, context.repeats_for(), lambda: _clear_scores(engine, day))
        with Session(engine) as session:
            daily = scores._read_daily(session, None, day)
        own = _own_map(engine)
        floor = timed(lambda: floors.floor_scores(daily, own, day), context.repeats_for())
        floors.assert_same_scores(
            _stored(engine, InfluenceScore, "account_id", day),
            floor.result[0],
            "new day's account scores",
        )
        floors.assert_same_scores(
            _stored(engine, BusinessScore, "workspace_id", day),
            floor.result[1],
            "new day's business scores",
        )
    finally:
        _clear_scores(engine, day)
        with engine.begin() as connection:
            connection.execute(sa.delete(Snapshot).where(Snapshot.day >= day))
        # The scores were deleted behind the recompute's back: the newest ones go back a day.
        with Session(engine) as session:
            refresh_latest_scores(session)
            session.commit()
    progress(f"recompute one day: {ours.seconds:.2f} s, floor {floor.seconds:.3f} s")
    return Figure(
        key="recompute_day",
        label=f"Score recompute of one new day for all {accounts_written:,} accounts",
        database=context.database,
        value=round(ours.seconds, 3),
        unit="s",
        budget=2.0,
        floor=round(floor.seconds, 3),
        runs=ours.runs,
        note="recompute_scores(since=the new day); floor: numpy windows over the same frame",
    )


# ---------------------------------------------------------------- 5. import


def long_csv(rows: int, last_day: date) -> bytes:
    """A long-format export (date,metric,value) of `rows` rows ending on `last_day`: eight
    account numbers and two business metrics per day, going back as many days as it takes."""
    names = [*SNAPSHOT_NUMBERS, *IMPORT_METRICS]
    days = -(-rows // len(names))
    rng = np.random.default_rng(rows)
    day_text = pd.date_range(end=last_day, periods=days, freq="D").strftime("%Y-%m-%d")
    posts = rng.poisson(0.7, days)
    followers = np.maximum(1, np.rint(1200 * np.exp(np.cumsum(rng.normal(0.00002, 0.003, days)))))
    likes = np.rint(posts * followers * 0.02 * rng.lognormal(0, 0.3, days))
    values = {
        "followers": followers,
        "following": np.rint(followers * 0.1 + 80),
        "posts_total": 100 + np.cumsum(posts),
        "posts": posts,
        "likes": likes,
        "reposts": np.rint(likes * 0.1),
        "replies": np.rint(likes * 0.08),
        "quotes": np.rint(likes * 0.02),
        "Leads": rng.poisson(3, days),
        "Orders": rng.poisson(12, days),
    }
    frame = pd.DataFrame(
        {
            "date": np.repeat(day_text.to_numpy(), len(names)),
            "metric": np.tile(names, days),
            "value": np.column_stack([values[name] for name in names]).astype(np.int64).ravel(),
        }
    ).iloc[:rows]
    return frame.to_csv(index=False).encode()


def _import_target(engine: Engine, today: date) -> tuple[int, int, str]:
    """A workspace with one own account and a plan whose hand-entered metrics the file names."""
    with Session(engine, expire_on_commit=False) as session:
        existing = session.execute(
            sa.select(Workspace.id).where(Workspace.slug == IMPORT_SLUG)
        ).scalar_one_or_none()
        if existing is None:
            workspace = Workspace(name="Import Test Shop", slug=IMPORT_SLUG)
            session.add(workspace)
            session.flush()
            account = Account(
                workspace_id=workspace.id, network="x", handle="importshop", kind=AccountKind.OWN
            )
            plan = Plan(
                workspace_id=workspace.id, name="Import plan", status=PlanStatus.ACTIVE,
                period_start=today - timedelta(days=90), period_end=today + timedelta(days=90),
            )  # fmt: skip
            session.add_all([account, plan])
            session.flush()
            objective = Objective(plan_id=plan.id, title="Sell more")
            session.add(objective)
            session.flush()
            session.add_all(
                Metric(
                    objective_id=objective.id,
                    name=name,
                    source=MetricSource.MANUAL,
                    baseline=1.0,
                    target=2.0,
                    target_date=plan.period_end,
                    position=position,
                )  # fmt: skip
                for position, name in enumerate(IMPORT_METRICS)
            )
            session.commit()
            existing = workspace.id
        account_id = session.execute(
            sa.select(Account.id).where(Account.workspace_id == existing)
        ).scalar_one()
    return int(existing), int(account_id), "importshop"


def _forget_import(engine: Engine, workspace_id: int, account_id: int) -> None:
    with engine.begin() as connection:
        connection.execute(sa.delete(Snapshot).where(Snapshot.account_id == account_id))
        connection.execute(sa.delete(InfluenceScore).where(InfluenceScore.account_id == account_id))
        connection.execute(sa.delete(LatestScore).where(LatestScore.account_id == account_id))
        connection.execute(
            sa.delete(BusinessScore).where(BusinessScore.workspace_id == workspace_id)
        )
        metric_ids = (
            sa.select(Metric.id)
            .join(Objective, Objective.id == Metric.objective_id)
            .join(Plan, Plan.id == Objective.plan_id)
            .where(Plan.workspace_id == workspace_id)
        )
        connection.execute(sa.delete(Reading).where(Reading.metric_id.in_(metric_ids)))


def measure_import(context: Context, progress: Callable[[str], None]) -> list[Figure]:
    """`socialplan import` of a long-format file: read, check, preview, store, rescore."""
    rows = IMPORT_ROWS[context.instance.scale]
    data = long_csv(rows, context.last_day)
    workspace_id, account_id, _ = _import_target(context.engine, context.today)
    if len(data) > imports.MAX_BYTES:
        raise AssertionError(
            f"the {len(data) / 2**20:.1f} MiB file is over the {imports.MAX_BYTES // 2**20} MiB"
            " upload cap: a user could not import it"
        )
    note = "read_import + preview + accounts.store_account_import (with its score recompute)"

    def run_import() -> imports.ImportResult:
        parsed = imports.read_import(data, filename="bench.csv", format="long")
        imports.preview(parsed)
        with Session(context.engine) as session:
            return accounts.store_account_import(
                session=session, actor=Actor.local(), workspace_id=workspace_id,
                account_id=account_id, parsed=parsed,
            )  # fmt: skip

    result = timed(
        run_import,
        context.repeats_for(heavy=True),
        lambda: _forget_import(context.engine, workspace_id, account_id),
    )
    stored = result.result
    expected_days = -(-rows // (len(SNAPSHOT_NUMBERS) + len(IMPORT_METRICS)))
    if stored.snapshots_added != expected_days:
        raise AssertionError(f"import stored {stored.snapshots_added} days, not {expected_days}")
    _forget_import(context.engine, workspace_id, account_id)
    progress(f"import of {rows:,} rows: {result.seconds:.1f} s")
    return [
        Figure(
            key="import_long_csv",
            label=f"Import of a {rows:,}-row long-format CSV ({len(data) / 2**20:.1f} MiB)",
            database=context.database,
            value=round(result.seconds, 3),
            unit="s",
            budget=15.0,
            runs=result.runs,
            note=note,
        )
    ]


# ---------------------------------------------------------------- all of them


MEASURES: tuple[Callable[[Context, Callable[[str], None]], list[Figure]], ...] = (
    measure_leaderboard,
    measure_dashboard,
)
WRITING_MEASURES: tuple[Callable[[Context, Callable[[str], None]], list[Figure]], ...] = (
    measure_recompute,
    measure_import,
)
