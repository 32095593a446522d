"""X through tweepy's API v2 Client, replayed offline at the HTTP layer."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import requests
import responses
from responses import matchers

from socialplan.connectors import connector_for
from socialplan.connectors.base import (
    AccountNotFound,
    BadCredentials,
    NetworkDown,
    PostCounts,
    ProfileCounts,
    RateLimited,
    ServiceError,
)
from socialplan.connectors.x import XConnector
from tests.connectors.conftest import NOW
from tests.connectors.payloads import (
    MAINTENANCE_PAGE,
    X_API,
    X_CLIENT_FORBIDDEN,
    X_PAGE_MISSING,
    X_TOO_MANY,
    X_UNAUTHORIZED,
    X_UNAVAILABLE,
    x_suspended_user,
    x_tweet,
    x_tweets,
    x_unknown_user,
    x_user,
)

TOKEN = "AAAAAAAAAAAAAAAAAAAAAtestbearertoken%2Fsecret"
USER_URL = f"{X_API}/users/by/username/rosasbakery"
USER_ID = "1486512379437879297"
TWEETS_URL = f"{X_API}/users/{USER_ID}/tweets"


def day(n: int, hour: int = 9) -> datetime:
    return datetime(2027, 3, 10, hour, tzinfo=UTC) - timedelta(days=n)


def register_user(api: responses.RequestsMock, **user: object) -> None:
    api.get(
        USER_URL,
        json=x_user(**user),  # type: ignore[arg-type]
        match=[
            matchers.query_param_matcher({"user.fields": "public_metrics,created_at"}),
            matchers.header_matcher({"Authorization": f"Bearer {TOKEN}"}),
        ],
    )


def test_profile_counts_come_from_the_user_lookup(api: responses.RequestsMock) -> None:
    register_user(api, followers=2048, following=312, tweet_count=900)
    profile = XConnector(TOKEN).fetch_profile("@RosasBakery")
    assert profile == ProfileCounts(
        followers=2048, following=312, posts_total=900, display_name="Rosa's Bakery"
    )


def test_a_renamed_post_count_is_accepted(api: responses.RequestsMock) -> None:
    register_user(api, tweet_count=901, count_name="post_count")
    assert XConnector(TOKEN).fetch_profile("rosasbakery").posts_total == 901


def test_an_unknown_user_comes_back_200_with_errors_and_is_not_found(
    api: responses.RequestsMock,
) -> None:
    api.get(USER_URL, status=200, json=x_unknown_user("rosasbakery"))
    with pytest.raises(AccountNotFound) as caught:
        XConnector(TOKEN).fetch_profile("rosasbakery")
    assert str(caught.value) == "X has no account @rosasbakery — check the handle."


def test_a_suspended_user_says_so(api: responses.RequestsMock) -> None:
    api.get(USER_URL, status=200, json=x_suspended_user("rosasbakery"))
    with pytest.raises(AccountNotFound, match="the account is suspended"):
        XConnector(TOKEN).fetch_profile("rosasbakery")


def test_401_is_bad_credentials_with_the_settings_hint(api: responses.RequestsMock) -> None:
    api.get(USER_URL, status=401, json=X_UNAUTHORIZED)
    with pytest.raises(BadCredentials) as caught:
        XConnector(TOKEN).fetch_profile("rosasbakery")
    assert str(caught.value) == "The X bearer token was refused — check it on the Accounts page."
    assert TOKEN not in str(caught.value)


def test_403_is_bad_credentials_naming_the_plan(api: responses.RequestsMock) -> None:
    api.get(USER_URL, status=403, json=X_CLIENT_FORBIDDEN)
    with pytest.raises(BadCredentials, match="developer plan may not include"):
        XConnector(TOKEN).fetch_profile("rosasbakery")


def test_404_is_account_not_found(api: responses.RequestsMock) -> None:
    api.get(USER_URL, status=404, json=X_PAGE_MISSING)
    with pytest.raises(AccountNotFound):
        XConnector(TOKEN).fetch_profile("rosasbakery")


def test_429_with_a_reset_header_waits_then_succeeds(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    reset = int((NOW + timedelta(seconds=9)).timestamp())
    api.get(
        USER_URL,
        status=429,
        json=X_TOO_MANY,
        headers={
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(reset),
        },
    )
    register_user(api, followers=2049)
    assert XConnector(TOKEN).fetch_profile("rosasbakery").followers == 2049
    assert sleeps == [10.0]


def test_429_beyond_the_wait_budget_is_rate_limited_until_the_reset(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    reset = int(datetime(2027, 3, 10, 14, 14, 59, tzinfo=UTC).timestamp())
    api.get(USER_URL, status=429, json=X_TOO_MANY, headers={"x-rate-limit-reset": str(reset)})
    with pytest.raises(RateLimited) as caught:
        XConnector(TOKEN).fetch_profile("rosasbakery")
    assert str(caught.value) == "X rate limited until 14:15 UTC — sync again after that."
    assert sleeps == []


def test_tweepys_own_rate_limit_error_is_mapped_too(api: responses.RequestsMock) -> None:
    # With a plain session tweepy itself sees the 429 and raises TooManyRequests.
    reset = int(datetime(2027, 3, 10, 14, 15, tzinfo=UTC).timestamp())
    api.get(USER_URL, status=429, json=X_TOO_MANY, headers={"x-rate-limit-reset": str(reset)})
    with pytest.raises(RateLimited) as caught:
        XConnector(TOKEN, session=requests.Session()).fetch_profile("rosasbakery")
    assert caught.value.until == datetime(2027, 3, 10, 14, 15, tzinfo=UTC)


def test_5xx_is_retried_then_succeeds(api: responses.RequestsMock, sleeps: list[float]) -> None:
    api.get(USER_URL, status=503, json=X_UNAVAILABLE)
    register_user(api)
    assert XConnector(TOKEN).fetch_profile("rosasbakery").followers == 2048
    assert sleeps == [1.0]


def test_5xx_that_persists_is_a_service_error(api: responses.RequestsMock) -> None:
    for _ in range(4):
        api.get(USER_URL, status=503, json=X_UNAVAILABLE)
    with pytest.raises(ServiceError) as caught:
        XConnector(TOKEN).fetch_profile("rosasbakery")
    assert str(caught.value) == "X is having trouble (HTTP 503) — try again later."


def test_timeout_is_network_down(api: responses.RequestsMock) -> None:
    api.get(USER_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(NetworkDown, match="Could not reach X .no answer in time."):
        XConnector(TOKEN).fetch_profile("rosasbakery")


def test_html_with_status_200_is_a_service_error(api: responses.RequestsMock) -> None:
    api.get(USER_URL, body=MAINTENANCE_PAGE, content_type="text/html;charset=utf-8")
    with pytest.raises(ServiceError, match="X answered with a web page instead of data"):
        XConnector(TOKEN).fetch_profile("rosasbakery")


def test_malformed_json_is_a_service_error(api: responses.RequestsMock) -> None:
    api.get(USER_URL, body='{"data": {"id": "14865', content_type="application/json")
    with pytest.raises(ServiceError, match="not valid JSON"):
        XConnector(TOKEN).fetch_profile("rosasbakery")


def test_posts_are_one_page_only_without_retweets_or_replies(api: responses.RequestsMock) -> None:
    register_user(api)
    api.get(
        TWEETS_URL,
        json=x_tweets(
            [
                x_tweet("1767", day(0), likes=20, reposts=3, replies=2, quotes=1),
                x_tweet("1766", day(1)),
            ],
            next_token="7140dibdnow9c7btw3z2vwioavpvutgzrzm9icis4ndix",
        ),
        match=[
            matchers.query_param_matcher(
                {
                    "exclude": "retweets,replies",
                    "tweet.fields": "created_at,public_metrics",
                    "max_results": "100",
                    "start_time": "2027-03-03T00:00:00Z",
                }
            )
        ],
    )
    connector = XConnector(TOKEN)
    connector.fetch_profile("rosasbakery")
    posts = connector.fetch_recent_posts("rosasbakery", since=day(7, 0))
    assert posts[0] == PostCounts(
        post_id="1767",
        created_at=day(0),
        likes=20,
        reposts=3,
        replies=2,
        quotes=1,
        bookmarks=4,
        impressions=900,
    )
    assert len(posts) == 2
    # X charges per read: one user lookup and one page, even though next_token offered more.
    assert len(api.calls) == 2


@pytest.mark.parametrize("repost_name", ["retweet_count", "repost_count"])
def test_both_names_of_the_repost_count_are_accepted(
    api: responses.RequestsMock, repost_name: str
) -> None:
    register_user(api)
    api.get(
        TWEETS_URL, json=x_tweets([x_tweet("1767", day(0), reposts=6, repost_name=repost_name)])
    )
    assert XConnector(TOKEN).fetch_recent_posts("rosasbakery")[0].reposts == 6


def test_posts_without_a_prior_profile_look_the_user_up_first(api: responses.RequestsMock) -> None:
    register_user(api)
    api.get(TWEETS_URL, json=x_tweets([]))
    assert XConnector(TOKEN).fetch_recent_posts("rosasbakery", limit=3) == []
    assert "max_results=5" in api.calls[1].request.url  # X's smallest page


def test_missing_metrics_are_none_not_zero(api: responses.RequestsMock) -> None:
    register_user(api)
    tweet = x_tweet("1767", day(0))
    del tweet["public_metrics"]["impression_count"]
    del tweet["public_metrics"]["bookmark_count"]
    api.get(TWEETS_URL, json=x_tweets([tweet]))
    post = XConnector(TOKEN).fetch_recent_posts("rosasbakery")[0]
    assert (post.impressions, post.bookmarks, post.likes) == (None, None, 20)


def test_no_token_is_bad_credentials_before_any_request(api: responses.RequestsMock) -> None:
    with pytest.raises(BadCredentials, match="No X bearer token is set"):
        connector_for("x", x_bearer_token=None)
    with pytest.raises(BadCredentials):
        connector_for("x", x_bearer_token="   ")
    assert len(api.calls) == 0


def test_the_token_never_reaches_the_log(
    api: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    register_user(api)
    with caplog.at_level(logging.DEBUG, logger="tweepy.client"):
        XConnector(TOKEN).fetch_profile("rosasbakery")
    assert "Bearer [hidden]" in caplog.text  # tweepy did log its headers…
    assert TOKEN not in caplog.text  # …but not the token
