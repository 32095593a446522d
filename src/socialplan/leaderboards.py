"""Leaderboards: the stored influence scores ranked within a peer group, a workspace's own
accounts against its competitors, and a team's personal accounts; and one account's detail.

Every board is a plain `Board` the Leaderboard page, the `socialplan scores` command and the
tests share. Latest scores, with what the sparklines and 30-day changes need, come from the
`latest_score` table (one row per account, kept up to date on write by `latest_scores`).
Visibility: a peer group's board shows only the accounts its members entered, and only to
members; competitor and team boards are private to their workspace.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, col, select

from socialplan import peers
from socialplan.access import Actor, require_member, require_workspace
from socialplan.accounts import NETWORK_LABELS
from socialplan.csvsafe import csv_text
from socialplan.dashboard import goal_line
from socialplan.errors import InvalidInput, NotFound

# Re-exported: the benchmark's floors and the tests take the board's constants from here.
from socialplan.latest_scores import CHANGE_DAYS as CHANGE_DAYS
from socialplan.latest_scores import SPARKLINE_DAYS, sparkline_values
from socialplan.latest_scores import SPARKLINE_POINTS as SPARKLINE_POINTS
from socialplan.latest_scores import downsample_sparkline as downsample_sparkline
from socialplan.models import (
    Account,
    AccountKind,
    BusinessScore,
    InfluenceScore,
    LatestScore,
    Metric,
    MetricSource,
    MetricStatus,
    Objective,
    PeerGroup,
    PeerGroupEntry,
    PeerGroupMember,
    Person,
    Plan,
    PlanStatus,
    Snapshot,
    Workspace,
)
from socialplan.scorecard import active_metrics, score_metric
from socialplan.scores import HISTORY_DAYS, days_from_epoch, epoch_days, read_frame
from socialplan.scoring import (
    DAILY_COLUMNS,
    INPUT_COLUMNS,
    PART_LABELS,
    PARTS,
    PERCENTILE_MIN_POPULATION,
    ScoreInputs,
    ScoreResult,
    biggest_lever,
    combine_accounts,
    explain,
    mid_rank_percentile,
    score_account,
    top_share_label,
    window_inputs,
)
from socialplan.series import metric_series

BUCKET_WIDTH = 10
SORT_KEYS = ("rank", "score", "change_30d", "name", "business", "network", "progress")
NO_SCORES_YET = (
    "No scores yet — they are computed after each sync or import; run "
    "`socialplan scores recompute` to compute them now."
)


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class BoardRow:
    """One account on a board, with its newest score and where it stands."""

    account_id: int
    workspace_id: int
    name: str
    handle: str
    business: str
    network: str
    kind: str
    is_own: bool
    person: str | None = None
    score: int | None = None
    day: date | None = None
    rank: int | None = None
    percentile: float | None = None
    change_30d: int | None = None
    sparkline: tuple[int, ...] = ()
    sub_scores: dict[str, float | None] = field(default_factory=dict)
    progress: float | None = None
    goal: str | None = None

    @property
    def top_label(self) -> str | None:
        """ "top 10%" for the 90th percentile; None without a percentile."""
        return None if self.percentile is None else top_share_label(self.percentile)

    @property
    def network_label(self) -> str:
        return NETWORK_LABELS.get(self.network, self.network)

    @property
    def handle_label(self) -> str:
        """The handle as people write it: "@cornerbooks.bsky.social"."""
        return self.handle if self.handle.startswith("@") else f"@{self.handle}"


@dataclass(frozen=True)
class Bucket:
    """A bar of a board's histogram: how many scores fall from `low` to `high`."""

    low: int
    high: int
    count: int
    own: int

    @property
    def label(self) -> str:
        return f"{self.low}–{self.high}"


@dataclass(frozen=True)
class Board:
    """A ranked board: rows best first, why there is no percentile, and the histogram."""

    kind: str
    title: str
    rows: tuple[BoardRow, ...]
    population: int
    percentile_note: str | None
    histogram: tuple[Bucket, ...]
    own_scores: tuple[int, ...]
    empty_note: str | None = None
    note: str | None = None
    group: PeerGroup | None = None
    shows_progress: bool = False


@dataclass(frozen=True)
class PartBar:
    """One part of a score as a bar: its value, the weight it counted with, its points."""

    part: str
    label: str
    value: float | None
    weight: float
    points: float
    possible: float


@dataclass(frozen=True)
class AccountDetail:
    """An account's score explained: history, goal, parts with weights, the biggest lever."""

    account_id: int
    label: str
    business: str
    network: str
    is_own: bool
    score: int | None
    day: date | None
    history: pd.DataFrame
    goal: pd.DataFrame | None
    goal_text: str | None
    parts: tuple[PartBar, ...]
    explanation: tuple[str, ...]
    lever: str
    standing: str | None


@dataclass(frozen=True)
class Standing:
    """The business score as a headline: "Your score 45 · top 10% of the Main Street group"."""

    score: int
    day: date
    group_name: str | None
    percentile: float | None
    population: int
    headline: str
    note: str | None
    explanation: tuple[str, ...]
    lever: str


@dataclass(frozen=True)
class InstanceStanding:
    """Where an account's newest score stands among every account on this installation."""

    score: int | None
    percentile: float | None
    population: int
    text: str


# ---------------------------------------------------------------- scores by SQL


def _latest_scores(session: Session, account_ids: sa.Select | Sequence[int]) -> pd.DataFrame:
    """The newest stored score of each account with its sub-scores, its score 30 days
    before and its sparkline: one row per account from `latest_score`, by primary key.

    `day` is a date, `day_number` the same day as whole days since 1970.
    """
    dialect = session.get_bind().dialect.name
    query = sa.select(
        LatestScore.account_id,
        epoch_days(LatestScore.day, dialect),  # type: ignore[arg-type]
        *(getattr(LatestScore, name) for name in ["score", *PARTS]),
        epoch_days(LatestScore.then_day, dialect),  # type: ignore[arg-type]
        LatestScore.then_score,
        LatestScore.sparkline,
    ).where(col(LatestScore.account_id).in_(account_ids))
    columns = ["account_id", "day_number", "score", *PARTS, "then_day", "then_score", "sparkline"]
    # A plain query, not `read_frame`: it binds a thousand ids once rather than looking each
    # one up by name, and PostgreSQL's CSV would read a one-value sparkline as a number.
    rows = [tuple(row) for row in session.execute(query)]
    frame = pd.DataFrame.from_records(rows, columns=columns, nrows=len(rows))
    frame["day"] = days_from_epoch(frame["day_number"]).dt.date
    return frame


def _trends(latest: pd.DataFrame) -> dict[int, tuple[int | None, tuple]]:
    """Per account: the change over 30 days and the sparkline of its last 90 days.

    The change is measured from the newest score at least 30 days old, counted only when it
    lies on or after the board's first sparkline day (90 days before the oldest newest
    score on the board): the rows the board read before the latest-score table existed.
    """
    if latest.empty:
        return {}
    newest = latest["day_number"].to_numpy(dtype=np.int64)
    first_shown = int(newest.min()) - SPARKLINE_DAYS + 1
    then_day = latest["then_day"].to_numpy(dtype=np.float64)
    counted = ~np.isnan(then_day) & (then_day >= first_shown)
    changes = latest["score"].to_numpy(dtype=np.float64) - latest["then_score"].to_numpy(
        dtype=np.float64
    )
    return {
        int(account_id): (int(change) if has_change else None, sparkline_values(text))
        for account_id, change, has_change, text in zip(
            latest["account_id"].tolist(),
            changes.tolist(),
            counted.tolist(),
            latest["sparkline"].tolist(),
            strict=True,
        )
    }


# ---------------------------------------------------------------- ranking


def _ranked(rows: list[BoardRow]) -> list[BoardRow]:
    """Ranks (ties share a rank: 1, 2, 2, 4) and mid-rank percentiles; best first.

    Counts come from binary searches in the sorted scores, not a pass over every score for
    every row (a thousand rows: a million comparisons), with `mid_rank_percentile`'s formula.
    """
    ordered = np.sort(np.array([row.score for row in rows if row.score is not None], dtype=float))
    population = len(ordered)
    ranked = []
    for row in rows:
        if row.score is None:
            ranked.append(row)
            continue
        below = int(np.searchsorted(ordered, row.score, side="left"))
        not_above = int(np.searchsorted(ordered, row.score, side="right"))
        percentile = None
        if population >= PERCENTILE_MIN_POPULATION:
            percentile = 100 * (below + 0.5 * (not_above - below)) / population
        rank = 1 + population - not_above
        ranked.append(replace(row, rank=rank, percentile=percentile))
    return sort_rows(ranked, "rank")


def _none_last(value: object, descending: bool) -> tuple:
    if value is None:
        return (1, 0)
    if isinstance(value, str):
        return (0, value.casefold())
    return (0, -value if descending else value)  # type: ignore[operator]


def sort_rows(rows: Sequence[BoardRow], key: str = "rank", descending: bool | None = None) -> list:
    """Rows sorted by one of SORT_KEYS; rows without the value always last, then by name.

    Numbers sort high first (rank low first) unless `descending` says otherwise.
    """
    if key not in SORT_KEYS:
        raise ValueError(f"sort key must be one of {SORT_KEYS}, not {key!r}")
    if descending is None:
        descending = key in ("score", "change_30d", "progress")
    by_name = sorted(rows, key=lambda row: (row.name.casefold(), row.business.casefold()))
    if key in ("name", "business", "network"):
        return sorted(by_name, key=lambda row: _none_last(getattr(row, key), False), reverse=False)
    return sorted(by_name, key=lambda row: _none_last(getattr(row, key), descending))


def histogram(scores: Sequence[int], own: Sequence[int] = ()) -> tuple[Bucket, ...]:
    """Ten buckets 1–10 … 91–100 with the number of scores in each and how many are yours."""
    buckets = []
    for low in range(1, 100, BUCKET_WIDTH):
        high = low + BUCKET_WIDTH - 1
        buckets.append(
            Bucket(
                low=low,
                high=high,
                count=sum(low <= s <= high for s in scores),
                own=sum(low <= s <= high for s in own),
            )
        )
    return tuple(buckets)


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th … 11th, 12th, 13th … 21st."""
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th') }"


def percentile_note(population: int, what: str = "this board") -> str | None:
    """Why a board has no percentile (fewer than 10 scores), or None when it has one."""
    if population >= PERCENTILE_MIN_POPULATION:
        return None
    return (
        f"No percentile: {what} has {population} scored account"
        f"{'' if population == 1 else 's'}, and a percentile needs at least "
        f"{PERCENTILE_MIN_POPULATION} — with fewer it says more about who happens to be in "
        "the set than about you."
    )


def _account_rows(session: Session, query: sa.Select) -> list[dict]:
    """Account rows (id, workspace, names, network, kind, person) from a query of them."""
    return [dict(row) for row in session.execute(query).mappings()]


def _account_query(*, with_person: bool = True) -> sa.Select:
    """The accounts a board lists (not removed), with their business and, if asked, person.

    A peer group's board asks without: who in another business owns an account is theirs.
    """
    person = Person.name if with_person else sa.null()
    query = (
        sa.select(
            Account.id.label("account_id"),  # type: ignore[union-attr]
            Account.workspace_id,
            Account.handle,
            Account.display_name,
            Account.network,
            Account.kind,
            Workspace.name.label("business"),
            person.label("person"),  # type: ignore[attr-defined]
        )
        .join(Workspace, Workspace.id == Account.workspace_id)
        .where(col(Account.removed_at).is_(None))
    )
    return query.outerjoin(Person, Person.id == Account.person_id) if with_person else query


def _build_rows(
    session: Session,
    accounts: list[dict],
    viewer_workspace_id: int,
    *,
    own: Callable[[dict], bool] | None = None,
    progress: dict[int, float | None] | None = None,
    goals: dict[int, str] | None = None,
) -> list[BoardRow]:
    """Board rows for `accounts` with their newest scores, changes and sparklines, ranked."""
    if not accounts:
        return []
    latest = _latest_scores(session, [int(a["account_id"]) for a in accounts])
    trends = _trends(latest)
    by_id = {int(r.account_id): r for r in latest.itertuples(index=False)}
    rows = []
    for account in accounts:
        account_id = int(account["account_id"])
        score = by_id.get(account_id)
        change, spark = trends.get(account_id, (None, ()))
        is_own = own(account) if own is not None else account["workspace_id"] == viewer_workspace_id
        rows.append(
            BoardRow(
                account_id=account_id,
                workspace_id=int(account["workspace_id"]),
                name=account["display_name"] or account["handle"],
                handle=account["handle"],
                business=account["business"],
                network=str(account["network"]),
                kind=str(account["kind"]),
                is_own=bool(is_own),
                person=account.get("person"),
                score=None if score is None else int(score.score),
                day=None if score is None else _as_date(score.day),
                change_30d=change,
                sparkline=spark,
                sub_scores=(
                    {} if score is None else {p: _optional(getattr(score, p)) for p in PARTS}
                ),
                progress=(progress or {}).get(int(account["workspace_id"])),
                goal=(goals or {}).get(account_id),
            )
        )
    return _ranked(rows)


def _as_date(value: object) -> date:
    return value.date() if isinstance(value, pd.Timestamp) else value  # type: ignore[return-value]


def _optional(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def _board(
    kind: str,
    title: str,
    rows: list[BoardRow],
    *,
    what: str,
    empty_note: str | None = None,
    note: str | None = None,
    group: PeerGroup | None = None,
    shows_progress: bool = False,
) -> Board:
    scored = [row.score for row in rows if row.score is not None]
    own = [row.score for row in rows if row.is_own and row.score is not None]
    if rows and not scored and empty_note is None:
        empty_note = NO_SCORES_YET
    return Board(
        kind=kind,
        title=title,
        rows=tuple(rows),
        population=len(scored),
        percentile_note=percentile_note(len(scored), what) if scored else None,
        histogram=histogram(scored, own),
        own_scores=tuple(own),  # type: ignore[arg-type]
        empty_note=empty_note,
        note=note,
        group=group,
        shows_progress=shows_progress,
    )


def _entered_accounts(query: sa.Select, group_id: int) -> sa.Select:
    """`query` narrowed to the group's entries: the only accounts any member may see."""
    return (
        query.join(PeerGroupEntry, PeerGroupEntry.account_id == Account.id)
        # An entry counts only while its business is a member (leaving deletes it anyway).
        .join(
            PeerGroupMember,
            sa.and_(
                PeerGroupMember.group_id == PeerGroupEntry.group_id,
                PeerGroupMember.workspace_id == Account.workspace_id,
            ),
        )
        .where(
            PeerGroupEntry.group_id == group_id,
            Account.kind == AccountKind.OWN,
            col(Account.removed_at).is_(None),
        )
    )


# ---------------------------------------------------------------- plan progress


def plan_progress(session: Session, workspace_id: int, today: date) -> float | None:
    """The share of the active plan's metrics on track today; None without such metrics.

    Read without an actor: only called for a member that chose to share it with its group.
    """
    plan = session.exec(
        select(Plan)
        .where(Plan.workspace_id == workspace_id, Plan.status == PlanStatus.ACTIVE)
        .order_by(col(Plan.period_start).desc(), col(Plan.id).desc())
    ).first()
    if plan is None:
        return None
    metrics = active_metrics(session, plan.id)  # type: ignore[arg-type]
    if not metrics:
        return None
    statuses = [
        score_metric(
            metric, objective, plan, metric_series(session, metric, until=today), today
        ).status
        for metric, objective in metrics
    ]
    return sum(status == MetricStatus.ON_TRACK for status in statuses) / len(statuses)


# ---------------------------------------------------------------- the boards


def group_board(
    *,
    session: Session,
    actor: Actor,
    viewer_workspace_id: int,
    group_id: int,
    today: date | None = None,
) -> Board:
    """The peer group's board as a member sees it: only the accounts members entered.

    A workspace that is not a member gets NotFound, whatever its role elsewhere.
    """
    group, _ = peers.require_group_member(session, actor, viewer_workspace_id, group_id)
    query = _entered_accounts(_account_query(with_person=False), group_id)
    accounts = _account_rows(session, query)
    sharing = session.exec(
        select(PeerGroupMember.workspace_id).where(
            PeerGroupMember.group_id == group_id, col(PeerGroupMember.share_progress).is_(True)
        )
    ).all()
    day = today or date.today()
    progress = {int(w): plan_progress(session, int(w), day) for w in sharing}
    rows = _build_rows(session, accounts, viewer_workspace_id, progress=progress)
    empty = None
    if not rows:
        empty = (
            f"Nobody has entered an account in “{group.name}” yet. Choose which of your "
            "accounts to enter above; nothing is shared until you do."
        )
    return _board(
        "group",
        group.name,
        rows,
        what=f"“{group.name}”",
        empty_note=empty,
        group=group,
        shows_progress=bool(sharing),
    )


def competitor_board(*, session: Session, actor: Actor, workspace_id: int) -> Board:
    """The workspace's own accounts against the competitors it follows; private to it."""
    workspace = require_workspace(session, actor, workspace_id)
    query = _account_query().where(Account.workspace_id == workspace_id)
    accounts = _account_rows(session, query)
    rows = _build_rows(
        session, accounts, workspace_id, own=lambda account: account["kind"] == AccountKind.OWN
    )
    empty = note = None
    if not rows:
        empty = (
            "No accounts yet: add your own accounts and the competitors you want to compare "
            "with, then their scores appear here after the next sync or import."
        )
    elif not any(row.kind == AccountKind.COMPETITOR for row in rows):
        note = "You follow no competitors yet: add one to compare your scores with theirs."
    return _board(
        "competitors",
        f"{workspace.name} and its competitors",
        rows,
        what="this comparison",
        empty_note=empty,
        note=note,
    )


def team_board(
    *, session: Session, actor: Actor, workspace_id: int, today: date | None = None
) -> Board:
    """The team's personal accounts (accounts linked to a person), with score goals."""
    workspace = require_workspace(session, actor, workspace_id)
    query = _account_query().where(
        Account.workspace_id == workspace_id,
        col(Account.person_id).is_not(None),
        col(Person.archived_at).is_(None),
    )
    accounts = _account_rows(session, query)
    goals = {
        account_id: _goal_text(metric, today or date.today())
        for account_id, (metric, _) in score_goals(session, workspace_id).items()
    }
    rows = _build_rows(session, accounts, workspace_id, own=lambda _: True, goals=goals)
    people = session.exec(
        select(Person.name)
        .where(Person.workspace_id == workspace_id, col(Person.archived_at).is_(None))
        .order_by(Person.name)
    ).all()
    with_account = {row.person for row in rows}
    without = [name for name in people if name not in with_account]
    note = None
    if without and rows:
        note = (
            f"No personal account yet for {_join_names(without)}: link an account to a person "
            "to put them on the team board."
        )
    empty = None
    if not rows:
        empty = (
            "No personal accounts yet: link an account to a person of the team (their own "
            "profile), and the team can set score goals per person."
        )
    return _board(
        "team", f"The {workspace.name} team", rows, what="the team", empty_note=empty, note=note
    )


def _join_names(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


# ---------------------------------------------------------------- goals on the score


def score_goals(session: Session, workspace_id: int) -> dict[int, tuple[Metric, Plan]]:
    """Per account, the influence-score metric of the workspace's active plans that targets it."""
    rows = session.exec(
        select(Metric, Plan)
        .join(Objective, Objective.id == Metric.objective_id)
        .join(Plan, Plan.id == Objective.plan_id)
        .where(
            Plan.workspace_id == workspace_id,
            Plan.status == PlanStatus.ACTIVE,
            Metric.source == MetricSource.INFLUENCE_SCORE,
            col(Metric.account_id).is_not(None),
            col(Metric.archived_at).is_(None),
            col(Objective.archived_at).is_(None),
        )
        .order_by(col(Plan.period_start).desc(), Metric.id)
    )
    goals: dict[int, tuple[Metric, Plan]] = {}
    for metric, plan in rows:
        goals.setdefault(metric.account_id, (metric, plan))  # type: ignore[arg-type]
    return goals


def _goal_text(metric: Metric, today: date) -> str:
    when = f"{metric.target_date.day} {metric.target_date:%b}"
    if metric.target_date.year != today.year:
        when += f" {metric.target_date.year}"
    return f"{metric.target:g} by {when}"


# ---------------------------------------------------------------- explanations


def _daily_window(session: Session, account_ids: Sequence[int], day: date) -> pd.DataFrame:
    """The accounts' snapshots a score on `day` reads, with each one's follower total before.

    Followers carry forward, so the last total before the window is seeded the day before
    it, exactly as the recompute does; the explanation then matches the stored score.
    """
    cutoff = day - timedelta(days=HISTORY_DAYS - 1)
    columns = [getattr(Snapshot, name) for name in DAILY_COLUMNS]
    query = sa.select(*columns).where(
        col(Snapshot.account_id).in_(list(account_ids)),
        Snapshot.day >= cutoff,
        Snapshot.day <= day,
    )
    frame = pd.DataFrame(list(session.execute(query)), columns=DAILY_COLUMNS)
    last_day = (
        sa.select(Snapshot.account_id, sa.func.max(Snapshot.day).label("day"))
        .where(
            col(Snapshot.account_id).in_(list(account_ids)),
            Snapshot.day < cutoff,
            col(Snapshot.followers).is_not(None),
        )
        .group_by(Snapshot.account_id)
        .subquery()
    )
    seeds = pd.DataFrame(
        list(
            session.execute(
                sa.select(Snapshot.account_id, Snapshot.followers).join(
                    last_day,
                    sa.and_(
                        Snapshot.account_id == last_day.c.account_id,
                        Snapshot.day == last_day.c.day,
                    ),
                )
            )
        ),
        columns=["account_id", "followers"],
    )
    if seeds.empty:
        return frame
    seeds["day"] = cutoff - timedelta(days=1)
    return pd.concat([seeds.reindex(columns=DAILY_COLUMNS), frame], ignore_index=True)


def _inputs_on(inputs: pd.DataFrame, day: date) -> ScoreInputs | None:
    row = inputs[inputs["day"] == pd.Timestamp(day)]
    if row.empty:
        return None
    values = row.iloc[0]
    return ScoreInputs(
        **{name: None if pd.isna(values[name]) else int(values[name]) for name in INPUT_COLUMNS}
    )


def account_result(session: Session, account_id: int, day: date) -> ScoreResult | None:
    """The score of an account on `day` with its parts and inputs (no access check)."""
    inputs = _inputs_on(window_inputs(_daily_window(session, [account_id], day)), day)
    return None if inputs is None else score_account(inputs)


def business_result(session: Session, workspace_id: int, day: date) -> ScoreResult | None:
    """The business score on `day` over the workspace's own accounts, with its parts."""
    own = session.exec(
        select(Account.id).where(
            Account.workspace_id == workspace_id,
            Account.kind == AccountKind.OWN,
            col(Account.removed_at).is_(None),
        )
    ).all()
    if not own:
        return None
    daily = combine_accounts(_daily_window(session, own, day), {int(a): workspace_id for a in own})
    return _inputs_result(window_inputs(daily), day)


def _inputs_result(inputs: pd.DataFrame, day: date) -> ScoreResult | None:
    found = _inputs_on(inputs, day)
    return None if found is None else score_account(found)


def part_bars(result: ScoreResult) -> tuple[PartBar, ...]:
    """The four parts as bars: value, weight used (0 when left out), points of 99 possible."""
    bars = []
    for part in PARTS:
        value = result.sub_scores.get(part)
        weight = result.weights.get(part, 0.0)
        bars.append(
            PartBar(
                part=part,
                label=PART_LABELS[part],
                value=value,
                weight=weight,
                points=99 * weight * (value or 0.0),
                possible=99 * weight,
            )
        )
    return tuple(bars)


def _visible_account(
    session: Session, actor: Actor, viewer_workspace_id: int, account_id: int
) -> tuple[Account, str, bool]:
    """The account, its business and whether it is the viewer's; NotFound unless visible.

    Visible: an account of the viewer's workspace, or one entered in a group the viewer's
    workspace is a member of (and still there, not removed).
    """
    require_workspace(session, actor, viewer_workspace_id)
    account = session.get(Account, account_id)
    missing = NotFound("That account does not exist or is not yours to see.")
    if account is None:
        raise missing
    if account.workspace_id == viewer_workspace_id:
        return account, session.get(Workspace, account.workspace_id).name, True  # type: ignore[union-attr]
    # Another business's account is seen through a group, which a link's reader is not in.
    require_member(session, actor, viewer_workspace_id)
    viewer_groups = sa.select(PeerGroupMember.group_id).where(
        PeerGroupMember.workspace_id == viewer_workspace_id
    )
    shared = session.exec(
        select(PeerGroupEntry.id)
        .join(
            PeerGroupMember,
            sa.and_(
                PeerGroupMember.group_id == PeerGroupEntry.group_id,
                PeerGroupMember.workspace_id == account.workspace_id,
            ),
        )
        .where(
            PeerGroupEntry.account_id == account_id,
            col(PeerGroupEntry.group_id).in_(viewer_groups),
        )
    ).first()
    if shared is None or account.removed_at is not None or account.kind != AccountKind.OWN:
        raise missing
    return account, session.get(Workspace, account.workspace_id).name, False  # type: ignore[union-attr]


def account_detail(
    *,
    session: Session,
    actor: Actor,
    viewer_workspace_id: int,
    account_id: int,
    today: date | None = None,
) -> AccountDetail:
    """One account's score explained, for its own workspace or a group member that sees it.

    The goal on the score (an influence-score metric of the plan) is shown only to the
    account's own workspace: another business's goals are its own.
    """
    account, business, is_own = _visible_account(session, actor, viewer_workspace_id, account_id)
    query = (
        sa.select(InfluenceScore.day, InfluenceScore.score)
        .where(InfluenceScore.account_id == account_id)
        .order_by(InfluenceScore.day)
    )
    history = pd.DataFrame(list(session.execute(query)), columns=["day", "score"])
    history["day"] = pd.to_datetime(history["day"])
    goal = goal_text = None
    if is_own:
        found = score_goals(session, account.workspace_id).get(account_id)
        if found is not None:
            metric, plan = found
            goal = goal_line(metric, plan)
            goal_text = f"Goal: {_goal_text(metric, today or date.today())}"
    label = _account_label(account)
    if history.empty:
        return AccountDetail(
            account_id=account_id,
            label=label,
            business=business,
            network=str(account.network),
            is_own=is_own,
            score=None,
            day=None,
            history=history,
            goal=goal,
            goal_text=goal_text,
            parts=(),
            explanation=(NO_SCORES_YET,),
            lever=biggest_lever(score_account(ScoreInputs())),
            standing=None,
        )
    day = history["day"].iloc[-1].date()
    result = account_result(session, account_id, day) or score_account(ScoreInputs())
    standing = None
    if is_own:
        standing = instance_percentile(session=session, actor=actor, account_id=account_id).text
    return AccountDetail(
        account_id=account_id,
        label=label,
        business=business,
        network=str(account.network),
        is_own=is_own,
        score=int(history["score"].iloc[-1]),
        day=day,
        history=history,
        goal=goal,
        goal_text=goal_text,
        parts=part_bars(result),
        explanation=tuple(explain(result)),
        lever=biggest_lever(result),
        standing=standing,
    )


def _account_label(account: Account) -> str:
    handle = account.handle if account.handle.startswith("@") else f"@{account.handle}"
    name = account.display_name or handle
    network = NETWORK_LABELS.get(account.network, account.network)
    return f"{name} ({handle} on {network})" if name != handle else f"{handle} on {network}"


# ---------------------------------------------------------------- percentiles


def _instance_population(session: Session) -> np.ndarray:
    """The newest score of every account on the installation, one per network and handle.

    Two businesses following the same competitor hold two rows for one profile; it is
    counted once, with its newest score (the higher account id breaking a tie). Deduplicated
    in SQL over the latest-score table, so only the scores travel.
    """
    newest_first = sa.func.row_number().over(
        partition_by=[Account.network, sa.func.lower(Account.handle)],
        order_by=[col(LatestScore.day).desc(), col(Account.id).desc()],
    )
    latest = (
        sa.select(LatestScore.score, newest_first.label("newest"))
        .join(Account, Account.id == LatestScore.account_id)
        .where(col(Account.removed_at).is_(None))
        .subquery()
    )
    query = sa.select(latest.c.score).where(latest.c.newest == 1)
    return read_frame(session, query, ["score"])["score"].to_numpy(dtype=float)


def instance_percentile(*, session: Session, actor: Actor, account_id: int) -> InstanceStanding:
    """Where the account's newest score stands among every account on this installation."""
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("That account does not exist or is not yours to see.")
    require_workspace(session, actor, account.workspace_id)
    own = _latest_scores(session, [account_id])
    population = _instance_population(session)
    if own.empty:
        return InstanceStanding(None, None, len(population), NO_SCORES_YET)
    score = int(own["score"].iloc[0])
    percentile = mid_rank_percentile(score, population)
    if percentile is None:
        text = percentile_note(len(population), "this installation") or ""
    else:
        text = (
            f"{top_share_label(percentile).capitalize()} of the {len(population):,} accounts "
            "on this installation."
        )
    return InstanceStanding(score, percentile, len(population), text)


def business_standing(*, session: Session, actor: Actor, workspace_id: int) -> Standing | None:
    """The business score as the headline of Home and Dashboard, with its percentile.

    The percentile compares the business score with the accounts the *other* members of
    the workspace's largest peer group entered (the business's own entries are what its
    score is made of, so they are left out): where the business would stand on that board.
    None before the first score.
    """
    require_workspace(session, actor, workspace_id)
    latest = session.exec(
        select(BusinessScore)
        .where(BusinessScore.workspace_id == workspace_id)
        .order_by(col(BusinessScore.day).desc())
    ).first()
    if latest is None:
        return None
    result = business_result(session, workspace_id, latest.day)
    explanation = tuple(explain(result)) if result else ()
    lever = biggest_lever(result) if result else ""
    best: tuple[int, PeerGroup, list[int]] | None = None
    # A share link's reader sees the score, not the groups (others opted in to those).
    memberships = (
        []
        if actor.share_plan_id is not None
        else peers.list_memberships(session=session, actor=actor, workspace_id=workspace_id)
    )
    for membership in memberships:
        others_entered = _entered_accounts(
            sa.select(Account.id),
            membership.group.id,  # type: ignore[arg-type]
        ).where(Account.workspace_id != workspace_id)
        others = _latest_scores(session, others_entered)["score"].astype(int).tolist()
        if best is None or len(others) > best[0]:
            best = (len(others), membership.group, others)
    score = int(latest.score)
    if best is None:
        return Standing(
            score=score,
            day=latest.day,
            group_name=None,
            percentile=None,
            population=0,
            headline=f"Your score {score}",
            note=(
                None
                if actor.share_plan_id is not None
                else "Join or create a peer group on the Leaderboard to see where you stand."
            ),
            explanation=explanation,
            lever=lever,
        )
    _, group, others = best
    population = [*others, score]
    percentile = mid_rank_percentile(score, population)
    if percentile is None:
        headline = f"Your score {score} · the {group.name} group is too small for a percentile"
        note = percentile_note(len(population), f"“{group.name}”")
    else:
        headline = f"Your score {score} · {top_share_label(percentile)} of the {group.name} group"
        note = (
            f"Your business score (all your own accounts combined) against the "
            f"{len(others)} accounts the other businesses of “{group.name}” entered: it "
            f"stands at the {ordinal(round(percentile))} percentile, so "
            f"{top_share_label(percentile)}."
        )
    return Standing(
        score=score,
        day=latest.day,
        group_name=group.name,
        percentile=percentile,
        population=len(population),
        headline=headline,
        note=note,
        explanation=explanation,
        lever=lever,
    )


# ---------------------------------------------------------------- output


def board_records(board: Board) -> list[dict]:
    """The board's rows as plain values (JSON-ready), in board order."""
    records = []
    for row in board.rows:
        record = {
            "rank": row.rank,
            "account": row.handle_label,
            "name": row.name,
            "business": row.business,
            "network": row.network_label,
            "score": row.score,
            "percentile": None if row.percentile is None else round(row.percentile, 1),
            "top": row.top_label,
            "change_30d": row.change_30d,
            "yours": row.is_own,
        }
        if board.kind == "competitors":
            record["kind"] = row.kind
            for part in PARTS:
                value = row.sub_scores.get(part)
                record[part] = None if value is None else round(value, 2)
        if board.kind == "team":
            record["person"] = row.person
            record["goal"] = row.goal
        if board.shows_progress:
            record["plan_on_track"] = None if row.progress is None else round(row.progress, 2)
        records.append(record)
    return records


def board_table(board: Board) -> pd.DataFrame:
    """The board as the page's table: one column per field, sparkline as a list of scores."""
    rows = board.rows
    columns: dict[str, list] = {"Rank": [row.rank for row in rows]}
    if board.kind == "team":
        columns["Person"] = [row.person for row in rows]
    columns["Account"] = [row.handle_label for row in rows]
    if board.kind == "group":
        columns["Business"] = [row.business for row in rows]
    if board.kind == "competitors":
        columns["Name"] = [row.name for row in rows]
        columns["Whose"] = ["yours" if row.is_own else "competitor" for row in rows]
    columns["Network"] = [row.network_label for row in rows]
    columns["Score"] = [row.score for row in rows]
    if any(row.percentile is not None for row in rows):
        columns["Top"] = [row.top_label or "" for row in rows]
    columns["30-day change"] = [row.change_30d for row in rows]
    columns["Last 90 days"] = [list(row.sparkline) for row in rows]
    if board.kind == "competitors":
        for part in PARTS:
            columns[PART_LABELS[part]] = [row.sub_scores.get(part) for row in rows]
    if board.kind == "team":
        columns["Goal"] = [row.goal or "" for row in rows]
    if board.shows_progress:
        columns["Plan on track"] = [row.progress for row in rows]
    if board.kind != "team":  # every row of the team board is the team's own
        columns["Yours"] = [row.is_own for row in rows]
    frame = pd.DataFrame(columns)
    for name in ("Rank", "Score", "30-day change"):
        frame[name] = frame[name].astype("Int64")
    return frame


def render_table(board: Board) -> str:
    """The board as aligned text for a terminal."""
    records = board_records(board)
    lines = [board.title]
    if board.empty_note and not records:
        return "\n".join([*lines, board.empty_note])
    shown = ["rank", "account", "business", "network", "score", "top", "change_30d"]
    if board.kind == "team":
        shown = ["rank", "person", "account", "network", "score", "top", "change_30d", "goal"]
    if board.kind == "competitors":
        shown = ["rank", "account", "name", "kind", "network", "score", "top", "change_30d"]
        shown += list(PARTS)
    if board.shows_progress:
        shown.append("plan_on_track")
    shown.append("yours")
    headers = {"change_30d": "30d", "plan_on_track": "on track", "yours": "you"}
    cells = [[headers.get(name, name) for name in shown]]
    for record in records:
        cells.append([_cell(name, record.get(name)) for name in shown])
    widths = [max(len(row[i]) for row in cells) for i in range(len(shown))]
    for row in cells:
        lines.append("  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)))
    for extra in (board.percentile_note, board.empty_note, board.note):
        if extra:
            lines.append(extra)
    return "\n".join(line.rstrip() for line in lines)


def _cell(name: str, value: object) -> str:
    if value is None:
        return "—"
    if name == "yours":
        return "◀" if value else ""
    if name == "change_30d":
        return f"{value:+d}"  # type: ignore[str-format]
    if name == "plan_on_track":
        return f"{value:.0%}"  # type: ignore[str-format]
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def render_csv(board: Board) -> str:
    """The board as CSV with a header row; text a spreadsheet would run as a formula (a
    handle starting with @, a name starting with =) is quoted so it stays text."""
    records = board_records(board)
    fieldnames = list(records[0]) if records else ["rank", "account", "business", "score"]
    rows = [fieldnames, *([record[name] for name in fieldnames] for record in records)]
    return csv_text(rows).rstrip("\n")


def render_json(board: Board) -> str:
    """The board as JSON: title, population, notes and rows."""
    return json.dumps(
        {
            "board": board.kind,
            "title": board.title,
            "population": board.population,
            "percentile_note": board.percentile_note,
            "note": board.empty_note or board.note,
            "rows": board_records(board),
        },
        ensure_ascii=False,
        indent=2,
    )


# ---------------------------------------------------------------- the command line


def board_for(
    *,
    session: Session,
    actor: Actor,
    group_code: str | None = None,
    workspace_slug: str | None = None,
    today: date | None = None,
) -> Board:
    """The board `socialplan scores` prints.

    With a group code: the group's board, seen by `workspace_slug` (a member) or else by
    the group's creator. With only a workspace: its own accounts against its competitors.
    """
    workspace = None
    if workspace_slug is not None:
        workspace = session.exec(select(Workspace).where(Workspace.slug == workspace_slug)).first()
        if workspace is None:
            raise NotFound(f"No workspace “{workspace_slug}” here.")
        require_workspace(session, actor, workspace.id)  # type: ignore[arg-type]
    if group_code is None:
        if workspace is None:
            raise InvalidInput({"group_code": "is needed when no workspace is named."})
        return competitor_board(
            session=session,
            actor=actor,
            workspace_id=workspace.id,  # type: ignore[arg-type]
        )
    group = peers.group_by_code(session=session, code=group_code)
    viewer_id = workspace.id if workspace is not None else group.owner_workspace_id
    if viewer_id is None:
        viewer_id = session.exec(
            select(PeerGroupMember.workspace_id)
            .where(PeerGroupMember.group_id == group.id)
            .order_by(PeerGroupMember.joined_at, PeerGroupMember.id)
        ).first()
    if viewer_id is None:
        raise NotFound(f"The peer group “{group.name}” has no members left.")
    return group_board(
        session=session,
        actor=actor,
        viewer_workspace_id=viewer_id,
        group_id=group.id,  # type: ignore[arg-type]
        today=today,
    )
