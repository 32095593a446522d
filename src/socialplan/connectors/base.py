"""What every network connector returns, the one interface they share, and their errors.

Connectors only read: they turn a network's API answers into plain `ProfileCounts` and
`PostCounts`; storing them is `socialplan.sync.store_snapshot`'s job. Every failure is one
`ConnectorError` subclass whose `str()` is a message fit to show the user as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from socialplan.errors import SocialPlanError

MAX_POSTS = 100


@dataclass(frozen=True)
class ProfileCounts:
    """An account's totals as the network shows them now; None when it does not say."""

    followers: int | None
    following: int | None
    posts_total: int | None
    display_name: str = ""


@dataclass(frozen=True)
class PostCounts:
    """One post and its reaction counts now; None for a count the network does not give."""

    post_id: str
    created_at: datetime
    likes: int | None
    reposts: int | None
    replies: int | None
    quotes: int | None
    bookmarks: int | None = None
    impressions: int | None = None


@runtime_checkable
class Connector(Protocol):
    """Reads one network's public numbers for a handle."""

    network_label: str

    def fetch_profile(self, handle: str) -> ProfileCounts:
        """The account's follower, following and post totals."""
        ...

    def fetch_recent_posts(
        self, handle: str, since: datetime | None = None, limit: int = MAX_POSTS
    ) -> list[PostCounts]:
        """The account's own posts (no replies, no reposts), newest first, at most `limit`.

        Stops at the first post older than `since` (when given).
        """
        ...


# ---------------------------------------------------------------- errors


class ConnectorError(SocialPlanError):
    """Reading a network failed; `str(error)` says why in plain words."""


class BadCredentials(ConnectorError):
    """The network refused our credentials (the X bearer token)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message or "The X bearer token was refused — check it on the Accounts page."
        )


class AccountNotFound(ConnectorError):
    """The network has no account with that handle, or will not show it (suspended…)."""

    def __init__(self, network: str, handle: str, reason: str = "") -> None:
        self.network, self.handle = network, handle
        if reason:
            message = f"{network} will not show {display_handle(handle)}: {reason}."
        else:
            message = f"{network} has no account {display_handle(handle)} — check the handle."
        super().__init__(message)


class RateLimited(ConnectorError):
    """The network asks us to wait until `until` (UTC), or for a while it did not name (None)."""

    def __init__(self, network: str, until: datetime | None, now: datetime | None = None) -> None:
        self.network = network
        self.until = until.astimezone(UTC) if until is not None else None
        if self.until is None:
            message = (
                f"{network} is refusing more requests for now (HTTP 429) and did not say for "
                "how long — wait a few minutes, then sync again."
            )
        else:
            when = format_utc_time(self.until, now)
            message = f"{network} rate limited until {when} — sync again after that."
        super().__init__(message)


class NetworkDown(ConnectorError):
    """The network could not be reached (no connection, DNS failure or time-out)."""

    def __init__(self, network: str, detail: str = "no connection or no answer in time") -> None:
        self.network = network
        super().__init__(
            f"Could not reach {network} ({detail}) — check the internet connection and try again."
        )


class ServiceError(ConnectorError):
    """The network answered, but with an error or something we cannot read."""

    def __init__(self, network: str, detail: str) -> None:
        self.network = network
        super().__init__(f"{network} {detail} — try again later.")


class UnsupportedNetwork(ConnectorError):
    """The network has no API Social Plan can read; its numbers come from imports."""

    def __init__(self, network: str) -> None:
        self.network = network
        super().__init__(
            f"{network} has no public API Social Plan can read — import its analytics "
            "export or enter the numbers by hand."
        )


# ---------------------------------------------------------------- small shared helpers


def display_handle(handle: str) -> str:
    """A handle as people write it: with one leading @."""
    return "@" + handle.lstrip("@")


def format_utc_time(moment: datetime, now: datetime | None = None) -> str:
    """HH:MM UTC, with the date in front when it is not today."""
    moment = moment.astimezone(UTC)
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    if moment.date() == today:
        return f"{moment:%H:%M} UTC"
    return f"{moment:%b} {moment.day}, {moment:%H:%M} UTC"


def parse_timestamp(text: str) -> datetime:
    """An ISO 8601 timestamp from an API as an aware UTC datetime (naive means UTC)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """`moment` as aware UTC; a naive datetime is taken to be UTC already."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def count(value: object) -> int | None:
    """A count from JSON: a non-negative int, or None when absent or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    # A negative count is nonsense from the API; treat it as not given, never store it.
    return int(value) if value >= 0 else None
