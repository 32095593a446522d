"""Offline HTTP for connector tests: every request is replayed, none reaches the network."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import responses

from socialplan.connectors import http

# 14:00 UTC on the day the tests "run": rate-limit times are read against it.
NOW = datetime(2027, 3, 10, 14, 0, tzinfo=UTC)


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    """Replayed HTTP: an unknown URL fails, and every registered answer must be used."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture(autouse=True)
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retry waits are recorded, never slept: no connector test waits for real."""
    waited: list[float] = []
    monkeypatch.setattr(http.time, "sleep", waited.append)
    return waited


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr(http, "utc_now", lambda: NOW)
    return NOW
