"""Review: the review schedule, a review session with course corrections, and past reviews."""

from collections.abc import Callable
from datetime import date
from typing import TypeVar

import streamlit as st
from sqlmodel import Session

from socialplan import reviews
from socialplan.access import Actor
from socialplan.models import TEXT_MAX, Cadence, MetricStatus, Plan, Review, ReviewCadence
from socialplan.reviews import (
    ChangeTarget,
    Correction,
    CorrectionChoices,
    DropTask,
    ReviewItemInput,
    SheetLine,
)
from socialplan.tasks import CADENCE_LABELS as TASK_CADENCE_LABELS
from socialplan.ui.cache import cached_for_workspace
from socialplan.ui.context import (
    db_session,
    may_edit,
    require_plan_context,
    show_read_only_notice,
)
from socialplan.ui.feedback import attempt, field_error, flash, show_flash
from socialplan.wizard import review_due_text

T = TypeVar("T")

METRICS_PAGE = "app_pages/metrics.py"
STATUS_COLORS = {
    MetricStatus.ON_TRACK: "green",
    MetricStatus.AT_RISK: "orange",
    MetricStatus.OFF_TRACK: "red",
    MetricStatus.NO_DATA: "gray",
}
SCHEDULE_ERRORS = "review_schedule_errors"
REVIEW_ERRORS = "review_errors"
CHANGE_ERRORS = "review_change_errors"
ADD_ERRORS = "review_add_errors"
DROP_ERRORS = "review_drop_errors"
PENDING = "review_pending_corrections"
CHANGE_FORM_KEYS = ["review_change_target", "review_change_date", "review_change_reason"]
ADD_FORM_KEYS = ["review_add_title", "review_add_due", "review_add_reason"]
for errors_key in (SCHEDULE_ERRORS, REVIEW_ERRORS, CHANGE_ERRORS, ADD_ERRORS, DROP_ERRORS):
    st.session_state.setdefault(errors_key, {})
st.session_state.setdefault(PENDING, [])
# The versions of metrics and tasks the user saw, by kind: a correction carries the one read.
Seen = dict[str, dict[int, int]]


def save(action: Callable[[], T], errors_key: str) -> T | None:
    """Run a save; on bad input rerun at once, so each message shows next to its field."""
    result = attempt(action, errors_key)
    if result is None and st.session_state[errors_key]:
        st.rerun()
    return result


def nothing_saved_notice(errors: dict[str, str]) -> None:
    """The banner over a form whose last save was refused for bad input."""
    if errors:
        st.error("Nothing was saved — please fix the fields marked below.", icon="⚠️")


def versions_seen(key: str, current: dict[int, int]) -> dict[int, int]:
    """The versions shown on the previous run: what the user read before this click."""
    seen = {**current, **st.session_state.get(key, {})}
    st.session_state[key] = current
    return seen


def render_schedule_read_only(plan: Plan, today: date) -> None:
    """How often the plan is reviewed and when next, for a reader who cannot hold a review."""
    if plan.review_cadence is None or plan.next_review_on is None:
        st.info("No review is scheduled yet.", icon="🗓️")
        return
    cadence = reviews.CADENCE_LABELS[ReviewCadence(plan.review_cadence)]
    next_on = review_due_text(plan.next_review_on, today)
    st.info(f"{cadence}. Next review: {next_on}.", icon="🗓️")


def render_schedule(
    session: Session, actor: Actor, plan: Plan, today: date, editable: bool
) -> None:
    """How often the plan is reviewed, when next, and (for editors) the form to change both."""
    st.header("Review schedule", anchor=False, divider="gray")
    if not editable:
        render_schedule_read_only(plan, today)
        return
    st.info(reviews.next_review_text(plan, today), icon="🗓️")
    read_version = versions_seen("review_plan_version", {plan.id: plan.version})[plan.id]
    errors = st.session_state[SCHEDULE_ERRORS]
    cadences = list(ReviewCadence)
    latest = plan.period_end + reviews.GRACE_AFTER_END
    default_next = plan.next_review_on or min(max(today, plan.period_start), latest)
    # Keys carry the plan's version so the form shows the stored schedule after any change.
    with st.form(f"review_schedule_{plan.version}"):
        nothing_saved_notice(errors)
        cadence = st.selectbox(
            "How often do you review the plan?",
            cadences,
            index=cadences.index(plan.review_cadence) if plan.review_cadence else 2,
            format_func=reviews.CADENCE_LABELS.__getitem__,
            key=f"review_cadence_{plan.version}",
        )
        field_error(errors, "review_cadence", "How often")
        next_on = st.date_input(
            "Next review date",
            value=min(max(default_next, plan.period_start), latest),
            min_value=plan.period_start,
            max_value=latest,
            key=f"review_next_on_{plan.version}",
        )
        field_error(errors, "next_review_on", "Next review date")
        if st.form_submit_button("Save the schedule", key="review_schedule_save"):
            saved = save(
                lambda: reviews.set_review_schedule(
                    session=session,
                    actor=actor,
                    plan_id=plan.id,
                    cadence=cadence,
                    next_review_on=next_on,
                    version=read_version,
                ),
                SCHEDULE_ERRORS,
            )
            if saved:
                flash(f"Schedule saved. {reviews.next_review_text(saved, today)}")
                st.rerun()


def render_metric(score: SheetLine, held_on: date, errors: dict[str, str], editable: bool) -> None:
    """One metric of the review: where it stands; for editors, confidence and comment fields."""
    metric_id, line = score.metric_id, score.line
    # Headings, captions and labels read Markdown: what users typed goes in escaped.
    name, objective, target, unit = (
        reviews.literal_markdown(line[k]) for k in ("metric", "objective", "target", "unit")
    )
    unit = f" ({unit})" if unit else ""
    with st.container(border=True):
        st.subheader(name, anchor=False)
        st.badge(line["status"], color=STATUS_COLORS[score.status])
        st.caption(f"Objective: {objective} · Target: {target}")
        actual, goal, progress = st.columns(3)
        actual.metric(f"Latest actual{unit}", line["actual"])
        goal.metric(f"Goal on {held_on:%d %b}{unit}", line["goal"])
        progress.metric("Progress to target", line["progress"])
        if not editable:
            return
        st.slider(
            "How confident are you that it reaches its target? (0 = not at all, 10 = sure)",
            min_value=0,
            max_value=10,
            value=5,
            key=f"review_confidence_{metric_id}",
        )
        field_error(errors, f"confidence_{metric_id}", "Confidence")
        st.text_area(
            "Comment: what happened, what will you try?",
            key=f"review_comment_{metric_id}",
            max_chars=TEXT_MAX,
            height=80,
        )
        field_error(errors, f"comment_{metric_id}", "Comment")


def add_pending(
    session: Session,
    actor: Actor,
    plan: Plan,
    correction: Correction,
    errors_key: str,
    form_keys: list[str],
) -> None:
    """Check a correction against the plan and, when it fits, add it to the list."""
    checked = save(
        lambda: reviews.check_correction(
            session=session, actor=actor, plan_id=plan.id, correction=correction
        ),
        errors_key,
    )
    if checked:
        st.session_state[PENDING] = [*st.session_state[PENDING], checked]
        # An emptied form cannot add the same correction twice by a second click.
        for key in form_keys:
            st.session_state.pop(key, None)
        flash("Correction added. It changes the plan when you save the review.")
        st.rerun()


def render_change_target(
    session: Session, actor: Actor, plan: Plan, choices: CorrectionChoices, seen: Seen
) -> None:
    """The form for a new target or target date of a metric."""
    errors = st.session_state[CHANGE_ERRORS]
    metrics = {m.id: m for m in choices.metrics}
    with st.form("review_change_target_form"):
        nothing_saved_notice(errors)
        metric_id = st.selectbox(
            "Metric",
            list(metrics),
            format_func=lambda i: (
                f"{metrics[i].name} — now {reviews.format_number(metrics[i].target)} "
                f"by {metrics[i].target_date:%d %b %Y}"
            ),
            key="review_change_metric",
        )
        field_error(errors, "metric", "Metric")
        new_target = st.number_input(
            "New target (leave empty to keep it)", value=None, key="review_change_target"
        )
        field_error(errors, "new_target", "New target")
        new_date = st.date_input(
            "New target date (leave empty to keep it)",
            value=None,
            min_value=plan.period_start,
            max_value=plan.period_end,
            key="review_change_date",
        )
        reason = st.text_input("Why change it?", key="review_change_reason", max_chars=TEXT_MAX)
        field_error(errors, "reason", "Reason")
        if st.form_submit_button("Add this change", key="review_change_add"):
            correction = ChangeTarget(
                metric_id=metric_id,
                version=seen["metrics"].get(metric_id, metrics[metric_id].version),
                new_target=new_target,
                new_target_date=new_date,
                reason=reason.strip(),
            )
            add_pending(session, actor, plan, correction, CHANGE_ERRORS, CHANGE_FORM_KEYS)


def render_add_task(session: Session, actor: Actor, plan: Plan, choices: CorrectionChoices) -> None:
    """The form for a new task under an objective."""
    errors = st.session_state[ADD_ERRORS]
    objectives = {o.id: o.title for o in choices.objectives}
    owners = {None: "Nobody yet", **{p.id: p.name for p in choices.people}}
    with st.form("review_add_task_form"):
        nothing_saved_notice(errors)
        objective_id = st.selectbox(
            "Objective it serves",
            list(objectives),
            format_func=objectives.get,
            key="review_add_objective",
        )
        field_error(errors, "objective", "Objective")
        title = st.text_input("Task", key="review_add_title", placeholder="Film a reel each week")
        field_error(errors, "title", "Task")
        cadence = st.selectbox(
            "How often",
            list(Cadence),
            index=list(Cadence).index(Cadence.WEEKLY),
            format_func=TASK_CADENCE_LABELS.__getitem__,
            key="review_add_cadence",
        )
        due = st.date_input(
            "Due date (one-off tasks only)",
            value=None,
            min_value=plan.period_start,
            max_value=plan.period_end,
            key="review_add_due",
        )
        field_error(errors, "due_date", "Due date")
        times = st.number_input(
            "Times per week (weekly tasks)", 1, 21, 1, step=1, key="review_add_times"
        )
        field_error(errors, "times_per_week", "Times per week")
        minutes = st.number_input(
            "Minutes each time", 0, 24 * 60, 30, step=5, key="review_add_minutes"
        )
        field_error(errors, "minutes", "Minutes")
        owner = st.selectbox(
            "Who does it", list(owners), format_func=owners.get, key="review_add_owner"
        )
        field_error(errors, "owner_person_id", "Who does it")
        reason = st.text_input("Why add it?", key="review_add_reason", max_chars=TEXT_MAX)
        field_error(errors, "reason", "Reason")
        if st.form_submit_button("Add this task", key="review_add_add"):
            fields = {"title": title.strip(), "cadence": cadence, "minutes": minutes}
            # Only the fields that belong to the chosen cadence, so the rules never trip on
            # a leftover value from another choice.
            if cadence == Cadence.ONCE:
                fields["due_date"] = due
            if cadence == Cadence.WEEKLY:
                fields["times_per_week"] = times
            if owner is not None:
                fields["owner_person_id"] = owner
            built = save(
                lambda: reviews.build_add_task(
                    objective_id=objective_id, task_fields=fields, reason=reason
                ),
                ADD_ERRORS,
            )
            if built:
                add_pending(session, actor, plan, built, ADD_ERRORS, ADD_FORM_KEYS)


def render_drop_task(
    session: Session, actor: Actor, plan: Plan, choices: CorrectionChoices, seen: Seen
) -> None:
    """The form to stop doing a task."""
    errors = st.session_state[DROP_ERRORS]
    open_tasks = {t.id: t for t in choices.tasks}
    if not open_tasks:
        st.caption("There are no open tasks to drop.")
        return
    with st.form("review_drop_task_form"):
        nothing_saved_notice(errors)
        task_id = st.selectbox(
            "Task to stop doing",
            list(open_tasks),
            format_func=lambda i: open_tasks[i].title,
            key="review_drop_task",
        )
        field_error(errors, "task", "Task")
        reason = st.text_input("Why drop it?", key="review_drop_reason", max_chars=TEXT_MAX)
        field_error(errors, "reason", "Reason")
        if st.form_submit_button("Drop this task", key="review_drop_add"):
            correction = DropTask(
                task_id=task_id,
                version=seen["tasks"].get(task_id, open_tasks[task_id].version),
                reason=reason.strip(),
            )
            add_pending(session, actor, plan, correction, DROP_ERRORS, ["review_drop_reason"])


def render_pending(choices: CorrectionChoices, errors: dict[str, str]) -> None:
    """The corrections added so far, each with a button to take it out again."""
    pending = st.session_state[PENDING]
    if not pending:
        st.caption("No corrections yet. Add one below if the plan needs to change.")
    for number, correction in enumerate(pending, start=1):
        text_column, button_column = st.columns([5, 1], vertical_alignment="center")
        description = reviews.describe_correction(correction, choices.names)
        text_column.text(f"{number}. {description} — why: {correction.reason}")
        if button_column.button("Remove", key=f"review_remove_{number}"):
            st.session_state[PENDING] = pending[: number - 1] + pending[number:]
            st.rerun()
        field_error(errors, f"correction_{number}", f"Correction {number}")


def render_corrections(
    session: Session, actor: Actor, plan: Plan, choices: CorrectionChoices
) -> None:
    """The course corrections: the list so far and the three ways to add one."""
    st.subheader("Course corrections", anchor=False)
    st.write(
        "If a number is off course, change the plan: a new target or date, a new task, or a "
        "task to stop. Each change is applied when you save the review, and kept in the "
        "plan's history with your reason."
    )
    seen: Seen = {
        "metrics": versions_seen("review_metrics_seen", {m.id: m.version for m in choices.metrics}),
        "tasks": versions_seen("review_tasks_seen", {t.id: t.version for t in choices.tasks}),
    }
    render_pending(choices, st.session_state[REVIEW_ERRORS])
    # Only the open tab is drawn (switching reruns the page): three forms a run were built
    # while only one can be seen.
    change_tab, add_tab, drop_tab = st.tabs(
        ["Change a target", "Add a task", "Drop a task"],
        key="review_corrections_tab",
        on_change="rerun",
    )
    if change_tab.open:
        with change_tab:
            render_change_target(session, actor, plan, choices, seen)
    if add_tab.open:
        with add_tab:
            render_add_task(session, actor, plan, choices)
    if drop_tab.open:
        with drop_tab:
            render_drop_task(session, actor, plan, choices, seen)


def clear_review_form(scores: list[SheetLine]) -> None:
    """Forget what was typed for the review just saved, so the next one starts fresh."""
    st.session_state[PENDING] = []
    for score in scores:
        st.session_state.pop(f"review_confidence_{score.metric_id}", None)
        st.session_state.pop(f"review_comment_{score.metric_id}", None)
    st.session_state.pop("review_summary", None)


def render_save(
    session: Session, actor: Actor, plan: Plan, held_on: date, scores: list[SheetLine]
) -> None:
    """The summary and the button that stores the review with all its corrections."""
    errors = st.session_state[REVIEW_ERRORS]
    st.subheader("Summary and save", anchor=False)
    summary = st.text_area(
        "Summary: what did you learn, and what will you do next?",
        key="review_summary",
        max_chars=TEXT_MAX,
    )
    field_error(errors, "summary", "Summary")
    field_error(errors, "held_on", "Review date")
    field_error(errors, "items", "The review's metrics")
    nothing_saved_notice(errors)
    if not st.button("Save review", type="primary", key="review_save"):
        return
    items = [
        ReviewItemInput(
            metric_id=score.metric_id,
            confidence=st.session_state[f"review_confidence_{score.metric_id}"],
            comment=st.session_state[f"review_comment_{score.metric_id}"],
        )
        for score in scores
    ]
    corrections = list(st.session_state[PENDING])
    saved = save(
        lambda: reviews.hold_review(
            session=session,
            actor=actor,
            plan_id=plan.id,
            held_on=held_on,
            items=items,
            corrections=corrections,
            summary=summary,
        ),
        REVIEW_ERRORS,
    )
    if saved:
        clear_review_form(scores)
        changes = f" {len(corrections)} change(s) applied to the plan." if corrections else ""
        flash(f"Review of {held_on:%d %b %Y} saved.{changes} You can download it below.")
        st.rerun()


def render_review_session(
    session: Session, actor: Actor, plan: Plan, today: date, editable: bool
) -> None:
    """A review session: every metric, the corrections and the save; or what to do first.

    A viewer sees the same metrics as they stand today, without anything to fill in.
    """
    title = "Start a review" if editable else "Where each metric stands"
    st.header(title, anchor=False, divider="gray")
    st.caption(reviews.status_rule_text())
    latest = plan.period_end + reviews.GRACE_AFTER_END
    default_day = min(max(today, plan.period_start), latest)
    held_on = (
        st.date_input(
            "Review date",
            value=default_day,
            min_value=plan.period_start,
            max_value=latest,
            key="review_held_on",
        )
        if editable
        else default_day
    )
    # Every metric's series read and scored: cached until the workspace's data changes.
    scores = cached_for_workspace(
        session,
        actor,
        plan.workspace_id,
        "review_sheet",
        (plan.id, held_on),
        lambda: reviews.review_sheet(session=session, actor=actor, plan_id=plan.id, today=held_on),
    )
    if not scores:
        st.info(
            "Your plan has no metrics yet, so there is nothing to review. Give each objective "
            "a metric with a baseline and a target on the Metrics step, then come back."
        )
        st.page_link(METRICS_PAGE, label="Go to Metrics", icon="2️⃣")
        return
    if not editable:
        for score in scores:
            render_metric(score, held_on, {}, editable=False)
        return
    st.write(
        "For each metric, look at where it stands against the goal for the review date, say "
        "how confident you are, and add a comment. Then save the review at the bottom."
    )
    errors = st.session_state[REVIEW_ERRORS]
    nothing_saved_notice(errors)
    for score in scores:
        render_metric(score, held_on, errors, editable=True)
    choices = reviews.correction_choices(session=session, actor=actor, plan_id=plan.id)
    render_corrections(session, actor, plan, choices)
    render_save(session, actor, plan, held_on, scores)


def render_past_reviews(session: Session, actor: Actor, plan: Plan) -> None:
    """The plan's reviews, newest first, each with its decisions and a Markdown download."""
    st.header("Past reviews", anchor=False, divider="gray")
    past = reviews.list_reviews(session=session, actor=actor, plan_id=plan.id)
    if not past:
        st.info("No reviews yet. Your first saved review appears here, ready to download.")
        return
    for number, review in enumerate(past):
        # Opening or closing a review reruns the page, and only open reviews are read and
        # drawn: a plan with a dozen reviews built them all on every run before.
        expander = st.expander(
            f"Review of {review.held_on:%A %d %B %Y}",
            expanded=number == 0,
            key=f"review_past_{review.id}",
            on_change="rerun",
        )
        if expander.open:
            with expander:
                render_past_review(session, actor, plan, review)


def render_past_review(session: Session, actor: Actor, plan: Plan, review: Review) -> None:
    """One past review: its summary, items, corrections, next date and Markdown download."""
    detail = cached_for_workspace(
        session,
        actor,
        plan.workspace_id,
        "past_review",
        review.id,
        lambda: reviews.past_review(session=session, actor=actor, review_id=review.id),
    )
    if detail.summary:
        st.text(detail.summary)
    # st.table reads Markdown: the rows come with user text escaped, shown exactly as typed.
    st.table(detail.items, hide_index=True)
    if detail.corrections:
        st.markdown("**Course corrections**")
        st.table(detail.corrections, hide_index=True)
    else:
        st.caption("No changes to the plan were made in this review.")
    if detail.next_review_on:
        st.caption(f"This review set the next one for {detail.next_review_on:%A %d %B %Y}.")
    st.download_button(
        "Download as Markdown",
        data=detail.markdown,
        file_name=detail.file_name,
        mime="text/markdown",
        key=f"review_download_{review.id}",
        on_click="ignore",
    )


show_flash()
st.title("Review")
st.write(
    "Step 5: sit down with your team on a regular day, look at every number against its "
    "goal, say how confident you are, and change the plan where it needs it."
)
with db_session() as session:
    actor, workspace, plan = require_plan_context(session)
    editable = may_edit(session, actor, workspace)
    if not editable:
        show_read_only_notice()
    today = date.today()
    render_schedule(session, actor, plan, today, editable)
    render_review_session(session, actor, plan, today, editable)
    render_past_reviews(session, actor, plan)
