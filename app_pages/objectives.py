"""Objectives, step 1 of the plan: what the business wants from social media, and why."""

import streamlit as st

from socialplan import objectives
from socialplan.models import Objective, ObjectiveCategory, Priority
from socialplan.objectives import CATEGORY_LABELS, PRIORITY_LABELS
from socialplan.text import literal_markdown, markdown_paragraphs
from socialplan.ui.context import (
    db_session,
    may_edit,
    require_plan_context,
    show_read_only_notice,
)
from socialplan.ui.feedback import field_error, run_save, show_flash

METRICS_PAGE = "app_pages/metrics.py"
ADD_ERRORS = "objectives_add_errors"
ADD_FIELDS = ("objectives_title", "objectives_why", "objectives_category", "objectives_priority")
CATEGORIES = list(ObjectiveCategory)
PRIORITIES = list(Priority)
st.session_state.setdefault(ADD_ERRORS, {})


def edit_key(objective_id: int, field: str) -> str:
    """The widget key of a field of one objective's card."""
    return f"objectives_edit_{objective_id}_{field}"


def version_read(objective: Objective) -> int:
    """The version the user has on screen: the one its edit form was filled from."""
    key = edit_key(objective.id, "version")
    if edit_key(objective.id, "title") not in st.session_state:
        # The edit form is about to be filled afresh from the stored row.
        st.session_state[key] = objective.version
    return st.session_state.setdefault(key, objective.version)


def forget_version(objective_id: int) -> None:
    """After the user's own change, show (and carry) the stored version again."""
    st.session_state.pop(edit_key(objective_id, "version"), None)


# Saves run in the buttons' callbacks, before the page is drawn, so a refused save shows
# each message under its own field in the very run that follows the click.


def add_objective(plan_id: int) -> None:
    """Save the add form as a new objective; clear the form when it worked."""
    state = st.session_state
    form = {
        "title": state["objectives_title"],
        "why": state["objectives_why"],
        "category": state["objectives_category"],
        "priority": state["objectives_priority"],
    }
    saved = run_save(
        lambda **kw: objectives.create_objective(**kw, plan_id=plan_id, objective_create=form),
        ADD_ERRORS,
        f"Objective “{form['title'].strip()}” added. Add another, or give it metrics in step 2.",
    )
    if saved:
        for key in ADD_FIELDS:
            del state[key]


def save_objective(objective_id: int) -> None:
    """Save an objective's edit form, carrying the version it was filled from."""
    state = st.session_state
    update = {
        "version": state[edit_key(objective_id, "version")],
        "title": state[edit_key(objective_id, "title")],
        "why": state[edit_key(objective_id, "why")],
        "category": state[edit_key(objective_id, "category")],
        "priority": state[edit_key(objective_id, "priority")],
    }
    if run_save(
        lambda **kw: objectives.update_objective(
            **kw, objective_id=objective_id, objective_update=update
        ),
        edit_key(objective_id, "errors"),
        "Objective saved.",
    ):
        forget_version(objective_id)


def move(objective_id: int, offset: int) -> None:
    """Move an objective one place up (-1) or down (+1)."""
    run_save(
        lambda **kw: objectives.move_objective(**kw, objective_id=objective_id, offset=offset),
        edit_key(objective_id, "errors"),
        "Order changed.",
    )


def set_archived(objective_id: int, archive: bool) -> None:
    """Archive or restore an objective, carrying the version on screen."""
    service = objectives.archive_objective if archive else objectives.restore_objective
    version = st.session_state[edit_key(objective_id, "version")]
    done = (
        "Objective archived. Its metrics and tasks leave the plan; restore it any time below."
        if archive
        else "Objective restored, at the end of the list."
    )
    if run_save(
        lambda **kw: service(**kw, objective_id=objective_id, version=version),
        edit_key(objective_id, "errors"),
        done,
    ):
        forget_version(objective_id)


def render_edit_form(objective: Objective, errors: dict[str, str]) -> None:
    """An objective's edit form, in a collapsed section."""
    with (
        st.expander("Edit", expanded=bool(errors)),
        st.form(edit_key(objective.id, "form")),
    ):
        st.text_input("Objective", value=objective.title, key=edit_key(objective.id, "title"))
        field_error(errors, "title", "Objective")
        st.text_area("Why it matters", value=objective.why, key=edit_key(objective.id, "why"))
        field_error(errors, "why", "Why it matters")
        category_column, priority_column = st.columns(2)
        category_column.selectbox(
            "Kind of objective",
            CATEGORIES,
            index=CATEGORIES.index(ObjectiveCategory(objective.category)),
            format_func=CATEGORY_LABELS.__getitem__,
            key=edit_key(objective.id, "category"),
        )
        priority_column.selectbox(
            "Priority",
            PRIORITIES,
            index=PRIORITIES.index(Priority(objective.priority)),
            format_func=PRIORITY_LABELS.__getitem__,
            key=edit_key(objective.id, "priority"),
        )
        field_error(errors, "category", "Kind of objective")
        field_error(errors, "priority", "Priority")
        st.form_submit_button(
            "Save changes",
            key=edit_key(objective.id, "save"),
            on_click=save_objective,
            args=(objective.id,),
        )


def render_objective(objective: Objective, number: int, count: int, editable: bool) -> None:
    """One objective as a card: title, kind, priority, why, and (for editors) its buttons."""
    with st.container(border=True):
        st.markdown(f"**{number}. {literal_markdown(objective.title)}**")
        category = CATEGORY_LABELS[ObjectiveCategory(objective.category)]
        priority = PRIORITY_LABELS[Priority(objective.priority)]
        st.caption(f"{category} · {priority} priority")
        if objective.why:
            st.markdown(markdown_paragraphs(objective.why))
        if editable:
            render_objective_controls(objective, number, count)


def render_objective_controls(objective: Objective, number: int, count: int) -> None:
    """An objective's move, archive and edit controls."""
    version_read(objective)
    errors = st.session_state.get(edit_key(objective.id, "errors"), {})
    up, down, archive, _ = st.columns([1, 1, 1, 3])
    up.button(
        "Move up",
        key=edit_key(objective.id, "up"),
        disabled=number == 1,
        on_click=move,
        args=(objective.id, -1),
    )
    down.button(
        "Move down",
        key=edit_key(objective.id, "down"),
        disabled=number == count,
        on_click=move,
        args=(objective.id, 1),
    )
    archive.button(
        "Archive",
        key=edit_key(objective.id, "archive"),
        on_click=set_archived,
        args=(objective.id, True),
    )
    render_edit_form(objective, errors)


def render_add_form(plan_id: int, first: bool) -> None:
    """The form that adds an objective at the end of the list."""
    errors = st.session_state[ADD_ERRORS]
    st.subheader("Add your first objective" if first else "Add an objective")
    with st.form("objectives_add"):
        st.text_input(
            "Objective",
            key="objectives_title",
            placeholder="Fill the Saturday baking workshop every month",
        )
        field_error(errors, "title", "Objective")
        st.text_area(
            "Why it matters",
            key="objectives_why",
            placeholder="The workshop pays for the quiet weekdays.",
        )
        field_error(errors, "why", "Why it matters")
        category_column, priority_column = st.columns(2)
        category_column.selectbox(
            "Kind of objective",
            CATEGORIES,
            format_func=CATEGORY_LABELS.__getitem__,
            key="objectives_category",
            help="This decides which metrics the next step suggests.",
        )
        priority_column.selectbox(
            "Priority",
            PRIORITIES,
            index=PRIORITIES.index(Priority.MEDIUM),
            format_func=PRIORITY_LABELS.__getitem__,
            key="objectives_priority",
        )
        field_error(errors, "category", "Kind of objective")
        field_error(errors, "priority", "Priority")
        st.form_submit_button(
            "Add objective",
            type="primary",
            key="objectives_add_submit",
            on_click=add_objective,
            args=(plan_id,),
        )


def render_archived(archived: list[Objective], editable: bool) -> None:
    """The archived objectives, each with a Restore button for editors."""
    with st.expander(f"Archived objectives ({len(archived)})"):
        st.caption("Archived objectives are out of the plan but keep their history.")
        for objective in archived:
            title_column, button_column = st.columns([4, 1])
            title_column.markdown(literal_markdown(objective.title))
            if not editable:
                continue
            version_read(objective)
            button_column.button(
                "Restore",
                key=edit_key(objective.id, "restore"),
                on_click=set_archived,
                args=(objective.id, False),
            )


st.title("Objectives")
st.caption(
    "Step 1 of 5 · Write down what the business wants from social media and why, "
    "most important first. Two or three objectives are plenty."
)
show_flash()
with db_session() as session:
    actor, workspace, plan = require_plan_context(session)
    editable = may_edit(session, actor, workspace)
    listed = objectives.list_objectives(
        session=session, actor=actor, plan_id=plan.id, include_archived=True
    )
active = [o for o in listed if o.archived_at is None]
archived = [o for o in listed if o.archived_at is not None]

if not editable:
    show_read_only_notice()
if active:
    for number, objective in enumerate(active, start=1):
        render_objective(objective, number, len(active), editable)
elif editable:
    st.info(
        "No objectives yet. A good objective names one thing the business wants from "
        "social media and says why it matters — for example “Fill the Saturday baking "
        "workshop every month”, because it pays for the quiet weekdays.",
        icon="🎯",
    )
else:
    st.info("No objectives yet.", icon="🎯")
if editable:
    render_add_form(plan.id, first=not active)
if archived:
    render_archived(archived, editable)
if active:
    st.page_link(
        METRICS_PAGE,
        label="Next: step 2, Metrics — decide how you will measure each objective",
        icon="➡️",
    )
