"""API answers shaped like each network's documented responses, for replay with `responses`.

Bluesky: app.bsky.actor.getProfile (profileViewDetailed) and app.bsky.feed.getAuthorFeed
(feedViewPost). Mastodon: Account and Status entities. X API v2: the User and Post objects
with public_metrics, as GET /2/users/by/username/:username and /2/users/:id/tweets return them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

BLUESKY_API = "https://public.api.bsky.app/xrpc"
BLUESKY_PROFILE_URL = f"{BLUESKY_API}/app.bsky.actor.getProfile"
BLUESKY_FEED_URL = f"{BLUESKY_API}/app.bsky.feed.getAuthorFeed"
X_API = "https://api.twitter.com/2"
ROSA_DID = "did:plc:z72i7hdynmk6r22z27h6tvur"
OTHER_DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"


def iso(moment: datetime) -> str:
    """A timestamp as these APIs write it: UTC, milliseconds, Z."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


# ---------------------------------------------------------------- Bluesky


def bluesky_author(did: str = ROSA_DID, handle: str = "rosasbakery.bsky.social") -> dict[str, Any]:
    return {
        "did": did,
        "handle": handle,
        "displayName": "Rosa's Bakery",
        "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did}/bafkreiabc@jpeg",
        "associated": {"chat": {"allowIncoming": "following"}},
        "viewer": {"muted": False, "blockedBy": False},
        "labels": [],
        "createdAt": "2023-04-12T09:21:44.123Z",
    }


def bluesky_profile(
    *,
    followers: int = 1234,
    follows: int = 210,
    posts: int = 480,
    handle: str = "rosasbakery.bsky.social",
) -> dict[str, Any]:
    return {
        **bluesky_author(handle=handle),
        "description": "Sourdough, croissants and cakes on Main Street since 1998.",
        "banner": f"https://cdn.bsky.app/img/banner/plain/{ROSA_DID}/bafkreidef@jpeg",
        "followersCount": followers,
        "followsCount": follows,
        "postsCount": posts,
        "associated": {"lists": 0, "feedgens": 0, "starterPacks": 0, "labeler": False},
        "indexedAt": "2024-11-02T18:00:00.000Z",
        "pinnedPost": None,
    }


def bluesky_item(
    rkey: str,
    created_at: datetime,
    *,
    likes: int = 10,
    reposts: int = 2,
    replies: int = 1,
    quotes: int = 0,
    reposted_by_rosa: bool = False,
) -> dict[str, Any]:
    """A feedViewPost; `reposted_by_rosa` makes it someone else's post that Rosa reposted."""
    author = bluesky_author(OTHER_DID, "cafe.example.com") if reposted_by_rosa else bluesky_author()
    post = {
        "uri": f"at://{author['did']}/app.bsky.feed.post/{rkey}",
        "cid": f"bafyreig{rkey}",
        "author": author,
        "record": {
            "$type": "app.bsky.feed.post",
            "createdAt": iso(created_at),
            "langs": ["en"],
            "text": "Fresh cinnamon rolls are out of the oven!",
        },
        "replyCount": replies,
        "repostCount": reposts,
        "likeCount": likes,
        "quoteCount": quotes,
        "indexedAt": iso(created_at),
        "viewer": {"threadMuted": False, "embeddingDisabled": False},
        "labels": [],
    }
    item: dict[str, Any] = {"post": post}
    if reposted_by_rosa:
        item["reason"] = {
            "$type": "app.bsky.feed.defs#reasonRepost",
            "by": bluesky_author(),
            "indexedAt": iso(created_at),
        }
    return item


def bluesky_feed(items: list[dict[str, Any]], cursor: str | None = None) -> dict[str, Any]:
    page: dict[str, Any] = {"feed": items}
    if cursor is not None:
        page["cursor"] = cursor
    return page


BLUESKY_NOT_FOUND = {"error": "InvalidRequest", "message": "Profile not found"}


# ---------------------------------------------------------------- Mastodon


def mastodon_account(
    *,
    account_id: str = "109302839274710511",
    username: str = "rosa",
    server: str = "mastodon.social",
    followers: int = 321,
    following: int = 88,
    statuses: int = 150,
) -> dict[str, Any]:
    return {
        "id": account_id,
        "username": username,
        "acct": username,
        "display_name": "Rosa's Bakery",
        "locked": False,
        "bot": False,
        "discoverable": True,
        "group": False,
        "created_at": "2022-11-08T00:00:00.000Z",
        "note": "<p>Sourdough, croissants and cakes on Main Street.</p>",
        "url": f"https://{server}/@{username}",
        "uri": f"https://{server}/users/{username}",
        "avatar": f"https://files.{server}/accounts/avatars/109/302/original/a.png",
        "avatar_static": f"https://files.{server}/accounts/avatars/109/302/original/a.png",
        "header": f"https://files.{server}/accounts/headers/109/302/original/h.png",
        "header_static": f"https://files.{server}/accounts/headers/109/302/original/h.png",
        "followers_count": followers,
        "following_count": following,
        "statuses_count": statuses,
        "last_status_at": "2027-03-10",
        "emojis": [],
        "fields": [],
    }


def mastodon_status(
    status_id: str,
    created_at: datetime,
    *,
    favourites: int = 5,
    reblogs: int = 1,
    replies: int = 0,
    quotes: int | None = None,
) -> dict[str, Any]:
    status = {
        "id": status_id,
        "created_at": iso(created_at),
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": "en",
        "uri": f"https://mastodon.social/users/rosa/statuses/{status_id}",
        "url": f"https://mastodon.social/@rosa/{status_id}",
        "replies_count": replies,
        "reblogs_count": reblogs,
        "favourites_count": favourites,
        "edited_at": None,
        "content": "<p>Fresh cinnamon rolls are out of the oven!</p>",
        "reblog": None,
        "application": {"name": "Web", "website": None},
        "account": mastodon_account(),
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "card": None,
        "poll": None,
    }
    if quotes is not None:
        status["quotes_count"] = quotes  # Mastodon 4.5 and later
    return status


MASTODON_NOT_FOUND = {"error": "Record not found"}


# ---------------------------------------------------------------- X


def x_user(
    *,
    user_id: str = "1486512379437879297",
    username: str = "RosasBakery",
    followers: int = 2048,
    following: int = 312,
    tweet_count: int = 900,
    count_name: str = "tweet_count",
) -> dict[str, Any]:
    return {
        "data": {
            "id": user_id,
            "name": "Rosa's Bakery",
            "username": username,
            "created_at": "2022-01-27T12:00:00.000Z",
            "public_metrics": {
                "followers_count": followers,
                "following_count": following,
                count_name: tweet_count,
                "listed_count": 7,
                "like_count": 1500,
                "media_count": 230,
            },
        }
    }


def x_tweet(
    tweet_id: str,
    created_at: datetime,
    *,
    likes: int = 20,
    reposts: int = 3,
    replies: int = 2,
    quotes: int = 1,
    bookmarks: int = 4,
    impressions: int = 900,
    repost_name: str = "retweet_count",
) -> dict[str, Any]:
    return {
        "id": tweet_id,
        "text": "Fresh cinnamon rolls are out of the oven!",
        "edit_history_tweet_ids": [tweet_id],
        "created_at": iso(created_at),
        "public_metrics": {
            repost_name: reposts,
            "reply_count": replies,
            "like_count": likes,
            "quote_count": quotes,
            "bookmark_count": bookmarks,
            "impression_count": impressions,
        },
    }


def x_tweets(tweets: list[dict[str, Any]], next_token: str | None = None) -> dict[str, Any]:
    if not tweets:
        return {"meta": {"result_count": 0}}
    meta: dict[str, Any] = {
        "result_count": len(tweets),
        "newest_id": tweets[0]["id"],
        "oldest_id": tweets[-1]["id"],
    }
    if next_token:
        meta["next_token"] = next_token
    return {"data": tweets, "meta": meta}


def x_unknown_user(username: str) -> dict[str, Any]:
    """What X answers, with HTTP 200, for a username nobody has."""
    return {
        "errors": [
            {
                "value": username,
                "detail": f"Could not find user with username: [{username}].",
                "title": "Not Found Error",
                "resource_type": "user",
                "parameter": "username",
                "resource_id": username,
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            }
        ]
    }


def x_suspended_user(username: str) -> dict[str, Any]:
    return {
        "errors": [
            {
                "value": username,
                "detail": f"User has been suspended: [{username}].",
                "title": "Forbidden",
                "resource_type": "user",
                "parameter": "username",
                "resource_id": username,
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            }
        ]
    }


X_UNAUTHORIZED = {
    "title": "Unauthorized",
    "type": "about:blank",
    "status": 401,
    "detail": "Unauthorized",
}
X_CLIENT_FORBIDDEN = {
    "client_id": "28455117",
    "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys "
    "and tokens from a Twitter developer App that is attached to a Project. You can create a "
    "project via the developer portal.",
    "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
    "title": "Client Forbidden",
    "required_enrollment": "Appropriate Level of API Access",
    "reason": "client-not-enrolled",
    "type": "https://api.twitter.com/2/problems/client-forbidden",
}
X_TOO_MANY = {
    "title": "Too Many Requests",
    "detail": "Too Many Requests",
    "type": "about:blank",
    "status": 429,
}
X_UNAVAILABLE = {
    "title": "Service Unavailable",
    "detail": "Service Unavailable",
    "type": "about:blank",
    "status": 503,
}
X_PAGE_MISSING = {"errors": [{"message": "Sorry, that page does not exist", "code": 34}]}

MAINTENANCE_PAGE = (
    "<!DOCTYPE html><html><head><title>Down for maintenance</title></head>"
    "<body><h1>We'll be back soon</h1></body></html>"
)
