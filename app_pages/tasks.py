"""Tasks (step 3): the work that serves each objective, this week's tasks and what is overdue."""

from datetime import date
from typing import Any

import streamlit as st
from sqlmodel import Session

from socialplan import people, tasks
from socialplan.access import Actor
from socialplan.models import TITLE_MAX, Cadence, Objective, Person, Plan, Task, TaskStatus
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
RESPONSIBILITIES_PAGE = "app_pages/responsibilities.py"
ADD_ERRORS = "tasks_add_errors"
CADENCES = list(Cadence)
STATUSES = list(TaskStatus)
st.session_state.setdefault(ADD_ERRORS, {})


def read_version(task: Task) -> int:
    """The version of the task its edit form was drawn from (see feedback.pinned_version)."""
    return pinned_version(
        f"tasks_read_{task.id}",
        lambda version: f"tasks_edit_{task.id}_{version}_title",
        task.version,
    )


def task_fields(
    prefix: str, task: Task | None, team: list[Person], errors: dict[str, str]
) -> dict[str, Any]:
    """The task's fields as widgets (inside the caller's form), each with its error below."""
    owners: list[int | None] = [None, *(p.id for p in team)]
    names = {p.id: p.name for p in team}
    title = st.text_input(
        "What needs doing?",
        value=task.title if task else "",
        max_chars=TITLE_MAX,
        placeholder="Post a photo of the morning bake",
        key=f"{prefix}_title",
    )
    field_error(errors, "title", "Title")
    how_often, minutes_column = st.columns(2)
    with how_often:
        cadence = st.selectbox(
            "How often",
            CADENCES,
            index=CADENCES.index(Cadence(task.cadence)) if task else CADENCES.index(Cadence.WEEKLY),
            format_func=tasks.CADENCE_LABELS.__getitem__,
            key=f"{prefix}_cadence",
        )
        field_error(errors, "cadence", "How often")
    with minutes_column:
        minutes = st.number_input(
            "Minutes each time",
            value=task.minutes if task else 30,
            step=5,
            key=f"{prefix}_minutes",
        )
        field_error(errors, "minutes", "Minutes each time")
    due_column, times_column = st.columns(2)
    with due_column:
        due_date = st.date_input(
            "Due date (one-off tasks only)",
            value=task.due_date if task else None,
            key=f"{prefix}_due_date",
        )
        field_error(errors, "due_date", "Due date")
    with times_column:
        times_per_week = st.number_input(
            "Times per week (weekly tasks only)",
            value=task.times_per_week if task else 1,
            step=1,
            key=f"{prefix}_times_per_week",
        )
        field_error(errors, "times_per_week", "Times per week")
    owner_column, status_column = st.columns(2)
    with owner_column:
        owner = st.selectbox(
            "Who does it",
            owners,
            index=owners.index(task.owner_person_id)
            if task and task.owner_person_id in owners
            else 0,
            format_func=lambda i: "Nobody yet" if i is None else names[i],
            key=f"{prefix}_owner",
        )
        field_error(errors, "owner_person_id", "Who does it")
    with status_column:
        status = st.selectbox(
            "Status",
            STATUSES,
            index=STATUSES.index(TaskStatus(task.status)) if task else 0,
            format_func=tasks.STATUS_LABELS.__getitem__,
            key=f"{prefix}_status",
        )
        field_error(errors, "status", "Status")
    return tasks.fields_for_cadence(
        {
            "title": title,
            "cadence": cadence,
            "due_date": due_date,
            "times_per_week": times_per_week,
            "minutes": minutes,
            "owner_person_id": owner,
            "status": status,
        }
    )


def render_week(
    all_tasks: list[Task], titles: dict[int, str], names: dict[int, str], editable: bool
) -> None:
    today = date.today()
    monday, sunday = tasks.week_of(today)
    st.header(f"This week · {monday:%a %d %b} – {sunday:%a %d %b}", anchor=False)
    this_week = tasks.tasks_this_week(all_tasks, today)
    if this_week:
        st.dataframe(
            tasks.task_table(this_week, objective_titles=titles, owner_names=names),
            hide_index=True,
        )
    else:
        st.caption("Nothing to do this week yet." + (" Add a task below." if editable else ""))
    overdue = tasks.overdue_tasks(all_tasks, today)
    if overdue:
        st.subheader("Overdue", anchor=False)
        what_next = " Mark them done, give them a new date, or drop them below." if editable else ""
        st.warning(f"{len(overdue)} one-off task(s) passed their due date.{what_next}", icon="⏰")
        st.dataframe(
            tasks.task_table(overdue, objective_titles=titles, owner_names=names),
            hide_index=True,
        )
    else:
        st.caption("Nothing is overdue.")


def render_add_form(
    session: Session, actor: Actor, objectives: list[Objective], team: list[Person]
) -> None:
    st.header("Add a task", anchor=False)
    titles = {o.id: o.title for o in objectives}
    errors = st.session_state[ADD_ERRORS]
    with st.form("tasks_add_form"):
        show_refusal(errors)
        objective_id = st.selectbox(
            "Which objective does it serve?",
            list(titles),
            format_func=titles.__getitem__,
            key="tasks_new_objective",
        )
        field_error(errors, "objective", "Objective")
        values = task_fields("tasks_new", None, team, errors)
        if st.form_submit_button("Add the task", type="primary", key="tasks_new_save"):
            created = attempt(
                lambda: tasks.create_task(
                    session=session, actor=actor, objective_id=objective_id, task_create=values
                ),
                ADD_ERRORS,
            )
            if created:
                flash(f"Task “{created.title}” added.")
                st.rerun()
            redraw_if_refused(ADD_ERRORS)


def render_edit(session: Session, actor: Actor, task: Task, team: list[Person]) -> None:
    """A task's edit form and drop button, in a collapsed section drawn only while open.

    A plan with dozens of tasks built as many hidden forms on every run; now opening the
    section reruns the page and draws the form from the stored task (see `read_version`).
    It opens by itself to show a refused save's messages.
    """
    errors_key = f"tasks_edit_errors_{task.id}"
    errors = st.session_state.setdefault(errors_key, {})
    section = st.expander(
        f"Change “{task.title}”",
        expanded=bool(errors),
        key=f"tasks_edit_{task.id}_open",
        on_change="rerun",
    )
    if not section.open:
        return
    seen_version = read_version(task)
    # Keys carry the version read, so the form is drawn afresh once that version moves on.
    prefix = f"tasks_edit_{task.id}_{seen_version}"
    with section:
        with st.form(f"{prefix}_form"):
            show_refusal(errors)
            values = task_fields(prefix, task, team, errors)
            if st.form_submit_button("Save changes", key=f"{prefix}_save"):
                save_task(session, actor, task, {**values, "version": seen_version}, errors_key)
        dropped = TaskStatus(task.status) == TaskStatus.DROPPED
        label = "Bring it back" if dropped else "Drop this task"
        if st.button(label, key=f"{prefix}_drop"):
            status = TaskStatus.TODO if dropped else TaskStatus.DROPPED
            save_task(session, actor, task, {"version": seen_version, "status": status}, errors_key)


def save_task(
    session: Session, actor: Actor, task: Task, changes: dict[str, Any], errors_key: str
) -> None:
    saved = attempt(
        lambda: tasks.update_task(
            session=session, actor=actor, task_id=task.id, task_update=changes
        ),
        errors_key,
    )
    if saved is None and not st.session_state[errors_key]:
        # Refused as a whole (changed by someone else): show the stored task next time.
        st.session_state.pop(f"tasks_read_{task.id}", None)
    if saved:
        st.session_state.pop(f"tasks_read_{task.id}", None)
        flash(f"Task “{saved.title}” saved ({tasks.STATUS_LABELS[TaskStatus(saved.status)]}).")
        st.rerun()
    redraw_if_refused(errors_key)


def render_groups(
    session: Session,
    actor: Actor,
    groups: list[tuple[Objective, list[Task]]],
    team: list[Person],
    names: dict[int, str],
    editable: bool,
) -> None:
    st.header("Tasks by objective", anchor=False)
    for objective, group in groups:
        with st.container(border=True):
            st.subheader(f"🎯 {objective.title}", anchor=False)
            if not group:
                advice = " What would move this objective's metrics? Add it above."
                st.caption(f"No tasks yet.{advice if editable else ''}")
                continue
            st.dataframe(
                tasks.task_table(group, objective_titles={}, owner_names=names),
                hide_index=True,
                column_order=["Task", "How often", "Time", "Owner", "Status"],
            )
            if not editable:
                continue
            for task in group:
                render_edit(session, actor, task, team)


def render(session: Session, actor: Actor, plan: Plan, editable: bool) -> None:
    groups = tasks.tasks_by_objective(session=session, actor=actor, plan_id=plan.id)
    if not groups:
        st.info("Tasks serve objectives, and this plan has none yet. Start with step 1.")
        st.page_link(OBJECTIVES_PAGE, label="Go to step 1, Objectives", icon="🎯")
        return
    team = people.list_people(session=session, actor=actor, workspace_id=plan.workspace_id)
    # Done tasks may still name someone who has left; the tables should say who it was.
    everyone = people.list_people(
        session=session, actor=actor, workspace_id=plan.workspace_id, include_archived=True
    )
    names = {p.id: p.name for p in everyone}
    titles = {o.id: o.title for o, _ in groups}
    all_tasks = [t for _, group in groups for t in group]
    if not team and editable:
        st.info(
            "Every task needs someone to do it. Owners are the people on your team, whom you "
            "add on step 4 — until then, save tasks with “Nobody yet”.",
            icon="👥",
        )
        st.page_link(RESPONSIBILITIES_PAGE, label="Add people on step 4, Responsibilities")
    render_week(all_tasks, titles, names, editable)
    if editable:
        render_add_form(session, actor, [o for o, _ in groups], team)
    render_groups(session, actor, groups, team, names, editable)
    st.divider()
    st.page_link(RESPONSIBILITIES_PAGE, label="Next: step 4, Responsibilities", icon="➡️")


st.title("Tasks")
show_flash()
with db_session() as session:
    actor, workspace, plan = require_plan_context(session)
    editable = may_edit(session, actor, workspace)
    st.caption(
        "Step 3 of 5 · List the work that moves your metrics: what, how often, how long, "
        "and who does it. One-off tasks need a due date inside the plan period."
    )
    if not editable:
        show_read_only_notice()
    render(session, actor, plan, editable)
