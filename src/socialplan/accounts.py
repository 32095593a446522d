"""Accounts: the social profiles a workspace follows (its own and competitors').

Adding, removing (keeping or deleting the history), restoring, the overview the Accounts
page shows, numbers typed in by hand, linking own accounts to the plan's metrics, and a
sync that uses the workspace's X token and refreshes the scores afterwards.

`handles`, `sync`, `connectors` and `metrics` import this module for `account_label` and
`NETWORK_LABELS`, so the functions here that need them import them when they run.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from socialplan import credentials
from socialplan.access import Actor, require_plan, require_workspace
from socialplan.errors import Conflict, InvalidInput, NotFound, SocialPlanError
from socialplan.limits import MAX_COUNT
from socialplan.models import (
    Account,
    AccountKind,
    DataSource,
    InfluenceScore,
    LatestScore,
    Metric,
    MetricSource,
    Objective,
    PeerGroupEntry,
    Person,
    Role,
    Snapshot,
    utcnow,
)
from socialplan.scores import recompute_scores, stage_score_recompute
from socialplan.services import stage_versioned_update

if TYPE_CHECKING:
    from socialplan.imports import ImportPreview, ImportResult, ParsedImport
    from socialplan.sync import SyncOutcome, SyncProgress

WHAT = "This account"
SPARKLINE_DAYS = 90
KIND_LABELS = {AccountKind.OWN: "Ours", AccountKind.COMPETITOR: "Competitor"}
# What can be typed in for a day, in the order the form shows it.
HAND_ENTRY_FIELDS = {
    "followers": "Followers",
    "following": "Following",
    "posts_total": "Posts in total",
    "posts": "Posts that day",
    "likes": "Likes",
    "reposts": "Reposts",
    "replies": "Replies",
    "quotes": "Quotes",
    "bookmarks": "Bookmarks",
    "impressions": "Impressions",
}
# Metrics whose numbers come from accounts; only these can follow one account.
ACCOUNT_SOURCES = frozenset(
    {
        MetricSource.FOLLOWERS,
        MetricSource.POSTS_PER_WEEK,
        MetricSource.ENGAGEMENT_RATE,
        MetricSource.INFLUENCE_SCORE,
    }
)
OVERVIEW_COLUMNS = [
    "Network",
    "Account",
    "Whose",
    "Followers",
    "Posts",
    "Followers, last 90 days",
    "Last sync",
]


def list_accounts(
    *,
    session: Session,
    actor: Actor,
    workspace_id: int,
    kind: AccountKind | None = None,
    include_removed: bool = False,
) -> list[Account]:
    """The workspace's accounts by network and handle, optionally only own or competitors."""
    require_workspace(session, actor, workspace_id)
    query = select(Account).where(Account.workspace_id == workspace_id)
    if kind is not None:
        query = query.where(Account.kind == kind)
    if not include_removed:
        query = query.where(Account.removed_at.is_(None))  # type: ignore[union-attr]
    return list(session.exec(query.order_by(Account.network, Account.handle)))


def account_label(account: Account) -> str:
    """How an account is named on screen: "@rosasbakery on Bluesky"."""
    handle = account.handle if account.handle.startswith("@") else f"@{account.handle}"
    return f"{handle} on {NETWORK_LABELS.get(account.network, account.network)}"


NETWORK_LABELS = {
    "x": "X",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "linkedin": "LinkedIn",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "other": "another network",
}


def require_account(
    session: Session, actor: Actor, account_id: int, needed: Role = Role.VIEWER
) -> Account:
    """The account, if the actor's role in its workspace is at least `needed`."""
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("That account does not exist or is not yours to see.")
    require_workspace(session, actor, account.workspace_id, needed)
    return account


# ---------------------------------------------------------------- adding and removing


def add_account(
    *,
    session: Session,
    actor: Actor,
    workspace_id: int,
    network: str | None,
    text: str,
    kind: AccountKind | str = AccountKind.OWN,
    person_id: int | None = None,
) -> Account:
    """Follow a new account, from a handle or a profile address; refused if already followed."""
    from socialplan.handles import parse_account_input

    require_workspace(session, actor, workspace_id, Role.EDITOR)
    problems: dict[str, str] = {}
    try:
        kind = AccountKind(kind)
    except ValueError:
        problems["kind"] = "must be ours or a competitor's."
    if person_id is not None and not _is_person_of(session, person_id, workspace_id):
        problems["person_id"] = "must be someone on this workspace's team."
    try:
        parsed = parse_account_input(network, text)
    except InvalidInput as error:
        raise InvalidInput({**error.errors, **problems}) from None
    if problems:
        raise InvalidInput(problems)
    existing = _account_with_handle(session, workspace_id, parsed.network, parsed.handle)
    if existing is not None:
        raise InvalidInput({"handle": _duplicate_message(existing)})
    account = Account(
        workspace_id=workspace_id,
        network=parsed.network,
        handle=parsed.handle,
        kind=AccountKind(kind),
        person_id=person_id,
    )
    session.add(account)
    try:
        session.commit()
    except IntegrityError:
        # Someone added the same account between our check and our insert.
        session.rollback()
        existing = _account_with_handle(session, workspace_id, parsed.network, parsed.handle)
        if existing is None:
            raise
        raise InvalidInput({"handle": _duplicate_message(existing)}) from None
    session.refresh(account)
    return account


def _is_person_of(session: Session, person_id: int, workspace_id: int) -> bool:
    person = session.get(Person, person_id)
    return person is not None and person.workspace_id == workspace_id


def _account_with_handle(
    session: Session, workspace_id: int, network: str, handle: str
) -> Account | None:
    return session.exec(
        select(Account).where(
            Account.workspace_id == workspace_id,
            Account.network == network,
            Account.handle == handle,
        )
    ).first()


def _duplicate_message(existing: Account) -> str:
    label = account_label(existing)
    if existing.removed_at is not None:
        return (
            f"{label} was removed on {existing.removed_at:%d %b %Y}: restore it under "
            "“Removed accounts” to follow it again with its history."
        )
    return f"{label} is already followed here."


def remove_account(
    *,
    session: Session,
    actor: Actor,
    account_id: int,
    version: int,
    delete_history: bool = False,
) -> Account | None:
    """Stop following an account; its numbers stay unless `delete_history` (then None).

    Deleting the history deletes the account with its snapshots and scores. It is refused
    while a metric follows the account: the metric would silently switch to all accounts.
    """
    account = require_account(session, actor, account_id, Role.EDITOR)
    workspace_id = account.workspace_id
    if delete_history:
        _refuse_if_metrics_follow(session, account)
        _stage_delete(session, account, version)
        stage_score_recompute(session, workspace_id=workspace_id)
        session.commit()
        return None
    if account.removed_at is not None:
        return account  # already removed: nothing to do
    stage_versioned_update(session, account, {"removed_at": utcnow()}, version, what=WHAT)
    # A removed own account no longer counts in the business score.
    stage_score_recompute(session, workspace_id=workspace_id)
    session.commit()
    session.refresh(account)
    return account


def restore_account(*, session: Session, actor: Actor, account_id: int, version: int) -> Account:
    """Follow a removed account again, with the history it kept."""
    account = require_account(session, actor, account_id, Role.EDITOR)
    if account.removed_at is None:
        return account
    stage_versioned_update(session, account, {"removed_at": None}, version, what=WHAT)
    stage_score_recompute(session, workspace_id=account.workspace_id)
    session.commit()
    session.refresh(account)
    return account


def _refuse_if_metrics_follow(session: Session, account: Account) -> None:
    names = list(
        session.exec(select(Metric.name).where(Metric.account_id == account.id).order_by(Metric.id))
    )
    if names:
        shown = ", ".join(f"“{name}”" for name in names[:3])
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        raise InvalidInput(
            {
                "delete_history": f"is not possible while metrics follow {account_label(account)}"
                f" ({shown}{more}): link them to another account first, or remove the "
                "account and keep its history."
            }
        )


def _stage_delete(session: Session, account: Account, version: int) -> None:
    """Delete the account and everything kept for it; Conflict if it changed meanwhile."""
    # Explicit deletes rather than trusting ON DELETE CASCADE, which SQLite only honours
    # on connections that switched foreign keys on.
    for table in (Snapshot, InfluenceScore, LatestScore, PeerGroupEntry):
        session.execute(sa.delete(table).where(table.account_id == account.id))  # type: ignore[arg-type]
    result = session.execute(
        sa.delete(Account).where(
            Account.id == account.id,  # type: ignore[arg-type]
            Account.version == version,  # type: ignore[arg-type]
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict(WHAT)
    session.expunge(account)


# ---------------------------------------------------------------- the overview


@dataclass(frozen=True)
class AccountRow:
    """One account as the Accounts page lists it, with its newest numbers."""

    account_id: int
    version: int
    network: str
    handle: str
    label: str
    display_name: str
    kind: AccountKind
    last_synced_at: datetime | None
    last_sync_error: str | None
    removed_at: datetime | None
    followers: int | None = None
    followers_on: date | None = None
    posts_total: int | None = None
    followers_trend: list[int] = field(default_factory=list)

    @property
    def network_label(self) -> str:
        return NETWORK_LABELS.get(self.network, self.network)


def account_overview(
    *,
    session: Session,
    actor: Actor,
    workspace_id: int,
    today: date | None = None,
    include_removed: bool = False,
) -> list[AccountRow]:
    """The workspace's accounts (own first) with their newest totals and 90 days of followers.

    Three queries whatever the history's length: newest totals by a join on each
    account's newest day, and the trend from the last `SPARKLINE_DAYS` days only.
    """
    require_workspace(session, actor, workspace_id)
    today = today or datetime.now(UTC).date()
    in_workspace = sa.select(Account.id).where(Account.workspace_id == workspace_id)
    followers = _newest(session, in_workspace, Snapshot.followers)
    posts_total = _newest(session, in_workspace, Snapshot.posts_total)
    trends = _followers_trends(session, in_workspace, today)
    query = select(Account).where(Account.workspace_id == workspace_id)
    if not include_removed:
        query = query.where(col(Account.removed_at).is_(None))
    query = query.order_by(
        sa.case((Account.kind == AccountKind.OWN, 0), else_=1), Account.network, Account.handle
    )
    rows = []
    for account in session.exec(query):
        newest_followers = followers.get(account.id)  # type: ignore[arg-type]
        newest_posts = posts_total.get(account.id)  # type: ignore[arg-type]
        rows.append(
            AccountRow(
                account_id=account.id,  # type: ignore[arg-type]
                version=account.version,
                network=account.network,
                handle=account.handle,
                label=account_label(account),
                display_name=account.display_name,
                kind=AccountKind(account.kind),
                last_synced_at=account.last_synced_at,
                last_sync_error=account.last_sync_error,
                removed_at=account.removed_at,
                followers=newest_followers[1] if newest_followers else None,
                followers_on=newest_followers[0] if newest_followers else None,
                posts_total=newest_posts[1] if newest_posts else None,
                followers_trend=trends.get(account.id, []),  # type: ignore[arg-type]
            )
        )
    return rows


def _newest(session: Session, account_ids: sa.Select, column: Any) -> dict[int, tuple[date, int]]:
    """Each account's newest non-empty value of a total column, with its day."""
    newest_day = (
        sa.select(Snapshot.account_id, sa.func.max(Snapshot.day).label("day"))
        .where(col(Snapshot.account_id).in_(account_ids), column.is_not(None))
        .group_by(Snapshot.account_id)
        .subquery()
    )
    newest = aliased(Snapshot)
    query = sa.select(newest.account_id, newest.day, getattr(newest, column.key)).join(
        newest_day,
        sa.and_(newest.account_id == newest_day.c.account_id, newest.day == newest_day.c.day),
    )
    return {account_id: (day, value) for account_id, day, value in session.execute(query)}


def _followers_trends(
    session: Session, account_ids: sa.Select, today: date
) -> dict[int, list[int]]:
    """Each account's follower totals of the last `SPARKLINE_DAYS` days, oldest first."""
    query = (
        sa.select(Snapshot.account_id, Snapshot.followers)
        .where(
            col(Snapshot.account_id).in_(account_ids),
            Snapshot.day > today - timedelta(days=SPARKLINE_DAYS),
            Snapshot.day <= today,
            col(Snapshot.followers).is_not(None),
        )
        .order_by(Snapshot.account_id, Snapshot.day)
    )
    trends: dict[int, list[int]] = {}
    for account_id, followers in session.execute(query):
        trends.setdefault(account_id, []).append(int(followers))
    return trends


def sync_state_text(row: AccountRow) -> str:
    """The "Last sync" cell: when the last good sync was, and the last failure if newer."""
    synced = f"{row.last_synced_at:%d %b %Y, %H:%M} UTC" if row.last_synced_at else "never"
    if row.last_sync_error:
        return f"failed: {row.last_sync_error} (last good sync: {synced})"
    return synced


def sync_problems(rows: list[AccountRow]) -> list[str]:
    """One sentence per account whose last sync failed, with the reason in full."""
    return [
        f"The last sync of {row.label} failed: {row.last_sync_error}"
        for row in rows
        if row.last_sync_error
    ]


def overview_frame(rows: list[AccountRow]) -> pd.DataFrame:
    """The accounts table as shown: one row per account, the sparkline as a list of numbers."""
    records = [
        {
            "Network": row.network_label,
            "Account": row.label.rsplit(" on ", 1)[0]
            + (f" ({row.display_name})" if row.display_name else ""),
            "Whose": KIND_LABELS[row.kind],
            "Followers": row.followers,
            "Posts": row.posts_total,
            "Followers, last 90 days": row.followers_trend,
            "Last sync": sync_state_text(row),
        }
        for row in rows
    ]
    frame = pd.DataFrame(records, columns=OVERVIEW_COLUMNS)
    for column in ("Followers", "Posts"):
        frame[column] = frame[column].astype("Int64")
    return frame


# ---------------------------------------------------------------- hand entry


def parse_counts(counts: Mapping[str, Any]) -> dict[str, int]:
    """The counts given (blanks left out) as whole numbers; InvalidInput naming each bad one."""
    parsed: dict[str, int] = {}
    problems: dict[str, str] = {}
    for name, value in counts.items():
        if name not in HAND_ENTRY_FIELDS:
            problems[name] = "is not a number Social Plan keeps for an account."
            continue
        try:
            number = _whole_number(value)
        except ValueError as error:
            problems[name] = str(error)
            continue
        if number is not None:
            parsed[name] = number
    if problems:
        raise InvalidInput(problems)
    return parsed


def _whole_number(value: Any) -> int | None:
    """A count from a form: None when blank; ValueError with the message when not a count."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("must be a whole number, 0 or more.")
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("_", "").replace(" ", "")
        if not text.lstrip("-").isdigit():
            raise ValueError("must be a whole number, 0 or more.")
        number = int(text)
    elif isinstance(value, numbers.Integral):
        number = int(value)
    elif isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
        number = int(value)
    elif isinstance(value, numbers.Real) and math.isnan(value):
        return None  # an empty cell of a table
    else:
        raise ValueError("must be a whole number, 0 or more.")
    if number < 0:
        raise ValueError("must be 0 or more.")
    if number > MAX_COUNT:
        raise ValueError(f"must be at most {MAX_COUNT:,}.")
    return number


def enter_snapshot_by_hand(
    *,
    session: Session,
    actor: Actor,
    account_id: int,
    day: date,
    counts: Mapping[str, Any],
    today: date | None = None,
) -> Snapshot:
    """Store numbers typed in for an account's day, merged into what that day already has.

    Only the numbers given change; the others stay. The day is marked as entered by hand,
    so a later sync never restates it. Scores from that day on are recomputed; one commit.
    """
    account = require_account(session, actor, account_id, Role.EDITOR)
    problems: dict[str, str] = {}
    if account.removed_at is not None:
        problems["account_id"] = "is removed: restore it before entering its numbers."
    # The server's date: a user ahead of UTC may enter their today before UTC reaches it.
    today = today or date.today()
    if not isinstance(day, date) or isinstance(day, datetime):
        problems["day"] = "must be a date."
    elif day > today:
        problems["day"] = f"cannot be in the future (today is {today:%d %b %Y})."
    try:
        parsed = parse_counts(counts)
    except InvalidInput as error:
        raise InvalidInput({**problems, **error.errors}) from None
    if not parsed:
        problems["counts"] = "are all empty: enter at least one number."
    if problems:
        raise InvalidInput(problems)
    try:
        row = _stage_hand_entry(session, account, day, parsed)
    except IntegrityError:
        # A sync or another hand entry stored this day between our read and write.
        session.rollback()
        row = _stage_hand_entry(session, account, day, parsed)
    stage_score_recompute(session, workspace_id=account.workspace_id, since=day)
    session.commit()
    session.refresh(row)
    return row


def _stage_hand_entry(
    session: Session, account: Account, day: date, counts: dict[str, int]
) -> Snapshot:
    row = session.exec(
        select(Snapshot).where(Snapshot.account_id == account.id, Snapshot.day == day)
    ).first() or Snapshot(account_id=account.id, day=day)  # type: ignore[arg-type]
    for name, value in counts.items():
        setattr(row, name, value)
    row.source = DataSource.MANUAL
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row


def snapshot_on(*, session: Session, actor: Actor, account_id: int, day: date) -> Snapshot | None:
    """The account's stored numbers of `day`, to prefill the hand-entry form."""
    require_account(session, actor, account_id)
    return session.exec(
        select(Snapshot).where(Snapshot.account_id == account_id, Snapshot.day == day)
    ).first()


# ---------------------------------------------------------------- metrics that follow accounts


@dataclass(frozen=True)
class LinkableMetric:
    """A metric of the plan whose numbers come from accounts, and the account it follows."""

    metric_id: int
    version: int
    name: str
    objective_title: str
    source: MetricSource
    account_id: int | None  # None: all own accounts combined


def linkable_metrics(*, session: Session, actor: Actor, plan_id: int) -> list[LinkableMetric]:
    """The plan's active metrics that read accounts, in plan order."""
    require_plan(session, actor, plan_id)
    rows = session.exec(
        select(Metric, Objective.title)
        .join(Objective, Objective.id == Metric.objective_id)
        .where(
            Objective.plan_id == plan_id,
            col(Objective.archived_at).is_(None),
            col(Metric.archived_at).is_(None),
            col(Metric.source).in_([source.value for source in ACCOUNT_SOURCES]),
        )
        .order_by(Objective.position, Objective.id, Metric.position, Metric.id)
    )
    return [
        LinkableMetric(
            metric_id=metric.id,  # type: ignore[arg-type]
            version=metric.version,
            name=metric.name,
            objective_title=title,
            source=MetricSource(metric.source),
            account_id=metric.account_id,
        )
        for metric, title in rows
    ]


def link_accounts_to_metrics(
    *,
    session: Session,
    actor: Actor,
    plan_id: int,
    links: Mapping[int, tuple[int | None, int]],
) -> int:
    """Set which own account each metric follows: {metric_id: (account_id, version)}.

    None follows all own accounts combined. Goes through the metric rules (an own, not
    removed account of this workspace) and records a revision per change; all or nothing.
    Returns how many metrics changed.
    """
    from socialplan.access import require_metric
    from socialplan.metrics import stage_metric_update

    require_plan(session, actor, plan_id, Role.EDITOR)
    changed = 0
    try:
        for metric_id, (account_id, version) in links.items():
            metric, _, plan = require_metric(session, actor, metric_id, Role.EDITOR)
            if plan.id != plan_id:
                raise NotFound("That metric does not exist or is not yours to see.")
            if metric.account_id == account_id:
                continue
            stage_metric_update(
                session, actor, metric, plan, {"version": version, "account_id": account_id}
            )
            changed += 1
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return changed


def link_account_to_metric(
    *, session: Session, actor: Actor, metric_id: int, account_id: int | None, version: int
) -> Metric:
    """Make one metric follow one own account (None: all own accounts combined)."""
    from socialplan.metrics import update_metric

    return update_metric(
        session=session,
        actor=actor,
        metric_id=metric_id,
        metric_update={"version": version, "account_id": account_id},
    )


# ---------------------------------------------------------------- syncing


def sync_accounts(
    *,
    session: Session,
    actor: Actor,
    workspace_id: int,
    today: date,
    on_progress: Callable[[SyncProgress], None] | None = None,
    connector_factory: Callable[..., Any] | None = None,
) -> list[SyncOutcome]:
    """Sync every account of the workspace with its X token, then recompute changed scores.

    A saved X token that cannot be read fails the X accounts with the reason, and only
    them. Scores are recomputed from the first day a sync restates.
    """
    from socialplan.connectors import BadCredentials, connector_for
    from socialplan.sync import RECENT_DAYS, sync_workspace

    require_workspace(session, actor, workspace_id, Role.EDITOR)
    factory = connector_factory or connector_for
    try:
        token = credentials.x_token_for_sync(session, workspace_id)
    except SocialPlanError as error:
        token, factory = None, _refusing_x(factory, BadCredentials(str(error)))
    outcomes = sync_workspace(
        session=session,
        actor=actor,
        workspace_id=workspace_id,
        today=today,
        connector_factory=factory,
        on_progress=on_progress,
        x_bearer_token=token,
    )
    if any(outcome.ok for outcome in outcomes):
        recompute_scores(
            session=session, workspace_id=workspace_id, since=today - timedelta(days=RECENT_DAYS)
        )
    return outcomes


def _refusing_x(factory: Callable[..., Any], error: Exception) -> Callable[..., Any]:
    """`factory`, except that X raises `error` (its token cannot be read)."""

    def build(network: str, **options: Any) -> Any:
        if str(network) == "x":
            raise error
        return factory(network, **options)

    return build


def sync_summary(outcomes: list[SyncOutcome]) -> str:
    """One line over a sync: "3 accounts synced, 1 failed, 1 skipped"."""
    ok = sum(1 for outcome in outcomes if outcome.ok)
    skipped = sum(1 for outcome in outcomes if outcome.skipped)
    failed = len(outcomes) - ok - skipped
    parts = [f"{ok} account{'s' if ok != 1 else ''} synced"]
    if failed:
        parts.append(f"{failed} failed")
    if skipped:
        parts.append(f"{skipped} skipped (no API: import or type in their numbers)")
    return ", ".join(parts) + "."


# ---------------------------------------------------------------- removing, confirmed


def deletion_confirmed(account_handle: str, typed: str) -> bool:
    """Whether `typed` is the account's handle (with or without @, any case)."""
    return typed.strip().lstrip("@").casefold() == account_handle.lstrip("@").casefold()


# ---------------------------------------------------------------- imports


def find_account(
    *,
    session: Session,
    actor: Actor,
    workspace_id: int,
    text: str,
    networks: tuple[str, ...] = (),
) -> Account:
    """The followed account a handle or profile address names, for `socialplan import`.

    A bare handle may be on several networks: `networks` (those the file can come from)
    narrows it, and if it still names more than one the message lists them.
    """
    from socialplan.handles import parse_account_input

    require_workspace(session, actor, workspace_id)
    wanted = (text or "").strip()
    candidates = [
        account
        for account in list_accounts(session=session, actor=actor, workspace_id=workspace_id)
        if not networks or account.network in networks
    ]
    try:
        parsed = parse_account_input(None, wanted)
        matches = [
            a for a in candidates if (a.network, a.handle) == (parsed.network, parsed.handle)
        ]
    except InvalidInput:
        # A bare name: compare it with each account's handle as that network stores it.
        name = wanted.lstrip("@").casefold()
        matches = [a for a in candidates if a.handle.casefold() == name]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        where = " on " + " or ".join(NETWORK_LABELS[n] for n in networks) if networks else ""
        raise InvalidInput({"account": f"“{wanted}” is not followed by this workspace{where}."})
    listed = ", ".join(account_label(account) for account in matches)
    raise InvalidInput(
        {"account": f"“{wanted}” names several accounts ({listed}): give its profile address."}
    )


def import_account_choices(
    *, session: Session, actor: Actor, workspace_id: int, networks: tuple[str, ...] = ()
) -> dict[int, str]:
    """The accounts an import can go to: followed, on a network the file can come from."""
    return {
        account.id: account_label(account)  # type: ignore[misc]
        for account in list_accounts(session=session, actor=actor, workspace_id=workspace_id)
        if not networks or account.network in networks
    }


def import_format_labels() -> dict[str, str]:
    """The format choices of an import: detect it, or each supported export by name."""
    from socialplan.imports import FORMATS
    from socialplan.imports.formats import AUTO

    return {AUTO: "Detect from the file's header"} | {spec.key: spec.name for spec in FORMATS}


def store_account_import(
    *,
    session: Session,
    actor: Actor,
    workspace_id: int,
    account_id: int | None,
    parsed: ParsedImport,
    plan_id: int | None = None,
) -> ImportResult:
    """Store a previewed import and the scores it changes, in one transaction.

    `parsed` is what `imports.read_import` returned; the result is its `ImportResult`.
    """
    from socialplan.imports import store_import

    def stage_scores(result: ImportResult) -> None:
        if result.snapshots_added or result.snapshots_updated:
            since = min(numbers.day for numbers in parsed.days)
            stage_score_recompute(session, workspace_id=workspace_id, since=since)

    return store_import(
        session=session,
        actor=actor,
        workspace_id=workspace_id,
        account_id=account_id,
        parsed=parsed,
        plan_id=plan_id,
        also=stage_scores,
    )


def preview_facts(shown: ImportPreview) -> str:
    """The preview's counts in one plain line: rows, days, date range, numbers kept."""
    parts = [f"{shown.rows:,} row{'s' if shown.rows != 1 else ''} in the file"]
    if shown.first_day and shown.last_day:
        parts.append(f"from {shown.first_day:%d %b %Y} to {shown.last_day:%d %b %Y}")
    if shown.days:
        parts.append(f"{shown.days:,} day{'s' if shown.days != 1 else ''} of account numbers")
    if shown.fields:
        parts.append(
            "numbers kept: " + ", ".join(HAND_ENTRY_FIELDS[f].lower() for f in shown.fields)
        )
    if shown.readings:
        parts.append(
            f"{shown.readings:,} reading{'s' if shown.readings != 1 else ''} of "
            + ", ".join(shown.business_metrics)
        )
    return " · ".join(parts)


def business_metric_names(*, session: Session, actor: Actor, plan_id: int) -> tuple[str, ...]:
    """The plan's active hand-entered metrics, by name (for the import template)."""
    require_plan(session, actor, plan_id)
    names = session.exec(
        select(Metric.name)
        .join(Objective, Objective.id == Metric.objective_id)
        .where(
            Objective.plan_id == plan_id,
            col(Objective.archived_at).is_(None),
            col(Metric.archived_at).is_(None),
            Metric.source == MetricSource.MANUAL,
        )
        .order_by(Objective.position, Objective.id, Metric.position, Metric.id)
    )
    return tuple(dict.fromkeys(names))


def added_message(account: Account) -> str:
    """What to do next after adding an account: sync it, or bring its numbers in by hand."""
    from socialplan.connectors import CONNECTORS

    label = account_label(account)
    if account.network == "x":
        return f"Added {label}. Press “Sync now” to read its numbers (X needs a token, below)."
    if account.network in CONNECTORS:
        return f"Added {label}. Press “Sync now” to read its numbers."
    return (
        f"Added {label}. Social Plan cannot read this network: import its analytics export "
        "or enter its numbers by hand."
    )
