"""Metrics, step 2 of the plan: for each objective, the numbers that show it is working."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import streamlit as st
from sqlmodel import Session

from socialplan import metrics, objectives
from socialplan.access import Actor
from socialplan.metrics import DIRECTION_LABELS, format_number, is_account_source
from socialplan.models import Direction, Metric, MetricSource, Objective, ObjectiveCategory, Plan
from socialplan.objectives import CATEGORY_LABELS
from socialplan.series import SOURCE_LABELS, SOURCE_UNITS
from socialplan.ui.cache import cached_for_workspace
from socialplan.ui.context import (
    db_session,
    may_edit,
    require_plan_context,
    show_read_only_notice,
)
from socialplan.ui.feedback import attempt, field_error, flash, run_save, show_flash

OBJECTIVES_PAGE = "app_pages/objectives.py"
TASKS_PAGE = "app_pages/tasks.py"
SOURCES = list(MetricSource)
DIRECTIONS = list(Direction)
NEW_FIELDS = (
    "suggestion",
    "source",
    "name",
    "account",
    "unit",
    "baseline",
    "target",
    "target_date",
    "direction",
)
LABELS = {
    "name": "Name",
    "source": "Where the numbers come from",
    "account_id": "Account",
    "unit": "Unit",
    "baseline": "Baseline",
    "target": "Target",
    "target_date": "Target date",
    "direction": "Direction",
    "objective_id": "Objective",
}
READING_LABELS = {"day": "Day", "value": "Value", "note": "Note", "readings": "Readings"}
# A selectbox shows None as "nothing chosen", so "all our accounts combined" is 0 on screen.
ALL_ACCOUNTS = 0


@dataclass(frozen=True)
class PlanMetrics:
    """What the objectives are drawn from: their metrics, the readings, the account choices."""

    by_objective: dict[int, list[Metric]]
    readings: dict[int, metrics.ReadingsView]
    accounts: dict[int | None, str]


def new_key(objective_id: int, field: str) -> str:
    """The widget key of a field in an objective's "Add a metric" form."""
    return f"metrics_new_{objective_id}_{field}"


def edit_key(metric_id: int, field: str) -> str:
    """The widget key of a field in a metric's edit form."""
    return f"metrics_edit_{metric_id}_{field}"


def readings_key(metric_id: int, field: str = "") -> str:
    """The widget key of a metric's readings table, or of something next to it."""
    return f"metrics_readings_{metric_id}" + (f"_{field}" if field else "")


def account_options(accounts: dict[int | None, str], keep: int | None = None) -> list[int]:
    """The account choices as the selectbox holds them; `keep` stays listed even if removed."""
    options = [ALL_ACCOUNTS if account_id is None else account_id for account_id in accounts]
    if keep is not None and keep not in options:
        options.append(keep)
    return options


def account_id_of(choice: int | None) -> int | None:
    """The metric's account_id for a selectbox choice (None: all own accounts combined)."""
    return None if choice in (None, ALL_ACCOUNTS) else choice


def account_name(accounts: dict[int | None, str]) -> Callable[[int], str]:
    """How an account choice reads on screen."""
    return lambda choice: accounts.get(account_id_of(choice), "An account no longer followed")


def show_errors(errors: dict[str, str] | None, fields: list[str], labels: dict[str, str]) -> None:
    """Show the messages of several fields, one under the other."""
    for field in fields:
        field_error(errors, field, labels[field])


# ---------------------------------------------------------------- callbacks
# Saves run in callbacks, before the page is drawn, so a refused save shows each message
# under its own field in the very run that follows the click.


def apply_suggestion(objective_id: int, category: ObjectiveCategory) -> None:
    """Fill the add form from the suggestion just picked."""
    state = st.session_state
    choice = state[new_key(objective_id, "suggestion")]
    if choice is None:
        return
    suggestion = metrics.suggest_metrics(category)[choice]
    state[new_key(objective_id, "source")] = suggestion.source
    state[new_key(objective_id, "name")] = suggestion.name
    state[new_key(objective_id, "unit")] = suggestion.unit
    state[new_key(objective_id, "direction")] = suggestion.direction


def add_metric(objective_id: int) -> None:
    """Save the objective's add form as a new metric; clear the form when it worked."""
    state = st.session_state
    source = MetricSource(state[new_key(objective_id, "source")])
    form = {
        "name": state[new_key(objective_id, "name")],
        "source": source,
        "account_id": account_id_of(state.get(new_key(objective_id, "account")))
        if is_account_source(source)
        else None,
        "unit": state[new_key(objective_id, "unit")],
        "baseline": state[new_key(objective_id, "baseline")],
        "target": state[new_key(objective_id, "target")],
        "target_date": state[new_key(objective_id, "target_date")],
        "direction": state[new_key(objective_id, "direction")],
    }
    created: list[Metric] = []

    def create(*, session: Session, actor: Actor) -> Metric:
        metric = metrics.create_metric(
            session=session, actor=actor, objective_id=objective_id, metric_create=form
        )
        created.append(metric)
        return metric

    if run_save(
        create,
        new_key(objective_id, "errors"),
        f"Metric “{form['name'].strip()}” added."
        + ("" if is_account_source(source) else " Type its numbers in the table under it."),
    ):
        for field in NEW_FIELDS:
            state.pop(new_key(objective_id, field), None)
        if not is_account_source(source):
            # Its (empty) readings table opens at once: the numbers are typed in there.
            state[readings_key(created[0].id, "open")] = True


def save_metric(metric_id: int, source: MetricSource) -> None:
    """Save a metric's edit form, carrying the version it was filled from."""
    state = st.session_state
    update = {
        field: state[edit_key(metric_id, field)]
        for field in ("version", "name", "unit", "baseline", "target", "target_date", "direction")
    }
    if is_account_source(source):
        update["account_id"] = account_id_of(state[edit_key(metric_id, "account")])
    if run_save(
        lambda **kw: metrics.update_metric(**kw, metric_id=metric_id, metric_update=update),
        edit_key(metric_id, "errors"),
        "Metric saved.",
    ):
        state.pop(edit_key(metric_id, "version"), None)


def set_archived(metric_id: int, archive: bool) -> None:
    """Archive or restore a metric, carrying the version on screen."""
    service = metrics.archive_metric if archive else metrics.restore_metric
    version = st.session_state[edit_key(metric_id, "version")]
    done = "Metric archived; restore it any time." if archive else "Metric restored."
    if run_save(
        lambda **kw: service(**kw, metric_id=metric_id, version=version),
        edit_key(metric_id, "errors"),
        done,
    ):
        st.session_state.pop(edit_key(metric_id, "version"), None)


# ---------------------------------------------------------------- one metric


def version_read(metric: Metric) -> int:
    """The version the user has on screen: the one its edit form was filled from."""
    key = edit_key(metric.id, "version")
    if edit_key(metric.id, "name") not in st.session_state:
        # The edit form is about to be filled afresh from the stored row.
        st.session_state[key] = metric.version
    return st.session_state.setdefault(key, metric.version)


def render_edit_form(metric: Metric, plan: Plan, accounts: dict[int | None, str]) -> None:
    """A metric's edit form, in a collapsed section drawn only while it is open.

    A plan of twenty metrics built twenty hidden forms on every run; now opening "Edit"
    reruns the page and fills the form afresh from the stored row (see `version_read`).
    It opens by itself to show a refused save's messages.
    """
    errors = st.session_state.get(edit_key(metric.id, "errors"), {})
    source = MetricSource(metric.source)
    section = st.expander(
        "Edit", expanded=bool(errors), key=edit_key(metric.id, "open"), on_change="rerun"
    )
    if not section.open:
        return
    with section, st.form(edit_key(metric.id, "form")):
        st.text_input("Name", value=metric.name, key=edit_key(metric.id, "name"))
        field_error(errors, "name", "Name")
        if is_account_source(source):
            # An account no longer followed stays listed, so an unrelated edit keeps it.
            choices = account_options(accounts, keep=metric.account_id)
            st.selectbox(
                "Account",
                choices,
                index=choices.index(metric.account_id or ALL_ACCOUNTS),
                format_func=account_name(accounts),
                key=edit_key(metric.id, "account"),
            )
            field_error(errors, "account_id", "Account")
        st.text_input("Unit", value=metric.unit, key=edit_key(metric.id, "unit"))
        field_error(errors, "unit", "Unit")
        baseline_column, target_column = st.columns(2)
        baseline_column.number_input(
            "Baseline",
            value=float(metric.baseline),
            format="%g",
            key=edit_key(metric.id, "baseline"),
        )
        target_column.number_input(
            "Target", value=float(metric.target), format="%g", key=edit_key(metric.id, "target")
        )
        show_errors(errors, ["baseline", "target"], LABELS)
        # Widened to the stored date, which a later change of the period may have left outside.
        st.date_input(
            "Target date",
            value=metric.target_date,
            min_value=min(plan.period_start, metric.target_date),
            max_value=max(plan.period_end, metric.target_date),
            key=edit_key(metric.id, "target_date"),
        )
        field_error(errors, "target_date", "Target date")
        st.radio(
            "Direction",
            DIRECTIONS,
            index=DIRECTIONS.index(Direction(metric.direction)),
            format_func=DIRECTION_LABELS.__getitem__,
            horizontal=True,
            key=edit_key(metric.id, "direction"),
        )
        field_error(errors, "direction", "Direction")
        st.form_submit_button(
            "Save changes",
            key=edit_key(metric.id, "save"),
            on_click=save_metric,
            args=(metric.id, source),
        )


def readings_columns() -> dict[str, object]:
    """How the readings table shows (and, for editors, checks) its columns."""
    return {
        "day": st.column_config.DateColumn("Day", format="YYYY-MM-DD", required=True),
        "value": st.column_config.NumberColumn("Value", required=True),
        "note": st.column_config.TextColumn("Note", max_chars=2000),
    }


def readings_summary(readings: metrics.ReadingsView) -> str:
    """How many readings there are and the latest one, in one line."""
    if readings.latest_day is None or readings.latest_value is None:
        return "No readings yet."
    count = f"{readings.count} reading" + ("" if readings.count == 1 else "s")
    latest = format_number(readings.latest_value)
    return f"{count} · latest {latest} on {readings.latest_day:%d %b %Y}"


def render_readings(
    session: Session, actor: Actor, metric: Metric, readings: metrics.ReadingsView, editable: bool
) -> None:
    """The table of a hand-entered metric's readings; for editors editable, with Save."""
    errors_key = readings_key(metric.id, "errors")
    errors = st.session_state.get(errors_key, {})
    st.caption(readings_summary(readings))
    # Drawn only while open: a plan's hand-entered metrics hold years of readings, and
    # every table was sent on every run while nobody looked at it. The label stays the
    # same, so the section stays open over a save (its identity includes the label).
    section = st.expander(
        "Readings", expanded=bool(errors), key=readings_key(metric.id, "open"), on_change="rerun"
    )
    if not section.open:
        return
    with section:
        if not editable:
            st.dataframe(
                readings.table,
                hide_index=True,
                width="stretch",
                column_config=readings_columns(),
            )
            return
        st.caption(
            "Type a number each time you count it — weekly is plenty. Add a row with the + "
            "under the table; select rows and press the bin to delete them."
        )
        # The editor starts afresh whenever the stored readings change, so the fingerprint
        # of this run's readings is the state the user's edits apply to.
        shown = readings.fingerprint
        edited = st.data_editor(
            readings.table,
            key=readings_key(metric.id),
            num_rows="dynamic",
            hide_index=True,
            width="stretch",
            column_config=readings_columns(),
        )
        if st.button("Save readings", key=readings_key(metric.id, "save")):
            saved = attempt(
                lambda: metrics.save_readings(
                    session=session,
                    actor=actor,
                    metric_id=metric.id,
                    rows=metrics.table_rows(edited),
                    expected_fingerprint=shown,
                ),
                errors_key,
            )
            if saved is not None:
                # The saved table is the new starting point: drop the pending edits.
                st.session_state.pop(readings_key(metric.id), None)
                flash(f"Readings of “{metric.name}” saved: {len(saved)} in all.")
                st.rerun()
            errors = st.session_state[errors_key]
        show_errors(errors, list(READING_LABELS), READING_LABELS)


def render_metric(
    session: Session, actor: Actor, plan: Plan, metric: Metric, shown: PlanMetrics, editable: bool
) -> None:
    """One metric: what it measures, its goal, its readings; for editors, edit and archive."""
    accounts = shown.accounts
    with st.container(border=True):
        name_column, button_column = st.columns([5, 1])
        name_column.markdown(f"**{metric.name}**")
        name_column.caption(
            f"{metrics.source_label(metric, accounts)} · {metrics.metric_summary(metric)}"
        )
        if editable:
            version_read(metric)
            button_column.button(
                "Archive",
                key=edit_key(metric.id, "archive"),
                on_click=set_archived,
                args=(metric.id, True),
            )
            render_edit_form(metric, plan, accounts)
        if not is_account_source(metric.source):
            render_readings(session, actor, metric, shown.readings[metric.id], editable)


# ---------------------------------------------------------------- adding


def suggestion_label(category: ObjectiveCategory) -> Callable[[int], str]:
    """How each suggestion for the category reads in the selectbox."""
    suggestions = metrics.suggest_metrics(category)

    def label(choice: int) -> str:
        suggestion = suggestions[choice]
        source = SOURCE_LABELS[suggestion.source]
        if suggestion.name.lower() == source.lower():
            return suggestion.name
        return f"{suggestion.name} ({source.lower()})"

    return label


def start_add_form(objective: Objective, plan: Plan) -> None:
    """Give the add form its starting values, unless the user has some already."""
    first = metrics.suggest_metrics(ObjectiveCategory(objective.category))[0]
    defaults = {
        "suggestion": None,
        "source": first.source,
        "name": "",
        "unit": "",
        "baseline": 0.0,
        "target": 0.0,
        "target_date": plan.period_end,
        "direction": Direction.UP,
        "account": ALL_ACCOUNTS,
    }
    date_key = new_key(objective.id, "target_date")
    if not plan.period_start <= st.session_state.get(date_key, plan.period_end) <= plan.period_end:
        del st.session_state[date_key]  # the plan's period changed since it was picked
    for field, value in defaults.items():
        st.session_state.setdefault(new_key(objective.id, field), value)


def show_current_value(
    session: Session, actor: Actor, plan: Plan, objective: Objective, source: MetricSource
) -> None:
    """The latest known value of the chosen account number, as a baseline hint."""
    account_id = account_id_of(st.session_state.get(new_key(objective.id, "account")))
    # Reads the accounts' whole history: cached until the workspace's data changes.
    now = cached_for_workspace(
        session,
        actor,
        plan.workspace_id,
        "metric_current_value",
        (objective.id, source, account_id, date.today()),
        lambda: metrics.current_value(
            session=session,
            actor=actor,
            objective_id=objective.id,
            source=source,
            account_id=account_id,
        ),
    )
    if now is None:
        st.caption(
            "No numbers for this yet — they appear once your accounts are connected or "
            "imported. Set the baseline to where you think you are today."
        )
    else:
        unit = SOURCE_UNITS.get(source, "")
        st.caption(f"Right now: {format_number(now)} {unit}. That is a good baseline.")


def render_add_form(
    session: Session,
    actor: Actor,
    plan: Plan,
    objective: Objective,
    accounts: dict[int | None, str],
) -> None:
    """The "Add a metric" section of an objective, suggestions first.

    Drawn only while open, like the edit forms: five objectives built five hidden forms of
    a dozen widgets on every run. It opens by itself to show a refused save's messages.
    """
    category = ObjectiveCategory(objective.category)
    start_add_form(objective, plan)
    errors = st.session_state.get(new_key(objective.id, "errors"), {})
    section = st.expander(
        "Add a metric",
        expanded=bool(errors),
        key=new_key(objective.id, "open"),
        on_change="rerun",
    )
    if not section.open:
        return
    with section:
        st.selectbox(
            "Start from a suggestion",
            list(range(len(metrics.suggest_metrics(category)))),
            format_func=suggestion_label(category),
            placeholder="Pick one to fill in the form, or fill it in yourself",
            key=new_key(objective.id, "suggestion"),
            on_change=apply_suggestion,
            args=(objective.id, category),
        )
        choice = st.session_state[new_key(objective.id, "suggestion")]
        if choice is not None:
            st.caption(metrics.suggest_metrics(category)[choice].hint)
        source = st.selectbox(
            "Where the numbers come from",
            SOURCES,
            format_func=SOURCE_LABELS.__getitem__,
            key=new_key(objective.id, "source"),
        )
        field_error(errors, "source", LABELS["source"])
        if is_account_source(source):
            st.selectbox(
                "Account",
                account_options(accounts),
                format_func=account_name(accounts),
                key=new_key(objective.id, "account"),
            )
            field_error(errors, "account_id", "Account")
            show_current_value(session, actor, plan, objective, source)
        else:
            st.caption("You type these numbers in yourself, in a small table under the metric.")
        with st.form(new_key(objective.id, "form")):
            st.text_input(
                "Name", key=new_key(objective.id, "name"), placeholder="Orders from social media"
            )
            field_error(errors, "name", "Name")
            st.text_input(
                "Unit",
                key=new_key(objective.id, "unit"),
                placeholder="orders, %, hours… (left empty: the usual unit)",
            )
            field_error(errors, "unit", "Unit")
            baseline_column, target_column = st.columns(2)
            baseline_column.number_input(
                "Baseline — where you are now", format="%g", key=new_key(objective.id, "baseline")
            )
            target_column.number_input(
                "Target — where you want to be", format="%g", key=new_key(objective.id, "target")
            )
            show_errors(errors, ["baseline", "target"], LABELS)
            st.date_input(
                "Target date",
                min_value=plan.period_start,
                max_value=plan.period_end,
                key=new_key(objective.id, "target_date"),
                help="Within the plan period.",
            )
            field_error(errors, "target_date", "Target date")
            st.radio(
                "Direction",
                DIRECTIONS,
                format_func=DIRECTION_LABELS.__getitem__,
                horizontal=True,
                key=new_key(objective.id, "direction"),
            )
            show_errors(errors, ["direction", "objective_id"], LABELS)
            st.form_submit_button(
                "Add metric",
                type="primary",
                key=new_key(objective.id, "submit"),
                on_click=add_metric,
                args=(objective.id,),
            )


# ---------------------------------------------------------------- an objective


def render_archived(archived: list[Metric], editable: bool) -> None:
    """An objective's archived metrics, each with a Restore button for editors."""
    with st.expander(f"Archived metrics ({len(archived)})"):
        for metric in archived:
            name_column, button_column = st.columns([5, 1])
            name_column.write(metric.name)
            if not editable:
                continue
            st.session_state[edit_key(metric.id, "version")] = metric.version
            button_column.button(
                "Restore",
                key=edit_key(metric.id, "restore"),
                on_click=set_archived,
                args=(metric.id, False),
            )


def render_objective(
    session: Session,
    actor: Actor,
    plan: Plan,
    objective: Objective,
    number: int,
    shown: PlanMetrics,
    editable: bool,
) -> bool:
    """Draw one objective with its metrics; True when it has at least one."""
    st.subheader(f"{number}. {objective.title}", divider="gray")
    st.caption(CATEGORY_LABELS[ObjectiveCategory(objective.category)])
    listed = shown.by_objective.get(objective.id, [])
    active = [m for m in listed if m.archived_at is None]
    if not active:
        st.info(
            "No metric yet. How will you know this objective is working? Open “Add a metric” "
            "and start from a suggestion."
            if editable
            else "No metric yet.",
            icon="📏",
        )
    for metric in active:
        render_metric(session, actor, plan, metric, shown, editable)
    if editable:
        render_add_form(session, actor, plan, objective, shown.accounts)
    archived = [m for m in listed if m.archived_at is not None]
    if archived:
        render_archived(archived, editable)
    return bool(active)


def render_next_step(complete: bool, editable: bool) -> None:
    """The way on to step 3, once every objective can be measured (or to read it)."""
    if complete or not editable:
        st.page_link(
            TASKS_PAGE, label="Next: step 3, Tasks — the work that moves these numbers", icon="➡️"
        )
    else:
        st.caption("Give every objective at least one metric, then go on to step 3, Tasks.")


st.title("Metrics")
st.caption(
    "Step 2 of 5 · For each objective, the numbers that show it is working: where you are "
    "now (baseline), where you want to be (target), and by when."
)
show_flash()
with db_session() as session:
    actor, workspace, plan = require_plan_context(session)
    editable = may_edit(session, actor, workspace)
    if not editable:
        show_read_only_notice()
    objective_list = objectives.list_objectives(session=session, actor=actor, plan_id=plan.id)
    if not objective_list:
        st.info(
            "Metrics measure objectives, and this plan has none yet."
            + (" Write down what the business wants from social media first." if editable else ""),
            icon="🎯",
        )
        st.page_link(OBJECTIVES_PAGE, label="Go to step 1, Objectives", icon="⬅️")
        st.stop()
    shown = PlanMetrics(
        by_objective=metrics.plan_metrics(session=session, actor=actor, plan_id=plan.id),
        # Every hand-entered metric's readings: cached until the workspace's data changes.
        readings=cached_for_workspace(
            session,
            actor,
            workspace.id,
            "plan_readings",
            plan.id,
            lambda: metrics.plan_readings(session=session, actor=actor, plan_id=plan.id),
        ),
        accounts=metrics.account_choices(session=session, actor=actor, workspace_id=workspace.id),
    )
    covered = [
        render_objective(session, actor, plan, objective, number, shown, editable)
        for number, objective in enumerate(objective_list, start=1)
    ]
    render_next_step(all(covered), editable)
