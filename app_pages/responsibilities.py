"""Responsibilities (step 4): the team, who does what (R/A/C/I), and each person's time."""

from typing import Any

import streamlit as st
from sqlmodel import Session

from socialplan import people, responsibilities
from socialplan.access import Actor
from socialplan.models import TITLE_MAX, Person, Plan, Workspace
from socialplan.responsibilities import ITEM_COLUMN, ROLE_LETTERS, ROLE_MEANINGS, CellKey
from socialplan.ui.context import (
    db_session,
    may_edit,
    require_plan_context,
    show_read_only_notice,
)
from socialplan.ui.feedback import (
    attempt,
    field_error,
    flash,
    pinned_version,
    redraw_if_refused,
    show_flash,
    show_refusal,
)

OBJECTIVES_PAGE = "app_pages/objectives.py"
TASKS_PAGE = "app_pages/tasks.py"
REVIEW_PAGE = "app_pages/review.py"
ADD_ERRORS = "responsibilities_add_errors"
MATRIX_ERRORS = "responsibilities_matrix_errors"
MATRIX_SEEN = "responsibilities_matrix_seen"
st.session_state.setdefault(ADD_ERRORS, {})
st.session_state.setdefault(MATRIX_ERRORS, {})


def read_version(person: Person) -> int:
    """The version of the person its edit form was drawn from (see feedback.pinned_version)."""
    return pinned_version(
        f"responsibilities_read_{person.id}",
        lambda version: f"responsibilities_edit_{person.id}_{version}_name",
        person.version,
    )


def person_fields(prefix: str, person: Person | None, errors: dict[str, str]) -> dict[str, Any]:
    """Name, email and weekly hours as widgets (inside the caller's form)."""
    name_column, email_column, hours_column = st.columns([2, 2, 1])
    with name_column:
        name = st.text_input(
            "Name",
            value=person.name if person else "",
            max_chars=TITLE_MAX,
            placeholder="Rosa",
            key=f"{prefix}_name",
        )
        field_error(errors, "name", "Name")
    with email_column:
        email = st.text_input(
            "Email (optional)",
            value=(person.email or "") if person else "",
            key=f"{prefix}_email",
        )
        field_error(errors, "email", "Email")
    with hours_column:
        hours = st.number_input(
            "Hours a week",
            value=people.minutes_to_hours(person.weekly_budget_minutes) if person else 2.0,
            step=0.5,
            help="The time this person may spend on social media for the business each week.",
            key=f"{prefix}_hours",
        )
        field_error(errors, "weekly_budget_minutes", "Hours a week")
    return {"name": name, "email": email, "weekly_budget_minutes": people.hours_to_minutes(hours)}


def render_team(team: list[Person], editable: bool) -> None:
    st.header("Your team", anchor=False)
    if team:
        st.dataframe(people.person_table(team), hide_index=True)
    else:
        advice = (
            " Add yourself and everyone who posts for the business, with the hours a week "
            "each may spend on social media."
        )
        st.info(f"Nobody is on the team yet.{advice if editable else ''}", icon="👥")


def render_team_forms(
    session: Session, actor: Actor, workspace: Workspace, team: list[Person]
) -> None:
    """The form that adds a person, and each person's change form."""
    errors = st.session_state[ADD_ERRORS]
    with st.form("responsibilities_add_form", clear_on_submit=False):
        st.subheader("Add a person", anchor=False)
        show_refusal(errors)
        values = person_fields("responsibilities_new", None, errors)
        if st.form_submit_button("Add to the team", type="primary", key="responsibilities_add"):
            created = attempt(
                lambda: people.create_person(
                    session=session, actor=actor, workspace_id=workspace.id, person_create=values
                ),
                ADD_ERRORS,
            )
            if created:
                flash(f"{created.name} is on the team. Give them roles in the matrix below.")
                st.rerun()
            redraw_if_refused(ADD_ERRORS)
    for person in team:
        render_person_edit(session, actor, person)


def render_person_edit(session: Session, actor: Actor, person: Person) -> None:
    errors_key = f"responsibilities_edit_errors_{person.id}"
    errors = st.session_state.setdefault(errors_key, {})
    seen_version = read_version(person)
    # Keys carry the version read, so the form is drawn afresh once that version moves on.
    prefix = f"responsibilities_edit_{person.id}_{seen_version}"
    with st.expander(f"Change {person.name}", expanded=bool(errors)):
        with st.form(f"{prefix}_form"):
            show_refusal(errors)
            values = person_fields(prefix, person, errors)
            if st.form_submit_button("Save changes", key=f"{prefix}_save"):
                outcome = attempt(
                    lambda: people.update_person(
                        session=session,
                        actor=actor,
                        person_id=person.id,
                        person_update={**values, "version": seen_version},
                    ),
                    errors_key,
                )
                after_person_save(person, outcome, errors_key, "saved")
        st.caption(
            "Taking someone off the team frees their open tasks and roles in this plan; "
            "finished work still shows who did it."
        )
        if st.button(f"Take {person.name} off the team", key=f"{prefix}_archive"):
            outcome = attempt(
                lambda: people.archive_person(
                    session=session, actor=actor, person_id=person.id, version=seen_version
                ),
                errors_key,
            )
            after_person_save(person, outcome, errors_key, "taken off the team")


def after_person_save(
    person: Person, outcome: Person | None, errors_key: str, what_happened: str
) -> None:
    if outcome is None and st.session_state[errors_key]:
        st.rerun()
    # Saved or refused as a whole (changed by someone else): show the stored person next time.
    st.session_state.pop(f"responsibilities_read_{person.id}", None)
    if outcome is not None:
        flash(f"{outcome.name} {what_happened}.")
        st.rerun()


def cells_seen(current: dict[CellKey, Any]) -> dict[CellKey, Any]:
    """The matrix shown on the previous run: what the user read before clicking Save."""
    seen = st.session_state.get(MATRIX_SEEN, current)
    st.session_state[MATRIX_SEEN] = current
    return seen


def render_matrix(
    session: Session, actor: Actor, plan: Plan, team: list[Person], editable: bool
) -> None:
    st.header("Who does what", anchor=False)
    st.markdown(
        "\n".join(
            f"- **{ROLE_LETTERS[role]}** — {role.value.capitalize()}: {meaning}"
            for role, meaning in ROLE_MEANINGS.items()
        )
    )
    matrix = responsibilities.load_matrix(session=session, actor=actor, plan_id=plan.id)
    if not matrix.rows:
        st.info("Roles are given on objectives and tasks, and this plan has no objectives yet.")
        st.page_link(OBJECTIVES_PAGE, label="Go to step 1, Objectives", icon="🎯")
        return
    if not team:
        st.info(
            "Add people above, then give each of them a role here."
            if editable
            else "Nobody is on the team yet, so nobody has a role."
        )
        return
    names = dict(matrix.people)
    column_config: dict[str, Any] = {
        ITEM_COLUMN: st.column_config.TextColumn(ITEM_COLUMN, disabled=True, width="large")
    }
    for person_id, name in names.items():
        column_config[responsibilities.person_column(person_id)] = st.column_config.SelectboxColumn(
            name, options=list(ROLE_LETTERS.values()), required=False
        )
    if editable:
        render_matrix_editor(session, actor, plan, matrix, column_config)
    else:
        st.dataframe(
            responsibilities.matrix_frame(matrix),
            column_config=column_config,
            hide_index=True,
            key="responsibilities_matrix",
        )
    render_matrix_gaps(session, actor, plan, matrix)


def render_matrix_editor(
    session: Session,
    actor: Actor,
    plan: Plan,
    matrix: responsibilities.ResponsibilityMatrix,
    column_config: dict[str, Any],
) -> None:
    """The matrix as an editable table, with its Save button and the messages of a refusal."""
    seen = cells_seen(matrix.cells)
    st.caption(
        "Pick a letter in each person's column. A task's R is its owner; exactly one A per "
        "objective. Then press Save."
    )
    # The editor starts afresh whenever the stored matrix changes (Streamlit keys it by data).
    edited = st.data_editor(
        responsibilities.matrix_frame(matrix),
        column_config=column_config,
        hide_index=True,
        num_rows="fixed",
        key="responsibilities_matrix",
    )
    errors = st.session_state[MATRIX_ERRORS]
    field_error(errors, "accountable", "Accountable")
    field_error(errors, "responsible", "Responsible")
    field_error(errors, "matrix", "The matrix")
    if st.button("Save responsibilities", type="primary", key="responsibilities_save"):
        saved = attempt(
            lambda: responsibilities.save_responsibility_matrix(
                session=session,
                actor=actor,
                plan_id=plan.id,
                cells=responsibilities.cells_from_frame(matrix, edited),
                read_cells=seen,
            ),
            MATRIX_ERRORS,
        )
        if saved is not None:
            flash("Responsibilities saved.")
            st.rerun()
        redraw_if_refused(MATRIX_ERRORS)


def render_matrix_gaps(
    session: Session, actor: Actor, plan: Plan, matrix: responsibilities.ResponsibilityMatrix
) -> None:
    gaps = responsibilities.accountability_gaps(session=session, actor=actor, plan_id=plan.id)
    for objective in gaps:
        st.warning(
            f"Nobody is accountable for “{objective.title}” yet: put an A in one person's column.",
            icon="🎯",
        )
    unowned = responsibilities.unowned_tasks(matrix)
    if unowned:
        st.warning(
            f"{len(unowned)} task(s) have nobody doing them: "
            f"{responsibilities.join_names(f'“{row.title}”' for row in unowned)}. "
            "Put an R in one person's column.",
            icon="🙋",
        )
    if not gaps and not unowned:
        st.success("Every objective has one accountable person and every task an owner.")


def render_time(session: Session, actor: Actor, plan: Plan, editable: bool) -> None:
    st.header("Time each week", anchor=False)
    loads = responsibilities.team_load(session=session, actor=actor, plan_id=plan.id)
    st.info(responsibilities.team_hours_sentence(loads), icon="⏱️")
    if not loads:
        return
    st.dataframe(responsibilities.load_table(loads), hide_index=True)
    for message in responsibilities.over_budget_messages(loads):
        st.warning(message, icon="⚠️")
    st.caption(
        "Counted: the open tasks each person owns, spread over an ordinary week (a monthly "
        "task counts a twelfth of a year's weeks). One-off tasks are not counted — they do "
        "not repeat — and show on the Tasks page in the week they fall due."
    )
    if editable:
        st.page_link(TASKS_PAGE, label="Change tasks or owners on step 3, Tasks", icon="📝")


st.title("Responsibilities")
show_flash()
with db_session() as session:
    actor, workspace, plan = require_plan_context(session)
    editable = may_edit(session, actor, workspace)
    st.caption(
        "Step 4 of 5 · Who is on the team, who does each task, who answers for each "
        "objective, and the hours a week each person may spend."
    )
    if not editable:
        show_read_only_notice()
    team = people.list_people(session=session, actor=actor, workspace_id=workspace.id)
    render_team(team, editable)
    if editable:
        render_team_forms(session, actor, workspace, team)
    render_matrix(session, actor, plan, team, editable)
    render_time(session, actor, plan, editable)
st.divider()
st.page_link(REVIEW_PAGE, label="Next: step 5, Review", icon="➡️")
