"""connector_for: one connector per network, and a clear answer for networks without an API."""

from __future__ import annotations

import pytest

from socialplan.connectors import Connector, UnsupportedNetwork, connector_for
from socialplan.connectors.bluesky import BlueskyConnector
from socialplan.connectors.mastodon import MastodonConnector
from socialplan.connectors.x import XConnector
from socialplan.models import Network


@pytest.mark.parametrize(
    ("network", "kind"),
    [
        (Network.BLUESKY, BlueskyConnector),
        ("bluesky", BlueskyConnector),
        (Network.MASTODON, MastodonConnector),
        (Network.X, XConnector),
    ],
)
def test_each_network_with_an_api_has_its_connector(network: str, kind: type) -> None:
    connector = connector_for(network, x_bearer_token="token")
    assert isinstance(connector, kind)
    assert isinstance(connector, Connector)  # the shared interface


@pytest.mark.parametrize(
    ("network", "label"),
    [
        (Network.LINKEDIN, "LinkedIn"),
        (Network.INSTAGRAM, "Instagram"),
        (Network.FACEBOOK, "Facebook"),
        (Network.OTHER, "another network"),
        ("myspace", "myspace"),
    ],
)
def test_networks_without_an_api_point_to_imports(network: str, label: str) -> None:
    with pytest.raises(UnsupportedNetwork) as caught:
        connector_for(network)
    assert str(caught.value) == (
        f"{label} has no public API Social Plan can read — import its analytics export or "
        "enter the numbers by hand."
    )
