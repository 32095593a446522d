"""Who does what: the RACI matrix of people × objectives and tasks, and each person's time load.

A task's owner is its "responsible" person. The matrix shows the owner as R on the task,
and saving an R on a task makes that person its owner (through `stage_task_update`, so
the change is versioned and recorded like any other task change).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd
from sqlmodel import Session, col, select

from socialplan.access import Actor, require_plan
from socialplan.errors import Conflict, InvalidInput
from socialplan.models import (
    Objective,
    Person,
    Plan,
    RaciRole,
    Responsibility,
    Role,
    Task,
    TaskStatus,
)
from socialplan.people import format_minutes, list_people
from socialplan.services import stage_row_lock
from socialplan.tasks import is_open, stage_task_update, weekly_minutes

TargetKind = Literal["objective", "task"]
CellKey = tuple[int, str, int]
"""(person_id, "objective" | "task", target_id): one cell of the matrix."""

ROLE_LETTERS = {
    RaciRole.RESPONSIBLE: "R",
    RaciRole.ACCOUNTABLE: "A",
    RaciRole.CONSULTED: "C",
    RaciRole.INFORMED: "I",
}
LETTER_ROLES = {letter: role for role, letter in ROLE_LETTERS.items()}
ROLE_MEANINGS = {
    RaciRole.RESPONSIBLE: "does the work (for a task: its owner)",
    RaciRole.ACCOUNTABLE: "answers for the result — exactly one person per objective",
    RaciRole.CONSULTED: "is asked before decisions",
    RaciRole.INFORMED: "is told how it goes",
}
ITEM_COLUMN = "Objective or task"
MATRIX_CONFLICT = "The responsibility matrix"
OWNER_CHANGE_REASON = "Changed in the responsibility matrix."


def person_column(person_id: int) -> str:
    """The matrix frame's column name for a person (names may change; ids do not)."""
    return f"person_{person_id}"


@dataclass(frozen=True)
class MatrixRow:
    """One row of the matrix: an objective, or a task under it."""

    kind: TargetKind
    target_id: int
    title: str

    @property
    def label(self) -> str:
        return f"🎯 {self.title}" if self.kind == "objective" else f"    ↳ {self.title}"


@dataclass(frozen=True)
class ResponsibilityMatrix:
    """The matrix as read: active people, live objectives and tasks, and each role held."""

    people: tuple[tuple[int, str], ...]
    rows: tuple[MatrixRow, ...]
    cells: dict[CellKey, RaciRole] = field(default_factory=dict)


@dataclass(frozen=True)
class PersonLoad:
    """A person's weekly time budget against the minutes their open tasks take."""

    person: Person
    budget_minutes: int
    committed_minutes: int
    over_budget: bool

    @property
    def left_minutes(self) -> int:
        """Budget minus committed: negative when over budget."""
        return self.budget_minutes - self.committed_minutes


# ---------------------------------------------------------------- reading


def _live_targets(session: Session, plan_id: int) -> tuple[list[Objective], list[Task]]:
    """The plan's active objectives, and their tasks that are not dropped, in order."""
    objectives = list(
        session.exec(
            select(Objective)
            .where(Objective.plan_id == plan_id, col(Objective.archived_at).is_(None))
            .order_by(Objective.position, Objective.id)
        )
    )
    tasks = list(
        session.exec(
            select(Task)
            .where(
                col(Task.objective_id).in_([o.id for o in objectives]),
                Task.status != TaskStatus.DROPPED,
            )
            .order_by(Task.position, Task.id)
        )
    )
    return objectives, tasks


def _current_cells(
    session: Session, people_ids: set[int], objectives: list[Objective], tasks: list[Task]
) -> dict[CellKey, RaciRole]:
    """The roles stored for these people and targets; a task's R always comes from its owner."""
    cells: dict[CellKey, RaciRole] = {}
    for row in _rows_in_scope(session, people_ids, objectives, tasks):
        if row.objective_id is not None:
            cells[(row.person_id, "objective", row.objective_id)] = RaciRole(row.role)
        elif row.task_id is not None and row.role != RaciRole.RESPONSIBLE:
            cells[(row.person_id, "task", row.task_id)] = RaciRole(row.role)
    for task in tasks:
        if task.owner_person_id in people_ids:
            cells[(task.owner_person_id, "task", task.id)] = RaciRole.RESPONSIBLE
    return cells


def _rows_in_scope(
    session: Session, people_ids: set[int], objectives: list[Objective], tasks: list[Task]
) -> list[Responsibility]:
    return list(
        session.exec(
            select(Responsibility).where(
                col(Responsibility.person_id).in_(people_ids),
                col(Responsibility.objective_id).in_([o.id for o in objectives])
                | col(Responsibility.task_id).in_([t.id for t in tasks]),
            )
        )
    )


def load_matrix(*, session: Session, actor: Actor, plan_id: int) -> ResponsibilityMatrix:
    """The plan's matrix: active people × active objectives with their non-dropped tasks."""
    plan = require_plan(session, actor, plan_id)
    people = list_people(session=session, actor=actor, workspace_id=plan.workspace_id)
    objectives, tasks = _live_targets(session, plan_id)
    rows: list[MatrixRow] = []
    for objective in objectives:
        rows.append(MatrixRow("objective", objective.id, objective.title))
        rows.extend(
            MatrixRow("task", t.id, t.title) for t in tasks if t.objective_id == objective.id
        )
    cells = _current_cells(session, {p.id for p in people}, objectives, tasks)
    return ResponsibilityMatrix(tuple((p.id, p.name) for p in people), tuple(rows), cells)


def matrix_frame(matrix: ResponsibilityMatrix) -> pd.DataFrame:
    """The matrix as a table: one row per objective or task, one column of letters per person."""
    data: dict[str, list[str | None]] = {ITEM_COLUMN: [row.label for row in matrix.rows]}
    for person_id, _ in matrix.people:
        data[person_column(person_id)] = [
            _letter(matrix.cells.get((person_id, row.kind, row.target_id))) for row in matrix.rows
        ]
    return pd.DataFrame(data, dtype=object)


def _letter(role: RaciRole | None) -> str | None:
    return ROLE_LETTERS[role] if role else None


def cells_from_frame(
    matrix: ResponsibilityMatrix, frame: pd.DataFrame
) -> dict[CellKey, RaciRole | None]:
    """Every cell of an edited matrix table, by position (the table's rows are fixed)."""
    cells: dict[CellKey, RaciRole | None] = {}
    for position, row in enumerate(matrix.rows):
        for person_id, _ in matrix.people:
            value = frame[person_column(person_id)].iloc[position]
            letter = None if value is None or pd.isna(value) else str(value).strip().upper()
            cells[(person_id, row.kind, row.target_id)] = LETTER_ROLES.get(letter or "")
    return cells


def matrix_digest(matrix: ResponsibilityMatrix) -> str:
    """A short fingerprint of the matrix, so an editor of it starts afresh when it changes."""
    cells = sorted((key, role.value) for key, role in matrix.cells.items())
    text = repr((matrix.people, matrix.rows, cells))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def unowned_tasks(matrix: ResponsibilityMatrix) -> list[MatrixRow]:
    """The matrix's tasks that nobody is responsible for (no owner on the team)."""
    owned = {
        target
        for (_, kind, target), role in matrix.cells.items()
        if role == RaciRole.RESPONSIBLE and kind == "task"
    }
    return [row for row in matrix.rows if row.kind == "task" and row.target_id not in owned]


def list_responsibilities(*, session: Session, actor: Actor, plan_id: int) -> list[Responsibility]:
    """Every role held on the plan's objectives and tasks (archived ones included)."""
    require_plan(session, actor, plan_id)
    objective_ids = select(Objective.id).where(Objective.plan_id == plan_id)
    task_ids = select(Task.id).where(col(Task.objective_id).in_(objective_ids))
    return list(
        session.exec(
            select(Responsibility)
            .where(
                col(Responsibility.objective_id).in_(objective_ids)
                | col(Responsibility.task_id).in_(task_ids)
            )
            .order_by(Responsibility.id)
        )
    )


def accountability_gaps(*, session: Session, actor: Actor, plan_id: int) -> list[Objective]:
    """The plan's active objectives that nobody is accountable for yet."""
    require_plan(session, actor, plan_id)
    objectives, _ = _live_targets(session, plan_id)
    held = set(
        session.exec(
            select(Responsibility.objective_id).where(
                col(Responsibility.objective_id).in_([o.id for o in objectives]),
                Responsibility.role == RaciRole.ACCOUNTABLE,
            )
        ).all()
    )
    return [o for o in objectives if o.id not in held]


# ---------------------------------------------------------------- saving


def save_responsibility_matrix(
    *,
    session: Session,
    actor: Actor,
    plan_id: int,
    cells: Mapping[CellKey, RaciRole | str | None],
    read_cells: Mapping[CellKey, RaciRole | str | None] | None = None,
) -> list[Responsibility]:
    """Replace the plan's roles with `cells` in one transaction.

    The replacement covers active people × active objectives and non-dropped tasks (what
    the matrix shows); roles of people who left and of dropped work stay as history. A cell
    left out or None holds no role. `read_cells`, when given, is the matrix the editor
    started from: if the stored roles differ from it, someone saved in between → Conflict.
    """
    plan = require_plan(session, actor, plan_id, Role.EDITOR)
    stage_row_lock(session, Plan, plan_id)
    people = {
        p.id: p.name
        for p in list_people(session=session, actor=actor, workspace_id=plan.workspace_id)
    }
    objectives, tasks = _live_targets(session, plan_id)
    wanted = _wanted_roles(cells, set(people), objectives, tasks)
    _check_single_holders(wanted, people, objectives, tasks)
    if read_cells is not None:
        current = _current_cells(session, set(people), objectives, tasks)
        if _normalized(read_cells) != current:
            raise Conflict(MATRIX_CONFLICT)
    _stage_owners(session, actor, plan, tasks, wanted, set(people))
    for row in _rows_in_scope(session, set(people), objectives, tasks):
        session.delete(row)
    # Deletes must reach the database before the inserts that may reuse the same cells.
    session.flush()
    for (person_id, kind, target_id), role in wanted.items():
        target = {"objective_id": target_id} if kind == "objective" else {"task_id": target_id}
        session.add(Responsibility(person_id=person_id, role=role, **target))
    session.commit()
    return list_responsibilities(session=session, actor=actor, plan_id=plan_id)


def _normalized(cells: Mapping[CellKey, RaciRole | str | None]) -> dict[CellKey, RaciRole]:
    return {key: RaciRole(role) for key, role in cells.items() if role}


def _wanted_roles(
    cells: Mapping[CellKey, RaciRole | str | None],
    people_ids: set[int],
    objectives: list[Objective],
    tasks: list[Task],
) -> dict[CellKey, RaciRole]:
    """The roles to store, after checking every cell names this plan's people and work."""
    targets = {("objective", o.id) for o in objectives} | {("task", t.id) for t in tasks}
    wanted: dict[CellKey, RaciRole] = {}
    for (person_id, kind, target_id), role in cells.items():
        # Ids come from the browser: a forged one must not reach another business's plan.
        if person_id not in people_ids or (kind, target_id) not in targets:
            raise InvalidInput(
                {
                    "matrix": "has a person, objective or task that is not part of this plan; "
                    "reload the page and try again."
                }
            )
        if not role:
            continue
        try:
            wanted[(person_id, kind, target_id)] = RaciRole(role)
        except ValueError:
            raise InvalidInput(
                {"matrix": f"has the role “{role}”; use R, A, C or I, or leave the cell empty."}
            ) from None
    return wanted


def _holders(wanted: dict[CellKey, RaciRole], role: RaciRole) -> dict[tuple[str, int], list[int]]:
    holders: dict[tuple[str, int], list[int]] = defaultdict(list)
    for (person_id, kind, target_id), held in wanted.items():
        if held == role:
            holders[(kind, target_id)].append(person_id)
    return holders


def _check_single_holders(
    wanted: dict[CellKey, RaciRole],
    people: dict[int, str],
    objectives: list[Objective],
    tasks: list[Task],
) -> None:
    """Refuse two accountable people on one objective or task, or two owners of one task."""
    titles = {("objective", o.id): o.title for o in objectives}
    titles.update({("task", t.id): t.title for t in tasks})

    def doubled(role: RaciRole, kinds: set[str]) -> list[str]:
        return [
            f"“{titles[target]}” has {join_names(sorted(people[p] for p in holders))}"
            for target, holders in _holders(wanted, role).items()
            if len(holders) > 1 and target[0] in kinds
        ]

    errors: dict[str, str] = {}
    if accountable := doubled(RaciRole.ACCOUNTABLE, {"objective", "task"}):
        errors["accountable"] = (
            "can be only one person for each objective and task: " + "; ".join(accountable) + "."
        )
    # Several people may do the work of an objective, but a task has one owner.
    if responsible := doubled(RaciRole.RESPONSIBLE, {"task"}):
        errors["responsible"] = (
            "can be only one person for each task, its owner: " + "; ".join(responsible) + "."
        )
    if errors:
        raise InvalidInput(errors)


def _stage_owners(
    session: Session,
    actor: Actor,
    plan: Plan,
    tasks: list[Task],
    wanted: dict[CellKey, RaciRole],
    people_ids: set[int],
) -> None:
    """Make each task's R its owner; an owner who left the team and has no R stays."""
    owners = {
        target_id: person_id
        for (person_id, kind, target_id), role in wanted.items()
        if kind == "task" and role == RaciRole.RESPONSIBLE
    }
    for task in tasks:
        owner = owners.get(task.id)
        if owner is None and task.owner_person_id not in people_ids:
            continue
        if owner != task.owner_person_id:
            stage_task_update(
                session,
                actor,
                task,
                plan,
                {"version": task.version, "owner_person_id": owner},
                reason=OWNER_CHANGE_REASON,
            )


def join_names(names: Iterable[str]) -> str:
    """Names joined in plain words: "Ana", "Ana and Ben", "Ana, Ben and Cy"."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


# ---------------------------------------------------------------- time load


def team_load(*, session: Session, actor: Actor, plan_id: int) -> list[PersonLoad]:
    """Each active person's weekly budget against the weekly minutes of the open tasks they own."""
    plan = require_plan(session, actor, plan_id)
    _, tasks = _live_targets(session, plan_id)
    committed: dict[int, int] = defaultdict(int)
    for task in tasks:
        if task.owner_person_id is not None and is_open(task):
            committed[task.owner_person_id] += weekly_minutes(task)
    return [
        PersonLoad(
            person=person,
            budget_minutes=person.weekly_budget_minutes,
            committed_minutes=committed[person.id],
            over_budget=committed[person.id] > person.weekly_budget_minutes,
        )
        for person in list_people(session=session, actor=actor, workspace_id=plan.workspace_id)
    ]


def team_hours_sentence(loads: list[PersonLoad]) -> str:
    """The team's weekly hours on social media against its budget, in plain words."""
    if not loads:
        return "Nobody is on the team yet, so no time is planned. Add the people who post below."
    committed = sum(load.committed_minutes for load in loads)
    budget = sum(load.budget_minutes for load in loads)
    team = "you" if len(loads) == 1 else f"your team of {len(loads)}"
    if committed == 0 and budget == 0:
        return (
            f"No time is planned yet. Give each person the hours a week they may spend on "
            f"social media, then give {team} tasks."
        )
    sentence = (
        f"{team.capitalize()} will spend {format_minutes(committed)} a week on social media, "
        f"out of a budget of {format_minutes(budget)}."
    )
    if committed > budget:
        sentence += (
            f" That is {format_minutes(committed - budget)} more than the budget: move, "
            "drop or shorten tasks, or raise a budget."
        )
    else:
        sentence += f" That leaves {format_minutes(budget - committed)} a week unplanned."
    over = [load.person.name for load in loads if load.over_budget]
    if over:
        sentence += f" Over their own budget: {join_names(over)}."
    return sentence


def load_table(loads: list[PersonLoad]) -> list[dict[str, str]]:
    """Rows for a table of each person's budget, committed time and whether it fits."""
    return [
        {
            "Person": load.person.name,
            "Budget a week": format_minutes(load.budget_minutes),
            "Their tasks take": format_minutes(load.committed_minutes),
            "Check": (
                f"⚠️ Over budget by {format_minutes(-load.left_minutes)}"
                if load.over_budget
                else f"✅ Fits, {format_minutes(load.left_minutes)} to spare"
            ),
        }
        for load in loads
    ]


def over_budget_messages(loads: list[PersonLoad]) -> list[str]:
    """One plain sentence per person whose tasks take more than their weekly budget."""
    return [
        f"{load.person.name}'s tasks take {format_minutes(load.committed_minutes)} a week, "
        f"{format_minutes(-load.left_minutes)} more than their budget of "
        f"{format_minutes(load.budget_minutes)}. Give a task to someone else or raise the budget."
        for load in loads
        if load.over_budget
    ]
