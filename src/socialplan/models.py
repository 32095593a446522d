"""Every table of Social Plan, with the shared, validated fields of each entity.

Per entity: `ThingBase` holds the fields a user sets and their validation, `ThingCreate`
is what a service accepts to create one, `ThingUpdate` (all optional, plus the version the
editor read) is what it accepts to change one, and `Thing` is the table that alone holds
ids, foreign keys and bookkeeping. Enums are stored as short strings, not native database
enums, so adding a choice never needs a type migration on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

# Named constraints let Alembic's batch mode alter SQLite tables and drop constraints by name.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TITLE_MAX = 200
TEXT_MAX = 2000


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC and reads back aware UTC, identically on SQLite and PostgreSQL."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _enum_column(length: int = 24) -> dict:
    return {"sa_type": sa.String(length)}


def _created() -> dict:
    return {"default_factory": utcnow, "sa_type": UTCDateTime, "nullable": False}


def _timestamp() -> dict:
    return {"default": None, "sa_type": UTCDateTime, "nullable": True}


def _fk(target: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> dict:
    return {"foreign_key": target, "ondelete": ondelete, "nullable": nullable, "index": True}


# ---------------------------------------------------------------- enums


class Role(StrEnum):
    OWNER = "owner"
    EDITOR = "editor"
    VIEWER = "viewer"


class PlanStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    CLOSED = "closed"


class ReviewCadence(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


class ObjectiveCategory(StrEnum):
    AWARENESS = "awareness"
    ENGAGEMENT = "engagement"
    LEADS = "leads"
    SALES = "sales"
    CUSTOMER_SERVICE = "customer_service"
    HIRING = "hiring"
    OTHER = "other"


class Priority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class MetricSource(StrEnum):
    FOLLOWERS = "followers"
    POSTS_PER_WEEK = "posts_per_week"
    ENGAGEMENT_RATE = "engagement_rate"
    INFLUENCE_SCORE = "influence_score"
    MANUAL = "manual"


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"


class MetricStatus(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"


class Cadence(StrEnum):
    ONCE = "once"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class TaskStatus(StrEnum):
    TODO = "todo"
    DOING = "doing"
    DONE = "done"
    DROPPED = "dropped"


class RaciRole(StrEnum):
    RESPONSIBLE = "responsible"
    ACCOUNTABLE = "accountable"
    CONSULTED = "consulted"
    INFORMED = "informed"


class Network(StrEnum):
    X = "x"
    BLUESKY = "bluesky"
    MASTODON = "mastodon"
    LINKEDIN = "linkedin"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    OTHER = "other"


class AccountKind(StrEnum):
    OWN = "own"
    COMPETITOR = "competitor"


class DataSource(StrEnum):
    SYNC = "sync"
    IMPORT = "import"
    MANUAL = "manual"
    DEMO = "demo"


# ---------------------------------------------------------------- users and workspaces


class User(SQLModel, table=True):
    """A signed-in identity, known by its OpenID Connect issuer and subject."""

    __tablename__ = "app_user"

    __table_args__ = (sa.UniqueConstraint("issuer", "subject"),)
    id: int | None = Field(default=None, primary_key=True)
    issuer: str = Field(max_length=500)
    subject: str = Field(max_length=255)
    email: str | None = Field(default=None, max_length=320)
    name: str | None = Field(default=None, max_length=TITLE_MAX)
    created_at: datetime = Field(**_created())
    last_seen_at: datetime | None = Field(**_timestamp())


class WorkspaceBase(SQLModel):
    """A business: what its owner names it."""

    name: str = Field(min_length=1, max_length=TITLE_MAX)


class WorkspaceCreate(WorkspaceBase):
    """A new workspace; the slug is derived from the name when not given."""

    slug: str | None = Field(default=None, max_length=64)


class Workspace(WorkspaceBase, table=True):
    """One business: its plans, accounts and people."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    x_token_encrypted: str | None = Field(default=None, max_length=2000)
    version: int = Field(default=1)
    created_at: datetime = Field(**_created())
    updated_at: datetime | None = Field(**_timestamp())


class Membership(SQLModel, table=True):
    """A user's role in a workspace."""

    __table_args__ = (sa.UniqueConstraint("workspace_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(**_fk("workspace.id"))
    user_id: int = Field(**_fk("app_user.id"))
    role: Role = Field(**_enum_column())
    created_at: datetime = Field(**_created())


class Invitation(SQLModel, table=True):
    """An invitation by email to join a workspace with a role; expires, can be revoked."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(**_fk("workspace.id"))
    email: str = Field(max_length=320, index=True)
    role: Role = Field(**_enum_column())
    invited_by_user_id: int | None = Field(**_fk("app_user.id", nullable=True, ondelete="SET NULL"))
    created_at: datetime = Field(**_created())
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    accepted_at: datetime | None = Field(**_timestamp())
    revoked_at: datetime | None = Field(**_timestamp())


class PersonBase(SQLModel):
    """Someone on the team, with the hours a week they may spend on social media."""

    name: str = Field(min_length=1, max_length=TITLE_MAX)
    email: str | None = Field(default=None, max_length=320)
    weekly_budget_minutes: int = Field(default=0, ge=0, le=7 * 24 * 60)


class PersonCreate(PersonBase):
    """A new person on the team."""


class PersonUpdate(SQLModel):
    """A change to a person; `version` is the one the editor read."""

    version: int
    name: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    email: str | None = Field(default=None, max_length=320)
    weekly_budget_minutes: int | None = Field(default=None, ge=0, le=7 * 24 * 60)


class Person(PersonBase, table=True):
    """A member of the team; may or may not have a login."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(**_fk("workspace.id"))
    user_id: int | None = Field(**_fk("app_user.id", nullable=True, ondelete="SET NULL"))
    archived_at: datetime | None = Field(**_timestamp())
    version: int = Field(default=1)
    created_at: datetime = Field(**_created())
    updated_at: datetime | None = Field(**_timestamp())


# ---------------------------------------------------------------- the plan


class PlanBase(SQLModel):
    """A plan's period and name."""

    name: str = Field(min_length=1, max_length=TITLE_MAX)
    period_start: date
    period_end: date


class PlanCreate(PlanBase):
    """A new plan; starts as a draft unless said otherwise."""

    status: PlanStatus = PlanStatus.ACTIVE


class PlanUpdate(SQLModel):
    """A change to a plan; `version` is the one the editor read."""

    version: int
    name: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    period_start: date | None = None
    period_end: date | None = None
    status: PlanStatus | None = None
    review_cadence: ReviewCadence | None = None
    next_review_on: date | None = None


class Plan(PlanBase, table=True):
    """A period of a workspace's social media plan."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(**_fk("workspace.id"))
    status: PlanStatus = Field(default=PlanStatus.ACTIVE, **_enum_column())
    review_cadence: ReviewCadence | None = Field(default=None, **_enum_column())
    next_review_on: date | None = None
    copied_from_plan_id: int | None = Field(**_fk("plan.id", nullable=True, ondelete="SET NULL"))
    version: int = Field(default=1)
    created_at: datetime = Field(**_created())
    updated_at: datetime | None = Field(**_timestamp())


class ObjectiveBase(SQLModel):
    """What the business wants from social media, and why."""

    title: str = Field(min_length=1, max_length=TITLE_MAX)
    why: str = Field(default="", max_length=TEXT_MAX)
    category: ObjectiveCategory = Field(default=ObjectiveCategory.AWARENESS, **_enum_column())
    priority: Priority = Field(default=Priority.MEDIUM, **_enum_column())


class ObjectiveCreate(ObjectiveBase):
    """A new objective of a plan."""


class ObjectiveUpdate(SQLModel):
    """A change to an objective; `version` is the one the editor read."""

    version: int
    title: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    why: str | None = Field(default=None, max_length=TEXT_MAX)
    category: ObjectiveCategory | None = None
    priority: Priority | None = None


class Objective(ObjectiveBase, table=True):
    """A business objective of a plan."""

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(**_fk("plan.id"))
    position: int = Field(default=0)
    archived_at: datetime | None = Field(**_timestamp())
    version: int = Field(default=1)
    created_at: datetime = Field(**_created())
    updated_at: datetime | None = Field(**_timestamp())


class MetricBase(SQLModel):
    """A key result: where its numbers come from and the goal."""

    name: str = Field(min_length=1, max_length=TITLE_MAX)
    source: MetricSource = Field(default=MetricSource.MANUAL, **_enum_column())
    unit: str = Field(default="", max_length=40)
    baseline: float = Field(ge=-1e12, le=1e12)
    target: float = Field(ge=-1e12, le=1e12)
    target_date: date
    direction: Direction = Field(default=Direction.UP, **_enum_column())


class MetricCreate(MetricBase):
    """A new metric of an objective; `account_id` None means all own accounts combined."""

    account_id: int | None = None


class MetricUpdate(SQLModel):
    """A change to a metric; `version` is the one the editor read."""

    version: int
    name: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    source: MetricSource | None = None
    account_id: int | None = None
    unit: str | None = Field(default=None, max_length=40)
    baseline: float | None = Field(default=None, ge=-1e12, le=1e12)
    target: float | None = Field(default=None, ge=-1e12, le=1e12)
    target_date: date | None = None
    direction: Direction | None = None


class Metric(MetricBase, table=True):
    """A key result of an objective."""

    id: int | None = Field(default=None, primary_key=True)
    objective_id: int = Field(**_fk("objective.id"))
    account_id: int | None = Field(**_fk("account.id", nullable=True, ondelete="SET NULL"))
    position: int = Field(default=0)
    archived_at: datetime | None = Field(**_timestamp())
    version: int = Field(default=1)
    created_at: datetime = Field(**_created())
    updated_at: datetime | None = Field(**_timestamp())


class ReadingBase(SQLModel):
    """One value of a hand-entered business metric on one date."""

    day: date
    value: float = Field(ge=-1e12, le=1e12)
    note: str = Field(default="", max_length=TEXT_MAX)


class Reading(ReadingBase, table=True):
    """A stored reading; one per metric and day."""

    __table_args__ = (sa.UniqueConstraint("metric_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    metric_id: int = Field(**_fk("metric.id"))
    created_at: datetime = Field(**_created())
    updated_at: datetime | None = Field(**_timestamp())


class TaskBase(SQLModel):
    """Work that moves a metric: how often, how long, by whom."""

    title: str = Field(min_length=1, max_length=TITLE_MAX)
    cadence: Cadence = Field(default=Cadence.WEEKLY, **_enum_column())
    due_date: date | None = None
    times_per_week: int = Field(default=1, ge=1, le=21)
    minutes: int = Field(default=30, ge=0, le=24 * 60)
    status: TaskStatus = Field(default=TaskStatus.TODO, **_enum_column())


class TaskCreate(TaskBase):
    """A new task of an objective."""

    owner_person_id: int | None = None


class TaskUpdate(SQLModel):
    """A change to a task; `version` is the one the editor read."""

    version: int
    title: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    cadence: Cadence | None = None
    due_date: date | None = None
    times_per_week: int | None = Field(default=None, ge=1, le=21)
    minutes: int | None = Field(default=None, ge=0, le=24 * 60)
    status: TaskStatus | None = None
    owner_person_id: int | None = None


class Task(TaskBase, table=True):
    """Recurring or one-off work that serves an objective."""

    id: int | None = Field(default=None, primary_key=True)
    objective_id: int = Field(**_fk("objective.id"))
    owner_person_id: int | None = Field(**_fk("person.id", nullable=True, ondelete="SET NULL"))
    position: int = Field(default=0)
    version: int = Field(default=1)
    created_at: datetime = Field(**_created())
    updated_at: datetime | None = Field(**_timestamp())


class Responsibility(SQLModel, table=True):
    """A person's RACI role on an objective or on a task (exactly one of the two is set)."""

    __table_args__ = (
        sa.UniqueConstraint("person_id", "objective_id", "task_id"),
        sa.CheckConstraint("(objective_id IS NULL) <> (task_id IS NULL)", name="one_target"),
    )
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(**_fk("person.id"))
    objective_id: int | None = Field(**_fk("objective.id", nullable=True))
    task_id: int | None = Field(**_fk("task.id", nullable=True))
    role: RaciRole = Field(**_enum_column())
    created_at: datetime = Field(**_created())


class Review(SQLModel, table=True):
    """A dated review session over a plan."""

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(**_fk("plan.id"))
    held_on: date
    summary: str = Field(default="", max_length=TEXT_MAX)
    created_by: str = Field(default="", max_length=TITLE_MAX)
    version: int = Field(default=1)
    created_at: datetime = Field(**_created())
    updated_at: datetime | None = Field(**_timestamp())


class ReviewItemBase(SQLModel):
    """What the team said of one metric in a review."""

    confidence: int = Field(default=5, ge=0, le=10)
    comment: str = Field(default="", max_length=TEXT_MAX)


class ReviewItem(ReviewItemBase, table=True):
    """One metric in a review: the numbers as they stood, and the team's judgement."""

    __tablename__ = "review_item"

    __table_args__ = (sa.UniqueConstraint("review_id", "metric_id"),)
    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(**_fk("review.id"))
    metric_id: int = Field(**_fk("metric.id"))
    actual: float | None = None
    expected: float | None = None
    progress: float | None = None
    status: MetricStatus = Field(default=MetricStatus.NO_DATA, **_enum_column())


class Revision(SQLModel, table=True):
    """A recorded change to a plan: what changed, who changed it, when and why."""

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(**_fk("plan.id"))
    review_id: int | None = Field(**_fk("review.id", nullable=True, ondelete="SET NULL"))
    entity: str = Field(max_length=40)
    entity_id: int | None = None
    action: str = Field(max_length=40)
    field: str = Field(default="", max_length=60)
    old_value: str = Field(default="", max_length=TEXT_MAX)
    new_value: str = Field(default="", max_length=TEXT_MAX)
    reason: str = Field(default="", max_length=TEXT_MAX)
    changed_by: str = Field(default="", max_length=TITLE_MAX)
    created_at: datetime = Field(**_created())


# ---------------------------------------------------------------- accounts and numbers


class AccountBase(SQLModel):
    """A social profile the workspace follows."""

    network: Network = Field(**_enum_column())
    handle: str = Field(min_length=1, max_length=320)
    display_name: str = Field(default="", max_length=TITLE_MAX)
    kind: AccountKind = Field(default=AccountKind.OWN, **_enum_column())


class AccountCreate(AccountBase):
    """A new account; `person_id` marks a team member's personal account."""

    person_id: int | None = None


class Account(AccountBase, table=True):
    """A social profile: the workspace's own or a competitor's."""

    __table_args__ = (sa.UniqueConstraint("workspace_id", "network", "handle"),)
    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(**_fk("workspace.id"))
    person_id: int | None = Field(**_fk("person.id", nullable=True, ondelete="SET NULL"))
    last_synced_at: datetime | None = Field(**_timestamp())
    last_sync_error: str | None = Field(default=None, max_length=TEXT_MAX)
    removed_at: datetime | None = Field(**_timestamp())
    version: int = Field(default=1)
    created_at: datetime = Field(**_created())
    updated_at: datetime | None = Field(**_timestamp())


class Snapshot(SQLModel, table=True):
    """One account's numbers on one day.

    `followers`, `following` and `posts_total` are totals as of that day; `posts` and the
    reaction counts are what happened on that day. A count the source does not give is NULL,
    never 0, so that a missing number is never read as a bad one. Counts are 64-bit: a
    large account's impressions pass 2^31 in a few days.
    """

    # The day index serves reads of every account's recent days (recompute after a sync).
    __table_args__ = (sa.UniqueConstraint("account_id", "day"), sa.Index("ix_snapshot_day", "day"))
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", ondelete="CASCADE", nullable=False)
    day: date
    followers: int | None = Field(default=None, ge=0, sa_type=sa.BigInteger)
    following: int | None = Field(default=None, ge=0, sa_type=sa.BigInteger)
    posts_total: int | None = Field(default=None, ge=0, sa_type=sa.BigInteger)
    posts: int | None = Field(default=None, ge=0, sa_type=sa.BigInteger)
    likes: int | None = Field(default=None, ge=0, sa_type=sa.BigInteger)
    reposts: int | None = Field(default=None, ge=0, sa_type=sa.BigInteger)
    replies: int | None = Field(default=None, ge=0, sa_type=sa.BigInteger)
    quotes: int | None = Field(default=None, ge=0, sa_type=sa.BigInteger)
    bookmarks: int | None = Field(default=None, ge=0, sa_type=sa.BigInteger)
    impressions: int | None = Field(default=None, ge=0, sa_type=sa.BigInteger)
    source: DataSource = Field(default=DataSource.MANUAL, **_enum_column())
    updated_at: datetime = Field(**_created())


class InfluenceScore(SQLModel, table=True):
    """An account's influence score on one day, with the sub-scores it came from."""

    __tablename__ = "influence_score"

    __table_args__ = (
        sa.UniqueConstraint("account_id", "day"),
        sa.Index("ix_influence_score_day", "day"),
    )
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", ondelete="CASCADE", nullable=False)
    day: date
    score: int = Field(ge=1, le=100)
    reach: float | None = None
    engagement: float | None = None
    amplification: float | None = None
    consistency: float | None = None


class BusinessScore(SQLModel, table=True):
    """A workspace's influence score on one day, over its own accounts combined."""

    __tablename__ = "business_score"

    __table_args__ = (sa.UniqueConstraint("workspace_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE", nullable=False)
    day: date
    score: int = Field(ge=1, le=100)
    reach: float | None = None
    engagement: float | None = None
    amplification: float | None = None
    consistency: float | None = None


class WorkspaceDataVersion(SQLModel, table=True):
    """A counter every committed write to a workspace's data bumps (`socialplan.versions`).

    Pages cache what they compute from a workspace keyed on this number, so a cached answer
    is never served after a change, from this server or any other sharing the database. A
    table of its own, not a column of `workspace`, so bumping it never waits on an edit of
    the workspace's own row.
    """

    __tablename__ = "workspace_data_version"

    workspace_id: int = Field(
        foreign_key="workspace.id", ondelete="CASCADE", primary_key=True, nullable=False
    )
    version: int = Field(default=0, sa_type=sa.BigInteger, nullable=False)


# ---------------------------------------------------------------- peers and sharing


class PeerGroup(SQLModel, table=True):
    """A named group across workspaces, joined by invite code."""

    __tablename__ = "peer_group"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(default="", max_length=TEXT_MAX)
    invite_code: str = Field(max_length=40, unique=True, index=True)
    owner_workspace_id: int | None = Field(
        **_fk("workspace.id", nullable=True, ondelete="SET NULL")
    )
    created_at: datetime = Field(**_created())


class PeerGroupMember(SQLModel, table=True):
    """A workspace's membership of a peer group."""

    __tablename__ = "peer_group_member"

    __table_args__ = (sa.UniqueConstraint("group_id", "workspace_id"),)
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(**_fk("peer_group.id"))
    workspace_id: int = Field(**_fk("workspace.id"))
    share_progress: bool = Field(default=False)
    joined_at: datetime = Field(**_created())


class PeerGroupEntry(SQLModel, table=True):
    """One account a member workspace opted in to a peer group's leaderboard."""

    __tablename__ = "peer_group_entry"

    __table_args__ = (sa.UniqueConstraint("group_id", "account_id"),)
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(**_fk("peer_group.id"))
    account_id: int = Field(**_fk("account.id"))
    created_at: datetime = Field(**_created())


class ShareLink(SQLModel, table=True):
    """A revocable, read-only link to one plan; only the token's hash is kept."""

    __tablename__ = "share_link"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(**_fk("plan.id"))
    token_hash: str = Field(max_length=128, unique=True, index=True)
    label: str = Field(default="", max_length=TITLE_MAX)
    created_by_user_id: int | None = Field(**_fk("app_user.id", nullable=True, ondelete="SET NULL"))
    created_at: datetime = Field(**_created())
    expires_at: datetime | None = Field(**_timestamp())
    revoked_at: datetime | None = Field(**_timestamp())
    last_used_at: datetime | None = Field(**_timestamp())


# ---------------------------------------------------------------- derived: latest scores


class LatestScore(SQLModel, table=True):
    """Each account's newest influence score, with what a leaderboard shows beside it.

    Derived from `influence_score` and kept equal to it on every write that changes it
    (`socialplan.latest_scores`), so a board of a thousand accounts reads a thousand small
    rows rather than ninety days of each. Not exported: a restore rebuilds it.
    """

    __tablename__ = "latest_score"

    account_id: int = Field(
        foreign_key="account.id", ondelete="CASCADE", primary_key=True, nullable=False
    )
    day: date
    score: int = Field(ge=1, le=100)
    reach: float | None = None
    engagement: float | None = None
    amplification: float | None = None
    consistency: float | None = None
    # The newest stored score at least 30 days older than `day` (any age), and its day: a
    # board measures the 30-day change from it when that day is within its 90-day range.
    then_day: date | None = None
    then_score: int | None = None
    # The board's sparkline: the last 90 days downsampled to 30 values, "41,43,40".
    sparkline: str = Field(default="", sa_type=sa.Text, nullable=False)
    # Every score of the 90 days ending on `day`, one hex byte per day and 00 for a day
    # without one, older days first (leading empty days left out): what a recompute of the
    # next days needs to move the sparkline on without reading those 90 days again.
    recent: str = Field(default="", sa_type=sa.Text, nullable=False)
