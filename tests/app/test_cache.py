"""Page caches keyed on the data version: hit when nothing changed, miss after any write."""

from __future__ import annotations

import pytest
import streamlit as st

from socialplan import objectives
from socialplan.access import Actor
from socialplan.errors import NotFound
from socialplan.models import ObjectiveCategory
from socialplan.ui.cache import cached_for_workspace
from tests.factories import create_workspace_with_plan


@pytest.fixture(autouse=True)
def _empty_cache():
    st.cache_data.clear()
    yield
    st.cache_data.clear()


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return self.calls


def _ask(session, actor, workspace_id, counter, key="k"):
    return cached_for_workspace(session, actor, workspace_id, "test.count", key, counter)


def test_a_repeat_is_served_from_the_cache_until_a_write(session, actor) -> None:
    workspace, plan = create_workspace_with_plan(session, actor)
    counter = Counter()
    assert _ask(session, actor, workspace.id, counter) == 1
    assert _ask(session, actor, workspace.id, counter) == 1
    assert counter.calls == 1
    objectives.create_objective(
        session=session, actor=actor, plan_id=plan.id,
        objective_create={"title": "Grow", "category": ObjectiveCategory.AWARENESS},
    )  # fmt: skip
    assert _ask(session, actor, workspace.id, counter) == 2
    assert counter.calls == 2


def test_another_key_or_another_actor_is_computed_afresh(session, actor) -> None:
    workspace, _ = create_workspace_with_plan(session, actor)
    counter = Counter()
    _ask(session, actor, workspace.id, counter)
    _ask(session, actor, workspace.id, counter, key="other")
    _ask(session, Actor.local("Someone else"), workspace.id, counter)
    assert counter.calls == 3


def test_someone_without_access_is_refused_even_when_it_is_cached(session, actor) -> None:
    workspace, _ = create_workspace_with_plan(session, actor)
    counter = Counter()
    _ask(session, actor, workspace.id, counter)
    stranger = Actor.user(999_999, "Stranger")
    with pytest.raises(NotFound):
        _ask(session, stranger, workspace.id, counter)
    assert counter.calls == 1
