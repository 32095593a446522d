"""A database that cannot be reached: one clear message and a Try again button, no traceback.

The server down or restarting, the network to it cut, a SQLite file that cannot be opened:
SQLAlchemy raises OperationalError or InterfaceError from whichever line first needed the
database. `database_boundary()` around the page run (app.py) turns that into one plain
message; the error itself goes to the server log only, because its text can quote SQL,
the data in it, or the database URL with its password.

Recovery needs no restart: the next run (any click, or Try again) simply asks again. The
engine's pool pre-pings and replaces connections the server dropped, and a start-up that
failed (connect and migrate, `ui.context.get_engine`) is not cached by st.cache_resource,
so it is retried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

import sqlalchemy.exc
import streamlit as st

from socialplan.db import DatabaseLocationError

log = logging.getLogger(__name__)

UNREACHABLE_MESSAGE = (
    "Social Plan cannot reach its database just now, so this page cannot be shown. "
    "Please try again in a moment. If you were saving a change, check that it is there "
    "once the page is back."
)
RETRY_LABEL = "Try again"
RETRY_KEY = "database_try_again"
# Set when this run has shown the message already (a callback failed before the page ran).
SHOWN_KEY = "database_unreachable_shown"

# What "cannot reach the database" looks like from SQLAlchemy: connection refused or
# dropped, server restarting, file that cannot be opened or is locked past the busy
# timeout (OperationalError); a connection used after it broke (InterfaceError); no pooled
# connection free in time (TimeoutError); and a database folder that cannot be made.
UNREACHABLE_ERRORS: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
    DatabaseLocationError,
)

P = ParamSpec("P")
T = TypeVar("T")


def is_unreachable(error: BaseException) -> bool:
    """Whether `error` means the database could not be reached (rather than a bug)."""
    if isinstance(error, UNREACHABLE_ERRORS):
        return True
    # Any other driver error raised while the connection broke (psycopg's AdminShutdown…).
    return isinstance(error, sqlalchemy.exc.DBAPIError) and error.connection_invalidated


@contextmanager
def database_boundary() -> Iterator[None]:
    """Run the page; if the database cannot be reached, say so instead of failing."""
    try:
        yield
    except Exception as error:
        if not is_unreachable(error):
            raise
        report_unreachable(error)
    finally:
        st.session_state.pop(SHOWN_KEY, None)


def report_unreachable(error: BaseException) -> None:
    """Log the error for the operator; show the user the message (once per run)."""
    # The type and the first line are enough to tell a refused connection from a lock;
    # the full chain (with SQL and parameters) stays out of the log too.
    log.error(
        "The database could not be reached (%s): %s",
        type(error).__name__,
        _first_line(getattr(error, "orig", None) or error),
    )
    if st.session_state.get(SHOWN_KEY):
        return
    st.session_state[SHOWN_KEY] = True
    st.error(UNREACHABLE_MESSAGE, icon="🔌")
    # Any click reruns the page; this one says so. Nothing to do in a callback.
    st.button(RETRY_LABEL, key=RETRY_KEY, type="primary")


def guarded(callback: Callable[P, T]) -> Callable[P, T | None]:
    """`callback` (a widget's on_click / on_change) with the same message on a lost database.

    Streamlit runs callbacks before the page script, outside `database_boundary`.
    """

    @wraps(callback)
    def run(*args: P.args, **kwargs: P.kwargs) -> T | None:
        try:
            return callback(*args, **kwargs)
        except Exception as error:
            if not is_unreachable(error):
                raise
            report_unreachable(error)
            return None

    return run


def _first_line(value: object) -> str:
    lines = str(value).strip().splitlines()
    return lines[0][:300] if lines else "no detail"
