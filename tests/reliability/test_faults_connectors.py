"""Every network fault, on every network, through a real sync: its own message, a bounded
number of requests, and nothing written for the account (SQLite and PostgreSQL).

The profile answers; then the posts request meets the fault. A sync that stored the day's
totals before reading the posts would leave half an account behind: this is the case that
would show it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import requests
import responses
import urllib3.exceptions
from sqlmodel import Session, select

from socialplan.access import Actor
from socialplan.connectors import http as connector_http
from socialplan.connectors.http import MAX_NETWORK_RETRIES, MAX_RETRIES
from socialplan.models import Account, DataSource, Network, Snapshot
from socialplan.sync import sync_workspace
from tests.connectors import payloads
from tests.factories import create_workspace_with_plan

TODAY = date(2027, 3, 10)
TOKEN = "AAAAAAAAAAAAAAAAAAAAAfaulttesttoken"
MASTODON_ID = "109302839274710511"
X_USER_ID = "1486512379437879297"


@dataclass(frozen=True)
class NetworkUnderTest:
    network: Network
    label: str
    handle: str
    profile_url: str
    profile_json: dict[str, Any]
    posts_url: str


NETWORKS = {
    "bluesky": NetworkUnderTest(
        Network.BLUESKY,
        "Bluesky",
        "rosasbakery.bsky.social",
        payloads.BLUESKY_PROFILE_URL,
        payloads.bluesky_profile(followers=1300),
        payloads.BLUESKY_FEED_URL,
    ),
    "mastodon": NetworkUnderTest(
        Network.MASTODON,
        "Mastodon",
        "rosa@mastodon.social",
        "https://mastodon.social/api/v1/accounts/lookup",
        payloads.mastodon_account(followers=1300),
        f"https://mastodon.social/api/v1/accounts/{MASTODON_ID}/statuses",
    ),
    "x": NetworkUnderTest(
        Network.X,
        "X",
        "rosasbakery",
        f"{payloads.X_API}/users/by/username/rosasbakery",
        payloads.x_user(followers=1300),
        f"{payloads.X_API}/users/{X_USER_ID}/tweets",
    ),
}


@dataclass(frozen=True)
class Fault:
    """How the posts request fails, how many times it is sent, and what the user reads."""

    answer: dict[str, Any]
    requests_sent: int
    waits: list[float]
    message: str  # with {network} for the network's name


RESET = requests.ConnectionError(
    urllib3.exceptions.ProtocolError(
        "Connection aborted.", ConnectionResetError(104, "Connection reset by peer")
    )
)
FAULTS = {
    "timeout": Fault(
        {"body": requests.exceptions.ReadTimeout("Read timed out. (read timeout=10.0)")},
        1,
        [],
        "Could not reach {network} (no answer in time) — check the internet connection "
        "and try again.",
    ),
    "connection reset": Fault(
        {"body": RESET},
        1 + MAX_NETWORK_RETRIES,
        [1.0],
        "Could not reach {network} (the connection was cut off) — check the internet "
        "connection and try again.",
    ),
    "malformed JSON": Fault(
        {"body": '{"data": [{"id": "17', "content_type": "application/json"},
        1,
        [],
        "{network} sent data Social Plan could not read (HTTP 200, not valid JSON) — try "
        "again later.",
    ),
    "HTML page with status 200": Fault(
        {"body": payloads.MAINTENANCE_PAGE, "content_type": "text/html; charset=utf-8"},
        1,
        [],
        "{network} answered with a web page instead of data (HTTP 200); it may be down for "
        "maintenance — try again later.",
    ),
    "429 without a reset header": Fault(
        {"status": 429, "json": {"error": "Too Many Requests"}},
        1 + MAX_RETRIES,
        [1.0, 2.0, 4.0],
        "{network} is refusing more requests for now (HTTP 429) and did not say for how "
        "long — wait a few minutes, then sync again.",
    ),
}


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waited: list[float] = []
    monkeypatch.setattr(connector_http.time, "sleep", waited.append)
    return waited


def followed_account(session: Session, network: NetworkUnderTest) -> Account:
    """An account with a week of earlier synced days, which a sync would restate."""
    workspace, _ = create_workspace_with_plan(session, Actor.local())
    account = Account(workspace_id=workspace.id, network=network.network, handle=network.handle)
    session.add(account)
    session.flush()
    last_sync = datetime(2027, 3, 9, 6, 15, tzinfo=UTC)
    for back in range(1, 8):
        session.add(
            Snapshot(
                account_id=account.id,
                day=TODAY - timedelta(days=back),
                followers=1200 + back,
                posts=1,
                likes=back,
                reposts=0,
                replies=0,
                source=DataSource.SYNC,
                updated_at=last_sync,
            )
        )
    account.last_synced_at = last_sync
    session.add(account)
    session.commit()
    return account


def account_rows(session: Session, account_id: int) -> tuple[list[tuple], tuple]:
    """Every stored value of the account's snapshots, and its sync bookkeeping."""
    session.expire_all()
    snapshots = session.exec(
        select(Snapshot).where(Snapshot.account_id == account_id).order_by(Snapshot.day)
    ).all()
    account = session.get(Account, account_id)
    assert account is not None
    return (
        [tuple(getattr(row, name) for name in Snapshot.model_fields) for row in snapshots],
        (account.last_synced_at, account.display_name),
    )


@pytest.mark.parametrize("fault_name", list(FAULTS))
@pytest.mark.parametrize("network_name", list(NETWORKS))
def test_a_fault_on_the_posts_request_writes_nothing_for_the_account(
    session: Session,
    api: responses.RequestsMock,
    waits: list[float],
    network_name: str,
    fault_name: str,
) -> None:
    network, fault = NETWORKS[network_name], FAULTS[fault_name]
    account = followed_account(session, network)
    before = account_rows(session, account.id)  # type: ignore[arg-type]
    api.get(network.profile_url, json=network.profile_json)
    api.get(network.posts_url, **fault.answer)

    outcomes = sync_workspace(
        session=session,
        actor=Actor.local(),
        workspace_id=account.workspace_id,
        today=TODAY,
        x_bearer_token=TOKEN,
    )

    message = fault.message.format(network=network.label)
    assert [(outcome.ok, outcome.message) for outcome in outcomes] == [(False, message)]
    posts_requests = [c for c in api.calls if c.request.url.startswith(network.posts_url)]
    assert len(posts_requests) == fault.requests_sent
    assert waits == fault.waits
    assert account_rows(session, account.id) == before  # type: ignore[arg-type]
    session.expire_all()
    assert session.get(Account, account.id).last_sync_error == message  # type: ignore[union-attr]


@pytest.mark.parametrize("network_name", list(NETWORKS))
def test_the_same_account_syncs_when_the_network_answers_again(
    session: Session, api: responses.RequestsMock, waits: list[float], network_name: str
) -> None:
    # The control for the test above: with a good answer the sync does write, so an
    # unchanged database there means the fault stopped it, not that nothing ever writes.
    network = NETWORKS[network_name]
    account = followed_account(session, network)
    before = account_rows(session, account.id)  # type: ignore[arg-type]
    api.get(network.profile_url, json=network.profile_json)
    posts: Any = {
        "bluesky": payloads.bluesky_feed([]),
        "mastodon": [],
        "x": {"meta": {"result_count": 0}},
    }[network_name]
    api.get(network.posts_url, json=posts)
    outcomes = sync_workspace(
        session=session,
        actor=Actor.local(),
        workspace_id=account.workspace_id,
        today=TODAY,
        x_bearer_token=TOKEN,
    )
    assert [outcome.ok for outcome in outcomes] == [True], [o.message for o in outcomes]
    after = account_rows(session, account.id)  # type: ignore[arg-type]
    assert after != before and len(after[0]) == len(before[0]) + 1
