"""The accounts the killed syncs read, and the network answers replayed for them.

Six accounts answer (two per network, 40 posts each over the recent days) and one does
not: its feed is a maintenance page, so it must fail and keep its rows as they were in
every run, killed or not. Shared by the kill test (to arrange and check) and by the
driver (to replay), so both agree on every handle and number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import responses
from responses import matchers

from socialplan.models import Network
from tests.connectors import payloads

TODAY = date(2027, 3, 10)
POSTS_PER_ACCOUNT = 40
X_TOKEN = "AAAAAAAAAAAAAAAAAAAAAkilltesttoken"


@dataclass(frozen=True)
class SyncedAccount:
    network: Network
    handle: str
    followers: int
    answers: bool = True  # False: the network sends a web page instead of the posts


ACCOUNTS = (
    SyncedAccount(Network.BLUESKY, "crumbandco.bsky.social", 1810),
    SyncedAccount(Network.BLUESKY, "ryesociety.bsky.social", 960),
    SyncedAccount(Network.BLUESKY, "closedforrepairs.bsky.social", 75, answers=False),
    SyncedAccount(Network.MASTODON, "crumb@mastodon.social", 420),
    SyncedAccount(Network.MASTODON, "rye@fosstodon.org", 233),
    SyncedAccount(Network.X, "crumbandco", 5120),
    SyncedAccount(Network.X, "ryesociety", 2301),
)


def _moment(index: int) -> datetime:
    """Post `index` (0 = newest): spread over the recent days, the last one older still."""
    start = datetime(TODAY.year, TODAY.month, TODAY.day, 20, tzinfo=UTC)
    if index == POSTS_PER_ACCOUNT - 1:
        return start - timedelta(days=12)  # older than a sync reads: the feed stops here
    return start - timedelta(hours=4 * index + 1)


def _numbers(seed: int, index: int) -> tuple[int, int, int]:
    return (seed + 7 * index) % 97, (seed + index) % 13, (seed + 3 * index) % 7


def register(mock: responses.RequestsMock) -> None:
    """Every request a sync of ACCOUNTS makes, with its answer."""
    for position, account in enumerate(ACCOUNTS):
        {
            Network.BLUESKY: _bluesky,
            Network.MASTODON: _mastodon,
            Network.X: _x,
        }[account.network](mock, account, seed=11 * position + 5)


def _bluesky(mock: responses.RequestsMock, account: SyncedAccount, seed: int) -> None:
    actor = matchers.query_param_matcher({"actor": account.handle}, strict_match=False)
    mock.get(
        payloads.BLUESKY_PROFILE_URL,
        json=payloads.bluesky_profile(followers=account.followers, handle=account.handle),
        match=[actor],
    )
    if not account.answers:
        mock.get(
            payloads.BLUESKY_FEED_URL,
            body=payloads.MAINTENANCE_PAGE,
            content_type="text/html",
            match=[actor],
        )
        return
    items = []
    for index in range(POSTS_PER_ACCOUNT):
        likes, reposts, replies = _numbers(seed, index)
        items.append(
            payloads.bluesky_item(
                f"{seed}k{index}", _moment(index), likes=likes, reposts=reposts, replies=replies
            )
        )
    mock.get(payloads.BLUESKY_FEED_URL, json=payloads.bluesky_feed(items), match=[actor])


def _mastodon(mock: responses.RequestsMock, account: SyncedAccount, seed: int) -> None:
    user, server = account.handle.split("@")
    account_id = f"1093028392747{seed:05d}"
    mock.get(
        f"https://{server}/api/v1/accounts/lookup",
        json=payloads.mastodon_account(
            account_id=account_id, username=user, server=server, followers=account.followers
        ),
    )
    statuses = []
    for index in range(POSTS_PER_ACCOUNT):
        likes, reposts, replies = _numbers(seed, index)
        statuses.append(
            payloads.mastodon_status(
                f"{seed}{index:04d}",
                _moment(index),
                favourites=likes,
                reblogs=reposts,
                replies=replies,
            )
        )
    mock.get(f"https://{server}/api/v1/accounts/{account_id}/statuses", json=statuses)


def _x(mock: responses.RequestsMock, account: SyncedAccount, seed: int) -> None:
    user_id = f"14865123794378{seed:05d}"
    mock.get(
        f"{payloads.X_API}/users/by/username/{account.handle}",
        json=payloads.x_user(user_id=user_id, username=account.handle, followers=account.followers),
    )
    tweets = []
    for index in range(POSTS_PER_ACCOUNT - 1):  # X filters by start_time itself
        likes, reposts, replies = _numbers(seed, index)
        tweets.append(
            payloads.x_tweet(
                f"17{seed}{index:04d}",
                _moment(index),
                likes=likes,
                reposts=reposts,
                replies=replies,
            )
        )
    mock.get(f"{payloads.X_API}/users/{user_id}/tweets", json=payloads.x_tweets(tweets))
