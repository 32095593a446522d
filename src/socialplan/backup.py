"""Export a whole workspace to JSON, and restore it into another database.

An export replaces database ids with ids local to the file (1, 2, 3… per table, in id
order) and maps every foreign key onto them, so the file does not depend on the database
it came from, and export → restore → export gives the same JSON. Rows that nothing refers
to (snapshots, readings, review items, …) carry no id at all and are listed in the order
of their natural key.

A file written by `write_export` carries a SHA-256 of its content (`checksum`); reading it
back recomputes it, so a file damaged on its way (a truncated copy, a flipped byte) is
refused before anything is restored, even where the damage still parses as JSON. Files
without a checksum (written before it was added, or by hand) are read as they are.

Left out on purpose: the encrypted X token (a credential: a backup file travels further
than a database does), share links and invitations (their tokens are credentials, and a
restored copy must not open the old links), and users, memberships and peer groups (they
belong to the instance, not to the workspace: a restore is owned by whoever restores it).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from pydantic import BaseModel, ValidationError, create_model
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from socialplan.access import Actor, require_workspace
from socialplan.db import alembic_config, head_revision
from socialplan.errors import InvalidInput, SocialPlanError, friendly_validation_errors
from socialplan.latest_scores import refresh_latest_scores
from socialplan.models import (
    Account,
    BusinessScore,
    InfluenceScore,
    Metric,
    Objective,
    Person,
    Plan,
    Reading,
    Responsibility,
    Review,
    ReviewItem,
    Revision,
    Role,
    Snapshot,
    Task,
    Workspace,
    WorkspaceCreate,
)
from socialplan.workspaces import stage_workspace

FORMAT = "socialplan-export"
FORMAT_VERSION = 1
WORKSPACE_FIELDS = ("name", "slug", "version", "created_at", "updated_at")
# Which section a revision's `entity_id` points into, by the revision's `entity`.
REVISION_ENTITIES = {
    "plan": "plans",
    "objective": "objectives",
    "metric": "metrics",
    "task": "tasks",
    "person": "people",
    "account": "accounts",
    "review": "reviews",
}
INSERT_CHUNK = 5_000
CHECKSUM = "checksum"
CHECKSUM_PATTERN = re.compile(r"sha256:[0-9a-f]{64}")
HEADER_FIELDS = ("format", "version", "schema", "workspace")


@dataclass(frozen=True)
class Section:
    """One table in the export: which rows belong to the workspace and what they point at.

    `owner` is the column that ties a row to the workspace (directly or through an
    exported parent); `refs` maps each foreign-key column to the section it points into.
    Sections with `keyed` rows get export-local ids because other sections refer to them.
    """

    name: str
    model: type[SQLModel]
    owner: str
    refs: dict[str, str] = field(default_factory=dict)
    keyed: bool = False
    drop: tuple[str, ...] = ()
    sort_key: tuple[str, ...] = ()  # empty: in id order


# In dependency order: a section only refers to sections above it.
SECTIONS = (
    Section("people", Person, "workspace_id", keyed=True, drop=("user_id",)),
    Section("plans", Plan, "workspace_id", {"copied_from_plan_id": "plans"}, keyed=True),
    Section("objectives", Objective, "plan_id", {"plan_id": "plans"}, keyed=True),
    Section("accounts", Account, "workspace_id", {"person_id": "people"}, keyed=True),
    Section(
        "metrics",
        Metric,
        "objective_id",
        {"objective_id": "objectives", "account_id": "accounts"},
        keyed=True,
    ),
    Section(
        "tasks",
        Task,
        "objective_id",
        {"objective_id": "objectives", "owner_person_id": "people"},
        keyed=True,
    ),
    Section("reviews", Review, "plan_id", {"plan_id": "plans"}, keyed=True),
    Section(
        "readings", Reading, "metric_id", {"metric_id": "metrics"}, sort_key=("metric_id", "day")
    ),
    Section(
        "responsibilities",
        Responsibility,
        "person_id",
        {"person_id": "people", "objective_id": "objectives", "task_id": "tasks"},
        sort_key=("person_id", "objective_id", "task_id"),
    ),
    Section(
        "review_items",
        ReviewItem,
        "review_id",
        {"review_id": "reviews", "metric_id": "metrics"},
        sort_key=("review_id", "metric_id"),
    ),
    Section("revisions", Revision, "plan_id", {"plan_id": "plans", "review_id": "reviews"}),
    Section(
        "snapshots",
        Snapshot,
        "account_id",
        {"account_id": "accounts"},
        sort_key=("account_id", "day"),
    ),
    Section(
        "influence_scores",
        InfluenceScore,
        "account_id",
        {"account_id": "accounts"},
        sort_key=("account_id", "day"),
    ),
    Section("business_scores", BusinessScore, "workspace_id", sort_key=("day",)),
)
SECTION_NAMES = tuple(section.name for section in SECTIONS)


# ---------------------------------------------------------------- export


def export_workspace(*, session: Session, actor: Actor, slug: str) -> dict[str, Any]:
    """Everything of the workspace as plain JSON-ready data, with export-local ids."""
    workspace = _find_workspace(session, slug)
    require_workspace(session, actor, workspace.id, Role.OWNER)  # type: ignore[arg-type]
    data: dict[str, Any] = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "schema": head_revision(),
        "workspace": _export_workspace_fields(session, workspace.id),  # type: ignore[arg-type]
    }
    local_ids: dict[str, dict[int, int]] = {}
    for section in SECTIONS:
        rows = _read_section(session, section, workspace.id, local_ids)  # type: ignore[arg-type]
        if section.keyed:
            local_ids[section.name] = {row["id"]: n for n, row in enumerate(rows, start=1)}
        data[section.name] = _export_rows(section, rows, local_ids)
    return data


def _find_workspace(session: Session, slug: str) -> Workspace:
    workspace = session.exec(select(Workspace).where(Workspace.slug == slug)).first()
    if workspace is None:
        raise SocialPlanError(f"No workspace “{slug}” in this database.")
    return workspace


def _export_workspace_fields(session: Session, workspace_id: int) -> dict[str, Any]:
    table = Workspace.__table__  # type: ignore[attr-defined]
    query = sa.select(*(table.c[name] for name in WORKSPACE_FIELDS)).where(
        table.c.id == workspace_id
    )
    row = session.execute(query).mappings().one()
    return {name: _to_json(row[name]) for name in WORKSPACE_FIELDS}


def _read_section(
    session: Session, section: Section, workspace_id: int, local_ids: dict[str, dict[int, int]]
) -> list[dict[str, Any]]:
    """The section's rows as stored (read through Core, not the ORM's cached objects)."""
    table = section.model.__table__  # type: ignore[attr-defined]
    owner = table.c[section.owner]
    if section.owner == "workspace_id":
        condition = owner == workspace_id
    else:
        parent_ids = list(local_ids[section.refs[section.owner]])
        if not parent_ids:
            return []
        condition = owner.in_(parent_ids)
    query = sa.select(table).where(condition).order_by(table.c.id)
    return [dict(row) for row in session.execute(query).mappings()]


def _export_rows(
    section: Section, rows: list[dict[str, Any]], local_ids: dict[str, dict[int, int]]
) -> list[dict[str, Any]]:
    table = section.model.__table__  # type: ignore[attr-defined]
    exported = []
    for row in rows:
        # The id leads each row, so a reader of the file sees what the references point at.
        out: dict[str, Any] = {"id": local_ids[section.name][row["id"]]} if section.keyed else {}
        for column in table.columns:
            name = column.name
            if name == "id" or name in section.drop or (name == "workspace_id" == section.owner):
                continue
            if name in section.refs:
                out[name] = _export_ref(section, name, row[name], column.nullable, local_ids)
            elif section.model is Revision and name == "entity_id":
                out[name] = _export_revision_entity(row, local_ids)
            else:
                out[name] = _to_json(row[name], column.type)
        exported.append(out)
    if section.sort_key:
        exported.sort(key=lambda item: tuple(_sortable(item.get(k)) for k in section.sort_key))
    return exported


def _export_ref(
    section: Section,
    column: str,
    value: int | None,
    nullable: bool,
    local_ids: dict[str, dict[int, int]],
) -> int | None:
    if value is None:
        return None
    mapped = local_ids[section.refs[column]].get(value)
    if mapped is None and not nullable:
        raise SocialPlanError(
            f"The workspace's {section.name} refer to a row of another workspace "
            f"({column} {value}); it cannot be exported as it is."
        )
    # An optional link to outside the workspace (a plan copied from another business's
    # plan) cannot travel with the file: it is dropped, as its ON DELETE SET NULL would.
    return mapped


def _export_revision_entity(
    row: dict[str, Any], local_ids: dict[str, dict[int, int]]
) -> int | None:
    """A revision's entity id in the file's numbering; None when that row is gone."""
    section = REVISION_ENTITIES.get(row["entity"])
    if section is None or row["entity_id"] is None:
        return None
    return local_ids[section].get(row["entity_id"])


def _to_json(value: Any, column_type: sa.types.TypeEngine | None = None) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(column_type, sa.Float):
        # The same number must print the same whichever database or driver it came from.
        return float(value)
    return value


def _sortable(value: Any) -> tuple[int, Any]:
    """A sort key where None sorts first and values of one column compare among themselves."""
    return (0, 0) if value is None else (1, value)


# ---------------------------------------------------------------- restore


def restore_workspace(*, session: Session, actor: Actor, data: dict[str, Any]) -> Workspace:
    """A new workspace built from an export; refused, with nothing written, when anything is off."""
    _check_header(data)
    _check_top_level(data)
    workspace_data = _check_workspace(session, data)
    sections = {section.name: _check_section(section, data) for section in SECTIONS}
    _check_references(sections)
    try:
        workspace = _stage_restore(session, actor, workspace_data, sections)
        session.commit()
    except IntegrityError as error:
        session.rollback()
        detail = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise InvalidInput({"export": f"does not fit the database ({detail})."}) from error
    except BaseException:
        session.rollback()
        raise
    session.refresh(workspace)
    return workspace


def _check_header(data: Any) -> None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidInput({"export": "is not a Social Plan export (its format is not named)."})
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InvalidInput({"version": f"{version!r} is not a known export version."})
    if version > FORMAT_VERSION:
        raise InvalidInput(
            {
                "version": f"{version} is newer than this Social Plan reads ({FORMAT_VERSION}); "
                "update Social Plan to restore it."
            }
        )
    schema = data.get("schema")
    if not isinstance(schema, str) or not _known_schema(schema):
        raise InvalidInput(
            {
                "schema": f"{schema!r} is not a database schema this Social Plan knows; the "
                "export was made by a newer version — update Social Plan to restore it."
            }
        )


def _check_top_level(data: dict[str, Any]) -> None:
    """Nothing but the header and the sections: a damaged or foreign key is not skipped."""
    unknown = set(data) - {*HEADER_FIELDS, *SECTION_NAMES, CHECKSUM}
    if unknown:
        raise InvalidInput({"export": f"has parts this version does not know: {sorted(unknown)}."})


def _known_schema(revision: str) -> bool:
    """Whether `revision` is exactly one of our migrations (not a prefix or "heads")."""
    scripts = ScriptDirectory.from_config(alembic_config())
    return revision in {script.revision for script in scripts.walk_revisions()}


def _check_workspace(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    workspace = data.get("workspace")
    if not isinstance(workspace, dict):
        raise InvalidInput({"workspace": "is missing from the export."})
    unknown = set(workspace) - set(WORKSPACE_FIELDS)
    if unknown:
        raise InvalidInput(
            {"workspace": f"has fields this version does not know: {sorted(unknown)}."}
        )
    values = {"id": None, **workspace}
    checked = _validated(Workspace, values, "workspace")
    slug = checked["slug"]
    if session.exec(select(Workspace.id).where(Workspace.slug == slug)).first() is not None:
        raise InvalidInput(
            {
                "slug": f"“{slug}” already exists in this database: restore into a database "
                "without it, or remove that workspace first."
            }
        )
    return checked


@dataclass
class CheckedSection:
    """A section's rows, validated, with foreign keys still in the file's numbering."""

    section: Section
    rows: list[dict[str, Any]]
    local_ids: list[int]


def _check_section(section: Section, data: dict[str, Any]) -> CheckedSection:
    if section.name not in data:
        raise InvalidInput({section.name: "is missing from the export."})
    rows = data[section.name]
    if not isinstance(rows, list):
        raise InvalidInput({section.name: "must be a list of rows."})
    allowed = _file_columns(section)
    checked, local_ids = [], []
    for number, row in enumerate(rows, start=1):
        where = f"{section.name} row {number}"
        if not isinstance(row, dict):
            raise InvalidInput({section.name: f"row {number} is not an object."})
        unknown = set(row) - allowed
        if unknown:
            raise InvalidInput(
                {section.name: f"row {number} has unknown fields {sorted(unknown)}."}
            )
        values: dict[str, Any] = dict.fromkeys(section.drop)
        values.update(row)
        if section.owner == "workspace_id":
            values["workspace_id"] = 0  # set to the new workspace when inserted
        if section.keyed:
            local_ids.append(_local_id(row.get("id"), where))
        checked.append(_validated(section.model, {**values, "id": None}, where))
    if len(set(local_ids)) != len(local_ids):
        raise InvalidInput({section.name: "have repeated ids."})
    return CheckedSection(section, checked, local_ids)


def _file_columns(section: Section) -> set[str]:
    table = section.model.__table__  # type: ignore[attr-defined]
    names = {column.name for column in table.columns} - set(section.drop)
    if section.owner == "workspace_id":
        names.discard("workspace_id")
    if not section.keyed:
        names.discard("id")
    return names


def _local_id(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidInput({"export": f"{where}: id must be a positive whole number."})
    return value


def _validated(model: type[SQLModel], values: dict[str, Any], where: str) -> dict[str, Any]:
    """`values` checked by the model's own field rules, with dates and enums parsed."""
    try:
        row = _row_model(model).model_validate(values)
    except ValidationError as error:
        problems = "; ".join(f"{k} {m}" for k, m in friendly_validation_errors(error).items())
        raise InvalidInput({"export": f"{where}: {problems}"}) from error
    return row.model_dump()


@cache
def _row_model(model: type[SQLModel]) -> type[BaseModel]:
    """A plain pydantic model with the table's fields and rules.

    Validating through the table model itself builds an ORM object per row, three quarters
    of a big restore's time; the rules are the same fields' own, so the checks are too.
    """
    fields: dict[str, Any] = {
        name: (info.annotation, info) for name, info in model.model_fields.items()
    }
    return create_model(f"{model.__name__}Row", **fields)


def _check_references(sections: dict[str, CheckedSection]) -> None:
    """Every foreign key in the file must name a row that is in the file."""
    known = {name: set(checked.local_ids) for name, checked in sections.items()}
    for checked in sections.values():
        for number, row in enumerate(checked.rows, start=1):
            for column, target in checked.section.refs.items():
                _check_reference(
                    row.get(column), known[target], checked.section.name, number, column, target
                )
            if checked.section.model is Revision:
                _check_revision_entity(row, known, number)


def _check_reference(
    value: Any, known: set[int], section: str, number: int, column: str, target: str
) -> None:
    if value is not None and value not in known:
        raise InvalidInput(
            {"export": f"{section} row {number}: {column} {value} is not among the {target}."}
        )


def _check_revision_entity(row: dict[str, Any], known: dict[str, set[int]], number: int) -> None:
    if row["entity_id"] is None:
        return
    target = REVISION_ENTITIES.get(row["entity"])
    if target is None:
        raise InvalidInput(
            {"export": f"revisions row {number}: entity “{row['entity']}” is not known."}
        )
    _check_reference(row["entity_id"], known[target], "revisions", number, "entity_id", target)


def _stage_restore(
    session: Session,
    actor: Actor,
    workspace_data: dict[str, Any],
    sections: dict[str, CheckedSection],
) -> Workspace:
    """Add the workspace and every row to the session in one transaction; no commit."""
    workspace = stage_workspace(
        session, actor, WorkspaceCreate(name=workspace_data["name"], slug=workspace_data["slug"])
    )
    # Kept as exported, so that a re-export of the restored workspace is identical.
    workspace.name = workspace_data["name"]
    for name in ("version", "created_at", "updated_at"):
        setattr(workspace, name, workspace_data[name])
    session.flush()
    db_ids: dict[str, dict[int, int]] = {}
    for checked in sections.values():
        rows = [_with_db_ids(checked, row, db_ids, workspace.id) for row in checked.rows]  # type: ignore[arg-type]
        if checked.section.keyed:
            db_ids[checked.section.name] = _insert_keyed(session, checked, rows)
        else:
            _insert_bulk(session, checked.section.model, rows)
    _restore_plan_copies(session, sections["plans"], db_ids)
    # Derived from the scores just inserted, not exported: built here, as a recompute would.
    refresh_latest_scores(session, list(db_ids.get("accounts", {}).values()))
    return workspace


def _with_db_ids(
    checked: CheckedSection,
    row: dict[str, Any],
    db_ids: dict[str, dict[int, int]],
    workspace_id: int,
) -> dict[str, Any]:
    values = {k: v for k, v in row.items() if k != "id"}
    if checked.section.owner == "workspace_id":
        values["workspace_id"] = workspace_id
    for column, target in checked.section.refs.items():
        if column == "copied_from_plan_id":
            values[column] = None  # linked once every plan exists: see _restore_plan_copies
        elif values.get(column) is not None:
            values[column] = db_ids[target][values[column]]
    if checked.section.model is Revision and values["entity_id"] is not None:
        values["entity_id"] = db_ids[REVISION_ENTITIES[values["entity"]]][values["entity_id"]]
    return values


def _insert_keyed(
    session: Session, checked: CheckedSection, rows: list[dict[str, Any]]
) -> dict[int, int]:
    """Insert rows one by one, in the file's order, and map each file id to its new id."""
    mapping = {}
    for local_id, values in zip(checked.local_ids, rows, strict=True):
        # Row by row, so new ids rise in the file's order and a re-export lists them the same.
        insert = sa.insert(checked.section.model.__table__).values(**values)  # type: ignore[attr-defined]
        mapping[local_id] = int(session.execute(insert).inserted_primary_key[0])  # type: ignore[index]
    return mapping


def _insert_bulk(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    for chunk in _chunks(rows, INSERT_CHUNK):
        session.execute(sa.insert(model.__table__), chunk)  # type: ignore[attr-defined]


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _restore_plan_copies(
    session: Session, plans: CheckedSection, db_ids: dict[str, dict[int, int]]
) -> None:
    """Link each copied plan to its source, now that every plan has its new id."""
    mapping = db_ids.get("plans", {})
    table = Plan.__table__  # type: ignore[attr-defined]
    for local_id, row in zip(plans.local_ids, plans.rows, strict=True):
        source = row.get("copied_from_plan_id")
        if source is not None:
            session.execute(
                sa.update(table)
                .where(table.c.id == mapping[local_id])
                .values(copied_from_plan_id=mapping[source])
            )


# ---------------------------------------------------------------- files


def write_export(data: dict[str, Any], path: str | Path) -> None:
    """Write an export as UTF-8 JSON with its checksum, readable by people and `read_export`."""
    path = Path(path)
    content = {key: value for key, value in data.items() if key != CHECKSUM}
    try:
        path.write_text(export_text(content), encoding="utf-8")
    except OSError as error:
        raise SocialPlanError(f"Could not write {path}: {error.strerror or error}.") from error


def export_text(content: dict[str, Any]) -> str:
    """The file's text: the header a field a line, then each section a row a line.

    One row a line reads well in a text editor and a diff, and lets the C JSON encoder
    write each row (an indented dump falls back to the pure-Python one, several times
    slower on a big workspace).
    """
    parts = []
    for key, value in _with_checksum(content).items():
        name = json.dumps(key)
        if isinstance(value, list) and value:
            rows = ",\n".join(f"  {_compact(row)}" for row in value)
            parts.append(f" {name}: [\n{rows}\n ]")
        else:
            parts.append(f" {name}: {_compact(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def read_export(path: str | Path) -> dict[str, Any]:
    """An export read back from a file; a clear error when it is missing, not JSON or damaged."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise SocialPlanError(f"There is no file {path}.") from error
    except UnicodeDecodeError as error:
        raise SocialPlanError(f"{path} is not a text file, so not a Social Plan export.") from error
    except OSError as error:
        raise SocialPlanError(f"Could not read {path}: {error.strerror or error}.") from error
    return parse_export(text, str(path))


def parse_export(text: str, name: str = "The export") -> dict[str, Any]:
    """An export parsed from JSON text, its checksum checked and taken off."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SocialPlanError(
            f"{name} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}); "
            "it may have been cut short or damaged."
        ) from error
    except RecursionError as error:
        raise SocialPlanError(f"{name} is nested too deeply to be a Social Plan export.") from error
    except ValueError as error:  # e.g. a number of thousands of digits, which Python refuses
        raise SocialPlanError(
            f"{name} is not a Social Plan export: it cannot be read as JSON ({error})."
        ) from error
    if not isinstance(data, dict):
        raise SocialPlanError(f"{name} is not a Social Plan export.")
    if CHECKSUM in data and not _is_newer(data):
        _verify_checksum(data, name)
    return {key: value for key, value in data.items() if key != CHECKSUM}


def _with_checksum(content: dict[str, Any]) -> dict[str, Any]:
    """`content` with its checksum after the header, where a reader of the file sees it."""
    checksum = _checksum(content)
    signed: dict[str, Any] = {}
    for key, value in content.items():
        if key == "workspace":
            signed[CHECKSUM] = checksum
        signed[key] = value
    signed.setdefault(CHECKSUM, checksum)
    return signed


def _checksum(content: dict[str, Any]) -> str:
    """SHA-256 of the content as canonical JSON: the same however the file is laid out."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _is_newer(data: dict[str, Any]) -> bool:
    """A file from a newer Social Plan: its checksum may be made differently; the restore
    refuses it by its version, with the message that says to update."""
    version = data.get("version")
    return isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION


def _verify_checksum(data: dict[str, Any], name: str) -> None:
    written = data[CHECKSUM]
    content = {key: value for key, value in data.items() if key != CHECKSUM}
    if not isinstance(written, str) or not CHECKSUM_PATTERN.fullmatch(written):
        raise SocialPlanError(f"{name} is damaged: its checksum is not one Social Plan writes.")
    if _checksum(content) != written:
        raise SocialPlanError(
            f"{name} is damaged: its content does not match the checksum written with it "
            "(a changed byte, or an edit by hand). Nothing was restored; use an undamaged copy."
        )
