"""Shared helpers for the import tests: the fixture files, read as bytes."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"

X_OVERVIEW = "account_overview_analytics.csv"
X_POSTS = "account_analytics_content_2026-03-01_2026-03-31.csv"
X_TWEET_ACTIVITY = "tweet_activity_metrics_rosasbakery_20211101_20211201_en.csv"
LINKEDIN = "rosas-bakery_followers_1743465600000.csv"
META_VIEWS = "Views.csv"
META_FOLLOWS = "Instagram follows.csv"
META_POSTS_INSTAGRAM = "Mar-01-2026_Mar-31-2026_1784140000000.csv"
META_POSTS_FACEBOOK = "Mar-01-2026_Mar-31-2026_100000000000001.csv"
META_DAILY = "facebook_page_daily.csv"
LONG = "socialplan_numbers.csv"


def fixture_bytes(name: str) -> bytes:
    """The bytes of a fixture file, as an upload would hand them over."""
    return (FIXTURES / name).read_bytes()
