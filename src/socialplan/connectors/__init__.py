"""Connectors read a network's public numbers; `connector_for` picks the one for a network.

A new network is one module with a class that has `fetch_profile` and `fetch_recent_posts`
(see `base.Connector`), plus one line in `CONNECTORS`.
"""

from __future__ import annotations

from collections.abc import Callable

from socialplan.accounts import NETWORK_LABELS
from socialplan.connectors.base import (
    AccountNotFound,
    BadCredentials,
    Connector,
    ConnectorError,
    NetworkDown,
    PostCounts,
    ProfileCounts,
    RateLimited,
    ServiceError,
    UnsupportedNetwork,
)
from socialplan.connectors.bluesky import BlueskyConnector
from socialplan.connectors.mastodon import MastodonConnector
from socialplan.connectors.x import XConnector
from socialplan.models import Network

# Networks whose public API needs no credentials: built with no arguments.
CONNECTORS: dict[Network, Callable[[], Connector]] = {
    Network.BLUESKY: BlueskyConnector,
    Network.MASTODON: MastodonConnector,
}

__all__ = [
    "AccountNotFound",
    "BadCredentials",
    "Connector",
    "ConnectorError",
    "NetworkDown",
    "PostCounts",
    "ProfileCounts",
    "RateLimited",
    "ServiceError",
    "UnsupportedNetwork",
    "connector_for",
]


def connector_for(network: Network | str, *, x_bearer_token: str | None = None) -> Connector:
    """The connector for `network`; UnsupportedNetwork when it has no API we can read.

    X needs the workspace's bearer token (BadCredentials when it is missing). The token is
    handed to tweepy only, never put in a message.
    """
    try:
        network = Network(network)
    except ValueError as error:
        raise UnsupportedNetwork(str(network)) from error
    if network is Network.X:
        return XConnector(x_bearer_token)
    build = CONNECTORS.get(network)
    if build is None:
        raise UnsupportedNetwork(NETWORK_LABELS.get(network.value, network.value))
    return build()
