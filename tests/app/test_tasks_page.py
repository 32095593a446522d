"""The Tasks step: add tasks per objective, see this week's and overdue ones, change them."""

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from socialplan import people, tasks
from socialplan.access import Actor
from socialplan.models import Objective, Task
from tests.app.conftest import open_page, texts
from tests.factories import create_workspace_with_plan

PAGE = "app_pages/tasks.py"


@pytest.fixture
def bakery(app_engine):
    """A plan with one objective and one person, as ids (the page opens its own sessions)."""
    actor = Actor.local()
    with Session(app_engine, expire_on_commit=False) as session:
        workspace, plan = create_workspace_with_plan(
            session, actor, period_start=date.today() - timedelta(days=30)
        )
        objective = Objective(plan_id=plan.id, title="More regulars")
        session.add(objective)
        session.commit()
        ana = people.create_person(
            session=session,
            actor=actor,
            workspace_id=workspace.id,
            person_create={"name": "Ana", "weekly_budget_minutes": 120},
        )
        return plan, objective, ana


def stored_tasks(app_engine):
    with Session(app_engine) as session:
        return list(session.exec(select(Task)))


def fill_new_task(at, title="Post the morning bake", **values):
    at.text_input(key="tasks_new_title").input(title)
    for key, value in values.items():
        widget = {
            "cadence": at.selectbox,
            "owner": at.selectbox,
            "status": at.selectbox,
            "due_date": at.date_input,
            "minutes": at.number_input,
            "times_per_week": at.number_input,
        }[key]
        widget(key=f"tasks_new_{key}").set_value(value)
    at.button(key="tasks_new_save").click()
    return at.run()


def test_adding_a_task_stores_it_and_shows_it_under_its_objective(app_engine, bakery):
    _, objective, ana = bakery
    at = fill_new_task(
        open_page(PAGE), cadence="weekly", times_per_week=3, minutes=20, owner=ana.id
    )
    assert not at.exception, at.exception
    (task,) = stored_tasks(app_engine)
    assert (task.title, task.objective_id, task.cadence, task.times_per_week, task.minutes) == (
        "Post the morning bake",
        objective.id,
        "weekly",
        3,
        20,
    )
    assert task.owner_person_id == ana.id
    assert "Task “Post the morning bake” added." in texts(at)
    # Tables, top to bottom: this week's tasks, then the objective's.
    assert at.dataframe[-1].value.to_dict("records") == [
        {
            "Task": "Post the morning bake",
            "Objective": "",
            "How often": "3 times a week",
            "Time": "20 min each · 1 h a week",
            "Owner": "Ana",
            "Status": "To do",
        }
    ]


def test_a_new_recurring_task_appears_in_this_weeks_list(app_engine, bakery):
    at = fill_new_task(open_page(PAGE), "Answer messages", cadence="daily", minutes=10)
    assert "Nothing to do this week yet" not in texts(at)
    assert at.dataframe[0].value["Task"].tolist() == ["Answer messages"]


@pytest.mark.parametrize(
    ("title", "values", "message"),
    [
        ("", {}, "Title is required."),
        ("Photo day", {"cadence": "once"}, "Due date is required for a one-off task."),
        (
            "Photo day",
            {"cadence": "once", "due_date": date(2030, 1, 1)},
            "Due date must be within the plan period",
        ),
        ("Post", {"minutes": -15}, "Minutes each time must be at least 0."),
    ],
)
def test_bad_input_shows_the_message_next_to_the_field_and_saves_nothing(
    app_engine, bakery, title, values, message
):
    at = fill_new_task(open_page(PAGE), title, **values)
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert "Nothing was saved — please fix the fields marked below." in errors
    assert any(e.startswith(message) for e in errors), errors
    assert stored_tasks(app_engine) == []


def test_an_overdue_one_off_task_is_listed_as_overdue(app_engine, bakery):
    plan, objective, _ = bakery
    with Session(app_engine) as session:
        tasks.create_task(
            session=session,
            actor=Actor.local(),
            objective_id=objective.id,
            task_create={
                "title": "Order new signs",
                "cadence": "once",
                "due_date": plan.period_start,
            },
        )
    at = open_page(PAGE)
    # Due a month ago, so not this week: the first table is the overdue one.
    assert "Nothing to do this week yet" in texts(at)
    assert "1 one-off task(s) passed their due date" in texts(at)
    assert at.dataframe[0].value["Task"].tolist() == ["Order new signs"]


def open_edit(at, task):
    """Open a task's "Change" section: its form is drawn only while it is open."""
    assert f"tasks_edit_{task.id}_1_save" not in [button.key for button in at.button]
    at.session_state[f"tasks_edit_{task.id}_open"] = True
    at.run()
    assert not at.exception, at.exception
    return at


def test_changing_a_task_saves_it_with_the_version_read(app_engine, bakery):
    _, objective, ana = bakery
    with Session(app_engine) as session:
        task = tasks.create_task(
            session=session,
            actor=Actor.local(),
            objective_id=objective.id,
            task_create={"title": "Post", "minutes": 15},
        )
    at = open_edit(open_page(PAGE), task)
    prefix = f"tasks_edit_{task.id}_1"
    at.number_input(key=f"{prefix}_minutes").set_value(25)
    at.selectbox(key=f"{prefix}_owner").set_value(ana.id)
    at.selectbox(key=f"{prefix}_status").set_value("doing")
    at.button(key=f"{prefix}_save").click()
    at.run()
    assert not at.exception, at.exception
    (stored,) = stored_tasks(app_engine)
    assert (stored.minutes, stored.owner_person_id, stored.status, stored.version) == (
        25,
        ana.id,
        "doing",
        2,
    )


def test_a_change_saved_elsewhere_since_the_page_was_read_is_refused(app_engine, bakery):
    _, objective, _ = bakery
    with Session(app_engine) as session:
        task = tasks.create_task(
            session=session,
            actor=Actor.local(),
            objective_id=objective.id,
            task_create={"title": "Post"},
        )
    at = open_edit(open_page(PAGE), task)
    with Session(app_engine) as session:
        tasks.update_task(
            session=session,
            actor=Actor.local(),
            task_id=task.id,
            # Not the title: the open section is named after it, and a new name draws a
            # new (closed) section with the stored task.
            task_update={"version": 1, "minutes": 45},
        )
    at.button(key=f"tasks_edit_{task.id}_1_drop").click()
    at.run()
    assert any("changed by someone else" in e.value for e in at.error)
    (stored,) = stored_tasks(app_engine)
    assert (stored.minutes, stored.status) == (45, "todo")


def test_dropping_a_task_keeps_it_listed_as_dropped(app_engine, bakery):
    _, objective, _ = bakery
    with Session(app_engine) as session:
        task = tasks.create_task(
            session=session,
            actor=Actor.local(),
            objective_id=objective.id,
            task_create={"title": "Print flyers"},
        )
    at = open_edit(open_page(PAGE), task)
    at.button(key=f"tasks_edit_{task.id}_1_drop").click()
    at.run()
    (stored,) = stored_tasks(app_engine)
    assert stored.status == "dropped"
    assert at.dataframe[-1].value["Status"].tolist() == ["Dropped"]


def test_without_people_the_page_says_owners_are_added_on_step_4(app_engine):
    with Session(app_engine) as session:
        _, plan = create_workspace_with_plan(session, Actor.local())
        session.add(Objective(plan_id=plan.id, title="More regulars"))
        session.commit()
    at = open_page(PAGE)
    assert "Owners are the people on your team" in texts(at)
    links = [link.proto.label for link in at.get("page_link")]
    assert "Add people on step 4, Responsibilities" in links


def test_without_objectives_the_page_sends_you_to_step_1(app_engine):
    with Session(app_engine) as session:
        create_workspace_with_plan(session, Actor.local())
    at = open_page(PAGE)
    assert "this plan has none yet" in texts(at)
    links = [link.proto.label for link in at.get("page_link")]
    assert links == ["Go to step 1, Objectives"]
    assert not at.get("form")
