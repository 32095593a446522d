"""Turning fetched numbers into snapshots, and syncing every account of a workspace.

How the per-day counts are made (the honest part). The networks give reaction counts per
post, as they stand now, never per day. So a snapshot's `posts` is the number of the
account's own posts (no replies, no reposts) made on that UTC day, and `likes`, `reposts`,
`replies`, `quotes`, `bookmarks` and `impressions` are the reactions those posts have
received so far — reactions are credited to the day of the post, not the day they were given.
That is what "reactions per post" (the engagement rate) needs, and it is exact for every
post we read. Because reactions keep arriving for a few days, and posts made later in a day
than the sync would otherwise be missed, each sync re-reads the last `RECENT_DAYS` days of
posts and restates those days' post and reaction counts. It restates only rows a sync wrote
(or days with no row), never numbers that were imported or typed in; totals (followers,
following, posts_total) are only written for the day of the sync, when they are read.

A count the network does not give (Bluesky has no impressions) stays NULL, never 0; a day
with no posts gets 0 reactions for the counts the network does give.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, select

from socialplan.access import Actor, require_workspace
from socialplan.accounts import account_label
from socialplan.connectors import (
    Connector,
    ConnectorError,
    PostCounts,
    ProfileCounts,
    UnsupportedNetwork,
    connector_for,
)
from socialplan.models import TEXT_MAX, TITLE_MAX, Account, DataSource, Role, Snapshot, utcnow

log = logging.getLogger(__name__)

RECENT_DAYS = 7  # a sync re-reads and restates this many days before the day of the sync
POST_LIMIT = 100  # one page on every network: X charges per read
TOTAL_FIELDS = ("followers", "following", "posts_total")
REACTION_FIELDS = ("likes", "reposts", "replies", "quotes", "bookmarks", "impressions")
UNEXPECTED_FAILURE = "Something went wrong reading this account; the others were synced."
SAVE_FAILURE = "The numbers were read but could not be saved; nothing was stored."

ConnectorFactory = Callable[..., Connector]


@dataclass(frozen=True)
class SyncOutcome:
    """What happened to one account: stored (ok), failed (message says why) or skipped."""

    account: Account
    ok: bool
    message: str
    followers_change: int | None = None
    skipped: bool = False  # a network with no API (LinkedIn…): not an error


@dataclass(frozen=True)
class SyncProgress:
    """Reported before (outcome None) and after (with its outcome) each account."""

    position: int  # 1-based
    total: int
    account: Account
    outcome: SyncOutcome | None = None


@dataclass(frozen=True)
class Fetched:
    """One account's numbers as read, and from which day on its posts are complete."""

    profile: ProfileCounts
    posts: list[PostCounts]
    complete_from: date


# ---------------------------------------------------------------- storing


def store_snapshot(
    session: Session,
    account: Account,
    profile: ProfileCounts,
    posts: list[PostCounts],
    day: date,
) -> Snapshot:
    """Upsert the account's snapshot of `day` from fetched numbers; flushes, never commits.

    Totals come from `profile`; `posts` and reactions from the posts made on `day` (UTC),
    see the module docstring. A value the fetch lacks (None) keeps what the row had.
    """
    values: dict[str, int | None] = {
        "followers": profile.followers,
        "following": profile.following,
        "posts_total": profile.posts_total,
        **day_activity(posts, day, counts_given(posts)),
    }
    row = _snapshot_of(session, account, day) or Snapshot(account_id=account.id, day=day)
    _merge(row, values)
    row.source = DataSource.SYNC
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row


def restate_recent_days(
    session: Session,
    account: Account,
    posts: list[PostCounts],
    *,
    first_day: date,
    before: date,
) -> list[Snapshot]:
    """Restate post and reaction counts of days `first_day`..`before`-1 from fresh posts.

    Only rows a sync wrote, or days without a row; imported and hand-entered days are the
    user's numbers and stay as they are. Flushes, never commits.
    """
    given = counts_given(posts)
    restated = []
    day = first_day
    while day < before:
        row = _snapshot_of(session, account, day)
        if row is None or row.source == DataSource.SYNC:
            row = row or Snapshot(account_id=account.id, day=day, source=DataSource.SYNC)
            _merge(row, day_activity(posts, day, given))
            row.updated_at = utcnow()
            session.add(row)
            restated.append(row)
        day += timedelta(days=1)
    session.flush()
    return restated


def counts_given(posts: list[PostCounts]) -> frozenset[str]:
    """The reaction counts the network gives: those some fetched post has a number for."""
    return frozenset(f for f in REACTION_FIELDS if any(getattr(p, f) is not None for p in posts))


def day_activity(
    posts: list[PostCounts], day: date, given: frozenset[str]
) -> dict[str, int | None]:
    """The number of posts made on `day` (UTC) and the reactions they have now.

    A reaction count is None when the network does not give it, or when a post of that
    day lacks it (a partial sum would look like a drop).
    """
    made_that_day = [post for post in posts if post.created_at.astimezone(UTC).date() == day]
    activity: dict[str, int | None] = {"posts": len(made_that_day)}
    for field in REACTION_FIELDS:
        numbers = [getattr(post, field) for post in made_that_day]
        unknown = field not in given or any(number is None for number in numbers)
        activity[field] = None if unknown else sum(numbers)
    return activity


def _snapshot_of(session: Session, account: Account, day: date) -> Snapshot | None:
    return session.exec(
        select(Snapshot).where(Snapshot.account_id == account.id, Snapshot.day == day)
    ).first()


def _merge(row: Snapshot, values: dict[str, int | None]) -> None:
    """Write the values we have; None never erases a number already there."""
    for field, value in values.items():
        if value is not None:
            setattr(row, field, value)


def latest_followers(session: Session, account: Account, day: date) -> int | None:
    """The last follower total stored for the account on or before `day`."""
    return session.exec(
        select(Snapshot.followers)
        .where(
            Snapshot.account_id == account.id,
            Snapshot.day <= day,
            Snapshot.followers.is_not(None),  # type: ignore[union-attr]
        )
        .order_by(Snapshot.day.desc())  # type: ignore[attr-defined]
    ).first()


# ---------------------------------------------------------------- syncing a workspace


def sync_workspace(
    *,
    session: Session,
    actor: Actor,
    workspace_id: int,
    today: date,
    connector_factory: ConnectorFactory = connector_for,
    on_progress: Callable[[SyncProgress], None] | None = None,
    x_bearer_token: str | None = None,
) -> list[SyncOutcome]:
    """Fetch every account of the workspace that is not removed, own and competitors.

    Each account is fetched, then stored and committed on its own: a failure stops only
    that account, stores nothing for it and is kept in `Account.last_sync_error`.
    `last_synced_at` is the time of the last successful sync. `today` is the UTC date the
    totals are stored under. The X bearer token goes to the X connector only; it is never
    put in a message.
    """
    require_workspace(session, actor, workspace_id, Role.EDITOR)
    accounts = list(
        session.exec(
            select(Account)
            .where(
                Account.workspace_id == workspace_id,
                Account.removed_at.is_(None),  # type: ignore[union-attr]
            )
            .order_by(Account.network, Account.handle)
        )
    )
    # Plain values now, then end the read transaction: none may stay open while we wait
    # on a network (reading an expired attribute later would open one).
    targets = [
        (account, _Target(account.id, account.network, account.handle)) for account in accounts
    ]
    session.commit()
    connectors = _ConnectorCache(connector_factory, x_bearer_token)
    outcomes = []
    for position, (account, target) in enumerate(targets, start=1):
        if on_progress:
            on_progress(SyncProgress(position, len(accounts), account))
        outcome = _sync_account(session, account, target, connectors, today)
        outcomes.append(outcome)
        if on_progress:
            on_progress(SyncProgress(position, len(accounts), account, outcome))
    return outcomes


class _ConnectorCache:
    """One connector per network for the whole sync (X reuses its session and user ids)."""

    def __init__(self, factory: ConnectorFactory, x_bearer_token: str | None) -> None:
        self._factory = factory
        self._x_bearer_token = x_bearer_token
        self._built: dict[str, Connector | ConnectorError] = {}

    def get(self, network: str) -> Connector:
        if network not in self._built:
            try:
                self._built[network] = self._factory(network, x_bearer_token=self._x_bearer_token)
            except ConnectorError as error:
                self._built[network] = error  # e.g. no X token: the same answer for every account
        built = self._built[network]
        if isinstance(built, ConnectorError):
            raise built
        return built

    def redact(self, message: str) -> str:
        """Belt and braces: a token never reaches a message, whatever raised it."""
        if self._x_bearer_token:
            return message.replace(self._x_bearer_token, "[hidden]")
        return message


class _Target(NamedTuple):
    """What the fetch needs of an account, read before any network call."""

    account_id: int | None
    network: str
    handle: str


def _sync_account(
    session: Session,
    account: Account,
    target: _Target,
    connectors: _ConnectorCache,
    today: date,
) -> SyncOutcome:
    account_id = target.account_id
    try:
        fetched = _fetch(connectors.get(target.network), target.handle, today)
    except UnsupportedNetwork as error:
        return SyncOutcome(account, ok=False, message=str(error), skipped=True)
    except ConnectorError as error:
        return _record_failure(session, account_id, account, connectors.redact(str(error)))
    except Exception:
        log.exception("Unexpected error syncing account %s", account_id)
        return _record_failure(session, account_id, account, UNEXPECTED_FAILURE)
    try:
        return _store_with_one_retry(session, account, fetched, today)
    except Exception:
        session.rollback()
        log.exception("Could not store the sync of account %s", account_id)
        return _record_failure(session, account_id, account, SAVE_FAILURE)


def _store_with_one_retry(
    session: Session, account: Account, fetched: Fetched, today: date
) -> SyncOutcome:
    try:
        return _store_fetched(session, account, fetched, today)
    except IntegrityError:
        # Another sync stored the same day between our read and write: update it instead.
        session.rollback()
        return _store_fetched(session, account, fetched, today)


def _fetch(connector: Connector, handle: str, today: date) -> Fetched:
    """The profile and the posts of the recent days; which days the posts fully cover."""
    since = datetime.combine(today - timedelta(days=RECENT_DAYS), time.min, tzinfo=UTC)
    profile = connector.fetch_profile(handle)
    posts = connector.fetch_recent_posts(handle, since=since, limit=POST_LIMIT)
    complete_from = since.date()
    if len(posts) >= POST_LIMIT:
        # The page was full: the oldest day may go on past it, so it is not complete.
        oldest = min(post.created_at.astimezone(UTC).date() for post in posts)
        complete_from = max(complete_from, oldest + timedelta(days=1))
    return Fetched(profile, posts, complete_from)


def _store_fetched(
    session: Session, account: Account, fetched: Fetched, today: date
) -> SyncOutcome:
    """Write the day's snapshot, restate the recent days and mark the account; one commit."""
    previous = latest_followers(session, account, today)
    store_snapshot(session, account, fetched.profile, fetched.posts, today)
    restate_recent_days(
        session, account, fetched.posts, first_day=fetched.complete_from, before=today
    )
    if not account.display_name and fetched.profile.display_name:
        account.display_name = fetched.profile.display_name.strip()[:TITLE_MAX]
    # Bookkeeping, not an edit: the version stays, so nobody's open form goes stale.
    account.last_synced_at = utcnow()
    account.last_sync_error = None
    session.add(account)
    session.commit()
    followers = fetched.profile.followers
    change = None if followers is None or previous is None else followers - previous
    return SyncOutcome(
        account, ok=True, message=_success_message(followers, change), followers_change=change
    )


def _record_failure(
    session: Session, account_id: int | None, account: Account, message: str
) -> SyncOutcome:
    """Keep the reason on the account (nothing else is written) and report it."""
    try:
        stored = session.get(Account, account_id)
        if stored is not None:
            stored.last_sync_error = message[:TEXT_MAX]
            session.add(stored)
            session.commit()
    except SQLAlchemyError:
        session.rollback()
        log.exception("Could not record the sync error of account %s", account_id)
    return SyncOutcome(account, ok=False, message=message)


def _success_message(followers: int | None, change: int | None) -> str:
    if followers is None:
        return "Synced (this network gives no follower count)."
    if change is None:
        return f"{followers:,} followers (first sync)."
    return f"followers {change:+,} since last sync ({followers:,} now)."


def describe_outcome(outcome: SyncOutcome) -> str:
    """One line per account, as `socialplan sync` prints it."""
    mark = "ok" if outcome.ok else ("skipped" if outcome.skipped else "failed")
    return f"{account_label(outcome.account)}: {mark} — {outcome.message}"
