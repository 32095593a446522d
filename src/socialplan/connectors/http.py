"""The HTTP session every connector uses: time-outs, bounded retries and clear failures.

Every request gets a connect and read time-out. A 429 or 5xx answer is retried a few
times, waiting as long as the network's reset header asks (Retry-After, x-rate-limit-reset,
x-ratelimit-reset, ratelimit-reset) or with exponential backoff, within a bounded total
wait; a 429 that would need longer becomes `RateLimited` with the time it lifts (or with
no time, when the network never said). A request that cannot reach the network becomes
`NetworkDown`: a connection cut off mid-request is tried once more, a time-out or a refused
connection is not (the user has waited already, and a second try rarely helps). Every
retry counts against the same `max_retries`. Nothing here logs headers, so the X bearer
token never reaches a log.
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests
import urllib3.exceptions

from socialplan.connectors.base import NetworkDown, RateLimited, ServiceError

CONNECT_TIMEOUT_SECONDS = 10.0
READ_TIMEOUT_SECONDS = 10.0
MAX_RETRIES = 3
# A connection cut off mid-request (reset, dropped by a proxy) is tried this many times more.
MAX_NETWORK_RETRIES = 1
# A sync of many accounts must not hang on one network: past this, report the wait instead.
MAX_TOTAL_WAIT_SECONDS = 30.0
BACKOFF_SECONDS = 1.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Reset headers carry either a Unix time or a number of seconds; no delay is this large.
UNIX_TIME_THRESHOLD = 1_000_000_000
RESET_HEADERS = ("x-rate-limit-reset", "x-ratelimit-reset", "ratelimit-reset")
USER_AGENT = "SocialPlan/0.1 (social media plan for small businesses)"


def utc_now() -> datetime:
    """The current time in UTC (a function so tests can fix it)."""
    return datetime.now(UTC)


class ConnectorSession(requests.Session):
    """A requests Session with a default time-out and retries on 429 and 5xx."""

    def __init__(
        self,
        network: str,
        *,
        timeout: tuple[float, float] = (CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS),
        max_retries: int = MAX_RETRIES,
        max_network_retries: int = MAX_NETWORK_RETRIES,
        max_total_wait: float = MAX_TOTAL_WAIT_SECONDS,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        self.network = network
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_network_retries = max_network_retries
        self.max_total_wait = max_total_wait
        self._sleep = sleep
        self._clock = clock
        self.headers["User-Agent"] = USER_AGENT
        self.headers["Accept"] = "application/json"

    def now(self) -> datetime:
        """The session's idea of the current time (injectable for tests)."""
        return (self._clock or utc_now)()

    def wait(self, seconds: float) -> None:
        """Sleep before a retry; looked up at call time so tests can patch time.sleep."""
        (self._sleep or time.sleep)(seconds)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        """Send with a time-out; retry 429/5xx and cut connections within the budget."""
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        waited, attempt, network_retries = 0.0, 0, 0
        while True:
            try:
                response = self._send_once(method, url, *args, **kwargs)
            except _ConnectionCut as cut:
                delay = BACKOFF_SECONDS * 2**attempt
                if (
                    network_retries >= self.max_network_retries
                    or attempt >= self.max_retries
                    or waited + delay > self.max_total_wait
                ):
                    raise cut.network_down from cut.__cause__
                network_retries += 1
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                asked = seconds_until_reset(response.headers, self.now())
                delay = BACKOFF_SECONDS * 2**attempt if asked is None else asked
                if attempt >= self.max_retries or waited + delay > self.max_total_wait:
                    return self._give_up(response, delay, told=asked is not None)
                response.close()
            self.wait(delay)
            waited += delay
            attempt += 1

    def _send_once(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().request(method, url, *args, **kwargs)
        except requests.Timeout as error:
            # Checked before ConnectionError: ConnectTimeout is both.
            raise NetworkDown(self.network, "no answer in time") from error
        except requests.ConnectionError as error:
            if was_cut_off(error):
                raise _ConnectionCut(NetworkDown(self.network, CUT_OFF)) from error
            raise NetworkDown(self.network, "no connection") from error
        except requests.RequestException as error:
            # A body that stopped halfway (ChunkedEncodingError…): the connection broke.
            raise _ConnectionCut(NetworkDown(self.network, BROKE_OFF)) from error

    def _give_up(self, response: requests.Response, delay: float, *, told: bool) -> Any:
        if response.status_code == 429:
            response.close()
            now = self.now()
            # Without a reset header the backoff is our guess: do not present it as a time.
            raise RateLimited(self.network, now + timedelta(seconds=delay) if told else None, now)
        # A 5xx that outlived its retries goes back to the connector, which says which.
        return response


CUT_OFF = "the connection was cut off"
BROKE_OFF = "the connection broke off"


class _ConnectionCut(Exception):
    """A connection lost mid-request: worth one more try; `network_down` if it fails again."""

    def __init__(self, network_down: NetworkDown) -> None:
        super().__init__(str(network_down))
        self.network_down = network_down


# What urllib3 and http.client raise when an open connection is reset or closed under us.
_CUT_OFF_ERRORS = (
    ConnectionResetError,
    ConnectionAbortedError,
    BrokenPipeError,
    http.client.RemoteDisconnected,
    urllib3.exceptions.ProtocolError,
)


def was_cut_off(error: BaseException) -> bool:
    """Whether a requests ConnectionError is a connection lost mid-request (not refused)."""
    return any(isinstance(inner, _CUT_OFF_ERRORS) for inner in _causes(error))


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error and what it wraps: requests and urllib3 keep the cause in args too."""
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__, *current.args]
        if isinstance(current, urllib3.exceptions.MaxRetryError):
            linked.append(current.reason)
        pending.extend(item for item in linked if isinstance(item, BaseException))


def make_session(network: str, **options: Any) -> ConnectorSession:
    """A session for `network` (its name is used in messages); see ConnectorSession."""
    return ConnectorSession(network, **options)


def seconds_until_reset(headers: Mapping[str, str], now: datetime) -> float | None:
    """How long the rate-limit headers ask us to wait, in seconds, or None if they do not say."""
    retry_after = headers.get("Retry-After")
    if retry_after:
        seconds = _seconds_from_reset_value(retry_after, now, numbers_are_delays=True)
        if seconds is not None:
            return seconds
    for name in RESET_HEADERS:
        value = headers.get(name)
        if value:
            seconds = _seconds_from_reset_value(value, now, numbers_are_delays=False)
            if seconds is not None:
                return seconds
    return None


def _seconds_from_reset_value(
    value: str, now: datetime, *, numbers_are_delays: bool
) -> float | None:
    """Seconds until a reset given as a delay, a Unix time, an ISO time or an HTTP date."""
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        moment = _parse_moment(value)
        return None if moment is None else max(0.0, (moment - now).total_seconds())
    if number != number or number < 0:  # NaN or negative: the header is garbage
        return None
    if numbers_are_delays or number < UNIX_TIME_THRESHOLD:
        return number
    # A Unix time has one-second resolution: wait one more so we do not arrive early.
    return max(0.0, number - now.timestamp() + 1)


def _parse_moment(value: str) -> datetime | None:
    """An ISO 8601 (Mastodon) or HTTP date (Retry-After) as aware UTC, or None."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def read_json(response: requests.Response, network: str) -> Any:
    """The response body as JSON, or ServiceError when it is a web page or broken JSON."""
    content_type = response.headers.get("Content-Type", "").lower()
    if "html" in content_type or response.content.lstrip()[:1] == b"<":
        # Proxies and maintenance pages answer 200 with HTML: never parse that as data.
        raise ServiceError(
            network,
            f"answered with a web page instead of data (HTTP {response.status_code}); "
            "it may be down for maintenance",
        )
    try:
        return response.json()
    except ValueError as error:
        raise ServiceError(
            network,
            f"sent data Social Plan could not read (HTTP {response.status_code}, not valid JSON)",
        ) from error


def raise_for_unexpected_status(response: requests.Response, network: str) -> None:
    """ServiceError for any error status the connector did not handle itself."""
    status = response.status_code
    if status >= 500:
        raise ServiceError(network, f"is having trouble (HTTP {status})")
    if status >= 400:
        raise ServiceError(network, f"refused the request (HTTP {status})")
