import pytest
from sqlmodel import select

from socialplan import people, plans, tasks
from socialplan.access import Actor
from socialplan.errors import Conflict, InvalidInput, NotAllowed, NotFound
from socialplan.models import (
    Objective,
    PersonUpdate,
    PlanStatus,
    RaciRole,
    Responsibility,
    Revision,
)
from tests.factories import create_workspace_with_plan


def add_objective(session, plan, title="More regulars"):
    objective = Objective(plan_id=plan.id, title=title)
    session.add(objective)
    session.commit()
    return objective


def add_person(session, actor, workspace, name="Ana", minutes=240, email=None):
    return people.create_person(
        session=session,
        actor=actor,
        workspace_id=workspace.id,
        person_create={"name": name, "email": email, "weekly_budget_minutes": minutes},
    )


def names(session, actor, workspace, **kwargs):
    listed = people.list_people(session=session, actor=actor, workspace_id=workspace.id, **kwargs)
    return [p.name for p in listed]


def test_a_new_person_is_stored_with_their_budget_and_listed_by_name(session, actor):
    workspace, _ = create_workspace_with_plan(session, actor)
    add_person(session, actor, workspace, "rosa", 90, "rosa@bakery.example")
    add_person(session, actor, workspace, "Ana", 240)
    add_person(session, actor, workspace, "Ben", 0)
    assert names(session, actor, workspace) == ["Ana", "Ben", "rosa"]
    rosa = people.list_people(session=session, actor=actor, workspace_id=workspace.id)[2]
    assert (rosa.email, rosa.weekly_budget_minutes) == ("rosa@bakery.example", 90)


def test_a_blank_name_is_refused_and_nobody_is_saved(session, actor):
    workspace, _ = create_workspace_with_plan(session, actor)
    with pytest.raises(InvalidInput) as error:
        add_person(session, actor, workspace, "   ")
    assert error.value.errors == {"name": "is required."}
    assert names(session, actor, workspace) == []


def test_an_email_without_an_at_sign_is_refused(session, actor):
    workspace, _ = create_workspace_with_plan(session, actor)
    with pytest.raises(InvalidInput) as error:
        add_person(session, actor, workspace, "Ana", email="ana.bakery.example")
    assert set(error.value.errors) == {"email"}
    assert names(session, actor, workspace) == []


def test_an_empty_email_is_stored_as_no_email(session, actor):
    workspace, _ = create_workspace_with_plan(session, actor)
    person = add_person(session, actor, workspace, "Ana", email="  ")
    assert person.email is None


def test_two_people_with_the_same_name_are_refused(session, actor):
    workspace, _ = create_workspace_with_plan(session, actor)
    add_person(session, actor, workspace, "Ana")
    with pytest.raises(InvalidInput) as error:
        add_person(session, actor, workspace, "ana ")
    assert "already on the team" in error.value.errors["name"]
    assert names(session, actor, workspace) == ["Ana"]


def test_the_same_name_in_another_business_is_fine(session, actor):
    first, _ = create_workspace_with_plan(session, actor, name="Bakery")
    second, _ = create_workspace_with_plan(session, actor, name="Florist")
    add_person(session, actor, first, "Ana")
    add_person(session, actor, second, "Ana")
    assert names(session, actor, second) == ["Ana"]


@pytest.mark.parametrize("minutes", [-30, 169 * 60])
def test_a_budget_outside_zero_to_168_hours_is_refused_in_hours(session, actor, minutes):
    workspace, _ = create_workspace_with_plan(session, actor)
    with pytest.raises(InvalidInput) as error:
        add_person(session, actor, workspace, "Ana", minutes)
    assert error.value.errors == {
        "weekly_budget_minutes": "must be between 0 and 168 hours a week."
    }
    assert names(session, actor, workspace) == []


@pytest.mark.parametrize(
    ("hours", "minutes", "words"),
    [(0, 0, "0 min"), (0.75, 45, "45 min"), (2, 120, "2 h"), (6.5, 390, "6 h 30 min")],
)
def test_hours_and_minutes_convert_both_ways_and_read_in_plain_words(hours, minutes, words):
    assert people.hours_to_minutes(hours) == minutes
    assert people.minutes_to_hours(minutes) == hours
    assert people.format_minutes(minutes) == words


def test_update_person_changes_the_budget_and_bumps_the_version(session, actor):
    workspace, _ = create_workspace_with_plan(session, actor)
    ana = add_person(session, actor, workspace, "Ana", 60)
    updated = people.update_person(
        session=session,
        actor=actor,
        person_id=ana.id,
        person_update=PersonUpdate(version=1, weekly_budget_minutes=180, email="a@b.example"),
    )
    assert (updated.weekly_budget_minutes, updated.version) == (180, 2)
    assert updated.email == "a@b.example"
    assert updated.name == "Ana"


def test_renaming_a_person_to_a_teammates_name_is_refused(session, actor):
    workspace, _ = create_workspace_with_plan(session, actor)
    add_person(session, actor, workspace, "Ana")
    ben = add_person(session, actor, workspace, "Ben")
    with pytest.raises(InvalidInput):
        people.update_person(
            session=session,
            actor=actor,
            person_id=ben.id,
            person_update={"version": 1, "name": "ANA"},
        )
    assert names(session, actor, workspace) == ["Ana", "Ben"]


def test_saving_a_person_over_a_newer_version_is_refused_and_keeps_the_first_save(session, actor):
    workspace, _ = create_workspace_with_plan(session, actor)
    ana = add_person(session, actor, workspace, "Ana", 60)
    people.update_person(
        session=session,
        actor=actor,
        person_id=ana.id,
        person_update=PersonUpdate(version=1, weekly_budget_minutes=120),
    )
    with pytest.raises(Conflict, match="changed by someone else since you opened it"):
        people.update_person(
            session=session,
            actor=actor,
            person_id=ana.id,
            person_update=PersonUpdate(version=1, weekly_budget_minutes=30),
        )
    (stored,) = people.list_people(session=session, actor=actor, workspace_id=workspace.id)
    assert stored.weekly_budget_minutes == 120


def test_an_archived_person_leaves_the_list_but_not_the_history(session, actor):
    workspace, _ = create_workspace_with_plan(session, actor)
    ana = add_person(session, actor, workspace, "Ana")
    add_person(session, actor, workspace, "Ben")
    archived = people.archive_person(session=session, actor=actor, person_id=ana.id, version=1)
    assert archived.archived_at is not None
    assert names(session, actor, workspace) == ["Ben"]
    assert names(session, actor, workspace, include_archived=True) == ["Ana", "Ben"]


def test_archiving_frees_open_tasks_and_roles_but_keeps_done_work(session, actor):
    workspace, plan = create_workspace_with_plan(session, actor)
    objective = add_objective(session, plan)
    ana = add_person(session, actor, workspace, "Ana")
    open_task = tasks.create_task(
        session=session,
        actor=actor,
        objective_id=objective.id,
        task_create={"title": "Post the morning bake", "owner_person_id": ana.id},
    )
    done_task = tasks.create_task(
        session=session,
        actor=actor,
        objective_id=objective.id,
        task_create={"title": "Set up the page", "owner_person_id": ana.id, "status": "done"},
    )
    session.add(
        Responsibility(person_id=ana.id, objective_id=objective.id, role=RaciRole.ACCOUNTABLE)
    )
    session.commit()

    people.archive_person(session=session, actor=actor, person_id=ana.id, version=1)

    session.refresh(open_task)
    session.refresh(done_task)
    assert open_task.owner_person_id is None
    assert done_task.owner_person_id == ana.id
    roles = session.exec(select(Responsibility).where(Responsibility.person_id == ana.id)).all()
    assert [(r.task_id, r.role) for r in roles] == [(done_task.id, "responsible")]
    revision = session.exec(
        select(Revision).where(Revision.field == "owner_person_id", Revision.plan_id == plan.id)
    ).one()
    assert (revision.old_value, revision.new_value) == ("Ana", "")


def test_archiving_keeps_roles_in_a_closed_plan(session, actor):
    workspace, plan = create_workspace_with_plan(session, actor)
    objective = add_objective(session, plan)
    ana = add_person(session, actor, workspace, "Ana")
    session.add(
        Responsibility(person_id=ana.id, objective_id=objective.id, role=RaciRole.ACCOUNTABLE)
    )
    session.commit()
    plans.update_plan(
        session=session,
        actor=actor,
        plan_id=plan.id,
        plan_update={"version": plan.version, "status": PlanStatus.CLOSED},
    )
    people.archive_person(session=session, actor=actor, person_id=ana.id, version=1)
    assert session.exec(select(Responsibility)).one().person_id == ana.id


def test_archiving_with_a_stale_version_is_refused(session, actor):
    workspace, _ = create_workspace_with_plan(session, actor)
    ana = add_person(session, actor, workspace, "Ana")
    people.update_person(
        session=session, actor=actor, person_id=ana.id, person_update={"version": 1, "name": "Anna"}
    )
    with pytest.raises(Conflict):
        people.archive_person(session=session, actor=actor, person_id=ana.id, version=1)
    assert names(session, actor, workspace) == ["Anna"]


def test_a_stranger_can_neither_list_nor_add_people(session, actor):
    workspace, _ = create_workspace_with_plan(session, actor)
    add_person(session, actor, workspace, "Ana")
    stranger = Actor.user(999, "stranger")
    with pytest.raises(NotFound):
        people.list_people(session=session, actor=stranger, workspace_id=workspace.id)
    with pytest.raises(NotFound):
        add_person(session, stranger, workspace, "Mallory")
    assert names(session, actor, workspace) == ["Ana"]


def test_a_share_link_reader_may_see_the_team_but_not_change_it(session, actor):
    workspace, plan = create_workspace_with_plan(session, actor)
    ana = add_person(session, actor, workspace, "Ana")
    reader = Actor.share_reader(plan.id)
    assert names(session, reader, workspace) == ["Ana"]
    with pytest.raises(NotAllowed):
        people.update_person(
            session=session,
            actor=reader,
            person_id=ana.id,
            person_update={"version": 1, "name": "Mallory"},
        )
    assert names(session, actor, workspace) == ["Ana"]
