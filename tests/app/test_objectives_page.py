"""The Objectives page: add, edit, reorder, archive and restore objectives."""

import pytest
from sqlmodel import Session, select

from socialplan import objectives
from socialplan.access import Actor
from socialplan.models import Objective, ObjectiveCategory, ObjectiveCreate, ObjectiveUpdate
from tests.app.conftest import open_page, texts
from tests.factories import create_workspace_with_plan

PAGE = "app_pages/objectives.py"


@pytest.fixture
def plan(app_engine):
    with Session(app_engine, expire_on_commit=False) as session:
        _, plan = create_workspace_with_plan(session)
    return plan


def add(app_engine, plan, title, **fields):
    with Session(app_engine, expire_on_commit=False) as session:
        return objectives.create_objective(
            session=session,
            actor=Actor.local(),
            plan_id=plan.id,
            objective_create=ObjectiveCreate(title=title, **fields),
        )


def stored(app_engine, active_only=True):
    with Session(app_engine) as session:
        query = select(Objective).order_by(Objective.position, Objective.id)
        if active_only:
            query = query.where(Objective.archived_at.is_(None))
        return [(o.title, o.why, o.category, o.priority) for o in session.exec(query)]


def run_clean(at):
    at.run()
    assert not at.exception, at.exception
    return at


def link_labels(at):
    return [link.value for link in at.page_link]


def test_an_empty_plan_shows_what_a_good_objective_looks_like(app_engine, plan):
    at = open_page(PAGE)
    assert not at.exception
    assert at.title[0].value == "Objectives"
    assert "A good objective names one thing" in texts(at)
    assert not any("step 2" in label for label in link_labels(at))


def test_adding_an_objective_stores_it_and_offers_the_next_step(app_engine, plan):
    at = open_page(PAGE)
    at.text_input(key="objectives_title").input("Fill the Saturday workshop")
    at.text_area(key="objectives_why").input("It pays for the quiet weekdays.")
    at.selectbox(key="objectives_category").set_value(ObjectiveCategory.SALES)
    at.button(key="objectives_add_submit").click()
    run_clean(at)
    assert stored(app_engine) == [
        ("Fill the Saturday workshop", "It pays for the quiet weekdays.", "sales", "medium")
    ]
    assert "Objective “Fill the Saturday workshop” added" in texts(at)
    assert at.text_input(key="objectives_title").value == ""
    assert any("step 2, Metrics" in label for label in link_labels(at))


def test_an_empty_title_shows_the_message_under_the_field_and_saves_nothing(app_engine, plan):
    at = open_page(PAGE)
    at.text_input(key="objectives_title").input("   ")
    at.text_area(key="objectives_why").input("Typed text stays.")
    at.button(key="objectives_add_submit").click()
    run_clean(at)
    assert stored(app_engine) == []
    assert "Nothing was saved" in texts(at)
    assert "Objective is required." in [e.value for e in at.error]
    assert at.text_area(key="objectives_why").value == "Typed text stays."


def test_editing_an_objective_saves_the_new_fields(app_engine, plan):
    objective = add(app_engine, plan, "Be known")
    at = open_page(PAGE)
    at.text_input(key=f"objectives_edit_{objective.id}_title").input("Be known on our street")
    at.selectbox(key=f"objectives_edit_{objective.id}_priority").set_value("high")
    at.button(key=f"objectives_edit_{objective.id}_save").click()
    run_clean(at)
    assert stored(app_engine) == [("Be known on our street", "", "awareness", "high")]
    assert "Objective saved." in texts(at)
    # A second save from the same screen carries the new version and succeeds too.
    at.text_input(key=f"objectives_edit_{objective.id}_title").input("Be known in town")
    at.button(key=f"objectives_edit_{objective.id}_save").click()
    run_clean(at)
    assert stored(app_engine)[0][0] == "Be known in town"


def test_saving_over_someone_elses_change_shows_the_conflict_and_keeps_theirs(app_engine, plan):
    objective = add(app_engine, plan, "Be known")
    at = open_page(PAGE)
    with Session(app_engine) as session:
        objectives.update_objective(
            session=session,
            actor=Actor.local(),
            objective_id=objective.id,
            objective_update=ObjectiveUpdate(version=1, title="Their title"),
        )
    at.text_input(key=f"objectives_edit_{objective.id}_title").input("My title")
    at.button(key=f"objectives_edit_{objective.id}_save").click()
    run_clean(at)
    assert "changed by someone else since you opened it" in texts(at)
    assert stored(app_engine)[0][0] == "Their title"


def test_move_down_and_up_reorder_the_list(app_engine, plan):
    first = add(app_engine, plan, "First")
    second = add(app_engine, plan, "Second")
    at = open_page(PAGE)
    assert at.button(key=f"objectives_edit_{first.id}_up").disabled
    assert at.button(key=f"objectives_edit_{second.id}_down").disabled
    at.button(key=f"objectives_edit_{first.id}_down").click()
    run_clean(at)
    assert [row[0] for row in stored(app_engine)] == ["Second", "First"]
    at.button(key=f"objectives_edit_{first.id}_up").click()
    run_clean(at)
    assert [row[0] for row in stored(app_engine)] == ["First", "Second"]


def test_archive_moves_an_objective_to_the_archived_section_and_restore_brings_it_back(
    app_engine, plan
):
    kept = add(app_engine, plan, "Kept")
    gone = add(app_engine, plan, "Gone")
    at = open_page(PAGE)
    at.button(key=f"objectives_edit_{gone.id}_archive").click()
    run_clean(at)
    assert [row[0] for row in stored(app_engine)] == ["Kept"]
    assert "Archived objectives (1)" in [e.label for e in at.expander]
    at.button(key=f"objectives_edit_{gone.id}_restore").click()
    run_clean(at)
    assert [row[0] for row in stored(app_engine)] == ["Kept", "Gone"]
    assert kept.id != gone.id
    # The restored objective can be edited straight away: its form carries the new version.
    at.text_input(key=f"objectives_edit_{gone.id}_title").input("Back again")
    at.button(key=f"objectives_edit_{gone.id}_save").click()
    run_clean(at)
    assert [row[0] for row in stored(app_engine)] == ["Kept", "Back again"]


def test_a_form_filled_before_someone_elses_change_stays_stale_across_other_clicks(
    app_engine, plan
):
    objective = add(app_engine, plan, "Be known")
    other = add(app_engine, plan, "Other")
    at = open_page(PAGE)
    at.text_input(key=f"objectives_edit_{objective.id}_title").input("My title")
    with Session(app_engine) as session:
        objectives.update_objective(
            session=session,
            actor=Actor.local(),
            objective_id=objective.id,
            objective_update=ObjectiveUpdate(version=1, why="Their reason"),
        )
    at.button(key=f"objectives_edit_{other.id}_up").click()
    run_clean(at)
    at.button(key=f"objectives_edit_{objective.id}_save").click()
    run_clean(at)
    assert "changed by someone else since you opened it" in texts(at)
    assert stored(app_engine)[1][:2] == ("Be known", "Their reason")
