"""Showing the outcome of a save: field errors next to their fields, conflicts, successes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from socialplan.errors import InvalidInput, SocialPlanError
from socialplan.text import literal_markdown
from socialplan.ui import errors as database_errors
from socialplan.ui.context import current_actor, db_session

T = TypeVar("T")
FLASH_KEY = "flash_message"


def field_error(errors: dict[str, str] | None, field: str, label: str | None = None) -> None:
    """Show the error for `field`, if there is one, right where the caller puts it."""
    if errors and field in errors:
        st.error(f"{label or field.replace('_', ' ').capitalize()} {errors[field]}", icon="⚠️")


def attempt(action: Callable[[], T], errors_key: str) -> T | None:
    """Run a save; on bad input keep the field errors in session state for the form to show.

    Returns the action's result, or None when it was refused (the message is shown).
    """
    st.session_state[errors_key] = {}
    try:
        return action()
    except InvalidInput as error:
        st.session_state[errors_key] = error.errors
        st.error("Nothing was saved — please fix the fields marked below.", icon="⚠️")
    except SocialPlanError as error:
        # Messages quote what users typed (names, titles): shown as text, never as Markdown.
        st.error(literal_markdown(str(error)), icon="⚠️")
    except Exception as error:
        # Saves often run in widget callbacks, before app.py's database boundary: a lost
        # database gets the same plain message here instead of Streamlit's error box.
        if not database_errors.is_unreachable(error):
            raise
        database_errors.report_unreachable(error)
    return None


def flash(message: str) -> None:
    """A success message that survives the rerun after a save."""
    st.session_state[FLASH_KEY] = message


def show_flash() -> None:
    """Show (once) the message left by `flash`."""
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(literal_markdown(message), icon="✅")


def run_save(action: Callable[..., object], errors_key: str, done: str) -> bool:
    """Run `action(session=…, actor=…)` in a fresh session; flash `done` when it saved."""
    with db_session() as session:
        result = attempt(lambda: action(session=session, actor=current_actor()), errors_key)
    if result is not None:
        flash(done)
    return result is not None


def show_refusal(errors: dict[str, str]) -> None:
    """Say that the last save was refused; each field's message sits under its widget."""
    if errors:
        st.error("Nothing was saved — please fix the fields marked below.", icon="⚠️")


def redraw_if_refused(errors_key: str) -> None:
    """Run the page again after refused input, so each message is drawn under its field."""
    if st.session_state[errors_key]:
        st.rerun()


def pinned_version(pin_key: str, form_key_of: Callable[[int], str], stored: int) -> int:
    """The version an edit form was drawn from: what the user read.

    It stays pinned while the form is on screen (its widget `form_key_of(version)` exists),
    so a save over someone else's newer change gets the Conflict message; a form drawn
    afresh reads the `stored` version.
    """
    pinned = st.session_state.get(pin_key)
    if pinned is None or form_key_of(pinned) not in st.session_state:
        pinned = st.session_state[pin_key] = stored
    return pinned
