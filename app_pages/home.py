"""Home: start a plan or explore the demo; afterwards, where the plan stands and what is next."""

from datetime import date, timedelta

import streamlit as st

from socialplan import demo, workspaces
from socialplan.models import Plan
from socialplan.ui.context import (
    current_actor,
    db_session,
    may_edit,
    select_plan,
    select_workspace,
    show_read_only_notice,
)
from socialplan.ui.feedback import attempt, field_error, flash, show_flash
from socialplan.ui.score_headline import render_score_headline
from socialplan.wizard import StepState, next_step, review_due_text, step_progress

ERRORS = "home_errors"
st.session_state.setdefault(ERRORS, {})


def start_my_plan() -> None:
    """Create the business and its first plan from the form (runs before the page redraws)."""
    state = st.session_state
    with db_session() as session:
        created = attempt(
            lambda: workspaces.start_plan(
                session=session,
                actor=current_actor(),
                business_name=state["home_business"],
                plan_name=state["home_plan_name"],
                period_start=state["home_period_start"],
                period_end=state["home_period_end"],
            ),
            ERRORS,
        )
    if created:
        state["workspace_id"] = created[0].id
        state["plan_id"] = created[1].id
        flash(f"Your plan “{created[1].name}” is ready. Step 1: write your objectives.")


def render_start_form() -> None:
    """The form that starts a new business, owned by whoever fills it in, with its first plan."""
    with st.form("home_start"):
        st.subheader("Start my plan")
        errors = st.session_state[ERRORS]
        st.text_input("Business name", key="home_business", placeholder="Rosa's Bakery")
        field_error(errors, "business_name", "Business name")
        st.text_input("Plan name", key="home_plan_name", placeholder="2027 first half")
        field_error(errors, "plan_name", "Plan name")
        today = date.today()
        st.date_input("Period start", value=today, key="home_period_start")
        st.date_input("Period end", value=today + timedelta(days=182), key="home_period_end")
        field_error(errors, "period_end", "Period end")
        st.form_submit_button("Start my plan", type="primary", on_click=start_my_plan)


def render_welcome() -> None:
    st.title("Welcome to Social Plan")
    st.write(
        "Turn the time you spend on social media into a plan with numbers: what you want "
        "from it, how you will measure it, who does what, and a regular check on how it goes."
    )
    start_column, demo_column = st.columns(2, gap="large")
    with start_column:
        render_start_form()
    with demo_column:
        st.subheader("Explore the demo")
        st.write(
            "A bakery's complete plan with 18 months of numbers, reviews and a course "
            "correction — look around before you start your own."
        )
        if st.button("Explore the demo", key="home_demo"):
            load_demo()


def load_demo() -> None:
    with st.spinner("Baking the demo…"), db_session() as session:
        workspace = demo.load_demo(session=session, actor=current_actor())
    st.session_state["workspace_id"] = workspace.id
    st.session_state.pop("plan_id", None)
    flash("The demo bakery is loaded. Have a look around.")
    st.rerun()


def render_plan_overview() -> None:
    with db_session() as session:
        actor = current_actor()
        workspace = select_workspace(session, actor)
        plan = select_plan(session, actor, workspace) if workspace else None
        steps = step_progress(session=session, actor=actor, plan_id=plan.id) if plan else []
        editable = workspace is None or may_edit(session, actor, workspace)
    st.title(workspace.name if workspace else "Social Plan")
    if not editable:
        show_read_only_notice("this business's plan")
    if workspace is not None:
        render_score_headline(workspace.id, key="home_score")
    if plan is None:
        st.info("This business has no plan yet.")
    else:
        render_steps(plan, steps, editable)
    if not editable:
        # Reading someone else's plan is no bar to starting one's own business.
        with st.expander("Start a plan for your own business"):
            render_start_form()


def render_steps(plan: Plan, steps: list[StepState], editable: bool) -> None:
    """The plan's period and its five steps; for editors, the step to do next."""
    st.subheader(f"{plan.name} · {plan.period_start:%d %b %Y} – {plan.period_end:%d %b %Y}")
    st.caption(f"Status: {plan.status}")
    done = sum(s.complete for s in steps)
    st.progress(done / len(steps), text=f"{done} of {len(steps)} steps complete")
    for step in steps:
        icon = ":material/check_circle:" if step.complete else ":material/radio_button_unchecked:"
        st.page_link(step.page, label=f"{step.number}. {step.title} — {step.detail}", icon=icon)
    upcoming = next_step(steps)
    if upcoming and editable:
        st.info(f"Next: step {upcoming.number}, {upcoming.title}. {upcoming.detail}")
        st.page_link(
            upcoming.page, label=f"Go to {upcoming.title}", icon=":material/arrow_forward:"
        )
    else:
        if upcoming is None:
            st.success("Your plan is complete. Check the dashboard and keep your review date.")
        st.page_link(
            "app_pages/dashboard.py", label="Open the dashboard", icon=":material/monitoring:"
        )
    if plan.next_review_on:
        st.caption(f"Next review: {review_due_text(plan.next_review_on, date.today())}")


show_flash()
with db_session() as session:
    has_workspace = bool(workspaces.list_workspaces(session=session, actor=current_actor()))
if has_workspace:
    render_plan_overview()
    with st.sidebar.expander("More"):
        if st.button("Load the demo bakery", key="home_demo_more"):
            load_demo()
else:
    render_welcome()
