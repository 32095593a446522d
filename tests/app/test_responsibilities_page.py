"""The Responsibilities step: the team, the R/A/C/I matrix, and each person's weekly time."""

import pytest
from sqlmodel import Session, select

from socialplan import people, tasks
from socialplan.access import Actor
from socialplan.models import Objective, Person, Responsibility, Task
from socialplan.responsibilities import person_column
from tests.app.conftest import open_page, texts
from tests.factories import create_workspace_with_plan

PAGE = "app_pages/responsibilities.py"
MATRIX = "responsibilities_matrix"


@pytest.fixture
def bakery(app_engine):
    """A plan with one objective, a daily task, and two people (Ana owns the task)."""
    actor = Actor.local()
    with Session(app_engine, expire_on_commit=False) as session:
        workspace, plan = create_workspace_with_plan(session, actor)
        objective = Objective(plan_id=plan.id, title="More regulars")
        session.add(objective)
        session.commit()
        ana, ben = (
            people.create_person(
                session=session,
                actor=actor,
                workspace_id=workspace.id,
                person_create={"name": name, "weekly_budget_minutes": minutes},
            )
            for name, minutes in (("Ana", 60), ("Ben", 120))
        )
        task = tasks.create_task(
            session=session,
            actor=actor,
            objective_id=objective.id,
            task_create={
                "title": "Post the morning bake",
                "cadence": "daily",
                "minutes": 15,
                "owner_person_id": ana.id,
            },
        )
        return objective, task, ana, ben


def roles(app_engine):
    with Session(app_engine) as session:
        rows = session.exec(select(Responsibility)).all()
        return {(r.person_id, r.objective_id, r.task_id, r.role) for r in rows}


def edit_matrix(at, edited_rows):
    """Type into the matrix as a user would (AppTest seeds a keyed editor's edits), and save."""
    at.session_state[MATRIX] = {"edited_rows": edited_rows, "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="responsibilities_save").click()
    return at.run()


def test_adding_a_person_stores_them_with_their_hours_as_minutes(app_engine):
    with Session(app_engine) as session:
        workspace, _ = create_workspace_with_plan(session, Actor.local())
    at = open_page(PAGE)
    assert "Nobody is on the team yet" in texts(at)
    at.text_input(key="responsibilities_new_name").input("Rosa")
    at.text_input(key="responsibilities_new_email").input("rosa@bakery.example")
    at.number_input(key="responsibilities_new_hours").set_value(3.5)
    at.button(key="responsibilities_add").click()
    at.run()
    assert not at.exception, at.exception
    with Session(app_engine) as session:
        (rosa,) = session.exec(select(Person)).all()
    assert (rosa.workspace_id, rosa.name, rosa.email, rosa.weekly_budget_minutes) == (
        workspace.id,
        "Rosa",
        "rosa@bakery.example",
        210,
    )
    assert at.dataframe[0].value.to_dict("records") == [
        {"Name": "Rosa", "Email": "rosa@bakery.example", "Time a week": "3 h 30 min"}
    ]


def test_a_person_without_a_name_is_refused_with_a_message(app_engine):
    with Session(app_engine) as session:
        create_workspace_with_plan(session, Actor.local())
    at = open_page(PAGE)
    at.number_input(key="responsibilities_new_hours").set_value(-1.0)
    at.button(key="responsibilities_add").click()
    at.run()
    errors = [e.value for e in at.error]
    assert "Name is required." in errors
    assert "Hours a week must be between 0 and 168 hours a week." in errors
    with Session(app_engine) as session:
        assert session.exec(select(Person)).all() == []


def test_changing_a_persons_hours_saves_the_new_budget(app_engine, bakery):
    _, _, ana, _ = bakery
    at = open_page(PAGE)
    prefix = f"responsibilities_edit_{ana.id}_1"
    at.number_input(key=f"{prefix}_hours").set_value(2.0)
    at.button(key=f"{prefix}_save").click()
    at.run()
    with Session(app_engine) as session:
        stored = session.get(Person, ana.id)
    assert (stored.weekly_budget_minutes, stored.version) == (120, 2)


def test_taking_a_person_off_the_team_frees_their_task(app_engine, bakery):
    _, task, ana, _ = bakery
    at = open_page(PAGE)
    at.button(key=f"responsibilities_edit_{ana.id}_1_archive").click()
    at.run()
    assert "Ana taken off the team." in texts(at)
    with Session(app_engine) as session:
        assert session.get(Person, ana.id).archived_at is not None
        assert session.get(Task, task.id).owner_person_id is None


def test_the_matrix_shows_the_task_owner_as_r(app_engine, bakery):
    _, _, ana, ben = bakery
    at = open_page(PAGE)
    matrix = at.data_editor(key=MATRIX).value.fillna("")
    assert matrix[person_column(ana.id)].tolist() == ["", "R"]
    assert matrix[person_column(ben.id)].tolist() == ["", ""]
    assert "Nobody is accountable for “More regulars” yet" in texts(at)


def test_saving_the_matrix_stores_the_roles_and_moves_the_task(app_engine, bakery):
    objective, task, ana, ben = bakery
    at = edit_matrix(
        open_page(PAGE),
        {
            0: {person_column(ana.id): "A", person_column(ben.id): "C"},
            1: {person_column(ana.id): None, person_column(ben.id): "R"},
        },
    )
    assert not at.exception, at.exception
    assert "Responsibilities saved." in texts(at)
    assert roles(app_engine) == {
        (ana.id, objective.id, None, "accountable"),
        (ben.id, objective.id, None, "consulted"),
        (ben.id, None, task.id, "responsible"),
    }
    with Session(app_engine) as session:
        assert session.get(Task, task.id).owner_person_id == ben.id
    assert "Every objective has one accountable person and every task an owner." in texts(at)


def test_two_accountable_people_are_refused_naming_the_objective(app_engine, bakery):
    objective, task, ana, ben = bakery
    at = edit_matrix(
        open_page(PAGE),
        {0: {person_column(ana.id): "A", person_column(ben.id): "A"}},
    )
    assert not at.exception, at.exception
    assert (
        "Accountable can be only one person for each objective and task: "
        "“More regulars” has Ana and Ben." in [e.value for e in at.error]
    )
    assert roles(app_engine) == {(ana.id, None, task.id, "responsible")}


def test_a_person_over_budget_is_flagged(app_engine, bakery):
    _, _, ana, _ = bakery
    at = open_page(PAGE)
    # Ana's daily 15 minutes make 1 h 45 min a week against a 1 h budget.
    load = at.dataframe[-1].value.to_dict("records")
    assert load == [
        {
            "Person": "Ana",
            "Budget a week": "1 h",
            "Their tasks take": "1 h 45 min",
            "Check": "⚠️ Over budget by 45 min",
        },
        {
            "Person": "Ben",
            "Budget a week": "2 h",
            "Their tasks take": "0 min",
            "Check": "✅ Fits, 2 h to spare",
        },
    ]
    assert any(w.value.startswith("Ana's tasks take 1 h 45 min a week") for w in at.warning)
    assert (
        "Your team of 2 will spend 1 h 45 min a week on social media, out of a budget of 3 h."
        in texts(at)
    )


def test_without_objectives_the_matrix_sends_you_to_step_1(app_engine):
    with Session(app_engine) as session:
        create_workspace_with_plan(session, Actor.local())
    at = open_page(PAGE)
    assert "this plan has no objectives yet" in texts(at)
    assert "Go to step 1, Objectives" in [link.proto.label for link in at.get("page_link")]
    assert not at.data_editor


def test_saving_a_matrix_someone_else_changed_since_it_was_read_is_refused(app_engine, bakery):
    objective, task, ana, ben = bakery
    at = open_page(PAGE)
    with Session(app_engine) as session:
        session.add(Responsibility(person_id=ben.id, objective_id=objective.id, role="accountable"))
        session.commit()
    at.button(key="responsibilities_save").click()
    at.run()
    assert any("changed by someone else since you opened it" in e.value for e in at.error)
    assert roles(app_engine) == {
        (ana.id, None, task.id, "responsible"),
        (ben.id, objective.id, None, "accountable"),
    }
