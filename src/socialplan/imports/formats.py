"""The exports Social Plan reads, and how a file's header tells which one it is.

Each `FormatSpec` lists its columns: the snapshot field (or role) each becomes, under the
names the export has used over time, preferred first ("Views" replaced "Impressions" at
Meta in 2024–2025; X says "Reposts" where it said "Retweets"). Header names are compared
after `normalise_name`, so case, spacing and punctuation do not matter.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from socialplan.errors import InvalidInput
from socialplan.imports.decoding import refuse
from socialplan.imports.values import DateStyle
from socialplan.models import Network

# Roles a column can play besides holding a snapshot field.
DAY = "day"
POST_ID = "post_id"
GAINED = "gained"  # new followers that day
LOST = "lost"  # followers lost that day
PART = "part"  # a breakdown of another column: recognised, not stored
PRIMARY = "primary"  # Meta's one-metric files: the value of the metric named in the title
METRIC = "metric"
VALUE = "value"
NOTE = "note"

SNAPSHOT_FIELDS = (
    "followers",
    "following",
    "posts_total",
    "posts",
    "likes",
    "reposts",
    "replies",
    "quotes",
    "bookmarks",
    "impressions",
)
AUTO = "auto"


class Layout(StrEnum):
    """How a format's rows relate to days."""

    DAILY = "daily"  # one row per day
    PER_POST = "per_post"  # one row per post, summed into the day it was posted
    SERIES = "series"  # Meta: one metric per file, named by a title line above the header
    LONG = "long"  # one row per day and metric: date, metric, value


def normalise_name(name: str) -> str:
    """A header name reduced for comparison: "  New_Follows " and "new follows" are equal."""
    return re.sub(r"[\W_]+", " ", name.lstrip("\ufeff").casefold()).strip()


@dataclass(frozen=True)
class Column:
    """A column of an export: what it becomes, and the names it goes by (preferred first)."""

    role: str
    names: tuple[str, ...]
    required: bool = False

    @property
    def label(self) -> str:
        """The column's usual name, for messages."""
        return self.names[0]

    def keys(self) -> tuple[str, ...]:
        """Every name the column goes by, normalised, preferred first."""
        return tuple(normalise_name(name) for name in self.names)


@dataclass(frozen=True)
class FormatSpec:
    """One export's shape: its columns, the way it writes dates, the networks it comes from."""

    key: str
    name: str
    file_hint: str
    layout: Layout
    columns: tuple[Column, ...]
    date_styles: tuple[DateStyle, ...]
    expected_header: str
    networks: tuple[Network, ...] = ()  # empty: any network
    known_ignored: tuple[str, ...] = ()  # columns the export has that Social Plan does not keep
    missing_days_are_zero: bool = False  # the export leaves out days on which nothing happened
    notes: tuple[str, ...] = field(default=())

    def required_columns(self) -> tuple[Column, ...]:
        """The columns a header must have to be this format."""
        return tuple(column for column in self.columns if column.required)

    def missing_columns(self, names: Sequence[str]) -> list[Column]:
        """The required columns `names` (normalised) lacks under every name they go by."""
        present = set(names)
        return [c for c in self.required_columns() if not present.intersection(c.keys())]

    def score(self, names: Sequence[str]) -> int:
        """How many of the header's columns this format knows: the best fit knows the most."""
        known = {key for column in self.columns for key in column.keys()}
        known |= {normalise_name(name) for name in self.known_ignored}
        return sum(1 for name in set(names) if name in known)

    def summary(self) -> str:
        """The format's name, file name and key columns, for the "expected one of" message."""
        keys = ", ".join(column.label for column in self.required_columns())
        return f"{self.name} ({self.file_hint}): {keys}"


META_NETWORKS = (Network.FACEBOOK, Network.INSTAGRAM)
POST_EXPORT_NOTE = (
    "Posts are counted per day from the export's rows (replies too, when it lists them); each "
    "post's likes and other counts are those it had when exported, counted on the day it was "
    "posted."
)

X_OVERVIEW = FormatSpec(
    key="x_overview",
    name="X account overview",
    file_hint="account_overview_analytics.csv",
    layout=Layout.DAILY,
    columns=(
        Column(DAY, ("Date",), required=True),
        Column("impressions", ("Impressions", "Views"), required=True),
        Column("likes", ("Likes",)),
        Column("bookmarks", ("Bookmarks",)),
        Column(GAINED, ("New follows", "Follows", "New followers"), required=True),
        Column(LOST, ("Unfollows",), required=True),
        Column("replies", ("Replies",)),
        Column("reposts", ("Reposts", "Retweets")),
        Column("quotes", ("Quotes", "Quote posts")),
        Column("posts", ("Create Post", "Create Posts", "Posts created", "Posts", "Tweets")),
    ),
    date_styles=(DateStyle.MONTH_NAME, DateStyle.ISO),
    expected_header=(
        "Date,Impressions,Likes,Engagements,Bookmarks,Shares,New follows,Unfollows,Replies,"
        "Reposts,Profile visits,Create Post,Video views,Media views"
    ),
    networks=(Network.X,),
    known_ignored=("Engagements", "Shares", "Profile visits", "Video views", "Media views"),
    notes=("Likes, reposts, replies and impressions are counted on the day they happened.",),
)

X_POSTS = FormatSpec(
    key="x_posts",
    name="X posts export",
    file_hint="account_analytics_content_….csv",
    layout=Layout.PER_POST,
    columns=(
        Column(POST_ID, ("Post id",), required=True),
        Column(DAY, ("Date",), required=True),
        Column("impressions", ("Impressions", "Views"), required=True),
        Column("likes", ("Likes",)),
        Column("bookmarks", ("Bookmarks",)),
        Column("replies", ("Replies",)),
        Column("reposts", ("Reposts", "Retweets")),
        Column("quotes", ("Quotes", "Quote posts")),
    ),
    date_styles=(DateStyle.MONTH_NAME, DateStyle.ISO),
    expected_header=(
        "Post id,Date,Post text,Post Link,Impressions,Likes,Engagements,Bookmarks,Shares,"
        "New follows,Replies,Reposts,Profile visits,Detail Expands,URL Clicks,Hashtag Clicks,"
        "Permalink Clicks"
    ),
    networks=(Network.X,),
    known_ignored=(
        "Post text",
        "Post Link",
        "Engagements",
        "Shares",
        "New follows",
        "Profile visits",
        "Detail Expands",
        "URL Clicks",
        "Hashtag Clicks",
        "Permalink Clicks",
    ),
    notes=(POST_EXPORT_NOTE,),
)

X_TWEET_ACTIVITY = FormatSpec(
    key="x_tweet_activity",
    name="Older X tweet activity export",
    file_hint="tweet_activity_metrics_….csv",
    layout=Layout.PER_POST,
    columns=(
        Column(POST_ID, ("Tweet id", "Post id"), required=True),
        Column(DAY, ("time",), required=True),
        Column("impressions", ("impressions",), required=True),
        Column("reposts", ("retweets", "reposts")),
        Column("replies", ("replies",)),
        Column("likes", ("likes",)),
    ),
    date_styles=(DateStyle.ISO,),
    expected_header=(
        "Tweet id,Tweet permalink,Tweet text,time,impressions,engagements,engagement rate,"
        "retweets,replies,likes,user profile clicks,url clicks,hashtag clicks,detail expands,"
        "permalink clicks,app opens,app installs,follows,email tweet,dial phone,media views,"
        "media engagements,promoted impressions,…"
    ),
    networks=(Network.X,),
    known_ignored=(
        "Tweet permalink",
        "Tweet text",
        "engagements",
        "engagement rate",
        "user profile clicks",
        "url clicks",
        "hashtag clicks",
        "detail expands",
        "permalink clicks",
        "app opens",
        "app installs",
        "follows",
        "email tweet",
        "dial phone",
        "media views",
        "media engagements",
    ),
    notes=(POST_EXPORT_NOTE,),
)

LINKEDIN_FOLLOWERS = FormatSpec(
    key="linkedin_followers",
    name="LinkedIn page followers export",
    file_hint="its “New followers” sheet saved as CSV",
    layout=Layout.DAILY,
    columns=(
        Column(DAY, ("Date",), required=True),
        Column(PART, ("Sponsored followers",)),
        Column(PART, ("Organic followers",), required=True),
        Column(PART, ("Auto-invited followers",)),
        Column(GAINED, ("Total followers", "Total new followers"), required=True),
    ),
    date_styles=(DateStyle.US, DateStyle.ISO),
    expected_header=(
        "Date,Sponsored followers,Organic followers,Auto-invited followers,Total followers"
    ),
    networks=(Network.LINKEDIN,),
    notes=(
        "LinkedIn's “Total followers” is the number of NEW followers that day (the sum of "
        "sponsored, organic and auto-invited), not the page's follower count.",
    ),
)

META_POSTS = FormatSpec(
    key="meta_posts",
    name="Meta Business Suite posts export",
    file_hint="Facebook or Instagram posts, from Insights → Content → Export",
    layout=Layout.PER_POST,
    columns=(
        Column(POST_ID, ("Post ID",), required=True),
        Column(DAY, ("Publish time",), required=True),
        Column("impressions", ("Views", "Impressions"), required=True),
        Column("likes", ("Reactions", "Likes")),
        Column("replies", ("Comments",)),
        Column("reposts", ("Shares",)),
        Column("bookmarks", ("Saves",)),
    ),
    date_styles=(DateStyle.US, DateStyle.ISO),
    expected_header=(
        "Post ID,Account ID,Account username,Account name,Description,Duration (sec),"
        "Publish time,Permalink,Post type,Data comment,Date,Views,Reach,Likes,Shares,Follows,"
        "Comments,Saves (Instagram; Facebook has Page ID, Page name, Reactions, Total clicks…)"
    ),
    networks=META_NETWORKS,
    known_ignored=(
        "Account ID",
        "Account username",
        "Account name",
        "Page ID",
        "Page name",
        "Title",
        "Description",
        "Duration (sec)",
        "Caption type",
        "Permalink",
        "Is crosspost",
        "Is share",
        "Post type",
        "Languages",
        "Custom labels",
        "Funded content status",
        "Data comment",
        "Date",
        "Reach",
        "Reactions, comments and shares",
        "Follows",
        "Total clicks",
        "Link clicks",
        "Other clicks",
    ),
    notes=(POST_EXPORT_NOTE,),
)

META_SERIES = FormatSpec(
    key="meta_series",
    name="Meta Business Suite one-metric export",
    file_hint="Views.csv, Facebook follows.csv…: a sep=, line, then the metric's name",
    layout=Layout.SERIES,
    columns=(
        Column(DAY, ("Date",), required=True),
        Column(PRIMARY, ("Primary",), required=True),
    ),
    date_styles=(DateStyle.ISO, DateStyle.US),
    expected_header='sep=, / "Views" (the metric) / "Date","Primary"',
    networks=META_NETWORKS,
    missing_days_are_zero=True,
)

META_DAILY = FormatSpec(
    key="meta_daily",
    name="Meta daily page table",
    file_hint="Facebook or Instagram, one row per day",
    layout=Layout.DAILY,
    columns=(
        Column(DAY, ("Date",), required=True),
        Column("impressions", ("Views", "Impressions"), required=True),
        Column("likes", ("Reactions", "Likes")),
        Column("replies", ("Comments",)),
        Column("reposts", ("Shares",)),
        Column("bookmarks", ("Saves",)),
        Column("posts", ("Posts",)),
        Column("followers", ("Followers", "Page followers")),
        Column(GAINED, ("Follows", "New followers", "New follows", "Page follows")),
        Column(LOST, ("Unfollows",)),
    ),
    date_styles=(DateStyle.ISO, DateStyle.US, DateStyle.MONTH_NAME),
    expected_header="Date,Views,Reach,Reactions,Comments,Shares,Follows,Followers",
    networks=META_NETWORKS,
    known_ignored=("Reach", "Viewers", "Visits", "Link clicks", "Content interactions"),
)

LONG = FormatSpec(
    key="long",
    name="Social Plan's own format",
    file_hint="the downloadable template",
    layout=Layout.LONG,
    columns=(
        Column(DAY, ("date", "day"), required=True),
        Column(METRIC, ("metric", "name", "metric name"), required=True),
        Column(VALUE, ("value", "number"), required=True),
        Column(NOTE, ("note", "comment")),
    ),
    date_styles=(DateStyle.ISO,),
    expected_header="date,metric,value",
)

# In order of preference when two formats know a header equally well.
FORMATS: tuple[FormatSpec, ...] = (
    X_OVERVIEW,
    X_POSTS,
    X_TWEET_ACTIVITY,
    LINKEDIN_FOLLOWERS,
    META_POSTS,
    META_SERIES,
    META_DAILY,
    LONG,
)
FORMATS_BY_KEY = {spec.key: spec for spec in FORMATS}


def header_names(header: Sequence[str] | str) -> list[str]:
    """The header's column names as given: from a list of cells, or a line of CSV."""
    if isinstance(header, str):
        line = header.lstrip("\ufeff").splitlines()[0] if header.strip() else ""
        separator = max((",", ";", "\t"), key=line.count)
        try:
            return next(csv.reader([line], delimiter=separator), [])
        except csv.Error:
            return [line]
    return [str(cell) for cell in header]


def detect_format(header: Sequence[str] | str) -> FormatSpec:
    """The format whose required columns the header has, knowing most of its columns.

    Raises InvalidInput (field "file") listing every supported format when none fits.
    """
    names = [normalise_name(name) for name in header_names(header)]
    candidates = [spec for spec in FORMATS if not spec.missing_columns(names)]
    if not candidates:
        raise refuse(unrecognised_message(header_names(header)))
    return max(candidates, key=lambda spec: (spec.score(names), -FORMATS.index(spec)))


def format_for(header: Sequence[str], wanted: str) -> FormatSpec:
    """The format to read the file with: detected for "auto", else the one asked for."""
    if wanted == AUTO:
        return detect_format(header)
    spec = FORMATS_BY_KEY.get(wanted)
    if spec is None:
        choices = ", ".join((AUTO, *FORMATS_BY_KEY))
        raise InvalidInput({"format": f"must be one of {choices}."})
    missing = spec.missing_columns([normalise_name(name) for name in header])
    if missing:
        names = ", ".join(f"“{column.label}”" for column in missing)
        raise refuse(
            f"The file is not in the chosen format ({spec.name}): its header lacks {names}. "
            f"Expected: {spec.expected_header}."
        )
    return spec


def unrecognised_message(names: Sequence[str]) -> str:
    """What the header was, and what every supported format's header has."""
    shown = ", ".join(name.strip() for name in names if name.strip())
    if len(shown) > 120:
        shown = shown[:119] + "…"
    expected = "; ".join(spec.summary() for spec in FORMATS)
    return (
        f"The file's header (“{shown}”) is not one Social Plan knows. "
        f"Expected one of these exports, with these columns: {expected}."
    )
