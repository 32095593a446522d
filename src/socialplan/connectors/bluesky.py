"""Bluesky through the public AppView: no login, profile counts and the author feed."""

from __future__ import annotations

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

NETWORK = "Bluesky"
APPVIEW_URL = "https://public.api.bsky.app/xrpc"
PAGE_SIZE = 100  # the most getAuthorFeed returns per page
MAX_PAGES = 20  # a guard against a cursor that never ends
# XRPC errors that mean the account cannot be shown, with what to tell the user.
UNREADABLE_ACCOUNT_ERRORS = {
    "AccountTakedown": "the account was taken down",
    "AccountDeactivated": "the account is deactivated",
    "BlockedActor": "the account blocks outside readers",
    "BlockedByActor": "the account blocks outside readers",
}


class BlueskyConnector:
    """Reads a Bluesky account's public numbers from the AppView."""

    network_label = NETWORK

    def __init__(self, session: requests.Session | None = None, base_url: str = APPVIEW_URL):
        self.session = session or make_session(NETWORK)
        self.base_url = base_url.rstrip("/")

    def fetch_profile(self, handle: str) -> ProfileCounts:
        """Followers, follows and posts from app.bsky.actor.getProfile."""
        profile = self._get("app.bsky.actor.getProfile", {"actor": _actor(handle)}, handle)
        return ProfileCounts(
            followers=count(profile.get("followersCount")),
            following=count(profile.get("followsCount")),
            posts_total=count(profile.get("postsCount")),
            display_name=str(profile.get("displayName") or ""),
        )

    def fetch_recent_posts(
        self, handle: str, since: datetime | None = None, limit: int = MAX_POSTS
    ) -> list[PostCounts]:
        """The account's own top-level posts, newest first, from app.bsky.feed.getAuthorFeed."""
        since = as_utc(since)
        params: dict[str, Any] = {
            "actor": _actor(handle),
            "filter": "posts_no_replies",
            "limit": max(1, min(PAGE_SIZE, limit)),
        }
        posts: list[PostCounts] = []
        for _ in range(MAX_PAGES):
            page = self._get("app.bsky.feed.getAuthorFeed", params, handle)
            own_posts = [post for item in _feed_items(page) if (post := _own_post(item))]
            posts.extend(post for post in own_posts if since is None or post.created_at >= since)
            cursor = page.get("cursor")
            # The feed runs newest first: once a page ends before `since`, older pages would too.
            reached_since = bool(since and own_posts and own_posts[-1].created_at < since)
            if len(posts) >= limit or reached_since or not cursor or cursor == params.get("cursor"):
                break
            params["cursor"] = cursor
        return posts[:limit]

    def _get(self, method: str, params: dict[str, Any], handle: str) -> dict[str, Any]:
        response = self.session.get(f"{self.base_url}/{method}", params=params)
        if response.status_code == 400:
            _raise_for_xrpc_error(response, handle)
        raise_for_unexpected_status(response, NETWORK)
        payload = read_json(response, NETWORK)
        if not isinstance(payload, dict):
            raise ServiceError(NETWORK, "sent an answer in a shape Social Plan does not know")
        return payload


def _actor(handle: str) -> str:
    """The actor parameter: a handle without its @, or a DID as it is."""
    return handle.strip().lstrip("@")


def _raise_for_xrpc_error(response: requests.Response, handle: str) -> None:
    """A 400 from the AppView names the XRPC error; turn the account ones into ours."""
    payload = read_json(response, NETWORK)
    error = str(payload.get("error", "")) if isinstance(payload, dict) else ""
    message = str(payload.get("message", "")) if isinstance(payload, dict) else ""
    if error in UNREADABLE_ACCOUNT_ERRORS:
        raise AccountNotFound(NETWORK, handle, UNREADABLE_ACCOUNT_ERRORS[error])
    # The AppView says "Profile not found" (or that it cannot resolve the handle).
    if error == "InvalidRequest" and any(w in message.lower() for w in ("not found", "resolve")):
        raise AccountNotFound(NETWORK, handle)
    reason = message or error or "no reason given"
    raise ServiceError(NETWORK, f"refused the request (HTTP 400: {reason})")


def _feed_items(page: dict[str, Any]) -> list[dict[str, Any]]:
    feed = page.get("feed")
    if not isinstance(feed, list):
        raise ServiceError(NETWORK, "sent a feed without posts in it")
    return [item for item in feed if isinstance(item, dict)]


def _own_post(item: dict[str, Any]) -> PostCounts | None:
    """The post's counts, or None for a repost (or pin) of someone else's post."""
    if item.get("reason"):
        return None
    post = item.get("post")
    if not isinstance(post, dict) or not isinstance(post.get("uri"), str):
        raise ServiceError(NETWORK, "sent a post without an address")
    record = post.get("record") if isinstance(post.get("record"), dict) else {}
    return PostCounts(
        post_id=post["uri"],
        created_at=_created_at(record.get("createdAt"), post.get("indexedAt")),
        likes=count(post.get("likeCount")),
        reposts=count(post.get("repostCount")),
        replies=count(post.get("replyCount")),
        quotes=count(post.get("quoteCount")),
    )


def _created_at(claimed: Any, indexed: Any) -> datetime:
    """When the post was made: its own createdAt, else when the AppView indexed it."""
    for value in (claimed, indexed):
        if isinstance(value, str):
            try:
                return parse_timestamp(value)
            except ValueError:
                continue  # clients write odd createdAt values; indexedAt is the AppView's own
    raise ServiceError(NETWORK, "sent a post without a readable date")
