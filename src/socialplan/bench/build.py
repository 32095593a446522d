"""The benchmark's synthetic instance: many businesses with years of daily numbers.

`build_instance(engine, "full")` writes 10,000 accounts in 500 workspaces with two years of
daily snapshots each (about 7.3 million rows), a peer group of 1,000 entered accounts and
one business with an active 20-metric plan, its readings and 12 reviews; then computes
every influence score with the product's own recompute. `"small"` is the same shape, scaled
down to build in a few seconds (tests and CI).

Every number comes from a seeded generator, so a seed and an end day give the same
instance. Accounts span four orders of magnitude (tens to millions of followers) and behave
like real ones: audiences grow with noise and more on posting days, posting follows a weekly
rhythm, some accounts are new or go quiet, and each network reports only the counts it has.
Snapshots are written in bulk (COPY on PostgreSQL, big executemany transactions on SQLite);
the smaller tables go through SQLAlchemy Core.
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from socialplan.bench.results import Instance
from socialplan.imports.formats import SNAPSHOT_FIELDS
from socialplan.models import (
    Account,
    AccountKind,
    Cadence,
    DataSource,
    Direction,
    Metric,
    MetricSource,
    MetricStatus,
    Network,
    Objective,
    ObjectiveCategory,
    PeerGroup,
    PeerGroupEntry,
    PeerGroupMember,
    Person,
    Plan,
    PlanStatus,
    Priority,
    RaciRole,
    Responsibility,
    Review,
    ReviewCadence,
    ReviewItem,
    Task,
    Workspace,
)
from socialplan.scores import recompute_scores
from socialplan.series import metric_series
from socialplan.status import evaluate

DEFAULT_SEED = 20_261_126
GROUP_CODE = "BENCH001"  # outside the random codes' alphabet (0, 1), so never reissued
PLAN_SLUG = "bench-0001"
DAY_INDEX = "ix_snapshot_day"  # as migration 0003 names it
SNAPSHOT_COLUMNS = ["account_id", "day", *SNAPSHOT_FIELDS, "source", "updated_at"]
# network -> which counts it gives (reposts, quotes, bookmarks, impressions); as in demo.py.
NETWORK_COUNTS = {
    Network.INSTAGRAM: (False, False, True, True),
    Network.FACEBOOK: (True, False, False, True),
    Network.X: (True, True, True, True),
    Network.BLUESKY: (True, True, False, False),
    Network.MASTODON: (True, False, False, False),
    Network.LINKEDIN: (True, False, False, True),
}
NETWORKS = tuple(NETWORK_COUNTS)
NETWORK_SHARES = (0.34, 0.22, 0.14, 0.12, 0.08, 0.10)
# Rows per bulk write: big enough to amortise each round trip, small enough for memory.
ACCOUNTS_PER_CHUNK = 1_000
WORDS = (
    "Harbour Maple Cedar Lantern Copper Juniper Willow Granite Saffron Thistle Marigold "
    "Orchard Beacon Meadow Summit Riverside Hollow Kestrel Pebble Ember Atlas Quill Fern "
    "Linden Oak Birch Heron Sparrow Bramble Clover"
).split()
TRADES = (
    "Bakery Coffee Florist Books Hardware Yoga Barbers Pizzeria Tailors Grocer Records Gym "
    "Dental Studio Deli Cinema Physio Salon Garden Travel Optics Tattoo Bikes Kitchen"
).split()


@dataclass(frozen=True)
class Scale:
    """How big an instance is; `full` is the size the budgets of issue 6 are set for."""

    accounts: int
    workspaces: int
    days: int
    group_accounts: int
    plan_metrics: int
    reviews: int
    # A quarter of the competitor accounts follow one of this many well-known profiles, so
    # the instance-wide percentile has duplicates to count once.
    shared_competitors: int


SCALES = {
    "small": Scale(200, 20, 120, 60, 20, 12, 10),
    "full": Scale(10_000, 500, 730, 1_000, 20, 12, 300),
}


@dataclass(frozen=True)
class Layout:
    """Which account belongs where: filled in as rows get their database ids."""

    workspace_ids: list[int]
    account_ids: np.ndarray
    account_workspace: np.ndarray  # position in workspace_ids per account
    account_kind_own: np.ndarray
    account_network: np.ndarray  # index into NETWORKS


Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    """The default progress callback: say nothing."""


# ---------------------------------------------------------------- entry point


def build_instance(
    engine: Engine,
    scale: str = "small",
    *,
    seed: int = DEFAULT_SEED,
    end_day: date | None = None,
    progress: Progress = _quiet,
) -> Instance:
    """Write the synthetic instance into a migrated, empty database; what was built.

    The numbers run up to `end_day` (default: yesterday, so "a new day" is today).
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {sorted(SCALES)}, not {scale!r}")
    size = SCALES[scale]
    last = end_day or date.today() - timedelta(days=1)
    first = last - timedelta(days=size.days - 1)
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        _fast_sqlite_writes(session)
        layout = _add_workspaces_and_accounts(session, size, rng)
        session.commit()
        progress(f"{size.workspaces:,} workspaces and {size.accounts:,} accounts written")
        with _day_index_built_after(session, progress):
            snapshots = _add_snapshots(session, layout, first, size.days, rng, progress)
        session.commit()
        group_id = _add_peer_group(session, layout, size, first)
        plan_id, sample_account = _add_plan(session, layout, size, first, last, rng)
        session.commit()
        progress("peer group, plan, metrics, readings and reviews written")
        scoring_started = time.perf_counter()
        recompute_scores(session=session)
        progress(f"influence scores computed in {time.perf_counter() - scoring_started:.1f} s")
        _add_review_items(session, plan_id, last)
        session.commit()
        counts = table_counts(session)
    _analyse(engine)
    return Instance(
        database_url=engine.url.render_as_string(hide_password=False),
        scale=scale,
        accounts=size.accounts,
        workspaces=size.workspaces,
        snapshots=snapshots,
        days=size.days,
        plan_workspace_slug=PLAN_SLUG,
        plan_id=plan_id,
        peer_group_id=group_id,
        sample_account_id=sample_account,
        build_seconds=time.perf_counter() - started,
        counts=counts,
    )


def table_counts(session: Session) -> dict[str, int]:
    """Rows per table of the instance, for the result file."""
    tables = [
        "workspace",
        "account",
        "snapshot",
        "influence_score",
        "business_score",
        "peer_group_entry",
        "metric",
        "reading",
        "review",
        "review_item",
    ]
    return {
        name: int(session.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar_one())
        for name in tables
    }


def _fast_sqlite_writes(session: Session) -> None:
    """A throwaway build need not survive a power cut: skip SQLite's fsyncs while it runs,
    and give it a page cache big enough for the snapshot indexes (the default is 2 MB)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(sa.text("PRAGMA synchronous=OFF"))
        session.execute(sa.text("PRAGMA cache_size=-400000"))


@contextmanager
def _day_index_built_after(session: Session, progress: Progress) -> Iterator[None]:
    """Load the snapshots without their day index, then build it once, as bulk loads do.

    Rows arrive account by account, so keeping an index by day up to date row by row
    writes all over it; sorting once at the end is several times faster. The unique
    (account_id, day) index stays: the load must still refuse duplicates.
    """
    session.execute(sa.text(f"DROP INDEX {DAY_INDEX}"))
    yield
    started = time.perf_counter()
    session.execute(sa.text(f"CREATE INDEX {DAY_INDEX} ON snapshot (day)"))
    progress(f"snapshot day index built in {time.perf_counter() - started:.1f} s")


def _analyse(engine: Engine) -> None:
    """Fresh planner statistics, as a live instance would have them after autovacuum."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        else:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()


def at(day: date, hour: int = 9) -> datetime:
    """A fixed UTC time on `day`, so timestamps are as deterministic as the numbers."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


# ---------------------------------------------------------------- workspaces and accounts


def _business_name(number: int) -> str:
    word = WORDS[number % len(WORDS)]
    trade = TRADES[(number // len(WORDS)) % len(TRADES)]
    return f"{word} {trade} {number:04d}"


def _handle(name: str, network: Network, suffix: str) -> str:
    base = "".join(ch for ch in name.lower() if ch.isalnum())
    if network is Network.BLUESKY:
        return f"{base}{suffix}.bsky.social"
    if network is Network.MASTODON:
        return f"{base}{suffix}@mastodon.social"
    return f"{base}{suffix}"


def _add_workspaces_and_accounts(session: Session, size: Scale, rng: np.random.Generator) -> Layout:
    """The workspaces, each with 2-8 own accounts and competitors making up the rest."""
    created = at(date(2024, 1, 1))
    connection = session.connection()
    names = [_business_name(number) for number in range(1, size.workspaces + 1)]
    connection.execute(
        sa.insert(Workspace),
        [
            {"name": name, "slug": f"bench-{number:04d}", "version": 1, "created_at": created}
            for number, name in enumerate(names, start=1)
        ],
    )
    workspace_ids = [
        int(row_id)
        for row_id in connection.execute(
            sa.select(Workspace.id).where(Workspace.slug.like("bench-%")).order_by(Workspace.id)
        ).scalars()
    ]
    per_workspace = size.accounts // size.workspaces
    own_counts = rng.integers(2, min(8, per_workspace) + 1, size.workspaces)
    own_counts[0] = 5  # the plan's business: five own accounts feed its metrics
    rows: list[dict] = []
    positions, own_flags, network_indexes = [], [], []
    famous = [f"{WORDS[i % len(WORDS)].lower()}brand{i}" for i in range(size.shared_competitors)]
    for position, (workspace_id, name) in enumerate(zip(workspace_ids, names, strict=True)):
        networks = rng.choice(len(NETWORKS), per_workspace, p=NETWORK_SHARES)
        for slot in range(per_workspace):
            network = NETWORKS[int(networks[slot])]
            own = slot < own_counts[position]
            if own:
                handle = _handle(name, network, "" if slot == 0 else str(slot))
            elif rng.random() < 0.25:
                handle = _handle(famous[int(rng.integers(len(famous)))], network, "")
            else:
                handle = _handle(f"rival{position}x{slot}", network, "")
            rows.append(
                {
                    "workspace_id": workspace_id,
                    "network": network.value,
                    "handle": handle,
                    "display_name": name if own else handle.split("@")[0].split(".")[0],
                    "kind": (AccountKind.OWN if own else AccountKind.COMPETITOR).value,
                    "version": 1,
                    "created_at": created,
                }
            )
            positions.append(position)
            own_flags.append(own)
            network_indexes.append(int(networks[slot]))
    _dedupe_handles(rows)
    connection.execute(sa.insert(Account), rows)
    account_ids = np.array(
        connection.execute(sa.select(Account.id).order_by(Account.id)).scalars().all(),
        dtype=np.int64,
    )
    return Layout(
        workspace_ids=workspace_ids,
        account_ids=account_ids,
        account_workspace=np.array(positions),
        account_kind_own=np.array(own_flags),
        account_network=np.array(network_indexes),
    )


def _dedupe_handles(rows: list[dict]) -> None:
    """A workspace follows a profile once: a second draw of the same one gets a suffix."""
    seen: set[tuple] = set()
    for row in rows:
        key = (row["workspace_id"], row["network"], row["handle"])
        while key in seen:
            row["handle"] = f"{row['handle']}_"
            key = (row["workspace_id"], row["network"], row["handle"])
        seen.add(key)


# ---------------------------------------------------------------- snapshots


@dataclass(frozen=True)
class Profiles:
    """How each account of a chunk behaves, one array entry per account."""

    start_followers: np.ndarray
    yearly_growth: np.ndarray
    posts_per_week: np.ndarray
    like_rate: np.ndarray
    first_day: np.ndarray
    quiet_from: np.ndarray


def _profiles(rng: np.random.Generator, count: int, days: int) -> Profiles:
    """Sizes from tens to millions of followers; most steady, some new, some gone quiet."""
    new = rng.random(count) < 0.08
    quiet = rng.random(count) < 0.06
    return Profiles(
        start_followers=10 ** rng.uniform(1.3, 6.3, count),
        yearly_growth=rng.choice([-0.1, 0.0, 0.08, 0.2, 0.45, 0.9, 1.6], count),
        posts_per_week=rng.choice([0.5, 1, 2, 3, 4, 6, 9, 14], count)
        * rng.lognormal(0, 0.2, count),
        like_rate=np.clip(rng.lognormal(np.log(0.018), 0.6, count), 0.003, 0.09),
        first_day=np.where(new, rng.integers(0, max(days // 2, 1), count), 0),
        quiet_from=np.where(quiet, rng.integers(max(days // 3, 1), days, count), days),
    )


def _daily_numbers(
    profiles: Profiles, weekdays: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Every count of every account and day of a chunk, as (accounts, days) arrays."""
    count, days = len(profiles.start_followers), len(weekdays)
    index = np.arange(days)
    rate = profiles.posts_per_week[:, None] / 7 * np.where(weekdays >= 5, 1.4, 0.85)[None, :]
    rate = np.where(index[None, :] >= profiles.quiet_from[:, None], 0.0, rate)
    posts = rng.poisson(rate)
    daily_growth = np.log1p(profiles.yearly_growth)[:, None] / 365
    # Posting days bring followers; quiet days lose a few, as real audiences do.
    drift = np.where(posts > 0, daily_growth * 1.6, daily_growth * 0.7 - 0.0002)
    steps = rng.normal(drift, 0.002)
    followers = np.maximum(
        1, np.rint(profiles.start_followers[:, None] * np.exp(np.cumsum(steps, axis=1)))
    )
    noise = rng.lognormal(0, 0.35, (count, days))
    likes = np.rint(posts * followers * profiles.like_rate[:, None] * noise)
    return {
        "followers": followers,
        "following": np.rint(
            followers * 0.05 + 40 + np.cumsum(rng.random((count, days)) < 0.05, 1)
        ),
        "posts_total": 40 + np.cumsum(posts, axis=1),
        "posts": posts,
        "likes": likes,
        "reposts": np.rint(likes * 0.1 * rng.lognormal(0, 0.4, (count, days))),
        "replies": np.rint(likes * 0.08 * rng.lognormal(0, 0.4, (count, days))),
        "quotes": np.rint(likes * 0.02 * rng.lognormal(0, 0.5, (count, days))),
        "bookmarks": np.rint(likes * 0.04 * rng.lognormal(0, 0.4, (count, days))),
        "impressions": np.rint(followers * (0.02 + posts * 0.35 * noise)),
    }


def _snapshot_frame(
    account_ids: np.ndarray,
    networks: np.ndarray,
    first: date,
    days: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """One chunk of accounts' snapshots as a frame of SNAPSHOT_COLUMNS (nullable counts)."""
    day_values = pd.date_range(first, periods=days, freq="D")
    profiles = _profiles(rng, len(account_ids), days)
    numbers = _daily_numbers(profiles, day_values.day_of_week.to_numpy(), rng)
    present = np.arange(days)[None, :] >= profiles.first_day[:, None]
    rows = present.ravel()
    frame = pd.DataFrame(
        {
            "account_id": np.repeat(account_ids, days)[rows],
            "day": np.tile(day_values.to_numpy(), len(account_ids))[rows],
        }
    )
    gives = np.array([NETWORK_COUNTS[NETWORKS[n]] for n in networks])  # (accounts, 4)
    optional = {"reposts": 0, "quotes": 1, "bookmarks": 2, "impressions": 3}
    for name, values in numbers.items():
        column = pd.array(values.ravel()[rows].astype(np.int64), dtype="Int64")
        if name in optional:
            given = np.repeat(gives[:, optional[name]], days)[rows]
            column[~given] = pd.NA
        frame[name] = column
    frame["source"] = DataSource.SYNC.value
    frame["updated_at"] = frame["day"] + pd.Timedelta(hours=23)
    return frame


def _add_snapshots(
    session: Session,
    layout: Layout,
    first: date,
    days: int,
    rng: np.random.Generator,
    progress: Progress,
) -> int:
    """Every account's daily snapshots, chunk by chunk; the number of rows written."""
    written = 0
    total = len(layout.account_ids)
    for start in range(0, total, ACCOUNTS_PER_CHUNK):
        stop = min(start + ACCOUNTS_PER_CHUNK, total)
        frame = _snapshot_frame(
            layout.account_ids[start:stop], layout.account_network[start:stop], first, days, rng
        )
        bulk_write(session, "snapshot", frame)
        written += len(frame)
        if stop < total:
            progress(f"snapshots: {stop:,} of {total:,} accounts ({written:,} rows)")
    progress(f"snapshots: {written:,} rows written")
    return written


# ---------------------------------------------------------------- bulk writing


def bulk_write(session: Session, table: str, frame: pd.DataFrame) -> None:
    """Append `frame` (columns named as the table's) in the session's transaction, fast.

    PostgreSQL: COPY from CSV text. SQLite: one executemany of plain tuples. Missing values
    (NaN, NA, None) become NULL.
    """
    if frame.empty:
        return
    if session.get_bind().dialect.name == "postgresql":
        _copy_into(session, table, frame)
    else:
        _executemany_into(session, table, frame)


def _copy_into(session: Session, table: str, frame: pd.DataFrame) -> None:
    columns = ", ".join(frame.columns)
    driver = session.connection().connection.driver_connection
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as copy:
            for chunk in _csv_chunks(frame):
                copy.write(chunk)


def _csv_chunks(frame: pd.DataFrame, rows: int = 250_000) -> Iterator[bytes]:
    """The frame as CSV without a header (empty field = NULL), a slice at a time.

    pyarrow (which Streamlit already depends on) writes CSV several times faster than
    pandas' `to_csv`, which would dominate the build.
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    # Strings are quoted, so an empty note stays an empty string; an empty field is NULL.
    options = pa_csv.WriteOptions(include_header=False)
    text = _dates_as_text(frame)
    for start in range(0, len(text), rows):
        buffer = io.BytesIO()
        table = pa.Table.from_pandas(text.iloc[start : start + rows], preserve_index=False)
        pa_csv.write_csv(table, buffer, options)
        yield buffer.getvalue()


def _executemany_into(session: Session, table: str, frame: pd.DataFrame) -> None:
    columns = ", ".join(frame.columns)
    marks = ", ".join("?" for _ in frame.columns)
    cursor = session.connection().connection.cursor()
    cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", _plain_rows(frame))
    cursor.close()


def _plain_rows(frame: pd.DataFrame) -> Iterator[tuple]:
    """Rows of Python values SQLite binds directly: ints, floats, text dates, None."""
    text = _dates_as_text(frame)
    return zip(*(_python_values(text[name]) for name in text.columns), strict=True)


def _python_values(series: pd.Series) -> list:
    """The column as a list of Python values, None where missing.

    Through numpy's `tolist` (C speed), patching only the missing entries: going through
    object arrays costs seconds per million rows.
    """
    missing = series.isna().to_numpy()
    if not pd.api.types.is_numeric_dtype(series.dtype) or not missing.any():
        values = series.tolist()
    else:
        plain = getattr(series.dtype, "numpy_dtype", series.dtype)
        values = series.to_numpy(dtype=plain, na_value=0).tolist()
    for index in np.flatnonzero(missing).tolist():
        values[index] = None
    return values


def _dates_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Datetime columns as the text SQLAlchemy writes: YYYY-MM-DD, or with the time of day.

    Formatted once per distinct value: a column of 7 million dates holds only 730.
    """
    text = frame.copy(deep=False)
    for name in frame.columns:
        series = frame[name]
        if not pd.api.types.is_datetime64_any_dtype(series):
            continue
        codes, uniques = pd.factorize(series)
        has_time = bool((uniques.normalize() != uniques).any())
        style = "%Y-%m-%d %H:%M:%S.%f" if has_time else "%Y-%m-%d"
        text[name] = np.asarray(uniques.strftime(style), dtype=object)[codes]
    return text


# ---------------------------------------------------------------- the peer group


def _add_peer_group(session: Session, layout: Layout, size: Scale, first: date) -> int:
    """A franchise-wide group: member businesses enter their own accounts, 1,000 in all."""
    connection = session.connection()
    group_id = connection.execute(
        sa.insert(PeerGroup).returning(PeerGroup.id),
        {
            "name": "Harbour Franchise",
            "description": "Every shop of the franchise comparing notes.",
            "invite_code": GROUP_CODE,
            "owner_workspace_id": layout.workspace_ids[0],
            "created_at": at(first),
        },
    ).scalar_one()
    entries: list[int] = []
    members: list[int] = []
    for position, workspace_id in enumerate(layout.workspace_ids):
        if len(entries) >= size.group_accounts:
            break
        own = layout.account_ids[(layout.account_workspace == position) & layout.account_kind_own]
        members.append(workspace_id)
        entries.extend(int(a) for a in own[: size.group_accounts - len(entries)])
    joined = at(first + timedelta(days=1))
    connection.execute(
        sa.insert(PeerGroupMember),
        [
            {"group_id": group_id, "workspace_id": w, "share_progress": False, "joined_at": joined}
            for w in members
        ],
    )
    connection.execute(
        sa.insert(PeerGroupEntry),
        [{"group_id": group_id, "account_id": a, "created_at": joined} for a in entries],
    )
    return int(group_id)


# ---------------------------------------------------------------- the plan


# (objective, metric name, source, which own account: None = all combined)
PLAN_METRICS = (
    ("Be known on Main Street", "Followers, all our accounts", MetricSource.FOLLOWERS, None),
    ("Be known on Main Street", "Instagram followers", MetricSource.FOLLOWERS, 0),
    ("Be known on Main Street", "Followers of our second account", MetricSource.FOLLOWERS, 1),
    ("Be known on Main Street", "Our influence score", MetricSource.INFLUENCE_SCORE, None),
    ("Post with a rhythm", "Posts per week", MetricSource.POSTS_PER_WEEK, None),
    ("Post with a rhythm", "Posts per week, main account", MetricSource.POSTS_PER_WEEK, 0),
    ("Post with a rhythm", "Influence score, main account", MetricSource.INFLUENCE_SCORE, 0),
    ("Post with a rhythm", "Influence score, second account", MetricSource.INFLUENCE_SCORE, 1),
    ("Start conversations", "Engagement rate", MetricSource.ENGAGEMENT_RATE, None),
    ("Start conversations", "Engagement rate, main account", MetricSource.ENGAGEMENT_RATE, 0),
    ("Start conversations", "Engagement rate, third account", MetricSource.ENGAGEMENT_RATE, 2),
    ("Start conversations", "Influence score, third account", MetricSource.INFLUENCE_SCORE, 2),
    ("Bring in orders", "Orders", MetricSource.MANUAL, None),
    ("Bring in orders", "Online orders", MetricSource.MANUAL, None),
    ("Bring in orders", "Leads", MetricSource.MANUAL, None),
    ("Bring in orders", "Newsletter sign-ups", MetricSource.MANUAL, None),
    ("Hire and keep staff", "Job applications", MetricSource.MANUAL, None),
    ("Hire and keep staff", "Reviews received", MetricSource.MANUAL, None),
    ("Hire and keep staff", "Store visits", MetricSource.MANUAL, None),
    ("Hire and keep staff", "Bookings", MetricSource.MANUAL, None),
)
OBJECTIVE_CATEGORIES = {
    "Be known on Main Street": ObjectiveCategory.AWARENESS,
    "Post with a rhythm": ObjectiveCategory.ENGAGEMENT,
    "Start conversations": ObjectiveCategory.ENGAGEMENT,
    "Bring in orders": ObjectiveCategory.SALES,
    "Hire and keep staff": ObjectiveCategory.HIRING,
}
PEOPLE = (("Rosa Almeida", 300), ("Sam Okafor", 180), ("Lee Park", 120), ("Ana Ruiz", 90))


def _add_plan(
    session: Session,
    layout: Layout,
    size: Scale,
    first: date,
    last: date,
    rng: np.random.Generator,
) -> tuple[int, int]:
    """The plan business's team, active plan, metrics with readings, tasks and reviews."""
    workspace_id = layout.workspace_ids[0]
    own = [
        int(a)
        for a in layout.account_ids[(layout.account_workspace == 0) & layout.account_kind_own]
    ]
    plan_start = max(first, last - timedelta(days=180))
    plan = Plan(
        workspace_id=workspace_id,
        name="Franchise growth plan",
        period_start=plan_start,
        period_end=last + timedelta(days=180),
        status=PlanStatus.ACTIVE,
        review_cadence=ReviewCadence.BIWEEKLY,
        next_review_on=last + timedelta(days=7),
        created_at=at(plan_start),
    )
    session.add(plan)
    people = [
        Person(workspace_id=workspace_id, name=name, weekly_budget_minutes=budget)
        for name, budget in PEOPLE
    ]
    session.add_all(people)
    session.flush()
    objectives: dict[str, Objective] = {}
    for position, (title, category) in enumerate(OBJECTIVE_CATEGORIES.items()):
        objectives[title] = Objective(
            plan_id=plan.id, title=title, category=category, priority=Priority.HIGH,
            position=position, why="So the business grows with its neighbourhood.",
        )  # fmt: skip
    session.add_all(objectives.values())
    session.flush()
    metrics = []
    for position, (objective, name, source, account) in enumerate(
        PLAN_METRICS[: size.plan_metrics]
    ):
        metrics.append(
            Metric(
                objective_id=objectives[objective].id,
                name=name,
                source=source,
                account_id=None if account is None else own[account],
                baseline=0.0,
                target=1.0,
                target_date=plan.period_end,
                direction=Direction.UP,
                position=position,
                unit="orders" if source is MetricSource.MANUAL else "",
            )  # fmt: skip
        )
    session.add_all(metrics)
    session.flush()
    _add_readings(session, metrics, first, size.days, rng)
    _add_tasks(session, objectives, people)
    for number in range(size.reviews):
        held_on = last - timedelta(days=14 * (size.reviews - number))
        session.add(
            Review(
                plan_id=plan.id,
                held_on=held_on,
                created_by=PEOPLE[0][0],
                summary=f"Review {number + 1}: numbers read, one course correction agreed.",
                created_at=at(held_on, 17),
            )  # fmt: skip
        )
    session.flush()
    return int(plan.id), own[0]  # type: ignore[arg-type]


def _add_readings(
    session: Session, metrics: list[Metric], first: date, days: int, rng: np.random.Generator
) -> None:
    """Two years of daily readings for each hand-entered metric: a trend with weekly waves."""
    frames = []
    day_values = pd.date_range(first, periods=days, freq="D")
    weekly = np.where(day_values.day_of_week >= 5, 1.5, 1.0)
    for metric in metrics:
        if metric.source != MetricSource.MANUAL:
            continue
        level = 10 ** rng.uniform(0.7, 2.5)
        trend = np.linspace(1.0, rng.uniform(1.1, 2.0), days)
        values = np.rint(level * trend * weekly * rng.lognormal(0, 0.2, days))
        frames.append(
            pd.DataFrame(
                {
                    "metric_id": metric.id,
                    "day": day_values,
                    "value": values.astype(float),
                    "note": "",
                    "created_at": day_values + pd.Timedelta(hours=20),
                }
            )
        )
    if frames:
        bulk_write(session, "reading", pd.concat(frames, ignore_index=True))


def _add_tasks(session: Session, objectives: dict[str, Objective], people: list[Person]) -> None:
    for number, objective in enumerate(objectives.values()):
        owner = people[number % len(people)]
        for title, cadence in (
            ("Post a weekly update", Cadence.WEEKLY),
            ("Answer every reply", Cadence.DAILY),
        ):
            task = Task(
                objective_id=objective.id, title=f"{title} ({objective.title.lower()})",
                cadence=cadence, minutes=30, owner_person_id=owner.id, position=number,
            )  # fmt: skip
            session.add(task)
        session.add(
            Responsibility(person_id=owner.id, objective_id=objective.id, role=RaciRole.ACCOUNTABLE)
        )


def _add_review_items(session: Session, plan_id: int, last: date) -> None:
    """Each review's items: every metric's actual and status as it stood that day.

    Targets are set first from the data (20% above the value at plan start), so the
    statuses are a realistic mix rather than all "no data".
    """
    plan = session.get(Plan, plan_id)
    assert plan is not None
    metrics = list(
        session.scalars(
            sa.select(Metric)
            .join(Objective)
            .where(Objective.plan_id == plan_id)
            .order_by(Metric.id)
        )
    )
    reviews = list(session.scalars(sa.select(Review).where(Review.plan_id == plan_id)))
    items = []
    for metric in metrics:
        series = metric_series(session, metric, until=last)
        metric.baseline = _value_on(series, plan.period_start)
        metric.target = _round_target(metric.baseline * 1.2 if metric.baseline else 10.0)
        session.add(metric)
        for review in reviews:
            result = evaluate(
                baseline=metric.baseline, target=metric.target,
                actual=_value_on(series, review.held_on) if not series.empty else None,
                plan_start=plan.period_start, target_date=metric.target_date,
                today=review.held_on,
            )  # fmt: skip
            items.append(
                ReviewItem(
                    review_id=review.id,
                    metric_id=metric.id,
                    actual=result.actual,
                    expected=result.goal_today,
                    progress=result.progress,
                    status=MetricStatus(result.status),
                    confidence=6,
                    comment="Steady; keep the rhythm.",
                )  # fmt: skip
            )
    session.add_all(items)
    session.flush()


def _value_on(series: pd.DataFrame, day: date) -> float:
    known = series[series["day"] <= pd.Timestamp(day)]
    if known.empty:
        return float(series["value"].iloc[0]) if not series.empty else 0.0
    return float(known["value"].iloc[-1])


def _round_target(value: float) -> float:
    if value == 0 or not math.isfinite(value):
        return 1.0
    digits = max(0, 2 - int(math.floor(math.log10(abs(value)))))
    return round(value, digits)
