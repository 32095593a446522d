"""The Metrics page: add metrics per objective (from suggestions), edit, archive, readings."""

from datetime import date

import pytest
from sqlmodel import Session, select

from socialplan import metrics, objectives, plans
from socialplan.access import Actor
from socialplan.models import (
    Account,
    AccountKind,
    Direction,
    Metric,
    MetricSource,
    MetricUpdate,
    Network,
    ObjectiveCategory,
    ObjectiveCreate,
    PlanUpdate,
    Reading,
)
from tests.app.conftest import open_page, texts
from tests.factories import PLAN_END, create_workspace_with_plan

PAGE = "app_pages/metrics.py"


@pytest.fixture
def plan(app_engine):
    with Session(app_engine, expire_on_commit=False) as session:
        _, plan = create_workspace_with_plan(session)
    return plan


def add_objective(app_engine, plan, title="Be known", category=ObjectiveCategory.AWARENESS):
    with Session(app_engine, expire_on_commit=False) as session:
        return objectives.create_objective(
            session=session,
            actor=Actor.local(),
            plan_id=plan.id,
            objective_create=ObjectiveCreate(title=title, category=category),
        )


def add_metric(app_engine, objective, **overrides):
    fields = {
        "name": "Orders from social media",
        "source": MetricSource.MANUAL,
        "unit": "orders",
        "baseline": 10,
        "target": 40,
        "target_date": PLAN_END,
        "direction": Direction.UP,
        **overrides,
    }
    with Session(app_engine, expire_on_commit=False) as session:
        return metrics.create_metric(
            session=session, actor=Actor.local(), objective_id=objective.id, metric_create=fields
        )


def stored_metrics(app_engine):
    with Session(app_engine) as session:
        return list(session.exec(select(Metric).order_by(Metric.id)))


def stored_readings(app_engine, metric):
    with Session(app_engine) as session:
        query = select(Reading).where(Reading.metric_id == metric.id).order_by(Reading.day)
        return [(r.day, r.value, r.note) for r in session.exec(query)]


def run_clean(at):
    at.run()
    assert not at.exception, at.exception
    return at


def open_edit(at, metric):
    """Open a metric's "Edit" section: its form is drawn only while it is open."""
    at.session_state[f"metrics_edit_{metric.id}_open"] = True
    return run_clean(at)


def errors_shown(at):
    return [element.value for element in at.error]


def open_add(at, objective):
    """Open an objective's "Add a metric" section: its form is drawn only while it is open."""
    assert f"metrics_new_{objective.id}_submit" not in [button.key for button in at.button]
    at.session_state[f"metrics_new_{objective.id}_open"] = True
    return run_clean(at)


def fill_new(at, objective, **values):
    """Type into the add form of an objective: name, unit, baseline, target, target_date."""
    for field, value in values.items():
        key = f"metrics_new_{objective.id}_{field}"
        if field in ("name", "unit"):
            at.text_input(key=key).input(value)
        elif field == "target_date":
            at.date_input(key=key).set_value(value)
        else:
            at.number_input(key=key).set_value(value)


def submit_new(at, objective):
    at.button(key=f"metrics_new_{objective.id}_submit").click()
    return run_clean(at)


def test_a_plan_without_objectives_points_to_step_one(app_engine, plan):
    at = open_page(PAGE)
    assert not at.exception
    assert "this plan has none yet" in texts(at)
    assert [link.value for link in at.page_link][-1] == "Go to step 1, Objectives"


def test_picking_a_suggestion_fills_the_form_and_adding_it_stores_the_metric(app_engine, plan):
    objective = add_objective(app_engine, plan)
    at = open_add(open_page(PAGE), objective)
    at.selectbox(key=f"metrics_new_{objective.id}_suggestion").set_value(0)
    run_clean(at)
    assert at.text_input(key=f"metrics_new_{objective.id}_name").value == "Followers"
    assert at.selectbox(key=f"metrics_new_{objective.id}_source").value == MetricSource.FOLLOWERS
    assert "Right now:" not in texts(at)  # no snapshots yet: the page says so instead
    fill_new(at, objective, baseline=320, target=500)
    submit_new(at, objective)
    [metric] = stored_metrics(app_engine)
    assert (metric.name, metric.source, metric.unit, metric.account_id) == (
        "Followers",
        "followers",
        "followers",
        None,
    )
    assert (metric.baseline, metric.target, metric.target_date, metric.direction) == (
        320,
        500,
        plan.period_end,
        "up",
    )
    assert "Metric “Followers” added." in texts(at)
    assert at.text_input(key=f"metrics_new_{objective.id}_name").value == ""
    assert any("step 3, Tasks" in link.value for link in at.page_link)


def test_a_customer_service_suggestion_fills_in_a_direction_that_goes_down(app_engine, plan):
    objective = add_objective(app_engine, plan, "Answer fast", ObjectiveCategory.CUSTOMER_SERVICE)
    at = open_add(open_page(PAGE), objective)
    at.selectbox(key=f"metrics_new_{objective.id}_suggestion").set_value(1)
    run_clean(at)
    assert at.radio(key=f"metrics_new_{objective.id}_direction").value == Direction.DOWN
    fill_new(at, objective, baseline=12, target=3)
    submit_new(at, objective)
    [metric] = stored_metrics(app_engine)
    assert (metric.name, metric.unit, metric.direction) == ("Response time", "hours", "down")


def test_an_account_metric_can_follow_one_own_account(app_engine, plan):
    objective = add_objective(app_engine, plan)
    with Session(app_engine, expire_on_commit=False) as session:
        account = Account(
            workspace_id=plan.workspace_id,
            network=Network.BLUESKY,
            handle="rosasbakery",
            kind=AccountKind.OWN,
        )
        session.add(account)
        session.commit()
    at = open_add(open_page(PAGE), objective)
    at.selectbox(key=f"metrics_new_{objective.id}_source").set_value(MetricSource.FOLLOWERS)
    run_clean(at)
    at.selectbox(key=f"metrics_new_{objective.id}_account").set_value(account.id)
    fill_new(at, objective, name="Bluesky followers", baseline=100, target=200)
    submit_new(at, objective)
    [metric] = stored_metrics(app_engine)
    assert (metric.source, metric.account_id) == ("followers", account.id)
    assert "@rosasbakery on Bluesky" in texts(at)


def test_an_empty_name_shows_the_message_and_saves_nothing(app_engine, plan):
    objective = add_objective(app_engine, plan)
    at = open_add(open_page(PAGE), objective)
    fill_new(at, objective, name="  ", baseline=1, target=2)
    submit_new(at, objective)
    assert stored_metrics(app_engine) == []
    assert "Name is required." in errors_shown(at)
    assert "Nothing was saved" in texts(at)


def test_a_target_equal_to_the_baseline_shows_the_message_and_saves_nothing(app_engine, plan):
    objective = add_objective(app_engine, plan)
    at = open_add(open_page(PAGE), objective)
    fill_new(at, objective, name="Enquiries", baseline=5, target=5)
    submit_new(at, objective)
    assert stored_metrics(app_engine) == []
    assert "Target must differ from the baseline." in errors_shown(at)
    assert at.text_input(key=f"metrics_new_{objective.id}_name").value == "Enquiries"


def test_a_target_below_the_baseline_of_a_number_that_should_go_up_is_explained(app_engine, plan):
    objective = add_objective(app_engine, plan)
    at = open_add(open_page(PAGE), objective)
    fill_new(at, objective, name="Enquiries", baseline=5, target=2)
    submit_new(at, objective)
    assert stored_metrics(app_engine) == []
    assert any("must be above the baseline (5)" in message for message in errors_shown(at))


def test_editing_a_metric_saves_it_and_records_the_change(app_engine, plan):
    objective = add_objective(app_engine, plan)
    metric = add_metric(app_engine, objective)
    at = open_page(PAGE)
    # Closed, the form is not drawn; opening it fills it from the stored metric.
    assert f"metrics_edit_{metric.id}_target" not in [n.key for n in at.number_input]
    open_edit(at, metric)
    assert at.number_input(key=f"metrics_edit_{metric.id}_target").value == 40
    at.number_input(key=f"metrics_edit_{metric.id}_target").set_value(55)
    at.button(key=f"metrics_edit_{metric.id}_save").click()
    run_clean(at)
    [stored] = stored_metrics(app_engine)
    assert (stored.target, stored.version) == (55, 2)
    assert "Metric saved." in texts(at)
    with Session(app_engine) as session:
        revisions = plans.list_revisions(session=session, actor=Actor.local(), plan_id=plan.id)
    assert ("target", "40.0", "55.0") in {(r.field, r.old_value, r.new_value) for r in revisions}


def test_a_target_date_outside_a_shortened_period_is_refused_with_the_new_dates(app_engine, plan):
    objective = add_objective(app_engine, plan)
    metric = add_metric(app_engine, objective, target_date=PLAN_END)
    with Session(app_engine) as session:
        plans.update_plan(
            session=session,
            actor=Actor.local(),
            plan_id=plan.id,
            plan_update=PlanUpdate(version=1, period_end=date(2027, 5, 31)),
        )
    at = open_edit(open_page(PAGE), metric)
    at.date_input(key=f"metrics_edit_{metric.id}_target_date").set_value(date(2027, 6, 15))
    at.button(key=f"metrics_edit_{metric.id}_save").click()
    run_clean(at)
    assert (
        "Target date must be within the plan period, 01 Jan 2027 to 31 May 2027."
        in errors_shown(at)
    )
    [stored] = stored_metrics(app_engine)
    assert (stored.target_date, stored.version) == (PLAN_END, 1)
    # Renaming it is still possible: the untouched target date is not held against it.
    at.date_input(key=f"metrics_edit_{metric.id}_target_date").set_value(PLAN_END)
    at.text_input(key=f"metrics_edit_{metric.id}_name").input("Orders via Instagram")
    at.button(key=f"metrics_edit_{metric.id}_save").click()
    run_clean(at)
    assert stored_metrics(app_engine)[0].name == "Orders via Instagram"


def test_saving_over_someone_elses_change_shows_the_conflict_and_keeps_theirs(app_engine, plan):
    objective = add_objective(app_engine, plan)
    metric = add_metric(app_engine, objective)
    at = open_edit(open_page(PAGE), metric)
    with Session(app_engine) as session:
        metrics.update_metric(
            session=session,
            actor=Actor.local(),
            metric_id=metric.id,
            metric_update=MetricUpdate(version=1, target=70),
        )
    at.number_input(key=f"metrics_edit_{metric.id}_target").set_value(45)
    at.button(key=f"metrics_edit_{metric.id}_save").click()
    run_clean(at)
    assert "This metric was changed by someone else" in texts(at)
    assert stored_metrics(app_engine)[0].target == 70


def test_archive_and_restore_a_metric(app_engine, plan):
    objective = add_objective(app_engine, plan)
    metric = add_metric(app_engine, objective)
    at = open_page(PAGE)
    at.button(key=f"metrics_edit_{metric.id}_archive").click()
    run_clean(at)
    assert stored_metrics(app_engine)[0].archived_at is not None
    assert "Archived metrics (1)" in [e.label for e in at.expander]
    assert "No metric yet" in texts(at)
    at.button(key=f"metrics_edit_{metric.id}_restore").click()
    run_clean(at)
    assert stored_metrics(app_engine)[0].archived_at is None
    assert "Metric restored." in texts(at)


def edit_readings(at, metric, added=(), edited=None, deleted=()):
    """Seed the readings editor as a user's typing would, then run."""
    at.session_state[f"metrics_readings_{metric.id}"] = {
        "edited_rows": edited or {},
        "added_rows": list(added),
        "deleted_rows": list(deleted),
    }
    return run_clean(at)


def open_readings(at, metric):
    """Open a metric's "Readings" section: its table is drawn only while it is open."""
    assert not [e for e in at.get("data_editor") if e.key == f"metrics_readings_{metric.id}"]
    at.session_state[f"metrics_readings_{metric.id}_open"] = True
    return run_clean(at)


def save_readings(at, metric):
    at.button(key=f"metrics_readings_{metric.id}_save").click()
    return run_clean(at)


def test_readings_typed_into_the_table_are_saved(app_engine, plan):
    objective = add_objective(app_engine, plan, "Sell cakes", ObjectiveCategory.SALES)
    metric = add_metric(app_engine, objective)
    at = open_page(PAGE)
    assert "No readings yet." in texts(at)
    open_readings(at, metric)
    assert at.data_editor(key=f"metrics_readings_{metric.id}").editing_mode == "dynamic"
    edit_readings(
        at,
        metric,
        added=[
            {"day": "2027-01-07", "value": 9, "note": "quiet week"},
            {"day": "2027-01-14", "value": 14},
        ],
    )
    save_readings(at, metric)
    assert stored_readings(app_engine, metric) == [
        (date(2027, 1, 7), 9.0, "quiet week"),
        (date(2027, 1, 14), 14.0, ""),
    ]
    assert "saved: 2 in all" in texts(at)
    # Shown at once, though the page keeps its readings between runs: the save moved the
    # workspace's data version on.
    assert "2 readings · latest 14 on 14 Jan 2027" in texts(at)
    # The saved rows are now the table's own rows: change one, delete the other.
    table = at.data_editor(key=f"metrics_readings_{metric.id}").value
    assert list(table["value"]) == [9.0, 14.0]
    edit_readings(at, metric, edited={1: {"value": 15}}, deleted=[0])
    save_readings(at, metric)
    assert stored_readings(app_engine, metric) == [(date(2027, 1, 14), 15.0, "")]


def test_a_hand_entered_metric_added_on_the_page_opens_its_readings_table(app_engine, plan):
    objective = add_objective(app_engine, plan, "Sell cakes", ObjectiveCategory.SALES)
    at = open_add(open_page(PAGE), objective)
    at.selectbox(key=f"metrics_new_{objective.id}_source").set_value(MetricSource.MANUAL)
    run_clean(at)
    fill_new(at, objective, name="Orders", baseline=10, target=40)
    submit_new(at, objective)
    [metric] = stored_metrics(app_engine)
    assert at.data_editor(key=f"metrics_readings_{metric.id}").editing_mode == "dynamic"


def test_readings_saved_elsewhere_show_on_the_next_run(any_app_engine):
    # The page keeps a metric's readings between runs: a save by anyone (another browser,
    # an import) moves the workspace's data version on, and the next run reads them again.
    with Session(any_app_engine, expire_on_commit=False) as session:
        _, plan = create_workspace_with_plan(session)
    objective = add_objective(any_app_engine, plan, "Sell cakes", ObjectiveCategory.SALES)
    metric = add_metric(any_app_engine, objective)
    at = open_readings(open_page(PAGE), metric)
    assert "No readings yet." in texts(at)
    run_clean(at)
    with Session(any_app_engine) as session:
        metrics.save_readings(
            session=session,
            actor=Actor.local(),
            metric_id=metric.id,
            rows=[{"day": date(2027, 1, 7), "value": 9, "note": ""}],
        )
    run_clean(at)
    assert "1 reading · latest 9 on 07 Jan 2027" in texts(at)
    table = at.data_editor(key=f"metrics_readings_{metric.id}").value
    assert list(table["value"]) == [9.0]


def test_a_bad_reading_row_is_named_and_nothing_is_saved(app_engine, plan):
    objective = add_objective(app_engine, plan, "Sell cakes", ObjectiveCategory.SALES)
    metric = add_metric(app_engine, objective)
    at = open_readings(open_page(PAGE), metric)
    edit_readings(
        at,
        metric,
        added=[
            {"day": "2027-01-07", "value": 9},
            {"day": "2027-01-07", "value": 11},
            {"value": 3},
        ],
    )
    save_readings(at, metric)
    assert stored_readings(app_engine, metric) == []
    shown = errors_shown(at)
    assert (
        "Day in row 2 repeats 07 Jan 2027 from row 1: keep one reading per day; "
        "in row 3 is missing." in shown
    )
    assert "Nothing was saved" in texts(at)


def test_account_metrics_have_no_readings_table(app_engine, plan):
    objective = add_objective(app_engine, plan)
    metric = add_metric(
        app_engine, objective, name="Followers", source=MetricSource.FOLLOWERS, unit=""
    )
    at = open_page(PAGE)
    assert not at.get("data_editor")
    open_edit(at, metric)
    assert f"metrics_edit_{metric.id}_account" in [s.key for s in at.selectbox]
