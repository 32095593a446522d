"""Mastodon through each server's public REST API: handles are @user@server."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import requests

from socialplan.connectors.base import (
    MAX_POSTS,
    AccountNotFound,
    PostCounts,
    ProfileCounts,
    ServiceError,
    as_utc,
    count,
    parse_timestamp,
)
from socialplan.connectors.http import make_session, raise_for_unexpected_status, read_json

NETWORK = "Mastodon"
PAGE_SIZE = 40  # the most /api/v1/accounts/:id/statuses returns per page
MAX_PAGES = 20  # a guard against pagination that never ends
USER_PATTERN = re.compile(r"^[a-z0-9_][a-z0-9_.-]*$", re.IGNORECASE)
SERVER_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class MastodonConnector:
    """Reads a Mastodon account's public numbers from its own server."""

    network_label = NETWORK

    def __init__(self, session: requests.Session | None = None):
        self.session = session or make_session(NETWORK)
        # The statuses endpoint wants the server's account id; fetch_profile learns it.
        self._account_ids: dict[str, str] = {}

    def fetch_profile(self, handle: str) -> ProfileCounts:
        """Followers, following and statuses from /api/v1/accounts/lookup."""
        account = self._lookup(handle)
        return ProfileCounts(
            followers=count(account.get("followers_count")),
            following=count(account.get("following_count")),
            posts_total=count(account.get("statuses_count")),
            display_name=str(account.get("display_name") or ""),
        )

    def fetch_recent_posts(
        self, handle: str, since: datetime | None = None, limit: int = MAX_POSTS
    ) -> list[PostCounts]:
        """The account's own statuses (no replies, no boosts), newest first."""
        since = as_utc(since)
        user, server = split_handle(handle)
        account_id = self._account_ids.get(f"{user}@{server}") or str(self._lookup(handle)["id"])
        statuses_url = f"https://{server}/api/v1/accounts/{account_id}/statuses"
        first_params = {
            "exclude_replies": "true",
            "exclude_reblogs": "true",
            "limit": max(1, min(PAGE_SIZE, limit)),
        }
        url, params = statuses_url, first_params
        posts: list[PostCounts] = []
        for _ in range(MAX_PAGES):
            response = self.session.get(url, params=params)
            page = [_post_counts(status) for status in self._statuses(response, handle)]
            posts.extend(post for post in page if since is None or post.created_at >= since)
            # Statuses run newest first: once a page ends before `since`, older pages would too.
            reached_since = bool(since and page and page[-1].created_at < since)
            if len(posts) >= limit or reached_since or not page:
                break
            url, params = _next_page(response, server, statuses_url, first_params, page[-1].post_id)
        return posts[:limit]

    def _lookup(self, handle: str) -> dict[str, Any]:
        user, server = split_handle(handle)
        response = self.session.get(
            f"https://{server}/api/v1/accounts/lookup", params={"acct": user}
        )
        _raise_for_account_status(response, handle, server)
        account = read_json(response, NETWORK)
        if not isinstance(account, dict) or not isinstance(account.get("id"), str | int):
            raise ServiceError(NETWORK, f"server {server} sent an account without an id")
        self._account_ids[f"{user}@{server}"] = str(account["id"])
        return account

    def _statuses(self, response: requests.Response, handle: str) -> list[dict[str, Any]]:
        _raise_for_account_status(response, handle, split_handle(handle)[1])
        statuses = read_json(response, NETWORK)
        if not isinstance(statuses, list):
            raise ServiceError(NETWORK, "sent statuses in a shape Social Plan does not know")
        # exclude_reblogs asks the server to leave boosts out; skip any it lets through.
        return [s for s in statuses if isinstance(s, dict) and not s.get("reblog")]


def split_handle(handle: str) -> tuple[str, str]:
    """("user", "server") from "@user@server" or "user@server", lowercased."""
    user, _, server = handle.strip().lstrip("@").partition("@")
    user, server = user.lower(), server.lower()
    # The server name goes into a URL: refuse anything that is not a plain host name.
    if not USER_PATTERN.match(user) or not SERVER_PATTERN.match(server):
        raise AccountNotFound(
            NETWORK, handle, "a Mastodon handle needs its server, like @user@mastodon.social"
        )
    return user, server


def _raise_for_account_status(response: requests.Response, handle: str, server: str) -> None:
    status = response.status_code
    if status in (404, 410):  # 410: the account was deleted or suspended
        raise AccountNotFound(NETWORK, handle)
    if status in (401, 403):
        raise ServiceError(
            NETWORK, f"server {server} lets only signed-in apps read accounts (HTTP {status})"
        )
    raise_for_unexpected_status(response, NETWORK)


def _next_page(
    response: requests.Response,
    server: str,
    statuses_url: str,
    first_params: dict[str, Any],
    oldest_id: str,
) -> tuple[str, dict[str, Any] | None]:
    """The next (older) page: the Link header's rel="next", else max_id of the oldest status."""
    link = response.links.get("next", {}).get("url")
    # Follow a Link only to the same server: a page must never send us elsewhere.
    if isinstance(link, str) and link.startswith(f"https://{server}/"):
        return link, None
    return statuses_url, {**first_params, "max_id": oldest_id}


def _post_counts(status: dict[str, Any]) -> PostCounts:
    if not isinstance(status.get("id"), str | int) or not isinstance(status.get("created_at"), str):
        raise ServiceError(NETWORK, "sent a status without an id or date")
    try:
        created_at = parse_timestamp(status["created_at"])
    except ValueError as error:
        raise ServiceError(NETWORK, "sent a status with a date it could not read") from error
    return PostCounts(
        post_id=str(status["id"]),
        created_at=created_at,
        likes=count(status.get("favourites_count")),
        reposts=count(status.get("reblogs_count")),
        replies=count(status.get("replies_count")),
        # Quotes arrived in Mastodon 4.5; older servers do not count them.
        quotes=count(status.get("quotes_count")),
    )
