"""Building blocks every service module shares: validation, versioned updates, revisions."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import update
from sqlmodel import Session, SQLModel

from socialplan.access import Actor
from socialplan.errors import Conflict, InvalidInput, friendly_validation_errors
from socialplan.models import Revision, utcnow
from socialplan.text import unstorable_text_problem

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T", bound=SQLModel)


def validate(model: type[M], data: dict[str, Any] | BaseModel) -> M:
    """`model` built from `data`, or InvalidInput naming each bad field.

    Text that one of the databases cannot store (a NUL, half a surrogate pair) is refused
    here, so it never gets as far as a database error halfway through a save.
    """
    if isinstance(data, BaseModel):
        data = data.model_dump(exclude_unset=True)
    text_problems = _unstorable_text(model, data)
    try:
        validated = model.model_validate(data)
    except ValidationError as error:
        messages = friendly_validation_errors(error)
        # Pydantic's own words for half a surrogate pair are technical; ours say what it is.
        unreadable = {
            str(item["loc"][-1])
            for item in error.errors()
            if item["loc"] and item["type"] == "string_unicode"
        }
        for field, problem in text_problems.items():
            if field not in messages or field in unreadable:
                messages[field] = problem
        raise InvalidInput(messages) from error
    if text_problems:
        raise InvalidInput(text_problems)
    return validated


def _unstorable_text(model: type[BaseModel], data: Any) -> dict[str, str]:
    """{field: message} for each text field of `data` that no database can store."""
    if not isinstance(data, dict):
        return {}
    problems = {}
    for name in model.model_fields:
        value = data.get(name)
        if isinstance(value, str) and (problem := unstorable_text_problem(value)):
            problems[name] = problem
    return problems


def stage_versioned_update(
    session: Session,
    row: T,
    changes: dict[str, Any],
    expected_version: int,
    what: str = "This item",
) -> T:
    """Write `changes` to `row` only if nobody saved it since `expected_version`; no commit.

    The check and the write are one UPDATE … WHERE version = expected, so two sessions
    racing cannot both win, on SQLite or PostgreSQL.
    """
    table = type(row)
    values = {**changes, "version": expected_version + 1}
    if "updated_at" in table.model_fields:
        values["updated_at"] = utcnow()
    result = session.exec(  # type: ignore[call-overload]
        update(table)
        .where(table.id == row.id, table.version == expected_version)  # type: ignore[attr-defined]
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        raise Conflict(what)
    session.refresh(row)
    return row


def changed_fields(row: SQLModel, changes: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields whose value `changes` would alter, as {field: (old, new)}."""
    return {
        field: (getattr(row, field), new)
        for field, new in changes.items()
        if getattr(row, field) != new
    }


def stage_revision(
    session: Session,
    *,
    actor: Actor,
    plan_id: int,
    entity: str,
    entity_id: int | None,
    action: str,
    field: str = "",
    old_value: Any = "",
    new_value: Any = "",
    reason: str = "",
    review_id: int | None = None,
) -> Revision:
    """Add a revision row to the session (the caller commits it with the change)."""
    revision = Revision(
        plan_id=plan_id,
        review_id=review_id,
        entity=entity,
        entity_id=entity_id,
        action=action,
        field=field,
        old_value=_as_text(old_value),
        new_value=_as_text(new_value),
        reason=reason.strip(),
        changed_by=actor.label,
    )
    session.add(revision)
    return revision


def stage_field_revisions(
    session: Session,
    *,
    actor: Actor,
    plan_id: int,
    entity: str,
    entity_id: int | None,
    diff: dict[str, tuple[Any, Any]],
    reason: str = "",
    review_id: int | None = None,
) -> None:
    """One "update" revision per changed field of `diff` (from `changed_fields`); no commit."""
    for field, (old, new) in diff.items():
        stage_revision(
            session,
            actor=actor,
            plan_id=plan_id,
            entity=entity,
            entity_id=entity_id,
            action="update",
            field=field,
            old_value=old,
            new_value=new,
            reason=reason,
            review_id=review_id,
        )


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    return str(getattr(value, "value", value))


def stage_row_lock(session: Session, table: type[SQLModel], row_id: int) -> None:
    """Hold `table`'s row `row_id` until the transaction ends, before a read-then-write check.

    A no-op update takes the row's write lock (PostgreSQL) or the database's (SQLite), so
    two saves that both check "nothing changed since I read it" run one after the other:
    the second sees the first's change and is refused instead of mixing the two.
    """
    session.execute(
        update(table).where(table.id == row_id).values(version=table.version)  # type: ignore[attr-defined]
    )
