"""Page results cached on the workspace's data version, so a rerun that changed nothing is cheap.

Streamlit reruns a page's whole script on every click. What a page computes from a
workspace (dashboard panels, metric series, a review's statuses) is cached with
`st.cache_data`, keyed on:

- the database (one process may serve several, as the tests do),
- the workspace and its data version (`socialplan.versions`): any committed write to the
  workspace — from this server, another replica, a sync or an import — changes the key, so
  an answer is never shown after the data it came from changed;
- the actor: a hit only ever returns what the same user, with the same role, was shown
  before (the first call ran the real service with its role checks);
- the name of the computation and its arguments (the day included: "today" moves on).

The computation runs only on a miss; exceptions are not cached.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import streamlit as st
from sqlmodel import Session

from socialplan import versions
from socialplan.access import Actor, require_workspace

T = TypeVar("T")
# Enough for every page of a few dozen sessions; each entry is one page's data (≤ a few MB).
MAX_ENTRIES = 256


def database_key(session: Session) -> str:
    """Which database the session reads, without its password."""
    return session.get_bind().engine.url.render_as_string(hide_password=True)


def cached_for_workspace(
    session: Session,
    actor: Actor,
    workspace_id: int,
    name: str,
    key: Hashable,
    compute: Callable[[], T],
) -> T:
    """`compute()`'s result, from the cache when the same actor asked for `name` with `key`
    at the workspace's current data version; computed (and kept) otherwise.

    The actor's access to the workspace is checked on every call, hit or miss.
    """
    require_workspace(session, actor, workspace_id)
    version = versions.data_version(session, workspace_id)
    return _remembered(compute, name, database_key(session), workspace_id, version, actor, key)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _remembered(
    _compute: Callable[[], Any],
    name: str,
    database: str,
    workspace_id: int,
    version: str,
    actor: Actor,
    key: Hashable,
) -> Any:
    # The leading underscore keeps `_compute` out of the key: everything it depends on is
    # in the other arguments.
    return _compute()
