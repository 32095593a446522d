"""Mastodon through a server's public REST API, replayed offline."""

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
from socialplan.connectors.mastodon import MastodonConnector
from tests.connectors.payloads import (
    MAINTENANCE_PAGE,
    MASTODON_NOT_FOUND,
    mastodon_account,
    mastodon_status,
)

LOOKUP_URL = "https://mastodon.social/api/v1/accounts/lookup"
ACCOUNT_ID = "109302839274710511"
STATUSES_URL = f"https://mastodon.social/api/v1/accounts/{ACCOUNT_ID}/statuses"
FIRST_PAGE = {"exclude_replies": "true", "exclude_reblogs": "true", "limit": "40"}


def day(n: int, hour: int = 9) -> datetime:
    return datetime(2027, 3, 10, hour, tzinfo=UTC) - timedelta(days=n)


def register_lookup(api: responses.RequestsMock, **account: object) -> None:
    api.get(
        LOOKUP_URL,
        json=mastodon_account(**account),  # type: ignore[arg-type]
        match=[matchers.query_param_matcher({"acct": "rosa"})],
    )


def test_profile_counts_come_from_lookup(api: responses.RequestsMock) -> None:
    register_lookup(api, followers=321, following=88, statuses=150)
    profile = MastodonConnector().fetch_profile("@rosa@mastodon.social")
    assert profile == ProfileCounts(
        followers=321, following=88, posts_total=150, display_name="Rosa's Bakery"
    )


def test_handle_case_and_at_sign_do_not_matter(api: responses.RequestsMock) -> None:
    register_lookup(api)
    assert MastodonConnector().fetch_profile("Rosa@Mastodon.Social").followers == 321


@pytest.mark.parametrize("handle", ["rosa", "@rosa", "rosa@", "rosa@mastodon.social/evil", "a@b@c"])
def test_a_handle_without_a_plain_server_is_refused_before_any_request(
    api: responses.RequestsMock, handle: str
) -> None:
    with pytest.raises(AccountNotFound, match="needs its server"):
        MastodonConnector().fetch_profile(handle)
    assert len(api.calls) == 0


def test_404_is_account_not_found(api: responses.RequestsMock) -> None:
    api.get(LOOKUP_URL, status=404, json=MASTODON_NOT_FOUND)
    with pytest.raises(AccountNotFound) as caught:
        MastodonConnector().fetch_profile("@nobody@mastodon.social")
    assert str(caught.value) == (
        "Mastodon has no account @nobody@mastodon.social — check the handle."
    )


def test_a_server_that_wants_a_login_is_a_service_error(api: responses.RequestsMock) -> None:
    api.get(LOOKUP_URL, status=401, json={"error": "This API requires an authenticated user"})
    with pytest.raises(ServiceError, match="lets only signed-in apps read accounts"):
        MastodonConnector().fetch_profile("@rosa@mastodon.social")


def test_statuses_use_the_id_from_the_profile_and_follow_the_link_header(
    api: responses.RequestsMock,
) -> None:
    register_lookup(api)
    next_url = f"{STATUSES_URL}?exclude_replies=true&exclude_reblogs=true&limit=40&max_id=1002"
    api.get(
        STATUSES_URL,
        json=[
            mastodon_status("1003", day(0), favourites=7, reblogs=2, replies=1),
            mastodon_status("1002", day(1)),
        ],
        headers={"Link": f'<{next_url}>; rel="next", <{STATUSES_URL}?min_id=1003>; rel="prev"'},
        match=[matchers.query_param_matcher(FIRST_PAGE)],
    )
    api.get(
        STATUSES_URL,
        json=[mastodon_status("1001", day(2))],
        match=[matchers.query_param_matcher({**FIRST_PAGE, "max_id": "1002"})],
    )
    api.get(
        STATUSES_URL,
        json=[],
        match=[matchers.query_param_matcher({**FIRST_PAGE, "max_id": "1001"})],
    )
    connector = MastodonConnector()
    connector.fetch_profile("@rosa@mastodon.social")
    posts = connector.fetch_recent_posts("@rosa@mastodon.social")
    assert [post.post_id for post in posts] == ["1003", "1002", "1001"]
    assert posts[0] == PostCounts(
        post_id="1003", created_at=day(0), likes=7, reposts=2, replies=1, quotes=None
    )
    # One lookup only: the id was remembered from fetch_profile.
    assert sum(call.request.url.startswith(LOOKUP_URL) for call in api.calls) == 1


def test_a_link_to_another_server_is_not_followed(api: responses.RequestsMock) -> None:
    register_lookup(api)
    api.get(
        STATUSES_URL,
        json=[mastodon_status("1003", day(0))],
        headers={"Link": '<https://evil.example/api/v1/accounts/1/statuses?max_id=1>; rel="next"'},
        match=[matchers.query_param_matcher(FIRST_PAGE)],
    )
    api.get(
        STATUSES_URL,
        json=[],
        match=[matchers.query_param_matcher({**FIRST_PAGE, "max_id": "1003"})],
    )
    assert len(MastodonConnector().fetch_recent_posts("rosa@mastodon.social")) == 1


def test_statuses_stop_at_since(api: responses.RequestsMock) -> None:
    register_lookup(api)
    api.get(STATUSES_URL, json=[mastodon_status("1003", day(0)), mastodon_status("0900", day(30))])
    posts = MastodonConnector().fetch_recent_posts("rosa@mastodon.social", since=day(7, 0))
    assert [post.post_id for post in posts] == ["1003"]


def test_statuses_stop_at_the_limit(api: responses.RequestsMock) -> None:
    register_lookup(api)
    api.get(
        STATUSES_URL,
        json=[mastodon_status(str(1000 - i), day(0, 20 - i)) for i in range(3)],
        match=[matchers.query_param_matcher({**FIRST_PAGE, "limit": "3"})],
    )
    assert len(MastodonConnector().fetch_recent_posts("rosa@mastodon.social", limit=3)) == 3


def test_quotes_are_counted_on_servers_that_count_them(api: responses.RequestsMock) -> None:
    register_lookup(api)
    api.get(STATUSES_URL, json=[mastodon_status("1003", day(0), quotes=4)])
    api.get(STATUSES_URL, json=[])
    assert MastodonConnector().fetch_recent_posts("rosa@mastodon.social")[0].quotes == 4


def test_a_boost_that_slips_through_is_skipped(api: responses.RequestsMock) -> None:
    register_lookup(api)
    boost = mastodon_status("1004", day(0), favourites=0)
    boost["reblog"] = mastodon_status("555", day(3), favourites=900)
    api.get(STATUSES_URL, json=[boost, mastodon_status("1003", day(0))])
    api.get(STATUSES_URL, json=[])
    assert [p.post_id for p in MastodonConnector().fetch_recent_posts("rosa@mastodon.social")] == [
        "1003"
    ]


def test_429_with_an_iso_reset_waits_then_succeeds(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    api.get(
        LOOKUP_URL,
        status=429,
        json={"error": "Too many requests"},
        headers={
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": "2027-03-10T14:00:03.500Z",
        },
    )
    register_lookup(api, followers=5)
    assert MastodonConnector().fetch_profile("rosa@mastodon.social").followers == 5
    assert sleeps == [3.5]


def test_429_until_later_is_rate_limited(api: responses.RequestsMock) -> None:
    api.get(LOOKUP_URL, status=429, headers={"X-RateLimit-Reset": "2027-03-10T14:05:00.000Z"})
    with pytest.raises(RateLimited, match="Mastodon rate limited until 14:05 UTC"):
        MastodonConnector().fetch_profile("rosa@mastodon.social")


def test_5xx_is_retried_then_succeeds(api: responses.RequestsMock, sleeps: list[float]) -> None:
    api.get(LOOKUP_URL, status=503, body="<html>503 Service Temporarily Unavailable</html>")
    register_lookup(api)
    assert MastodonConnector().fetch_profile("rosa@mastodon.social").followers == 321
    assert sleeps == [1.0]


def test_timeout_is_network_down(api: responses.RequestsMock) -> None:
    api.get(LOOKUP_URL, body=requests.exceptions.ConnectTimeout("timed out"))
    with pytest.raises(NetworkDown):
        MastodonConnector().fetch_profile("rosa@mastodon.social")


def test_html_with_status_200_is_a_service_error(api: responses.RequestsMock) -> None:
    api.get(LOOKUP_URL, body=MAINTENANCE_PAGE, content_type="text/html")
    with pytest.raises(ServiceError, match="web page instead of data"):
        MastodonConnector().fetch_profile("rosa@mastodon.social")


def test_malformed_json_is_a_service_error(api: responses.RequestsMock) -> None:
    register_lookup(api)
    api.get(STATUSES_URL, body='[{"id": "1003", ', content_type="application/json")
    with pytest.raises(ServiceError, match="not valid JSON"):
        MastodonConnector().fetch_recent_posts("rosa@mastodon.social")
