"""Handles and profile addresses: what is accepted, how it is stored, what is refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialplan.errors import InvalidInput
from socialplan.handles import ParsedHandle, parse_account_input
from socialplan.models import Network

X, BLUESKY, MASTODON = Network.X, Network.BLUESKY, Network.MASTODON
LINKEDIN, INSTAGRAM, FACEBOOK = Network.LINKEDIN, Network.INSTAGRAM, Network.FACEBOOK
DID = "did:plc:z72i7hdynmk6r22z27h6tvur"


@pytest.mark.parametrize(
    ("network", "text", "expected"),
    [
        # X
        ("x", "@RosasBakery", (X, "rosasbakery")),
        ("x", "  rosas_bakery  ", (X, "rosas_bakery")),
        ("X", "https://www.x.com/@rosasbakery", (X, "rosasbakery")),
        ("twitter", "rosasbakery", (X, "rosasbakery")),
        (None, "https://x.com/RosasBakery", (X, "rosasbakery")),
        (None, "https://twitter.com/rosasbakery?s=21&t=abc", (X, "rosasbakery")),
        (None, "http://mobile.twitter.com/rosasbakery/", (X, "rosasbakery")),
        ("x", "x.com/rosasbakery/status/1767000000000000000", (X, "rosasbakery")),
        # Bluesky
        ("bluesky", "@Rosa.bsky.social", (BLUESKY, "rosa.bsky.social")),
        ("Bluesky", "rosasbakery.com", (BLUESKY, "rosasbakery.com")),
        (None, "rosas-bakery.co.uk", (BLUESKY, "rosas-bakery.co.uk")),
        (None, "https://bsky.app/profile/Rosa.bsky.social", (BLUESKY, "rosa.bsky.social")),
        ("bluesky", f"https://bsky.app/profile/{DID}/post/3lk1", (BLUESKY, DID)),
        (None, DID, (BLUESKY, DID)),
        # Mastodon
        ("mastodon", "@Rosa@Mastodon.Social", (MASTODON, "rosa@mastodon.social")),
        (None, "rosa@mastodon.social", (MASTODON, "rosa@mastodon.social")),
        (None, "https://mastodon.social/@rosa", (MASTODON, "rosa@mastodon.social")),
        (
            None,
            "https://mastodon.social/@rosa/113000000000000000",
            (MASTODON, "rosa@mastodon.social"),
        ),
        (None, "https://fosstodon.org/@rosa@hachyderm.io", (MASTODON, "rosa@hachyderm.io")),
        (None, "https://mastodon.social/users/rosa", (MASTODON, "rosa@mastodon.social")),
        # a server whose name starts with "m." keeps it: only known sites lose such prefixes
        ("mastodon", "https://m.example.social/@rosa", (MASTODON, "rosa@m.example.social")),
        # LinkedIn
        (None, "https://www.linkedin.com/company/Rosas-Bakery/", (LINKEDIN, "rosas-bakery")),
        (None, "linkedin.com/company/rosas-bakery/posts/?feedView=all", (LINKEDIN, "rosas-bakery")),
        (None, "https://www.linkedin.com/in/Jane-Doe-123", (LINKEDIN, "in/jane-doe-123")),
        ("linkedin", "rosas-bakery", (LINKEDIN, "rosas-bakery")),
        ("linkedin", "in/jane-doe", (LINKEDIN, "in/jane-doe")),
        # Instagram
        (None, "https://www.instagram.com/rosas.bakery/", (INSTAGRAM, "rosas.bakery")),
        ("instagram", "@Rosas.Bakery", (INSTAGRAM, "rosas.bakery")),
        # Facebook
        (None, "https://www.facebook.com/RosasBakery", (FACEBOOK, "rosasbakery")),
        (
            None,
            "https://m.facebook.com/profile.php?id=100064123456789",
            (FACEBOOK, "100064123456789"),
        ),
        (None, "https://facebook.com/pages/Rosas-Bakery/123456789", (FACEBOOK, "123456789")),
        ("facebook", "rosasbakery", (FACEBOOK, "rosasbakery")),
        # another network keeps the text as typed
        ("other", "Rosa's Bakery on Threads", (Network.OTHER, "Rosa's Bakery on Threads")),
        ("other", "https://threads.net/@rosa", (Network.OTHER, "https://threads.net/@rosa")),
    ],
)
def test_accepted_inputs_and_their_stored_form(
    network: str | None, text: str, expected: tuple[Network, str]
) -> None:
    assert parse_account_input(network, text) == ParsedHandle(*expected)


@pytest.mark.parametrize(
    ("network", "text", "message"),
    [
        ("x", "", "is required."),
        ("x", "   ", "is required."),
        (None, "x" * 400, "must be at most 320 characters."),
        ("x", "this_name_is_too_long", "must be an X username like @rosasbakery"),
        ("x", "rosa bakery", "must be an X username"),
        ("x", "https://x.com/home", "must be an X username"),
        ("x", "https://x.com/", "must be an X username"),
        ("x", "@rosa@mastodon.social", "is a Mastodon account, but X is chosen as the network"),
        ("x", "https://bsky.app/profile/rosa.bsky.social", "is a Bluesky account, but X is chosen"),
        ("bluesky", "rosa", "must be a full Bluesky handle — did you mean rosa.bsky.social?"),
        ("bluesky", "rosa.local", "must be a Bluesky handle like rosa.bsky.social"),
        ("bluesky", "rosa..bsky.social", "must be a Bluesky handle"),
        ("bluesky", "https://bsky.app/search?q=bread", "must be a Bluesky handle"),
        ("mastodon", "rosa", "must be a Mastodon handle with its server"),
        ("mastodon", "@rosa@localhost", "must be a Mastodon handle with its server"),
        ("mastodon", "@rosa bakery@mastodon.social", "must be a Mastodon handle"),
        ("instagram", "https://instagram.com/p/Cx123abc/", "must be an Instagram username"),
        ("facebook", "https://facebook.com/groups/123456", "must be a Facebook page name"),
        ("linkedin", "https://www.linkedin.com/feed/", "must be a LinkedIn page address"),
        (None, "@rosasbakery", "needs a network: choose one, or paste a profile address"),
        (None, "https://example.com/about", "needs a network"),
        (None, "https://www.threads.net/@rosa", "is on a network Social Plan does not read"),
        (None, "http://[::1", "needs a network"),
        ("other", "rosa\x00bakery", "must be the account's name or profile address"),
    ],
)
def test_refused_inputs_say_what_was_expected(network: str | None, text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_account_input(network, text)
    assert list(caught.value.errors) == ["handle"]
    assert caught.value.errors["handle"].startswith(message)


def test_an_unknown_network_is_refused_on_the_network_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_account_input("myspace", "rosa")
    assert caught.value.errors == {
        "network": "must be one of X, Bluesky, Mastodon, LinkedIn, Facebook, Instagram, "
        "another network."
    }


NETWORK_CHOICES = st.one_of(
    st.none(), st.sampled_from([n.value for n in Network] + ["Twitter", "BSKY", "", "nope"])
)
ADDRESSES = st.builds(
    lambda scheme, host, path: f"{scheme}{host}/{path}",
    st.sampled_from(["https://", "http://", "", "HTTPS://"]),
    st.sampled_from(
        [
            "x.com",
            "twitter.com",
            "bsky.app",
            "mastodon.social",
            "www.linkedin.com",
            "instagram.com",
            "m.facebook.com",
            "example.com",
            "[::1",
            "threads.net",
        ]
    ),  # fmt: skip
    st.text(max_size=40),
)
INPUTS = st.one_of(
    st.text(max_size=60), ADDRESSES, st.from_regex(r"@?[\w.-]{0,20}(@[\w.-]{0,20})?")
)


@given(network=NETWORK_CHOICES, text=INPUTS)
def test_any_input_either_parses_or_is_refused_clearly(network: str | None, text: str) -> None:
    try:
        parsed = parse_account_input(network, text)
    except InvalidInput as error:
        assert set(error.errors) <= {"handle", "network"} and error.errors
        return
    assert isinstance(parsed.network, Network)
    assert 0 < len(parsed.handle) <= 320
    assert parsed.handle == parsed.handle.strip()
    # The stored form is stable: parsing it again with its network gives it back.
    assert parse_account_input(parsed.network.value, parsed.handle) == parsed
