"""Turning what a user types or pastes into a network and a normalised handle.

Accepts handles (@name, name, @user@server for Mastodon, name.bsky.social or a custom
domain for Bluesky) and profile addresses (x.com, twitter.com, bsky.app, any Mastodon server,
linkedin.com, instagram.com, facebook.com). Refuses anything else with InvalidInput on the
field "handle", naming what was expected.

Stored forms, without a leading @ (`accounts.account_label` adds it for display):
X `name`; Bluesky `name.bsky.social` or a DID; Mastodon `user@server`; Instagram `name`;
Facebook `name` (or the number of a profile.php?id= address); LinkedIn `slug` for a
company, showcase or school page and `in/slug` for a person's profile, so the two never
collide. All of these networks treat handles case-insensitively, so they are lowercased;
"other" keeps the text as typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from socialplan.accounts import NETWORK_LABELS
from socialplan.errors import InvalidInput
from socialplan.models import Network

HANDLE_MAX = 320
# Checked with `fullmatch`: with `match`, "$" also matches before a final line break, so
# "rosa\n" passed as a name and a handle with a line break inside was stored.
X_NAME = re.compile(r"^[A-Za-z0-9_]{1,15}$")
INSTAGRAM_NAME = re.compile(r"^[A-Za-z0-9._]{1,30}$")
FACEBOOK_NAME = re.compile(r"^[A-Za-z0-9.]{1,50}$")
LINKEDIN_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,99}$")
MASTODON_USER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
DOMAIN_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
DID = re.compile(r"^did:(plc:[a-z2-7]{24}|web:[A-Za-z0-9.-]{1,253})$")
NUMERIC_ID = re.compile(r"^[0-9]{1,30}$")
# Bluesky refuses handles on these top-level domains.
RESERVED_TLDS = {"alt", "arpa", "example", "internal", "invalid", "local", "localhost", "onion"}
NETWORK_ALIASES = {"twitter": Network.X, "bsky": Network.BLUESKY, "fb": Network.FACEBOOK}

# First path segments of each site that are pages of the site, not profiles.
X_RESERVED = {
    "home", "explore", "i", "search", "settings", "intent", "share", "hashtag", "messages",
    "notifications", "compose", "login", "signup", "tos", "privacy", "about",
}  # fmt: skip
INSTAGRAM_RESERVED = {"p", "reel", "reels", "explore", "stories", "accounts", "tv", "direct"}
FACEBOOK_RESERVED = {
    "groups", "events", "watch", "marketplace", "share", "sharer", "login", "help",
    "photo", "photo.php", "story.php", "permalink.php", "hashtag", "gaming",
}  # fmt: skip

X_HOSTS = {"x.com", "twitter.com"}
BLUESKY_HOSTS = {"bsky.app"}
INSTAGRAM_HOSTS = {"instagram.com"}
FACEBOOK_HOSTS = {"facebook.com", "fb.com"}
LINKEDIN_HOSTS = {"linkedin.com"}
# Prefixes a site puts before its own domain (mobile, language) that do not change the profile.
HOST_PREFIXES = ("www.", "mobile.", "m.", "web.")
LINKEDIN_PAGE_KINDS = {"company", "showcase", "school"}
# Sites whose profile addresses look like Mastodon's (https://site/@name) but are not.
NOT_MASTODON_HOSTS = {"threads.net", "threads.com", "tiktok.com", "youtube.com", "medium.com"}

EXPECTED = {
    Network.X: "must be an X username like @rosasbakery (up to 15 letters, digits or _) "
    "or a profile address like https://x.com/rosasbakery.",
    Network.BLUESKY: "must be a Bluesky handle like rosa.bsky.social or yourdomain.com, or a "
    "profile address like https://bsky.app/profile/rosa.bsky.social.",
    Network.MASTODON: "must be a Mastodon handle with its server, like @rosa@mastodon.social, "
    "or a profile address like https://mastodon.social/@rosa.",
    Network.INSTAGRAM: "must be an Instagram username like @rosasbakery or a profile address "
    "like https://instagram.com/rosasbakery.",
    Network.FACEBOOK: "must be a Facebook page name like rosasbakery or a page address like "
    "https://facebook.com/rosasbakery.",
    Network.LINKEDIN: "must be a LinkedIn page address like "
    "https://linkedin.com/company/rosas-bakery (or its last part, rosas-bakery).",
    Network.OTHER: "must be the account's name or profile address, in plain characters.",
}
NOT_READ = (
    "is on a network Social Plan does not read — choose “another network” to keep the "
    "account by name."
)
NEEDS_NETWORK = (
    "needs a network: choose one, or paste a profile address like "
    "https://bsky.app/profile/rosa.bsky.social."
)


@dataclass(frozen=True)
class ParsedHandle:
    """A network and the handle in the form it is stored."""

    network: Network
    handle: str


def parse_account_input(network: str | None, text: str) -> ParsedHandle:
    """The network and normalised handle in `text`; InvalidInput saying what was expected."""
    chosen = _chosen_network(network)
    text = (text or "").strip()
    if not text:
        raise InvalidInput({"handle": "is required."})
    if len(text) > HANDLE_MAX:
        raise InvalidInput({"handle": f"must be at most {HANDLE_MAX} characters."})
    if chosen is Network.OTHER:
        # Another network: we cannot know its rules, so keep the name or address as typed.
        if not text.isprintable():
            raise InvalidInput({"handle": EXPECTED[Network.OTHER]})
        return ParsedHandle(Network.OTHER, text)
    if _looks_like_address(text):
        parsed = _parse_profile_address(text, chosen)
    else:
        parsed = _parse_handle(text, chosen)
    if chosen is not None and parsed.network is not chosen:
        raise InvalidInput({"handle": _mismatch_message(parsed.network, chosen)})
    return parsed


# ---------------------------------------------------------------- the network


def _chosen_network(network: str | None) -> Network | None:
    """The network the user picked (value, label or alias), None when they did not pick."""
    if network is None or not str(network).strip():
        return None
    wanted = str(network).strip().lower()
    if wanted in NETWORK_ALIASES:
        return NETWORK_ALIASES[wanted]
    for choice in Network:
        if wanted in (choice.value, NETWORK_LABELS.get(choice.value, "").lower()):
            return choice
    names = ", ".join(NETWORK_LABELS.get(choice.value, choice.value) for choice in Network)
    raise InvalidInput({"network": f"must be one of {names}."})


def _label(network: Network) -> str:
    return NETWORK_LABELS.get(network.value, network.value)


def _mismatch_message(found: Network, chosen: Network) -> str:
    return (
        f"is a {_label(found)} account, but {_label(chosen)} is chosen as the network — "
        f"choose {_label(found)}, or enter a {_label(chosen)} account."
    )


# ---------------------------------------------------------------- handles


def _parse_handle(text: str, chosen: Network | None) -> ParsedHandle:
    if chosen is None:
        return _parse_handle_without_network(text)
    if chosen is Network.MASTODON:
        return ParsedHandle(Network.MASTODON, _mastodon_handle(text))
    if chosen is Network.BLUESKY:
        return ParsedHandle(Network.BLUESKY, _bluesky_handle(text))
    name = text.removeprefix("@")
    if chosen is Network.LINKEDIN:
        return ParsedHandle(Network.LINKEDIN, _linkedin_handle(name))
    pattern = {Network.X: X_NAME, Network.INSTAGRAM: INSTAGRAM_NAME}.get(chosen, FACEBOOK_NAME)
    if not pattern.fullmatch(name):
        if chosen is Network.X and _is_mastodon_shaped(text):
            raise InvalidInput({"handle": _mismatch_message(Network.MASTODON, chosen)})
        raise InvalidInput({"handle": EXPECTED[chosen]})
    return ParsedHandle(chosen, name.lower())


def _parse_handle_without_network(text: str) -> ParsedHandle:
    """Only a Mastodon (@user@server) or Bluesky (a domain or DID) handle says its network."""
    if _is_mastodon_shaped(text):
        return ParsedHandle(Network.MASTODON, _mastodon_handle(text))
    name = text.removeprefix("@")
    if DID.fullmatch(name) or ("." in name and _is_domain(name)):
        return ParsedHandle(Network.BLUESKY, _bluesky_handle(text))
    raise InvalidInput({"handle": NEEDS_NETWORK})


def _is_mastodon_shaped(text: str) -> bool:
    return text.removeprefix("@").count("@") == 1


def _mastodon_handle(text: str) -> str:
    user, at, server = text.removeprefix("@").partition("@")
    if not at or not MASTODON_USER.fullmatch(user) or not _is_domain(server):
        raise InvalidInput({"handle": EXPECTED[Network.MASTODON]})
    return f"{user}@{server}".lower()


def _bluesky_handle(text: str) -> str:
    name = text.removeprefix("@")
    if DID.fullmatch(name):
        return name if name.startswith("did:plc:") else name.lower()
    if "." not in name and DOMAIN_LABEL.fullmatch(name):
        # A bare name is most likely on bsky.social, but guessing could follow a stranger.
        raise InvalidInput(
            {"handle": f"must be a full Bluesky handle — did you mean {name.lower()}.bsky.social?"}
        )
    if not _is_domain(name):
        raise InvalidInput({"handle": EXPECTED[Network.BLUESKY]})
    return name.lower()


def _linkedin_handle(text: str) -> str:
    kind, slash, slug = text.strip("/").partition("/")
    if slash and kind.lower() == "in" and LINKEDIN_SLUG.fullmatch(slug):
        return f"in/{slug.lower()}"
    if slash and kind.lower() in LINKEDIN_PAGE_KINDS and LINKEDIN_SLUG.fullmatch(slug):
        return slug.lower()
    if not slash and LINKEDIN_SLUG.fullmatch(text):
        return text.lower()
    raise InvalidInput({"handle": EXPECTED[Network.LINKEDIN]})


def _is_domain(name: str) -> bool:
    """A host name of two or more labels whose last label starts with a letter (ASCII only)."""
    labels = name.split(".")
    if len(name) > 253 or len(labels) < 2 or not all(DOMAIN_LABEL.fullmatch(lbl) for lbl in labels):
        return False
    tld = labels[-1].lower()
    return tld[0].isalpha() and tld.isascii() and tld not in RESERVED_TLDS


# ---------------------------------------------------------------- profile addresses


def _looks_like_address(text: str) -> bool:
    """http(s)://… or a host followed by a path, like x.com/name."""
    if re.match(r"^https?://", text, re.IGNORECASE):
        return True
    host, slash, _ = text.partition("/")
    return bool(slash) and "@" not in host and _is_domain(host)


def _parse_profile_address(text: str, chosen: Network | None) -> ParsedHandle:
    url = text if re.match(r"^https?://", text, re.IGNORECASE) else f"https://{text}"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        raise InvalidInput({"handle": _address_expected(chosen)}) from None
    site = _site(host)
    segments = [segment for segment in parts.path.split("/") if segment]
    first = segments[0] if segments else ""
    if site in X_HOSTS:
        return _single_name(Network.X, first, X_NAME, X_RESERVED)
    if site in INSTAGRAM_HOSTS:
        return _single_name(Network.INSTAGRAM, first, INSTAGRAM_NAME, INSTAGRAM_RESERVED)
    if site in BLUESKY_HOSTS:
        if first != "profile" or len(segments) < 2:
            raise InvalidInput({"handle": EXPECTED[Network.BLUESKY]})
        return ParsedHandle(Network.BLUESKY, _bluesky_handle(segments[1]))
    if site in FACEBOOK_HOSTS:
        return _facebook_address(first, segments, parse_qs(parts.query))
    if site in LINKEDIN_HOSTS:
        if len(segments) < 2:  # linkedin.com/feed/ and the like are not pages
            raise InvalidInput({"handle": EXPECTED[Network.LINKEDIN]})
        return ParsedHandle(Network.LINKEDIN, _linkedin_handle("/".join(segments[:2])))
    if site in NOT_MASTODON_HOSTS:
        raise InvalidInput({"handle": NOT_READ})
    if first.startswith("@") or (first == "users" and len(segments) > 1):
        return _mastodon_address(host, first, segments)
    raise InvalidInput({"handle": _address_expected(chosen)})


def _site(host: str) -> str:
    """The host without a mobile or language prefix: m.facebook.com is facebook.com."""
    for prefix in HOST_PREFIXES:
        if host.startswith(prefix) and _is_domain(host.removeprefix(prefix)):
            return host.removeprefix(prefix)
    return host


def _address_expected(chosen: Network | None) -> str:
    return EXPECTED[chosen] if chosen is not None else NEEDS_NETWORK


def _single_name(
    network: Network, first: str, pattern: re.Pattern[str], reserved: set[str]
) -> ParsedHandle:
    """A site whose profile address is https://site/name."""
    name = first.removeprefix("@")
    if name.lower() in reserved or not pattern.fullmatch(name):
        raise InvalidInput({"handle": EXPECTED[network]})
    return ParsedHandle(network, name.lower())


def _facebook_address(first: str, segments: list[str], query: dict[str, list[str]]) -> ParsedHandle:
    """facebook.com/name, facebook.com/profile.php?id=123 or facebook.com/pages/Name/123."""
    if first == "profile.php":
        number = (query.get("id") or [""])[0]
        if NUMERIC_ID.fullmatch(number):
            return ParsedHandle(Network.FACEBOOK, number)
    elif first == "pages" and len(segments) >= 3 and NUMERIC_ID.fullmatch(segments[2]):
        return ParsedHandle(Network.FACEBOOK, segments[2])
    elif first.lower() not in FACEBOOK_RESERVED and FACEBOOK_NAME.fullmatch(first):
        return ParsedHandle(Network.FACEBOOK, first.lower())
    raise InvalidInput({"handle": EXPECTED[Network.FACEBOOK]})


def _mastodon_address(host: str, first: str, segments: list[str]) -> ParsedHandle:
    """https://server/@user, https://server/@user@home-server or https://server/users/user."""
    user = segments[1] if first == "users" else first.removeprefix("@")
    if "@" not in user:
        user = f"{user}@{host}"
    return ParsedHandle(Network.MASTODON, _mastodon_handle(user))
