"""The demo workspace: a bakery with a complete plan and 18 months of numbers.

Everything is generated from a fixed seed and dated relative to `today`, so the same day
always gives the same workspace, and the dashboard always opens on the same mix of on
track, at risk and off track. Rows are written through the models directly (seeding is
not user input), but every value keeps to the rules the services enforce.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy import func, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from socialplan.access import Actor
from socialplan.errors import NotAllowed
from socialplan.latest_scores import refresh_latest_scores
from socialplan.models import (
    Account,
    AccountKind,
    BusinessScore,
    Cadence,
    DataSource,
    Direction,
    InfluenceScore,
    Membership,
    Metric,
    MetricSource,
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
    Reading,
    Responsibility,
    Review,
    ReviewCadence,
    ReviewItem,
    Revision,
    Role,
    Snapshot,
    Task,
    TaskStatus,
    Workspace,
    WorkspaceCreate,
)
from socialplan.scores import stage_score_recompute
from socialplan.scoring import DAILY_COLUMNS, PARTS, combine_accounts, score_frame
from socialplan.series import latest_actual, metric_series
from socialplan.status import evaluate, expected_fraction
from socialplan.workspaces import stage_workspace

DEMO_SLUG = "demo"
DEMO_NAME = "Crumb & Co. Bakery"
SEED = 20_240_917
HISTORY_DAYS = 548  # 18 months of daily snapshots, ending today
PLAN_DAYS_BEFORE_TODAY = 120
PLAN_DAYS_AFTER_TODAY = 62
REVIEW_DAYS_BEFORE_TODAY = (50, 20)
NEXT_REVIEW_DAYS_AFTER_TODAY = 10
OWNER_NAME = "Rosa Almeida"
# Where a data-derived target puts today's progress, relative to what is expected by now:
# the middle of each status band of socialplan.status, so rounding cannot tip it over.
ON_TRACK_MARGIN = 0.10
BASELINE_WINDOW_DAYS = 28
AT_RISK_MARGIN = -0.125


@dataclass(frozen=True)
class AccountProfile:
    """How one demo account behaves: its size, growth, posting rhythm and engagement."""

    network: Network
    handle: str
    display_name: str
    kind: AccountKind
    start_followers: int
    gain_per_day_before: float
    gain_per_day_during: float
    following: int
    posts_total_start: int
    weekly_posts_before: tuple[int, ...]  # Monday first
    weekly_posts_during: tuple[int, ...]
    like_rate: float  # likes per post as a share of followers
    has_reposts: bool
    has_quotes: bool
    has_bookmarks: bool
    has_impressions: bool


# Weekends are a bakery's busy days, online as at the counter: more posts, more reactions.
ACCOUNT_PROFILES = (
    AccountProfile(
        Network.INSTAGRAM, "crumbandco.bakery", "Crumb & Co. Bakery", AccountKind.OWN,
        1650, 1.6, 5.4, 412, 640, (0, 1, 0, 1, 1, 2, 1), (1, 1, 1, 1, 1, 2, 2),
        0.031, True, False, True, True,
    ),
    AccountProfile(
        Network.BLUESKY, "crumbandco.bsky.social", "Crumb & Co.", AccountKind.OWN,
        140, 0.35, 1.5, 188, 95, (0, 0, 1, 0, 1, 1, 0), (0, 1, 0, 1, 1, 1, 1),
        0.045, True, True, False, False,
    ),
    AccountProfile(
        Network.INSTAGRAM, "goldencrust.bakehouse", "Golden Crust Bakehouse",
        AccountKind.COMPETITOR, 4900, 2.1, 2.4, 730, 1820, (1, 1, 1, 1, 1, 2, 2),
        (1, 1, 1, 1, 1, 2, 2), 0.022, False, False, False, False,
    ),
    AccountProfile(
        Network.BLUESKY, "ryesociety.bsky.social", "The Rye Society", AccountKind.COMPETITOR,
        820, 0.7, 0.9, 301, 410, (1, 0, 1, 0, 1, 1, 1), (1, 0, 1, 0, 1, 1, 1),
        0.05, True, True, False, False,
    ),
)  # fmt: skip

# The team's personal profiles (Account.person_id), for the team leaderboard. Their numbers
# come from a generator of their own, so the bakery's accounts keep the numbers they had.
PERSONAL_PROFILES = (
    ("Rosa Almeida", AccountProfile(
        Network.LINKEDIN, "rosa-almeida", "Rosa Almeida", AccountKind.OWN,
        360, 0.25, 0.6, 290, 120, (0, 1, 0, 0, 0, 0, 0), (0, 1, 0, 1, 0, 0, 0),
        0.03, True, False, False, True,
    )),
    ("Maya Chen", AccountProfile(
        Network.INSTAGRAM, "maya.bakes", "Maya Chen", AccountKind.OWN,
        980, 0.9, 1.8, 640, 310, (0, 0, 1, 0, 0, 1, 1), (1, 0, 1, 0, 1, 1, 1),
        0.04, False, False, True, True,
    )),
    ("Leo Park", AccountProfile(
        Network.BLUESKY, "leopark.bsky.social", "Leo Park", AccountKind.OWN,
        210, 0.2, 0.4, 350, 90, (0, 0, 0, 0, 1, 0, 0), (0, 0, 0, 0, 1, 1, 0),
        0.05, True, True, False, False,
    )),
)  # fmt: skip
PERSONAL_SEED = SEED + 1

PEOPLE = (
    # name, email, weekly budget in minutes
    (OWNER_NAME, "rosa@crumbandco.example", 120),
    ("Maya Chen", "maya@crumbandco.example", 180),
    ("Leo Park", None, 75),
    ("Sam Okafor", "sam@crumbandco.example", 180),
)

OBJECTIVES = (
    # key, title, why, category, priority, accountable person
    (
        "awareness",
        "Be the bakery our neighbourhood thinks of first",
        "Most of our walk-in customers found us on Instagram. More local followers who "
        "see our morning bake means more people through the door on weekends.",
        ObjectiveCategory.AWARENESS,
        Priority.HIGH,
        "Maya Chen",
    ),
    (
        "leads",
        "Turn followers into custom cake orders",
        "Custom cakes earn four times the margin of counter sales. We want social media "
        "to bring in orders we would not get otherwise, and to know how many it brings.",
        ObjectiveCategory.LEADS,
        Priority.HIGH,
        OWNER_NAME,
    ),
    (
        "service",
        "Answer every customer question the same day",
        "Questions about allergens, opening hours and orders come in by DM and comment. "
        "A slow answer is a lost order and a bad review.",
        ObjectiveCategory.CUSTOMER_SERVICE,
        Priority.MEDIUM,
        "Sam Okafor",
    ),
)

TASKS = (
    # objective key, title, cadence, times/week, minutes, owner, status, due (days from today)
    ("awareness", "Post the morning bake on Instagram", Cadence.DAILY, 1, 15, "Maya Chen",
     TaskStatus.DOING, None),
    ("awareness", "Film a behind-the-scenes reel", Cadence.WEEKLY, 2, 40, "Leo Park",
     TaskStatus.DOING, None),
    ("awareness", "Share the weekend specials on Bluesky", Cadence.WEEKLY, 3, 10, "Maya Chen",
     TaskStatus.DOING, None),
    ("awareness", "Run a giveaway with the café next door", Cadence.ONCE, 1, 120, "Maya Chen",
     TaskStatus.TODO, 24),
    ("leads", "Put the cake order form link in every bio", Cadence.ONCE, 1, 30, OWNER_NAME,
     TaskStatus.DONE, -105),
    ("leads", "Post a finished custom cake with its price", Cadence.WEEKLY, 2, 30, OWNER_NAME,
     TaskStatus.DOING, None),
    ("leads", "Tease the monthly newsletter with a discount code", Cadence.MONTHLY, 1, 60,
     OWNER_NAME, TaskStatus.TODO, None),
    ("service", "Answer DMs and comments", Cadence.DAILY, 1, 20, "Sam Okafor",
     TaskStatus.DOING, None),
    ("service", "Reply to new reviews", Cadence.WEEKLY, 1, 30, "Sam Okafor",
     TaskStatus.DOING, None),
)  # fmt: skip

EXTRA_RESPONSIBILITIES = (
    # person, objective key, role: the people who are not accountable but should be involved
    (OWNER_NAME, "awareness", RaciRole.CONSULTED),
    ("Leo Park", "awareness", RaciRole.INFORMED),
    ("Maya Chen", "leads", RaciRole.CONSULTED),
    (OWNER_NAME, "service", RaciRole.INFORMED),
)

CORRECTED_METRIC = "orders"
CORRECTION_REASON = (
    "Wedding season starts later than we assumed, and 40 cakes a week would need a second "
    "decorator we do not have yet. 30 a week is ambitious but doable."
)


@dataclass(frozen=True)
class DemoDates:
    """Every date the demo hangs on, fixed relative to `today`."""

    today: date
    history_start: date
    plan_start: date
    plan_end: date
    reviews: tuple[date, ...]
    next_review: date

    @classmethod
    def around(cls, today: date) -> DemoDates:
        return cls(
            today=today,
            history_start=today - timedelta(days=HISTORY_DAYS - 1),
            plan_start=today - timedelta(days=PLAN_DAYS_BEFORE_TODAY),
            plan_end=today + timedelta(days=PLAN_DAYS_AFTER_TODAY),
            reviews=tuple(today - timedelta(days=d) for d in REVIEW_DAYS_BEFORE_TODAY),
            next_review=today + timedelta(days=NEXT_REVIEW_DAYS_AFTER_TODAY),
        )


def at(day: date, hour: int = 9) -> datetime:
    """A fixed UTC timestamp on `day`, so timestamps are as deterministic as the data."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


# ---------------------------------------------------------------- entry point


def load_demo(*, session: Session, actor: Actor, today: date | None = None) -> Workspace:
    """The demo bakery's workspace, created with everything in it unless it exists already."""
    _check_may_create(actor)
    existing = session.exec(select(Workspace).where(Workspace.slug == DEMO_SLUG)).first()
    if existing is not None:
        _ensure_can_see(session, actor, existing)
        session.commit()
        return existing
    dates = DemoDates.around(today or date.today())
    rng = np.random.default_rng(SEED)
    try:
        workspace = _build_demo(session, actor, dates, rng)
        session.commit()
    except IntegrityError:
        # Two people pressed "Explore the demo" at once and the other one's commit won.
        session.rollback()
        winner = session.exec(select(Workspace).where(Workspace.slug == DEMO_SLUG)).first()
        if winner is None:
            raise
        _ensure_can_see(session, actor, winner)
        session.commit()
        return winner
    except BaseException:
        session.rollback()
        raise
    session.refresh(workspace)
    return workspace


def demo_exists(session: Session) -> bool:
    """Whether this database has the demo workspace already."""
    return session.exec(select(Workspace.id).where(Workspace.slug == DEMO_SLUG)).first() is not None


def workspace_contents(session: Session, workspace_id: int) -> dict[str, int]:
    """How many of each kind of row the workspace holds, for a one-line summary."""
    plan_ids = select(Plan.id).where(Plan.workspace_id == workspace_id)
    objective_ids = select(Objective.id).where(col(Objective.plan_id).in_(plan_ids))
    metric_ids = select(Metric.id).where(col(Metric.objective_id).in_(objective_ids))
    account_ids = select(Account.id).where(Account.workspace_id == workspace_id)
    counts = {
        "people": select(Person.id).where(Person.workspace_id == workspace_id),
        "plans": plan_ids,
        "objectives": objective_ids,
        "metrics": metric_ids,
        "tasks": select(Task.id).where(col(Task.objective_id).in_(objective_ids)),
        "reviews": select(Review.id).where(col(Review.plan_id).in_(plan_ids)),
        "accounts": account_ids,
        "snapshots": select(Snapshot.id).where(col(Snapshot.account_id).in_(account_ids)),
        "readings": select(Reading.id).where(col(Reading.metric_id).in_(metric_ids)),
    }
    return {
        name: session.exec(select(func.count()).select_from(query.subquery())).one()
        for name, query in counts.items()
    }


def _check_may_create(actor: Actor) -> None:
    if actor.share_plan_id is not None or (actor.user_id is None and not actor.is_local):
        raise NotAllowed("Sign in to explore the demo.")


def _ensure_can_see(session: Session, actor: Actor, workspace: Workspace) -> None:
    """On a shared instance, a user who asks for the demo someone else loaded may view it."""
    if actor.user_id is None:
        return
    member = session.exec(
        select(Membership.id).where(
            Membership.workspace_id == workspace.id, Membership.user_id == actor.user_id
        )
    ).first()
    if member is None:
        session.add(Membership(workspace_id=workspace.id, user_id=actor.user_id, role=Role.VIEWER))


def _build_demo(
    session: Session, actor: Actor, dates: DemoDates, rng: np.random.Generator
) -> Workspace:
    created = at(dates.plan_start - timedelta(days=7))
    workspace = stage_workspace(session, actor, WorkspaceCreate(name=DEMO_NAME, slug=DEMO_SLUG))
    workspace.created_at = created
    people = _add_people(session, workspace, created)
    accounts = _add_accounts(session, workspace, created)
    _add_snapshots(session, accounts, dates, rng)
    personal = _add_personal_accounts(session, workspace, people, created)
    _add_snapshots(session, personal, dates, np.random.default_rng(PERSONAL_SEED))
    # Scores before metrics: the plan's score goal is set from the score's own history.
    stage_score_recompute(session, workspace_id=workspace.id)
    plan = _add_plan(session, workspace, dates)
    objectives = _add_objectives(session, plan, dates)
    metrics = _add_metrics(session, objectives, accounts, dates, rng)
    tasks = _add_tasks(session, objectives, people, dates)
    _add_responsibilities(session, objectives, tasks, people, dates)
    _add_reviews(session, plan, metrics, dates)
    _add_main_street(session, workspace, [a for a, _ in accounts.values()], dates)
    return workspace


# ---------------------------------------------------------------- people and accounts


def _add_people(session: Session, workspace: Workspace, created: datetime) -> dict[str, Person]:
    people = {
        name: Person(
            workspace_id=workspace.id,
            name=name,
            email=email,
            weekly_budget_minutes=budget,
            created_at=created,
        )
        for name, email, budget in PEOPLE
    }
    session.add_all(people.values())
    session.flush()
    return people


def _add_accounts(
    session: Session, workspace: Workspace, created: datetime
) -> dict[str, tuple[Account, AccountProfile]]:
    accounts = {}
    for profile in ACCOUNT_PROFILES:
        account = Account(
            workspace_id=workspace.id,
            network=profile.network,
            handle=profile.handle,
            display_name=profile.display_name,
            kind=profile.kind,
            created_at=created,
        )
        session.add(account)
        accounts[profile.handle] = (account, profile)
    session.flush()
    return accounts


def _add_personal_accounts(
    session: Session, workspace: Workspace, people: dict[str, Person], created: datetime
) -> dict[str, tuple[Account, AccountProfile]]:
    accounts = {}
    for person, profile in PERSONAL_PROFILES:
        account = Account(
            workspace_id=workspace.id,
            network=profile.network,
            handle=profile.handle,
            display_name=profile.display_name,
            kind=profile.kind,
            person_id=people[person].id,
            created_at=created,
        )
        session.add(account)
        accounts[profile.handle] = (account, profile)
    session.flush()
    return accounts


# ---------------------------------------------------------------- snapshots


def _add_snapshots(
    session: Session,
    accounts: dict[str, tuple[Account, AccountProfile]],
    dates: DemoDates,
    rng: np.random.Generator,
) -> None:
    rows = []
    for account, profile in accounts.values():
        rows.extend(_snapshot_rows(account.id, profile, dates, rng))  # type: ignore[arg-type]
    # One executemany instead of thousands of ORM objects keeps the demo well under a second.
    session.execute(insert(Snapshot), rows)


def _snapshot_rows(
    account_id: int, profile: AccountProfile, dates: DemoDates, rng: np.random.Generator
) -> list[dict]:
    days = [dates.history_start + timedelta(days=i) for i in range(HISTORY_DAYS)]
    during = np.array([day >= dates.plan_start for day in days])
    posts = _daily_posts(profile, days, during, rng)
    followers = _daily_followers(profile, days, during, posts, rng)
    following = profile.following + np.cumsum(rng.random(HISTORY_DAYS) < 0.08)
    posts_total = profile.posts_total_start + np.cumsum(posts)
    # Each post's reach varies a lot (a lucky reel, a rainy Tuesday), so likes are lognormal.
    likes = np.rint(posts * followers * profile.like_rate * rng.lognormal(0, 0.25, HISTORY_DAYS))
    replies = np.rint(likes * 0.07 * rng.lognormal(0, 0.3, HISTORY_DAYS))
    reposts = np.rint(likes * 0.09 * rng.lognormal(0, 0.3, HISTORY_DAYS))
    quotes = np.rint(likes * 0.02 * rng.lognormal(0, 0.4, HISTORY_DAYS))
    bookmarks = np.rint(likes * 0.05 * rng.lognormal(0, 0.3, HISTORY_DAYS))
    # Profile visits and stories give some impressions even on days without a post.
    impressions = np.rint(followers * (0.03 + posts * 0.38 * rng.lognormal(0, 0.2, HISTORY_DAYS)))
    updated = [at(day, 23) for day in days]
    return [
        {
            "account_id": account_id,
            "day": days[i],
            "followers": int(followers[i]),
            "following": int(following[i]),
            "posts_total": int(posts_total[i]),
            "posts": int(posts[i]),
            "likes": int(likes[i]),
            "reposts": int(reposts[i]) if profile.has_reposts else None,
            "replies": int(replies[i]),
            "quotes": int(quotes[i]) if profile.has_quotes else None,
            "bookmarks": int(bookmarks[i]) if profile.has_bookmarks else None,
            "impressions": int(impressions[i]) if profile.has_impressions else None,
            "source": DataSource.DEMO.value,
            "updated_at": updated[i],
        }
        for i in range(HISTORY_DAYS)
    ]


def _daily_posts(
    profile: AccountProfile, days: list[date], during: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Posts per day from the weekly schedule, with the odd day skipped or doubled."""
    weekday = np.array([day.weekday() for day in days])
    before = np.array(profile.weekly_posts_before)[weekday]
    planned = np.where(during, np.array(profile.weekly_posts_during)[weekday], before)
    skipped = rng.random(len(days)) < 0.05
    extra = rng.random(len(days)) < 0.02
    return np.maximum(0, planned - skipped + extra)


def _daily_followers(
    profile: AccountProfile,
    days: list[date],
    during: np.ndarray,
    posts: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Follower totals: a drift that rises once the plan starts, more on posting days."""
    drift = np.where(during, profile.gain_per_day_during, profile.gain_per_day_before)
    boost = 0.6 + 0.4 * np.minimum(posts, 2)
    gains = rng.normal(drift * boost, 1.0 + drift * 0.6)
    return np.maximum(0, np.rint(profile.start_followers + np.cumsum(gains))).astype(int)


# ---------------------------------------------------------------- the plan


def _add_plan(session: Session, workspace: Workspace, dates: DemoDates) -> Plan:
    plan = Plan(
        workspace_id=workspace.id,
        name=f"Local growth, {dates.plan_start:%B %Y} – {dates.plan_end:%B %Y}",
        period_start=dates.plan_start,
        period_end=dates.plan_end,
        status=PlanStatus.ACTIVE,
        review_cadence=ReviewCadence.MONTHLY,
        next_review_on=dates.next_review,
        # Updated when the second review set the next review date.
        version=2,
        created_at=at(dates.plan_start - timedelta(days=5)),
        updated_at=at(dates.reviews[-1], 17),
    )
    session.add(plan)
    session.flush()
    return plan


def _add_objectives(session: Session, plan: Plan, dates: DemoDates) -> dict[str, Objective]:
    objectives = {}
    for position, (key, title, why, category, priority, _) in enumerate(OBJECTIVES):
        objectives[key] = Objective(
            plan_id=plan.id,
            title=title,
            why=why,
            category=category,
            priority=priority,
            position=position,
            created_at=at(dates.plan_start - timedelta(days=5), 10),
        )
    session.add_all(objectives.values())
    session.flush()
    return objectives


@dataclass
class DemoMetric:
    """A metric of the demo and, for a course-corrected one, the target it started with."""

    key: str
    metric: Metric
    original_target: float
    series: pd.DataFrame  # up to today; a prefix of it is the series as of any earlier day


def _add_metrics(
    session: Session,
    objectives: dict[str, Objective],
    accounts: dict[str, tuple[Account, AccountProfile]],
    dates: DemoDates,
    rng: np.random.Generator,
) -> list[DemoMetric]:
    """The key results; account metrics get targets that put them in a chosen status today."""
    instagram = accounts["crumbandco.bakery"][0].id
    created = at(dates.plan_start - timedelta(days=5), 11)
    specs = [
        ("ig_followers", "awareness", "Instagram followers", MetricSource.FOLLOWERS, instagram,
         "followers", ON_TRACK_MARGIN),
        ("all_followers", "awareness", "Followers on all our accounts", MetricSource.FOLLOWERS,
         None, "followers", ON_TRACK_MARGIN),
        ("posts", "awareness", "Posts per week", MetricSource.POSTS_PER_WEEK, None, "posts",
         AT_RISK_MARGIN),
        ("score", "awareness", "Our influence score", MetricSource.INFLUENCE_SCORE, None,
         "points", ON_TRACK_MARGIN),
    ]  # fmt: skip
    demo_metrics = []
    for position, (key, objective_key, name, source, account_id, unit, margin) in enumerate(specs):
        metric = Metric(
            objective_id=objectives[objective_key].id,
            name=name,
            source=source,
            account_id=account_id,
            unit=unit,
            baseline=0.0,
            target=1.0,
            target_date=dates.plan_end,
            position=position,
            created_at=created,
        )
        session.add(metric)
        session.flush()
        series = metric_series(session, metric, until=dates.today)
        _set_target_for_status(metric, series, dates, margin)
        demo_metrics.append(DemoMetric(key, metric, metric.target, series))
    demo_metrics.append(_engagement_metric(session, objectives, instagram, dates, created))
    demo_metrics.extend(_manual_metrics(session, objectives, dates, created, rng))
    return demo_metrics


def _set_target_for_status(
    metric: Metric, series: pd.DataFrame, dates: DemoDates, margin: float
) -> None:
    """Baseline as measured at plan start; target set so today's progress is expected + margin."""
    start_value = _baseline_value(metric, series, dates.plan_start)
    today_value = _value_as_of(series, dates.today)
    baseline = float(round(start_value, -1 if start_value >= 100 else 0))
    expected = expected_fraction(dates.plan_start, metric.target_date, dates.today)
    raw_target = baseline + (today_value - baseline) / (expected + margin)
    target = _nice_round(raw_target, raw_target - baseline)
    metric.baseline = baseline
    # A flat stretch could round the target onto the baseline, which no service accepts.
    metric.target = target if target > baseline else baseline + 1.0


def _baseline_value(metric: Metric, series: pd.DataFrame, plan_start: date) -> float:
    """Followers as they stood at plan start; rates as their average over the month before."""
    before = series[series["day"] <= pd.Timestamp(plan_start)]
    if before.empty:
        raise RuntimeError("the demo's snapshots must begin before its plan does")
    if MetricSource(metric.source) is MetricSource.FOLLOWERS:
        return float(before["value"].iloc[-1])
    return float(before["value"].tail(BASELINE_WINDOW_DAYS).mean())


def _value_as_of(series: pd.DataFrame, day: date) -> float:
    """The metric's latest value on or before `day`, as the scorecard would read it then."""
    value = latest_actual(series[series["day"] <= pd.Timestamp(day)])
    if value is None:
        raise RuntimeError(f"the demo has no value for a metric on {day}")
    return value


def _nice_round(value: float, span: float) -> float:
    """`value` rounded to about a tenth of `span`'s order of magnitude: 3,412 -> 3,400."""
    step = 10 ** max(0, math.floor(math.log10(max(abs(span), 1))) - 1)
    return float(round(value / step) * step)


def _engagement_metric(
    session: Session,
    objectives: dict[str, Objective],
    account_id: int | None,
    dates: DemoDates,
    created: datetime,
) -> DemoMetric:
    """Engagement that stays flat while followers grow: the plan's honest off-track metric."""
    metric = Metric(
        objective_id=objectives["leads"].id,
        name="Instagram engagement rate",
        source=MetricSource.ENGAGEMENT_RATE,
        account_id=account_id,
        unit="%",
        baseline=0.0,
        target=1.0,
        target_date=dates.plan_end,
        position=0,
        created_at=created,
    )
    session.add(metric)
    session.flush()
    series = metric_series(session, metric, until=dates.today)
    metric.baseline = round(_baseline_value(metric, series, dates.plan_start), 1)
    metric.target = round(metric.baseline + 1.5, 1)
    return DemoMetric("engagement", metric, metric.target, series)


@dataclass(frozen=True)
class ManualSpec:
    """A hand-entered metric and the path of its weekly readings."""

    key: str
    objective_key: str
    name: str
    unit: str
    baseline: float
    target: float
    direction: Direction
    target_days_after_today: int
    progress_today: float  # the share of the way to target the latest reading stands at
    noise: float
    decimals: int


MANUAL_SPECS = (
    ManualSpec("orders", "leads", "Cake orders from social", "orders/week", 12.0, 40.0,
               Direction.UP, PLAN_DAYS_AFTER_TODAY, 0.34, 1.6, 0),
    ManualSpec("reply_time", "service", "Reply time in hours", "hours", 20.0, 4.0, Direction.DOWN,
               31, 0.86, 1.2, 1),
    ManualSpec("same_day", "service", "Messages answered the same day", "%", 55.0, 90.0,
               Direction.UP, PLAN_DAYS_AFTER_TODAY, 0.54, 2.5, 0),
)  # fmt: skip
CORRECTED_TARGET = 30.0


def _manual_metrics(
    session: Session,
    objectives: dict[str, Objective],
    dates: DemoDates,
    created: datetime,
    rng: np.random.Generator,
) -> list[DemoMetric]:
    demo_metrics = []
    positions = {"leads": 1, "service": 0}
    for spec in MANUAL_SPECS:
        metric = Metric(
            objective_id=objectives[spec.objective_key].id,
            name=spec.name,
            source=MetricSource.MANUAL,
            unit=spec.unit,
            baseline=spec.baseline,
            target=spec.target,
            target_date=dates.today + timedelta(days=spec.target_days_after_today),
            direction=spec.direction,
            position=positions[spec.objective_key],
            created_at=created,
        )
        positions[spec.objective_key] += 1
        session.add(metric)
        session.flush()
        session.execute(insert(Reading), _reading_rows(metric, spec, dates, rng))
        series = metric_series(session, metric, until=dates.today)
        demo_metrics.append(DemoMetric(spec.key, metric, spec.target, series))
    return demo_metrics


def _reading_rows(
    metric: Metric, spec: ManualSpec, dates: DemoDates, rng: np.random.Generator
) -> list[dict]:
    """Weekly readings from three weeks before the plan to today, drifting towards target."""
    final = spec.baseline + spec.progress_today * (spec.target - spec.baseline)
    rows = []
    weeks = (dates.today - dates.plan_start).days // 7 + 3
    for weeks_ago in range(weeks, -1, -1):
        day = dates.today - timedelta(days=7 * weeks_ago)
        share = max(0.0, (day - dates.plan_start).days / (dates.today - dates.plan_start).days)
        # The latest reading sits exactly on the designed path, so today's status is stable.
        noise = 0.0 if weeks_ago == 0 else float(rng.normal(0, spec.noise))
        value = round(spec.baseline + share * (final - spec.baseline) + noise, spec.decimals)
        rows.append(
            {
                "metric_id": metric.id,
                "day": day,
                "value": float(value),
                "note": "",
                "created_at": at(day, 18),
            }
        )
    return rows


# ---------------------------------------------------------------- tasks and responsibilities


def _add_tasks(
    session: Session,
    objectives: dict[str, Objective],
    people: dict[str, Person],
    dates: DemoDates,
) -> list[Task]:
    tasks = []
    positions: dict[str, int] = {}
    for objective_key, title, cadence, times, minutes, owner, status, due in TASKS:
        position = positions.get(objective_key, 0)
        positions[objective_key] = position + 1
        tasks.append(
            Task(
                objective_id=objectives[objective_key].id,
                title=title,
                cadence=cadence,
                due_date=dates.today + timedelta(days=due) if due is not None else None,
                times_per_week=times,
                minutes=minutes,
                status=status,
                owner_person_id=people[owner].id,
                position=position,
                created_at=at(dates.plan_start - timedelta(days=4), 10),
            )
        )
    session.add_all(tasks)
    session.flush()
    return tasks


def _add_responsibilities(
    session: Session,
    objectives: dict[str, Objective],
    tasks: list[Task],
    people: dict[str, Person],
    dates: DemoDates,
) -> None:
    created = at(dates.plan_start - timedelta(days=4), 11)
    rows = [
        Responsibility(
            person_id=people[accountable].id,
            objective_id=objectives[key].id,
            role=RaciRole.ACCOUNTABLE,
            created_at=created,
        )
        for key, *_, accountable in OBJECTIVES
    ]
    rows += [
        Responsibility(
            person_id=people[name].id,
            objective_id=objectives[key].id,
            role=role,
            created_at=created,
        )
        for name, key, role in EXTRA_RESPONSIBILITIES
    ]
    rows += [
        Responsibility(
            person_id=task.owner_person_id,
            task_id=task.id,
            role=RaciRole.RESPONSIBLE,
            created_at=created,
        )
        for task in tasks
    ]
    session.add_all(rows)
    session.flush()


# ---------------------------------------------------------------- reviews


REVIEW_SUMMARIES = (
    "First monthly review. Instagram is growing faster since we post every morning; cake "
    "orders are slow to follow. Sam's same-day replies are already making a difference.",
    "Followers keep growing, engagement does not. Cake orders are well behind: we lowered "
    "the target to 30 a week and will post more finished cakes with prices.",
)
REVIEW_COMMENTS = {
    "ig_followers": ("The morning bake posts work.", "Weekend reels bring most new followers."),
    "all_followers": ("Bluesky is small but steady.", "On course."),
    "posts": ("We skip days when the shop is busy.", "Leo is filming more; still short."),
    "score": ("Up two since we post daily.", "Conversations count: keep asking questions."),
    "engagement": ("More followers, same likes.", "Try questions in captions."),
    "orders": ("Orders trail followers by weeks.", "Target lowered to 30 — see revision."),
    "reply_time": ("Sam answers before opening now.", "Down to half a day."),
    "same_day": ("Weekend DMs wait until Monday.", "Maya covers Saturdays now."),
}
REVIEW_CONFIDENCE = {
    "ig_followers": (7, 8),
    "all_followers": (7, 8),
    "posts": (6, 5),
    "score": (6, 7),
    "engagement": (5, 3),
    "orders": (4, 6),
    "reply_time": (7, 8),
    "same_day": (5, 6),
}


def _add_reviews(session: Session, plan: Plan, metrics: list[DemoMetric], dates: DemoDates) -> None:
    """Two past reviews with each metric's status as it stood, and one course correction."""
    reviews = []
    for number, held_on in enumerate(dates.reviews):
        review = Review(
            plan_id=plan.id,
            held_on=held_on,
            summary=REVIEW_SUMMARIES[number],
            created_by=OWNER_NAME,
            created_at=at(held_on, 17),
        )
        session.add(review)
        session.flush()
        session.add_all(_review_items(review, plan, metrics, number))
        reviews.append(review)
    _correct_orders_target(session, plan, reviews[-1], metrics)
    session.flush()


def _review_items(
    review: Review, plan: Plan, metrics: list[DemoMetric], number: int
) -> list[ReviewItem]:
    items = []
    for demo_metric in metrics:
        metric = demo_metric.metric
        # A review records the numbers against the target as it stood before its corrections.
        result = evaluate(
            baseline=metric.baseline,
            target=demo_metric.original_target,
            actual=_value_as_of(demo_metric.series, review.held_on),
            plan_start=plan.period_start,
            target_date=metric.target_date,
            today=review.held_on,
        )
        items.append(
            ReviewItem(
                review_id=review.id,
                metric_id=metric.id,
                actual=result.actual,
                expected=result.goal_today,
                progress=result.progress,
                status=result.status,
                confidence=REVIEW_CONFIDENCE[demo_metric.key][number],
                comment=REVIEW_COMMENTS[demo_metric.key][number],
            )
        )
    return items


def _correct_orders_target(
    session: Session, plan: Plan, review: Review, metrics: list[DemoMetric]
) -> None:
    metric = next(m.metric for m in metrics if m.key == CORRECTED_METRIC)
    session.add(
        Revision(
            plan_id=plan.id,
            review_id=review.id,
            entity="metric",
            entity_id=metric.id,
            action="update",
            field="target",
            old_value=str(metric.target),
            new_value=str(CORRECTED_TARGET),
            reason=CORRECTION_REASON,
            changed_by=OWNER_NAME,
            created_at=at(review.held_on, 17),
        )
    )
    metric.target = CORRECTED_TARGET
    metric.version = 2
    metric.updated_at = at(review.held_on, 17)


# ---------------------------------------------------------------- the Main Street peer group

MAIN_STREET_NAME = "Main Street"
MAIN_STREET_CODE = "MAINST01"  # outside the random codes' alphabet (0, 1), so never reissued
MAIN_STREET_DESCRIPTION = (
    "The shops and studios of Main Street comparing notes: who is growing, what works. "
    "Each business chooses which of its accounts to enter."
)
PEER_SLUG_PREFIX = "demo-peer-"
PEER_SEED = SEED + 2
# Businesses that enter only their first account: a member need not show everything.
PARTLY_ENTERED = frozenset({5, 12, 25})
# network -> which counts the network gives (reposts, quotes, bookmarks, impressions)
NETWORK_COUNTS = {
    Network.INSTAGRAM: (False, False, True, True),
    Network.FACEBOOK: (True, False, False, True),
    Network.X: (True, True, True, True),
    Network.BLUESKY: (True, True, False, False),
    Network.MASTODON: (True, False, False, False),
    Network.LINKEDIN: (True, False, False, True),
}
PEER_BUSINESSES = (
    ("Bloom & Stem Florist", (Network.INSTAGRAM, Network.FACEBOOK)),
    ("Corner Books", (Network.INSTAGRAM, Network.BLUESKY)),
    ("Main Street Hardware", (Network.FACEBOOK,)),
    ("Luna Yoga Studio", (Network.INSTAGRAM,)),
    ("The Daily Grind Café", (Network.INSTAGRAM, Network.X)),
    ("Pedal Bike Repair", (Network.MASTODON, Network.INSTAGRAM)),
    ("Fade & Co. Barbers", (Network.INSTAGRAM,)),
    ("Nonna's Pizzeria", (Network.INSTAGRAM, Network.FACEBOOK)),
    ("Paws & Whiskers Pet Shop", (Network.FACEBOOK,)),
    ("Stitch Tailoring", (Network.INSTAGRAM,)),
    ("Green Leaf Grocer", (Network.FACEBOOK,)),
    ("Vinyl Corner Records", (Network.BLUESKY, Network.INSTAGRAM)),
    ("Harbour Optometrists", (Network.FACEBOOK, Network.LINKEDIN)),
    ("Little Sprouts Toys", (Network.INSTAGRAM,)),
    ("Ironworks Gym", (Network.INSTAGRAM, Network.X)),
    ("Maple Dental Care", (Network.FACEBOOK,)),
    ("The Tea Room", (Network.INSTAGRAM,)),
    ("Brightside Laundrette", (Network.FACEBOOK,)),
    ("Atlas Travel", (Network.LINKEDIN, Network.FACEBOOK)),
    ("Quill Stationers", (Network.INSTAGRAM,)),
    ("Rosewood Antiques", (Network.INSTAGRAM,)),
    ("Spice Route Kitchen", (Network.INSTAGRAM, Network.FACEBOOK)),
    ("Fresh Catch Fishmonger", (Network.FACEBOOK,)),
    ("Sunny Side Nursery", (Network.FACEBOOK, Network.INSTAGRAM)),
    ("Lens & Light Photography", (Network.INSTAGRAM, Network.X)),
    ("Keys & Locks", (Network.FACEBOOK,)),
    ("Heritage Butchers", (Network.INSTAGRAM, Network.FACEBOOK)),
    ("Sole Revival Shoe Repair", (Network.FACEBOOK,)),
    ("The Wine Cellar", (Network.INSTAGRAM, Network.X)),
    ("Pixel Phone Repair", (Network.X,)),
    ("Hearth Home Goods", (Network.INSTAGRAM,)),
    ("Northside Physio", (Network.LINKEDIN, Network.INSTAGRAM)),
    ("Glow Beauty Salon", (Network.INSTAGRAM,)),
    ("Scoops Ice Cream", (Network.INSTAGRAM, Network.BLUESKY)),
    ("Oak & Ink Tattoo", (Network.INSTAGRAM,)),
    ("Market Street Deli", (Network.FACEBOOK,)),
    ("Chapter Two Secondhand", (Network.INSTAGRAM, Network.MASTODON)),
    ("Bright Minds Tutoring", (Network.FACEBOOK, Network.LINKEDIN)),
    ("Evergreen Garden Centre", (Network.FACEBOOK, Network.INSTAGRAM)),
    ("Main Street Cinema", (Network.X, Network.INSTAGRAM)),
)


@dataclass(frozen=True)
class PeerProfile:
    """How a peer's account behaves over the 18 months: size, growth, rhythm and reactions."""

    start_followers: float
    yearly_growth: float
    posts_per_week: float
    like_rate: float
    first_day: int  # index of the first day with numbers (a newer account starts later)
    quiet_from: int | None  # index of the day it stopped posting, if it did
    revived_at: int | None  # index of the day a quiet start turned into regular posting


def peer_handle(name: str, network: Network) -> str:
    """A plausible handle for a business on a network: "cornerbooks.bsky.social"."""
    base = "".join(ch for ch in name.lower().replace("&", "and") if ch.isalnum())
    if network is Network.BLUESKY:
        return f"{base}.bsky.social"
    if network is Network.MASTODON:
        return f"{base}@mainstreet.social"
    if network is Network.X:
        return base[:15]
    if network is Network.LINKEDIN:
        return "-".join(name.lower().replace("&", "and").replace("'", "").split())
    return base


def _peer_profile(rng: np.random.Generator) -> PeerProfile:
    """A varied, realistic account: most steady, some new, some gone quiet, some revived."""
    pattern = rng.choice(["steady"] * 10 + ["new"] * 2 + ["quiet"] * 2 + ["revived"] * 2 + ["idle"])
    quiet_from = revived_at = None
    first_day = 0
    if pattern == "new":
        first_day = int(rng.integers(150, 420))
    elif pattern == "quiet":
        # Quiet for the last 3 to 10 weeks: some already held at 10, some about to be.
        quiet_from = int(rng.integers(HISTORY_DAYS - 70, HISTORY_DAYS - 20))
    elif pattern == "idle":
        quiet_from = int(rng.integers(200, HISTORY_DAYS - 80))
    elif pattern == "revived":
        revived_at = int(rng.integers(150, HISTORY_DAYS - 120))
    return PeerProfile(
        start_followers=float(10 ** rng.uniform(1.8, 4.3)),
        yearly_growth=float(rng.choice([-0.1, 0.0, 0.08, 0.2, 0.45, 0.9, 1.6])),
        posts_per_week=float(rng.choice([0.5, 1, 2, 3, 4, 6, 9]) * rng.lognormal(0, 0.2)),
        like_rate=float(np.clip(rng.lognormal(np.log(0.018), 0.6), 0.003, 0.09)),
        first_day=first_day,
        quiet_from=quiet_from,
        revived_at=revived_at,
    )


def _peer_snapshot_rows(
    account_id: int,
    network: Network,
    profile: PeerProfile,
    days: list[date],
    updated: list[datetime],
    rng: np.random.Generator,
) -> list[dict]:
    """Daily numbers from the account's first day to today, every draw vectorised."""
    n = HISTORY_DAYS - profile.first_day
    index = np.arange(profile.first_day, HISTORY_DAYS)
    weekday = np.array([days[i].weekday() for i in index])
    rate = profile.posts_per_week / 7 * np.where(weekday >= 5, 1.4, 0.85)
    if profile.quiet_from is not None:
        rate = np.where(index >= profile.quiet_from, 0.0, rate)
    if profile.revived_at is not None:
        rate = np.where(index < profile.revived_at, rate * 0.15, rate * 1.3)
    posts = rng.poisson(rate)
    daily_growth = math.log1p(profile.yearly_growth) / 365
    # Posting days bring followers; quiet months lose a few, as real audiences do.
    drift = np.where(posts > 0, daily_growth * 1.6, daily_growth * 0.7 - 0.0002)
    followers = profile.start_followers * np.exp(np.cumsum(rng.normal(drift, 0.002, n)))
    followers = np.maximum(1, np.rint(followers)).astype(int)
    likes = np.rint(posts * followers * profile.like_rate * rng.lognormal(0, 0.35, n)).astype(int)
    replies = np.rint(likes * 0.08 * rng.lognormal(0, 0.4, n)).astype(int)
    reposts = np.rint(likes * 0.1 * rng.lognormal(0, 0.4, n)).astype(int)
    quotes = np.rint(likes * 0.02 * rng.lognormal(0, 0.5, n)).astype(int)
    bookmarks = np.rint(likes * 0.04 * rng.lognormal(0, 0.4, n)).astype(int)
    impressions = np.rint(followers * (0.02 + posts * 0.35 * rng.lognormal(0, 0.25, n)))
    following = (followers * 0.3 + 40).astype(int)
    posts_total = 40 + np.cumsum(posts)
    has_reposts, has_quotes, has_bookmarks, has_impressions = NETWORK_COUNTS[network]
    columns = {
        "followers": followers.tolist(),
        "following": following.tolist(),
        "posts_total": posts_total.tolist(),
        "posts": posts.tolist(),
        "likes": likes.tolist(),
        "replies": replies.tolist(),
        "reposts": reposts.tolist() if has_reposts else [None] * n,
        "quotes": quotes.tolist() if has_quotes else [None] * n,
        "bookmarks": bookmarks.tolist() if has_bookmarks else [None] * n,
        "impressions": impressions.astype(int).tolist() if has_impressions else [None] * n,
    }
    names = list(columns)
    return [
        {
            "account_id": account_id,
            "day": days[i],
            **dict(zip(names, values, strict=True)),
            "source": DataSource.DEMO.value,
            "updated_at": updated[i],
        }
        for i, *values in zip(index.tolist(), *columns.values(), strict=True)
    ]


def _add_main_street(
    session: Session, bakery: Workspace, own_accounts: list[Account], dates: DemoDates
) -> PeerGroup:
    """The Main Street group: 40 neighbouring businesses with scores, and the bakery in it.

    Reused when it exists (the demo bakery was deleted and loaded again): the bakery then
    only joins it again with its accounts.
    """
    group = session.exec(select(PeerGroup).where(PeerGroup.invite_code == MAIN_STREET_CODE)).first()
    if group is None:
        group = _grow_main_street(session, dates)
    if group.owner_workspace_id is None:
        group.owner_workspace_id = bakery.id
    session.add(
        PeerGroupMember(
            group_id=group.id,
            workspace_id=bakery.id,
            share_progress=True,
            joined_at=at(dates.plan_start - timedelta(days=40)),
        )
    )
    session.add_all(
        PeerGroupEntry(
            group_id=group.id,
            account_id=account.id,
            created_at=at(dates.plan_start - timedelta(days=40), 10),
        )
        for account in own_accounts
        if account.kind == AccountKind.OWN
    )
    session.flush()
    return group


def bulk_insert(connection: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    """One Core executemany: tens of thousands of rows without building an ORM object each.

    (Multi-row VALUES and INSERT … RETURNING pages were both slower on PostgreSQL.)
    """
    if rows:
        connection.execute(sa.insert(table), rows)


def _score_rows(scores: pd.DataFrame, key: str) -> list[dict]:
    """Stored-score rows from a `scoring.score_frame` result: plain ints, dates and floats."""
    rows = pd.DataFrame(
        {
            key: scores["account_id"].astype(int),
            "day": scores["day"].dt.date,
            "score": scores["score"].astype(int),
        }
    )
    for part in PARTS:
        rows[part] = scores[part].astype(object).where(scores[part].notna(), None)
    return rows.to_dict("records")


def _store_new_scores(
    connection: sa.Connection, daily: pd.DataFrame, workspace_of: dict[int, int]
) -> None:
    """Scores of brand-new accounts and businesses, from the numbers just generated.

    The same formula and windows as `scores.recompute_scores` (which would write exactly
    these rows: a recompute afterwards changes nothing), but one vectorised pass for all 40
    businesses instead of one recompute each, which would take several seconds.
    """
    account_scores = score_frame(daily)
    business_scores = score_frame(combine_accounts(daily, workspace_of))
    bulk_insert(
        connection,
        InfluenceScore.__table__,  # type: ignore[attr-defined]
        _score_rows(account_scores, "account_id"),
    )
    bulk_insert(
        connection,
        BusinessScore.__table__,  # type: ignore[attr-defined]
        _score_rows(business_scores, "workspace_id"),
    )


def _grow_main_street(session: Session, dates: DemoDates) -> PeerGroup:
    """The peer businesses, their accounts, 18 months of numbers and scores, and the group."""
    rng = np.random.default_rng(PEER_SEED)
    created = at(dates.history_start)
    peers = [
        Workspace(
            name=name,
            slug=f"{PEER_SLUG_PREFIX}{number:02d}",
            created_at=created,
        )
        for number, (name, _) in enumerate(PEER_BUSINESSES, start=1)
    ]
    # Added directly, not through stage_workspace: nobody signed in owns the neighbours.
    session.add_all(peers)
    session.flush()
    accounts: list[tuple[Account, int, int]] = []
    for number, (workspace, (name, networks)) in enumerate(
        zip(peers, PEER_BUSINESSES, strict=True), start=1
    ):
        for position, network in enumerate(networks):
            account = Account(
                workspace_id=workspace.id,
                network=network,
                handle=peer_handle(name, network),
                display_name=name,
                kind=AccountKind.OWN,
                created_at=created,
            )
            session.add(account)
            accounts.append((account, number, position))
    session.flush()
    days = [dates.history_start + timedelta(days=i) for i in range(HISTORY_DAYS)]
    updated = [at(day, 23) for day in days]
    rows: list[dict] = []
    for account, _, _ in accounts:
        profile = _peer_profile(rng)
        rows.extend(
            _peer_snapshot_rows(
                account.id,
                Network(account.network),
                profile,
                days,
                updated,
                rng,  # type: ignore[arg-type]
            )
        )
    connection = session.connection()
    bulk_insert(connection, Snapshot.__table__, rows)  # type: ignore[attr-defined]
    _store_new_scores(
        connection,
        pd.DataFrame(rows, columns=DAILY_COLUMNS),
        {account.id: account.workspace_id for account, _, _ in accounts},  # type: ignore[misc]
    )
    refresh_latest_scores(session, [account.id for account, _, _ in accounts])  # type: ignore[misc]
    group = PeerGroup(
        name=MAIN_STREET_NAME,
        description=MAIN_STREET_DESCRIPTION,
        invite_code=MAIN_STREET_CODE,
        created_at=at(dates.plan_start - timedelta(days=40)),
    )
    session.add(group)
    session.flush()
    session.add_all(
        PeerGroupMember(
            group_id=group.id,
            workspace_id=workspace.id,
            joined_at=at(dates.plan_start - timedelta(days=39 - number // 2)),
        )
        for number, workspace in enumerate(peers, start=1)
    )
    session.add_all(
        PeerGroupEntry(
            group_id=group.id,
            account_id=account.id,
            created_at=at(dates.plan_start - timedelta(days=30)),
        )
        for account, number, position in accounts
        if position == 0 or number not in PARTLY_ENTERED
    )
    session.flush()
    return group
