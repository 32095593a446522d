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
from sqlalchemy import func, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from socialplan.access import Actor
from socialplan.errors import NotAllowed
from socialplan.models import (
    Account,
    AccountKind,
    Cadence,
    DataSource,
    Direction,
    Membership,
    Metric,
    MetricSource,
    Network,
    Objective,
    ObjectiveCategory,
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
    plan = _add_plan(session, workspace, dates)
    objectives = _add_objectives(session, plan, dates)
    metrics = _add_metrics(session, objectives, accounts, dates, rng)
    tasks = _add_tasks(session, objectives, people, dates)
    _add_responsibilities(session, objectives, tasks, people, dates)
    _add_reviews(session, plan, metrics, dates)
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
    "engagement": ("More followers, same likes.", "Try questions in captions."),
    "orders": ("Orders trail followers by weeks.", "Target lowered to 30 — see revision."),
    "reply_time": ("Sam answers before opening now.", "Down to half a day."),
    "same_day": ("Weekend DMs wait until Monday.", "Maya covers Saturdays now."),
}
REVIEW_CONFIDENCE = {
    "ig_followers": (7, 8),
    "all_followers": (7, 8),
    "posts": (6, 5),
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
