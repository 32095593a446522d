"""Bluesky through the public AppView, replayed offline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
import responses
from responses import matchers

from socialplan.connectors.base import (
    AccountNotFound,
    NetworkDown,
    PostCounts,
    ProfileCounts,
    RateLimited,
    ServiceError,
)
from socialplan.connectors.bluesky import BlueskyConnector
from tests.connectors.conftest import NOW
from tests.connectors.payloads import (
    BLUESKY_FEED_URL,
    BLUESKY_NOT_FOUND,
    BLUESKY_PROFILE_URL,
    MAINTENANCE_PAGE,
    ROSA_DID,
    bluesky_feed,
    bluesky_item,
    bluesky_profile,
)

HANDLE = "rosasbakery.bsky.social"


def feed_query(cursor: str | None = None, limit: int = 100) -> matchers.query_param_matcher:
    params = {"actor": HANDLE, "filter": "posts_no_replies", "limit": str(limit)}
    if cursor:
        params["cursor"] = cursor
    return matchers.query_param_matcher(params)


def day(n: int, hour: int = 9) -> datetime:
    """`n` days before the tests' today, at `hour` UTC."""
    return datetime(2027, 3, 10, hour, tzinfo=UTC) - timedelta(days=n)


def test_profile_counts_come_from_get_profile(api: responses.RequestsMock) -> None:
    api.get(
        BLUESKY_PROFILE_URL,
        json=bluesky_profile(followers=1234, follows=210, posts=480),
        match=[matchers.query_param_matcher({"actor": HANDLE})],
    )
    profile = BlueskyConnector().fetch_profile("@" + HANDLE)
    assert profile == ProfileCounts(
        followers=1234, following=210, posts_total=480, display_name="Rosa's Bakery"
    )


def test_a_count_the_profile_leaves_out_is_none_not_zero(api: responses.RequestsMock) -> None:
    body = bluesky_profile()
    del body["followsCount"]
    api.get(BLUESKY_PROFILE_URL, json=body)
    assert BlueskyConnector().fetch_profile(HANDLE).following is None


def test_unknown_actor_is_account_not_found(api: responses.RequestsMock) -> None:
    api.get(BLUESKY_PROFILE_URL, status=400, json=BLUESKY_NOT_FOUND)
    with pytest.raises(AccountNotFound) as caught:
        BlueskyConnector().fetch_profile("nobody-here.bsky.social")
    assert (
        str(caught.value) == "Bluesky has no account @nobody-here.bsky.social — check the handle."
    )


def test_a_taken_down_account_says_so(api: responses.RequestsMock) -> None:
    api.get(
        BLUESKY_PROFILE_URL,
        status=400,
        json={"error": "AccountTakedown", "message": "Account has been suspended"},
    )
    with pytest.raises(AccountNotFound, match="the account was taken down"):
        BlueskyConnector().fetch_profile(HANDLE)


def test_another_bad_request_is_a_service_error(api: responses.RequestsMock) -> None:
    api.get(
        BLUESKY_PROFILE_URL,
        status=400,
        json={"error": "InvalidRequest", "message": "Error: actor must be a valid did or a handle"},
    )
    with pytest.raises(ServiceError, match="refused the request .HTTP 400: Error: actor must"):
        BlueskyConnector().fetch_profile(HANDLE)


def test_feed_pages_through_the_cursor_and_skips_reposts(api: responses.RequestsMock) -> None:
    api.get(
        BLUESKY_FEED_URL,
        json=bluesky_feed(
            [
                bluesky_item("3lk1", day(0), likes=12, reposts=3, replies=2, quotes=1),
                bluesky_item("3lk2", day(0, 8), reposted_by_rosa=True, likes=999),
                bluesky_item("3lk3", day(1)),
            ],
            cursor="2027-03-09T09:00:00.000Z",
        ),
        match=[feed_query()],
    )
    api.get(
        BLUESKY_FEED_URL,
        json=bluesky_feed([bluesky_item("3lk4", day(2), likes=4)]),  # no cursor: the end
        match=[feed_query("2027-03-09T09:00:00.000Z")],
    )
    posts = BlueskyConnector().fetch_recent_posts(HANDLE)
    assert [post.post_id.rsplit("/", 1)[-1] for post in posts] == ["3lk1", "3lk3", "3lk4"]
    assert posts[0] == PostCounts(
        post_id=f"at://{ROSA_DID}/app.bsky.feed.post/3lk1",
        created_at=day(0),
        likes=12,
        reposts=3,
        replies=2,
        quotes=1,
        bookmarks=None,
        impressions=None,
    )


def test_feed_stops_at_since_without_reading_older_pages(api: responses.RequestsMock) -> None:
    api.get(
        BLUESKY_FEED_URL,
        json=bluesky_feed(
            [bluesky_item("new", day(1)), bluesky_item("old", day(9))], cursor="more-but-older"
        ),
    )
    # Only one answer is registered: asking for the next page would fail the test.
    posts = BlueskyConnector().fetch_recent_posts(HANDLE, since=day(7, 0))
    assert [post.post_id.rsplit("/", 1)[-1] for post in posts] == ["new"]


def test_feed_stops_at_the_limit(api: responses.RequestsMock) -> None:
    api.get(
        BLUESKY_FEED_URL,
        json=bluesky_feed([bluesky_item(f"p{i}", day(0, 12 - i)) for i in range(3)], cursor="c"),
        match=[feed_query(limit=2)],
    )
    assert len(BlueskyConnector().fetch_recent_posts(HANDLE, limit=2)) == 2


def test_a_cursor_that_repeats_does_not_loop_forever(api: responses.RequestsMock) -> None:
    api.get(BLUESKY_FEED_URL, json=bluesky_feed([bluesky_item("a", day(0))], cursor="same"))
    api.get(BLUESKY_FEED_URL, json=bluesky_feed([bluesky_item("b", day(1))], cursor="same"))
    assert len(BlueskyConnector().fetch_recent_posts(HANDLE)) == 2


def test_a_post_with_an_unreadable_created_at_uses_indexed_at(api: responses.RequestsMock) -> None:
    item = bluesky_item("odd", day(0))
    item["post"]["record"]["createdAt"] = "yesterday-ish"
    api.get(BLUESKY_FEED_URL, json=bluesky_feed([item]))
    assert BlueskyConnector().fetch_recent_posts(HANDLE)[0].created_at == day(0)


def test_429_with_ratelimit_reset_waits_then_succeeds(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    reset = int((NOW + timedelta(seconds=4)).timestamp())
    api.get(
        BLUESKY_PROFILE_URL,
        status=429,
        json={"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        headers={
            "ratelimit-limit": "3000",
            "ratelimit-remaining": "0",
            "ratelimit-reset": str(reset),
            "ratelimit-policy": "3000;w=300",
        },
    )
    api.get(BLUESKY_PROFILE_URL, json=bluesky_profile(followers=7))
    assert BlueskyConnector().fetch_profile(HANDLE).followers == 7
    assert sleeps == [5.0]


def test_429_for_longer_than_the_budget_is_rate_limited(api: responses.RequestsMock) -> None:
    reset = int((NOW + timedelta(minutes=4, seconds=59)).timestamp())
    api.get(BLUESKY_FEED_URL, status=429, headers={"ratelimit-reset": str(reset)})
    with pytest.raises(RateLimited, match="Bluesky rate limited until 14:05 UTC"):
        BlueskyConnector().fetch_recent_posts(HANDLE)


def test_5xx_is_retried_then_succeeds(api: responses.RequestsMock, sleeps: list[float]) -> None:
    api.get(BLUESKY_PROFILE_URL, status=502, body="Bad Gateway")
    api.get(BLUESKY_PROFILE_URL, json=bluesky_profile(followers=8))
    assert BlueskyConnector().fetch_profile(HANDLE).followers == 8
    assert sleeps == [1.0]


def test_5xx_that_persists_is_a_service_error(api: responses.RequestsMock) -> None:
    for _ in range(4):
        api.get(BLUESKY_PROFILE_URL, status=503, body="Service Unavailable")
    with pytest.raises(ServiceError) as caught:
        BlueskyConnector().fetch_profile(HANDLE)
    assert str(caught.value) == "Bluesky is having trouble (HTTP 503) — try again later."


def test_timeout_is_network_down(api: responses.RequestsMock) -> None:
    api.get(BLUESKY_PROFILE_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(NetworkDown, match="Could not reach Bluesky"):
        BlueskyConnector().fetch_profile(HANDLE)


def test_html_with_status_200_is_a_service_error(api: responses.RequestsMock) -> None:
    api.get(BLUESKY_FEED_URL, body=MAINTENANCE_PAGE, content_type="text/html")
    with pytest.raises(ServiceError, match="web page instead of data"):
        BlueskyConnector().fetch_recent_posts(HANDLE)


def test_malformed_json_is_a_service_error(api: responses.RequestsMock) -> None:
    api.get(BLUESKY_PROFILE_URL, body='{"did": "did:plc:', content_type="application/json")
    with pytest.raises(ServiceError, match="not valid JSON"):
        BlueskyConnector().fetch_profile(HANDLE)


def test_a_feed_without_a_feed_list_is_a_service_error(api: responses.RequestsMock) -> None:
    api.get(BLUESKY_FEED_URL, json={"cursor": "x"})
    with pytest.raises(ServiceError, match="without posts"):
        BlueskyConnector().fetch_recent_posts(HANDLE)
