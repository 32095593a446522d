"""Which export a header is: detection that tolerates case, spacing and renamed columns."""

from __future__ import annotations

import pytest

from socialplan.errors import InvalidInput
from socialplan.imports import FORMATS, detect_format, read_import
from tests.imports.conftest import (
    LINKEDIN,
    LONG,
    META_DAILY,
    META_FOLLOWS,
    META_POSTS_FACEBOOK,
    META_POSTS_INSTAGRAM,
    META_VIEWS,
    X_OVERVIEW,
    X_POSTS,
    X_TWEET_ACTIVITY,
    fixture_bytes,
)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        (X_OVERVIEW, "x_overview"),
        (X_POSTS, "x_posts"),
        (X_TWEET_ACTIVITY, "x_tweet_activity"),
        (META_POSTS_INSTAGRAM, "meta_posts"),
        (META_POSTS_FACEBOOK, "meta_posts"),
        (META_VIEWS, "meta_series"),
        (META_DAILY, "meta_daily"),
        (LONG, "long"),
    ],
)
def test_each_fixture_is_detected_as_its_export(name, key):
    assert read_import(fixture_bytes(name), filename=name).spec.key == key


@pytest.mark.parametrize("name", [LINKEDIN, META_FOLLOWS])
def test_follower_change_exports_are_detected_before_asking_for_the_anchor(name):
    with pytest.raises(InvalidInput) as error:
        read_import(fixture_bytes(name), filename=name)
    assert set(error.value.errors) == {"followers_anchor"}


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("  DATE ,impressions, new_follows, UNFOLLOWS ,Create post", "x_overview"),
        ('"date";"Impressions";"New Follows";"Unfollows"', "x_overview"),
        ("Date,Views,Likes,New follows,Unfollows,Retweets", "x_overview"),
        ("POST ID,date,Post Text,IMPRESSIONS,likes,Retweets", "x_posts"),
        ("Tweet id,Tweet permalink,Tweet text,time,impressions,retweets", "x_tweet_activity"),
        (
            "Date,Sponsored followers,Organic followers,Auto-invited followers,Total followers",
            "linkedin_followers",
        ),
        ("date,organic  followers,total_followers", "linkedin_followers"),
        # Before 2024-2025 Meta's post export said "Impressions" where it now says "Views".
        ("Post ID,Account username,Publish time,Permalink,Impressions,Reach,Likes", "meta_posts"),
        ("Post ID,Page ID,Publish time,Views,Reactions, Comments,Shares", "meta_posts"),
        ('"Date","Primary"', "meta_series"),
        ("Date,Impressions,Reach,Reactions,Comments,Shares,New followers", "meta_daily"),
        ("\ufeffDay,Metric,Value", "long"),
    ],
)
def test_detection_tolerates_case_spacing_separators_and_aliases(header, key):
    assert detect_format(header).key == key


def test_detection_takes_a_list_of_cells_too():
    assert detect_format(["Date", "Metric", "Value", "Note"]).key == "long"


def test_the_overview_is_not_mistaken_for_a_meta_table_though_both_have_date_and_impressions():
    header = fixture_bytes(X_OVERVIEW).decode().splitlines()[0]
    assert detect_format(header).key == "x_overview"


def test_renamed_columns_map_to_the_same_fields():
    old = b"Post id,Date,Impressions,Likes,Retweets\n1,2026-03-02,10,2,1\n"
    new = b"Post id,Date,Views,Likes,Reposts\n1,2026-03-02,10,2,1\n"
    for data in (old, new):
        parsed = read_import(data, filename="content.csv")
        assert parsed.days[0].values["reposts"] == 1
        assert parsed.days[0].values["impressions"] == 10


def test_views_is_preferred_to_impressions_when_a_meta_export_has_both():
    data = b"Date,Impressions,Views,Reactions\n2026-03-02,99,120,4\n"
    parsed = read_import(data, filename="page.csv")
    assert parsed.days[0].values["impressions"] == 120
    assert "Impressions" in parsed.ignored


def test_an_unknown_header_lists_every_format_and_its_key_columns():
    with pytest.raises(InvalidInput) as error:
        detect_format("Transaction Date,Description,Amount")
    message = error.value.errors["file"]
    assert message.startswith(
        "The file's header (“Transaction Date, Description, Amount”) is not one Social Plan "
        "knows. Expected one of these exports, with these columns: "
    )
    for spec in FORMATS:
        assert spec.summary() in message
    assert "X account overview (account_overview_analytics.csv): Date, Impressions, " in message
    assert "New follows, Unfollows" in message


def test_a_format_asked_for_must_match_the_header():
    with pytest.raises(InvalidInput) as error:
        read_import(fixture_bytes(LINKEDIN), filename=LINKEDIN, format="x_overview")
    assert error.value.errors == {
        "file": "The file is not in the chosen format (X account overview): its header lacks "
        "“Impressions”, “New follows”, “Unfollows”. Expected: Date,Impressions,Likes,Engagements,"
        "Bookmarks,Shares,New follows,Unfollows,Replies,Reposts,Profile visits,Create Post,"
        "Video views,Media views."
    }


def test_an_unknown_format_name_is_refused():
    with pytest.raises(InvalidInput) as error:
        read_import(fixture_bytes(LONG), filename=LONG, format="tiktok")
    assert error.value.errors == {
        "format": "must be one of auto, x_overview, x_posts, x_tweet_activity, "
        "linkedin_followers, meta_posts, meta_series, meta_daily, long."
    }


def test_a_format_asked_for_is_used_even_where_another_would_be_detected():
    parsed = read_import(fixture_bytes(X_OVERVIEW), filename=X_OVERVIEW, format="meta_daily")
    assert parsed.spec.key == "meta_daily"
