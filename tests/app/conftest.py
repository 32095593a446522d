"""Fixtures for running the app's pages under Streamlit's AppTest, on a real SQLite file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from socialplan.db import make_engine
from tests.conftest import truncate_all

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
PAGES = [
    "app_pages/home.py",
    "app_pages/objectives.py",
    "app_pages/metrics.py",
    "app_pages/tasks.py",
    "app_pages/responsibilities.py",
    "app_pages/review.py",
    "app_pages/dashboard.py",
    "app_pages/leaderboard.py",
    "app_pages/accounts.py",
    "app_pages/settings.py",
]


@pytest.fixture
def app_engine(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The database the app under test will use; arrange data through it."""
    monkeypatch.setenv("SOCIALPLAN_DATABASE_URL", sqlite_url)
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_app_engine(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """As `app_engine`, once on SQLite and once on PostgreSQL (when the tests have one).

    For what depends on the database's behaviour, such as the data version that page caches
    are keyed on being bumped in the writing transaction.
    """
    if request.param == "sqlite":
        yield request.getfixturevalue("app_engine")
        return
    url = request.getfixturevalue("postgres_url")
    monkeypatch.setenv("SOCIALPLAN_DATABASE_URL", url)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        truncate_all(engine)
        engine.dispose()


def open_page(page: str = "app_pages/home.py", *, timeout: float = 30) -> AppTest:
    """Run the app and go to `page`, as a user clicking it in the navigation would."""
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    at.run()
    if page != "app_pages/home.py":
        at.switch_page(page)
        at.run()
    return at


ESCAPED_PUNCTUATION = re.compile(r"\\([!-/:-@\[-`{-~])")


def shown(markdown: str) -> str:
    """What a reader sees of Markdown source: backslash escapes removed."""
    return ESCAPED_PUNCTUATION.sub(r"\1", markdown)


def texts(at: AppTest) -> str:
    """All markdown, captions, infos, warnings, errors and successes on the page, as shown."""
    parts = []
    for kind in (
        "markdown",
        "caption",
        "info",
        "warning",
        "error",
        "success",
        "title",
        "subheader",
        "header",
    ):
        parts.extend(shown(str(element.value)) for element in getattr(at, kind))
    return "\n".join(parts)
