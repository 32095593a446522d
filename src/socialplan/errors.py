"""Errors that services raise; each carries a message fit to show a user as it is."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError


class SocialPlanError(Exception):
    """Base class: `str(error)` is a plain-words message for the user."""


class InvalidInput(SocialPlanError):
    """Input that breaks a rule; `errors` maps each field name to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__(" ".join(f"{_label(f)}: {m}" for f, m in self.errors.items()))


class Conflict(SocialPlanError):
    """Someone saved a newer version of the row since the caller read it."""

    def __init__(self, what: str = "This item") -> None:
        super().__init__(
            f"{what} was changed by someone else since you opened it — reload to see "
            "the latest version, then make your change again."
        )


class NotAllowed(SocialPlanError):
    """The acting user's role in the workspace does not permit the action."""


class NotFound(SocialPlanError):
    """The row does not exist, or not in a workspace the caller may see."""


def _label(field: str) -> str:
    return field.replace("_", " ").capitalize()


def friendly_validation_errors(error: ValidationError) -> dict[str, str]:
    """Turn pydantic's errors into one short sentence per field."""
    messages: dict[str, str] = {}
    for item in error.errors():
        field = str(item["loc"][-1]) if item["loc"] else "value"
        messages.setdefault(field, _friendly_message(item))
    return messages


def _shown_input(value: object) -> str:
    """What the user typed, short enough for a message (repr of a huge int would raise)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return "a number too large to store"
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _friendly_message(item: Mapping) -> str:
    kind = item["type"]
    ctx = item.get("ctx") or {}
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return "is required."
    if kind == "string_too_short":
        return f"must be at least {ctx['min_length']} characters."
    if kind == "string_too_long":
        return f"must be at most {ctx['max_length']} characters."
    if kind in ("greater_than_equal", "greater_than"):
        word = "at least" if kind == "greater_than_equal" else "more than"
        return f"must be {word} {ctx.get('ge', ctx.get('gt'))}."
    if kind in ("less_than_equal", "less_than"):
        word = "at most" if kind == "less_than_equal" else "less than"
        return f"must be {word} {ctx.get('le', ctx.get('lt'))}."
    if kind == "enum":
        return f"must be one of {ctx.get('expected', 'the listed choices')}."
    if kind == "missing":
        return "is required."
    if kind.startswith(("date_", "float_", "int_")):
        return f"is not a valid {kind.split('_')[0]}: {_shown_input(item.get('input'))}."
    if kind == "string_pattern_mismatch":
        return "has characters that are not allowed."
    return str(item.get("msg", "is not valid.")).rstrip(".") + "."
