"""X (Twitter) through tweepy's API v2 Client with an app-only bearer token.

X reads are paid per use, so a sync reads as little as it can: one user lookup and one
page of posts per account (no Paginator). tweepy is told never to sleep on a rate limit;
our session (connectors.http) retries within a bounded wait and reports the rest.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
import tweepy

from socialplan.connectors.base import (
    MAX_POSTS,
    AccountNotFound,
    BadCredentials,
    PostCounts,
    ProfileCounts,
    RateLimited,
    ServiceError,
    as_utc,
    count,
    parse_timestamp,
)
from socialplan.connectors.http import ConnectorSession, make_session, read_json

NETWORK = "X"
MIN_PAGE, MAX_PAGE = 5, 100  # the bounds X puts on max_results of a user's posts
DEFAULT_RATE_LIMIT_WINDOW = timedelta(minutes=15)  # X's window when it gives no reset time
NO_TOKEN_MESSAGE = (
    "No X bearer token is set — add one on the Accounts page (X charges for each read)."
)
FORBIDDEN_MESSAGE = (
    "X refused the bearer token for this read (HTTP 403): its X developer plan may not "
    "include reading accounts and posts — check it on the Accounts page."
)
BEARER_PATTERN = re.compile(r"(Bearer\s+)[^\s'\",}]+")


class _RedactBearerTokens(logging.Filter):
    """tweepy logs request headers at DEBUG, bearer token included: blank the token out."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "Bearer" in record.msg:
            record.msg = BEARER_PATTERN.sub(r"\1[hidden]", record.msg)
        return True


logging.getLogger("tweepy.client").addFilter(_RedactBearerTokens())


class XConnector:
    """Reads an X account's public metrics and its latest posts."""

    network_label = NETWORK

    def __init__(self, bearer_token: str | None, *, session: requests.Session | None = None):
        if not bearer_token or not bearer_token.strip():
            raise BadCredentials(NO_TOKEN_MESSAGE)
        # return_type=requests.Response: we read the JSON ourselves, so a web page or broken
        # JSON becomes a clear ServiceError, and an unknown user (200 with only `errors`) is
        # ours to notice.
        self._client = tweepy.Client(
            bearer_token=bearer_token.strip(),
            return_type=requests.Response,
            wait_on_rate_limit=False,
        )
        self._client.session = session or make_session(NETWORK)
        self._user_ids: dict[str, str] = {}

    def fetch_profile(self, handle: str) -> ProfileCounts:
        """Followers, following and post count from GET /2/users/by/username/:username."""
        user = self._user(handle)
        metrics = user.get("public_metrics") if isinstance(user.get("public_metrics"), dict) else {}
        return ProfileCounts(
            followers=count(metrics.get("followers_count")),
            following=count(metrics.get("following_count")),
            posts_total=_first_count(metrics, "tweet_count", "post_count"),
            display_name=str(user.get("name") or ""),
        )

    def fetch_recent_posts(
        self, handle: str, since: datetime | None = None, limit: int = MAX_POSTS
    ) -> list[PostCounts]:
        """One page (at most 100) of the account's own posts, no reposts or replies."""
        since = as_utc(since)
        name = _username(handle)
        user_id = self._user_ids.get(name) or str(self._user(handle)["id"])
        params: dict[str, Any] = {
            "exclude": ["retweets", "replies"],
            "tweet_fields": ["created_at", "public_metrics"],
            "max_results": max(MIN_PAGE, min(MAX_PAGE, limit)),
        }
        if since is not None:
            params["start_time"] = since  # X filters by date itself: fewer paid reads
        payload = self._read(handle, self._client.get_users_tweets, user_id, **params)
        tweets = payload.get("data")
        if tweets is None:
            _raise_for_errors_without_data(payload, handle)
            return []  # {"meta": {"result_count": 0}}: no posts in the window
        if not isinstance(tweets, list):
            raise ServiceError(NETWORK, "sent posts in a shape Social Plan does not know")
        posts = [_post_counts(tweet) for tweet in tweets if isinstance(tweet, dict)]
        return [post for post in posts if since is None or post.created_at >= since][:limit]

    def _user(self, handle: str) -> dict[str, Any]:
        """The user object of GET /2/users/by/username; remembers the id for the posts."""
        name = _username(handle)
        payload = self._read(
            handle,
            self._client.get_user,
            username=name,
            user_fields=["public_metrics", "created_at"],
        )
        user = payload.get("data")
        if user is None:
            _raise_for_errors_without_data(payload, handle)
        if not isinstance(user, dict) or not isinstance(user.get("id"), str | int):
            raise ServiceError(NETWORK, "sent a user without an id")
        self._user_ids[name] = str(user["id"])
        return user

    def _read(self, handle: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> dict:
        """Call tweepy; turn its exceptions and the body into ours."""
        try:
            response = call(*args, **kwargs)
        except tweepy.Unauthorized as error:
            raise BadCredentials() from error
        except tweepy.Forbidden as error:
            raise BadCredentials(FORBIDDEN_MESSAGE) from error
        except tweepy.NotFound as error:
            raise AccountNotFound(NETWORK, handle) from error
        except tweepy.TooManyRequests as error:
            raise RateLimited(NETWORK, self._reset_time(error), self._now()) from error
        except tweepy.TwitterServerError as error:
            raise ServiceError(NETWORK, f"is having trouble (HTTP {_status(error)})") from error
        except tweepy.HTTPException as error:
            raise ServiceError(NETWORK, f"refused the request (HTTP {_status(error)})") from error
        payload = read_json(response, NETWORK)
        if not isinstance(payload, dict):
            raise ServiceError(NETWORK, "sent an answer in a shape Social Plan does not know")
        return payload

    def _now(self) -> datetime:
        session = self._client.session
        return session.now() if isinstance(session, ConnectorSession) else datetime.now(UTC)

    def _reset_time(self, error: tweepy.TooManyRequests) -> datetime:
        """When X's rate limit lifts: its x-rate-limit-reset, else one window from now."""
        if isinstance(error.reset_time, int):
            return datetime.fromtimestamp(error.reset_time, tz=UTC)
        return self._now() + DEFAULT_RATE_LIMIT_WINDOW


def _username(handle: str) -> str:
    return handle.strip().lstrip("@").lower()


def _status(error: tweepy.HTTPException) -> int | str:
    return getattr(error.response, "status_code", "?")


def _raise_for_errors_without_data(payload: dict[str, Any], handle: str) -> None:
    """X answers 200 with only `errors` for an unknown or suspended user: say which."""
    errors = payload.get("errors")
    if not isinstance(errors, list) or not errors:
        return
    details = " ".join(str(e.get("detail", "")) for e in errors if isinstance(e, dict))
    if "suspended" in details.lower():
        raise AccountNotFound(NETWORK, handle, "the account is suspended")
    if "not-authorized" in " ".join(str(e.get("type", "")) for e in errors if isinstance(e, dict)):
        raise AccountNotFound(NETWORK, handle, "its posts are protected")
    raise AccountNotFound(NETWORK, handle)


def _first_count(metrics: dict[str, Any], *names: str) -> int | None:
    """The first of `names` present: X renames metrics (retweet_count → repost_count)."""
    for name in names:
        if name in metrics:
            return count(metrics[name])
    return None


def _post_counts(tweet: dict[str, Any]) -> PostCounts:
    if not isinstance(tweet.get("id"), str | int) or not isinstance(tweet.get("created_at"), str):
        raise ServiceError(NETWORK, "sent a post without an id or date")
    try:
        created_at = parse_timestamp(tweet["created_at"])
    except ValueError as error:
        raise ServiceError(NETWORK, "sent a post with a date it could not read") from error
    metrics = tweet.get("public_metrics") if isinstance(tweet.get("public_metrics"), dict) else {}
    return PostCounts(
        post_id=str(tweet["id"]),
        created_at=created_at,
        likes=_first_count(metrics, "like_count", "favorite_count"),
        reposts=_first_count(metrics, "repost_count", "retweet_count"),
        replies=_first_count(metrics, "reply_count"),
        quotes=_first_count(metrics, "quote_count"),
        bookmarks=_first_count(metrics, "bookmark_count"),
        impressions=_first_count(metrics, "impression_count", "view_count"),
    )
