"""The shared session: time-outs, retries on 429/5xx with the reset headers, clear failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
import responses

from socialplan.connectors.base import NetworkDown, RateLimited, ServiceError
from socialplan.connectors.http import (
    MAX_RETRIES,
    MAX_TOTAL_WAIT_SECONDS,
    make_session,
    read_json,
    seconds_until_reset,
)
from tests.connectors.conftest import NOW
from tests.connectors.payloads import MAINTENANCE_PAGE

URL = "https://api.example.com/data"


def test_every_request_gets_a_connect_and_read_timeout(api: responses.RequestsMock) -> None:
    api.get(URL, json={"ok": True})
    make_session("Example").get(URL)
    assert api.calls[0].request.req_kwargs["timeout"] == (10.0, 10.0)


def test_a_timeout_the_caller_gives_is_kept(api: responses.RequestsMock) -> None:
    api.get(URL, json={"ok": True})
    make_session("Example").get(URL, timeout=3)
    assert api.calls[0].request.req_kwargs["timeout"] == 3


def test_429_waits_as_long_as_retry_after_says_then_succeeds(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    api.get(URL, status=429, headers={"Retry-After": "7"}, json={"error": "slow down"})
    api.get(URL, json={"ok": True})
    response = make_session("Example").get(URL)
    assert response.json() == {"ok": True}
    assert sleeps == [7.0]


def test_429_with_a_unix_reset_time_waits_until_just_after_it(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    reset = int((NOW + timedelta(seconds=12)).timestamp())
    api.get(URL, status=429, headers={"x-rate-limit-reset": str(reset)})
    api.get(URL, json={"ok": True})
    assert make_session("Example").get(URL).status_code == 200
    assert sleeps == [13.0]  # one second past the reset, which has one-second resolution


def test_429_beyond_the_wait_budget_raises_rate_limited_without_waiting(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    reset = NOW + timedelta(minutes=5)
    api.get(URL, status=429, headers={"ratelimit-reset": str(int(reset.timestamp()))})
    with pytest.raises(RateLimited) as caught:
        make_session("Bluesky").get(URL)
    assert caught.value.until == reset + timedelta(seconds=1)
    assert str(caught.value) == "Bluesky rate limited until 14:05 UTC — sync again after that."
    assert sleeps == []


def test_429_every_time_gives_up_after_the_retries(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    for _ in range(MAX_RETRIES + 1):
        api.get(URL, status=429, headers={"Retry-After": "2"})
    with pytest.raises(RateLimited) as caught:
        make_session("Example").get(URL)
    assert sleeps == [2.0] * MAX_RETRIES
    assert caught.value.until == NOW + timedelta(seconds=2)


def test_total_waiting_stays_within_the_budget(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    wait = MAX_TOTAL_WAIT_SECONDS * 0.4
    for _ in range(3):
        api.get(URL, status=429, headers={"Retry-After": str(wait)})
    with pytest.raises(RateLimited):
        make_session("Example").get(URL)
    assert sleeps == [wait, wait]
    assert sum(sleeps) <= MAX_TOTAL_WAIT_SECONDS


def test_5xx_is_retried_with_exponential_backoff_then_succeeds(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    api.get(URL, status=502)
    api.get(URL, status=503)
    api.get(URL, json={"ok": True})
    assert make_session("Example").get(URL).json() == {"ok": True}
    assert sleeps == [1.0, 2.0]


def test_5xx_that_outlives_the_retries_is_returned_for_the_connector_to_report(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    for _ in range(MAX_RETRIES + 1):
        api.get(URL, status=500)
    assert make_session("Example").get(URL).status_code == 500
    assert len(sleeps) == MAX_RETRIES


def test_other_errors_are_not_retried(api: responses.RequestsMock, sleeps: list[float]) -> None:
    api.get(URL, status=404, json={"error": "Record not found"})
    assert make_session("Example").get(URL).status_code == 404
    assert sleeps == []


@pytest.mark.parametrize(
    ("error", "detail"),
    [
        (requests.exceptions.ConnectTimeout("connect timed out"), "no answer in time"),
        (requests.exceptions.ReadTimeout("read timed out"), "no answer in time"),
        (requests.exceptions.ConnectionError("Name or service not known"), "no connection"),
        (requests.exceptions.ChunkedEncodingError("broken"), "the connection broke off"),
    ],
)
def test_connection_failures_become_network_down(
    api: responses.RequestsMock, error: Exception, detail: str
) -> None:
    api.get(URL, body=error)
    with pytest.raises(NetworkDown) as caught:
        make_session("Mastodon").get(URL)
    assert str(caught.value) == (
        f"Could not reach Mastodon ({detail}) — check the internet connection and try again."
    )


def test_an_html_page_with_status_200_is_a_service_error(api: responses.RequestsMock) -> None:
    api.get(URL, body=MAINTENANCE_PAGE, content_type="text/html; charset=utf-8")
    response = make_session("Bluesky").get(URL)
    with pytest.raises(ServiceError) as caught:
        read_json(response, "Bluesky")
    assert "web page instead of data (HTTP 200)" in str(caught.value)


def test_html_sent_as_json_is_still_recognised(api: responses.RequestsMock) -> None:
    api.get(URL, body=MAINTENANCE_PAGE, content_type="application/json")
    with pytest.raises(ServiceError, match="web page instead of data"):
        read_json(make_session("X").get(URL), "X")


def test_malformed_json_is_a_service_error(api: responses.RequestsMock) -> None:
    api.get(URL, body='{"followersCount": 12,', content_type="application/json")
    with pytest.raises(ServiceError) as caught:
        read_json(make_session("Bluesky").get(URL), "Bluesky")
    assert str(caught.value) == (
        "Bluesky sent data Social Plan could not read (HTTP 200, not valid JSON) — try again later."
    )


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "30"}, 30.0),
        ({"Retry-After": "Wed, 10 Mar 2027 14:01:00 GMT"}, 60.0),
        ({"x-rate-limit-reset": str(int(NOW.timestamp()) + 90)}, 91.0),  # X: Unix time
        ({"X-RateLimit-Reset": "2027-03-10T14:05:00.000Z"}, 300.0),  # Mastodon: ISO 8601
        ({"ratelimit-reset": str(int(NOW.timestamp()) + 10)}, 11.0),  # Bluesky: Unix time
        ({"RateLimit-Reset": "45"}, 45.0),  # IETF draft: seconds from now
        ({"x-ratelimit-reset": "2027-03-10T13:00:00Z"}, 0.0),  # already past
        ({"Retry-After": "soon", "ratelimit-reset": "20"}, 20.0),  # garbage falls through
        ({"Retry-After": "-5"}, None),
        ({"x-ratelimit-reset": "whenever"}, None),
        ({}, None),
    ],
)
def test_reset_headers_of_every_network_are_understood(
    headers: dict[str, str], seconds: float | None
) -> None:
    assert seconds_until_reset(requests.structures.CaseInsensitiveDict(headers), NOW) == seconds


def test_rate_limited_names_the_date_when_the_limit_lifts_on_another_day() -> None:
    until = datetime(2027, 3, 11, 0, 30, tzinfo=UTC)
    error = RateLimited("X", until, now=NOW)
    assert str(error) == "X rate limited until Mar 11, 00:30 UTC — sync again after that."
