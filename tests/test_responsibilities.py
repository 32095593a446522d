import pytest
from sqlmodel import select

from socialplan import people, responsibilities, tasks
from socialplan.access import Actor
from socialplan.errors import Conflict, InvalidInput, NotAllowed, NotFound
from socialplan.models import (
    Membership,
    Objective,
    Person,
    RaciRole,
    Responsibility,
    Revision,
    Role,
    Task,
    User,
)
from socialplan.responsibilities import PersonLoad
from tests.factories import create_workspace_with_plan

A = RaciRole.ACCOUNTABLE
R = RaciRole.RESPONSIBLE
C = RaciRole.CONSULTED
I = RaciRole.INFORMED  # noqa: E741 - the letter is the RACI name


def add_objective(session, plan, title, position=0):
    objective = Objective(plan_id=plan.id, title=title, position=position)
    session.add(objective)
    session.commit()
    return objective


def add_person(session, actor, workspace, name, minutes=240):
    return people.create_person(
        session=session,
        actor=actor,
        workspace_id=workspace.id,
        person_create={"name": name, "weekly_budget_minutes": minutes},
    )


def add_task(session, actor, objective, title, **fields):
    return tasks.create_task(
        session=session,
        actor=actor,
        objective_id=objective.id,
        task_create={"title": title, **fields},
    )


def save(session, actor, plan, cells, **kwargs):
    return responsibilities.save_responsibility_matrix(
        session=session, actor=actor, plan_id=plan.id, cells=cells, **kwargs
    )


def stored(session, actor, plan):
    rows = responsibilities.list_responsibilities(session=session, actor=actor, plan_id=plan.id)
    return {
        (r.person_id, "objective", r.objective_id)
        if r.objective_id
        else (r.person_id, "task", r.task_id): r.role
        for r in rows
    }


@pytest.fixture
def bakery(session, actor):
    workspace, plan = create_workspace_with_plan(session, actor)
    regulars = add_objective(session, plan, "More regulars", 1)
    hiring = add_objective(session, plan, "Hire a baker", 2)
    ana = add_person(session, actor, workspace, "Ana", 120)
    ben = add_person(session, actor, workspace, "Ben", 60)
    return workspace, plan, regulars, hiring, ana, ben


def test_saving_the_matrix_stores_each_role(session, actor, bakery):
    _, plan, regulars, hiring, ana, ben = bakery
    cells = {
        (ana.id, "objective", regulars.id): A,
        (ben.id, "objective", regulars.id): C,
        (ben.id, "objective", hiring.id): A,
        (ana.id, "objective", hiring.id): None,
    }
    save(session, actor, plan, cells)
    assert stored(session, actor, plan) == {
        (ana.id, "objective", regulars.id): A,
        (ben.id, "objective", regulars.id): C,
        (ben.id, "objective", hiring.id): A,
    }


def test_saving_again_replaces_the_roles_instead_of_adding_to_them(session, actor, bakery):
    _, plan, regulars, _, ana, ben = bakery
    save(session, actor, plan, {(ana.id, "objective", regulars.id): A})
    save(session, actor, plan, {(ben.id, "objective", regulars.id): A})
    assert stored(session, actor, plan) == {(ben.id, "objective", regulars.id): A}


def test_two_accountable_people_are_refused_naming_the_objective_and_nothing_changes(
    session, actor, bakery
):
    _, plan, regulars, _, ana, ben = bakery
    save(session, actor, plan, {(ana.id, "objective", regulars.id): C})
    with pytest.raises(InvalidInput) as error:
        save(
            session,
            actor,
            plan,
            {(ana.id, "objective", regulars.id): A, (ben.id, "objective", regulars.id): A},
        )
    assert error.value.errors == {
        "accountable": "can be only one person for each objective and task: "
        "“More regulars” has Ana and Ben."
    }
    assert stored(session, actor, plan) == {(ana.id, "objective", regulars.id): C}


def test_an_objective_nobody_is_accountable_for_saves_but_is_reported_as_a_gap(
    session, actor, bakery
):
    _, plan, regulars, hiring, ana, _ = bakery
    save(session, actor, plan, {(ana.id, "objective", regulars.id): A})
    gaps = responsibilities.accountability_gaps(session=session, actor=actor, plan_id=plan.id)
    assert [o.title for o in gaps] == [hiring.title]


def test_an_r_on_a_task_makes_that_person_its_owner_with_a_revision(session, actor, bakery):
    _, plan, regulars, _, ana, ben = bakery
    task = add_task(session, actor, regulars, "Post the morning bake", owner_person_id=ana.id)
    save(session, actor, plan, {(ben.id, "task", task.id): R, (ana.id, "task", task.id): I})
    session.refresh(task)
    assert (task.owner_person_id, task.version) == (ben.id, 2)
    assert stored(session, actor, plan) == {
        (ben.id, "task", task.id): R,
        (ana.id, "task", task.id): I,
    }
    revision = session.exec(select(Revision).where(Revision.field == "owner_person_id")).one()
    assert (revision.old_value, revision.new_value) == ("Ana", "Ben")


def test_a_task_left_without_an_r_has_no_owner_any_more(session, actor, bakery):
    _, plan, regulars, _, ana, _ = bakery
    task = add_task(session, actor, regulars, "Post the morning bake", owner_person_id=ana.id)
    save(session, actor, plan, {(ana.id, "task", task.id): None})
    session.refresh(task)
    assert task.owner_person_id is None
    assert stored(session, actor, plan) == {}


def test_two_people_responsible_for_one_task_are_refused(session, actor, bakery):
    _, plan, regulars, _, ana, ben = bakery
    task = add_task(session, actor, regulars, "Post the morning bake", owner_person_id=ana.id)
    with pytest.raises(InvalidInput) as error:
        save(session, actor, plan, {(ana.id, "task", task.id): R, (ben.id, "task", task.id): R})
    assert "“Post the morning bake” has Ana and Ben" in error.value.errors["responsible"]
    session.refresh(task)
    assert task.owner_person_id == ana.id


def test_several_people_may_be_responsible_for_an_objective(session, actor, bakery):
    _, plan, regulars, _, ana, ben = bakery
    cells = {(ana.id, "objective", regulars.id): R, (ben.id, "objective", regulars.id): R}
    save(session, actor, plan, cells)
    assert stored(session, actor, plan) == cells


def test_a_person_of_another_business_cannot_be_put_in_the_matrix(session, actor, bakery):
    _, plan, regulars, _, ana, _ = bakery
    other_workspace, _ = create_workspace_with_plan(session, actor, name="Florist")
    outsider = add_person(session, actor, other_workspace, "Flora")
    with pytest.raises(InvalidInput) as error:
        save(
            session,
            actor,
            plan,
            {(ana.id, "objective", regulars.id): A, (outsider.id, "objective", regulars.id): C},
        )
    assert set(error.value.errors) == {"matrix"}
    assert stored(session, actor, plan) == {}


def test_an_objective_of_another_plan_cannot_be_put_in_the_matrix(session, actor, bakery):
    _, plan, _, _, ana, _ = bakery
    _, other_plan = create_workspace_with_plan(session, actor, name="Florist")
    elsewhere = add_objective(session, other_plan, "Sell bouquets")
    with pytest.raises(InvalidInput):
        save(session, actor, plan, {(ana.id, "objective", elsewhere.id): A})
    assert session.exec(select(Responsibility)).all() == []


def test_an_unknown_role_is_refused(session, actor, bakery):
    _, plan, regulars, _, ana, _ = bakery
    with pytest.raises(InvalidInput, match="use R, A, C or I"):
        save(session, actor, plan, {(ana.id, "objective", regulars.id): "boss"})


def test_a_matrix_read_before_someone_else_saved_is_refused_and_their_save_kept(
    session, actor, bakery
):
    _, plan, regulars, _, ana, ben = bakery
    read = responsibilities.load_matrix(session=session, actor=actor, plan_id=plan.id)
    save(session, actor, plan, {(ana.id, "objective", regulars.id): A}, read_cells=read.cells)
    with pytest.raises(Conflict, match="changed by someone else since you opened it"):
        save(session, actor, plan, {(ben.id, "objective", regulars.id): A}, read_cells=read.cells)
    assert stored(session, actor, plan) == {(ana.id, "objective", regulars.id): A}


def test_a_matrix_read_before_an_owner_changed_is_refused(session, actor, bakery):
    _, plan, regulars, _, ana, ben = bakery
    task = add_task(session, actor, regulars, "Post the morning bake", owner_person_id=ana.id)
    read = responsibilities.load_matrix(session=session, actor=actor, plan_id=plan.id)
    tasks.update_task(
        session=session,
        actor=actor,
        task_id=task.id,
        task_update={"version": 1, "owner_person_id": ben.id},
    )
    with pytest.raises(Conflict):
        save(session, actor, plan, read.cells, read_cells=read.cells)
    session.refresh(task)
    assert task.owner_person_id == ben.id


def test_roles_of_dropped_tasks_and_people_who_left_are_kept_as_history(session, actor, bakery):
    workspace, plan, regulars, _, ana, ben = bakery
    dropped = add_task(session, actor, regulars, "Print flyers", owner_person_id=ana.id)
    tasks.update_task(
        session=session,
        actor=actor,
        task_id=dropped.id,
        task_update={"version": 1, "status": "dropped"},
    )
    cy = add_person(session, actor, workspace, "Cy")
    save(session, actor, plan, {(cy.id, "objective", regulars.id): C})
    # Archived straight in the table: archive_person would remove the role itself.
    cy.archived_at = dropped.created_at
    session.add(cy)
    session.commit()
    save(session, actor, plan, {(ben.id, "objective", regulars.id): A})
    assert stored(session, actor, plan) == {
        (ana.id, "task", dropped.id): R,
        (cy.id, "objective", regulars.id): C,
        (ben.id, "objective", regulars.id): A,
    }


def test_the_matrix_lists_people_and_each_objective_followed_by_its_live_tasks(
    session, actor, bakery
):
    _, plan, regulars, hiring, ana, ben = bakery
    post = add_task(session, actor, regulars, "Post the morning bake", owner_person_id=ben.id)
    dropped = add_task(session, actor, regulars, "Print flyers", status="dropped")
    advert = add_task(session, actor, hiring, "Share the job advert")
    matrix = responsibilities.load_matrix(session=session, actor=actor, plan_id=plan.id)
    assert matrix.people == ((ana.id, "Ana"), (ben.id, "Ben"))
    assert [(row.kind, row.target_id) for row in matrix.rows] == [
        ("objective", regulars.id),
        ("task", post.id),
        ("objective", hiring.id),
        ("task", advert.id),
    ]
    assert dropped.id not in {row.target_id for row in matrix.rows if row.kind == "task"}
    assert matrix.cells == {(ben.id, "task", post.id): R}


def test_the_matrix_table_shows_letters_and_reads_edits_back_as_roles(session, actor, bakery):
    _, plan, regulars, hiring, ana, ben = bakery
    post = add_task(session, actor, regulars, "Post the morning bake", owner_person_id=ben.id)
    matrix = responsibilities.load_matrix(session=session, actor=actor, plan_id=plan.id)
    frame = responsibilities.matrix_frame(matrix)
    assert frame[responsibilities.ITEM_COLUMN].tolist() == [
        "🎯 More regulars",
        "    ↳ Post the morning bake",
        "🎯 Hire a baker",
    ]
    ana_column = responsibilities.person_column(ana.id)
    ben_column = responsibilities.person_column(ben.id)
    assert frame[ben_column].tolist() == [None, "R", None]
    frame.loc[0, ana_column] = "a"
    frame.loc[1, ben_column] = None
    assert responsibilities.cells_from_frame(matrix, frame) == {
        (ana.id, "objective", regulars.id): A,
        (ana.id, "task", post.id): None,
        (ben.id, "objective", regulars.id): None,
        (ben.id, "task", post.id): None,
        (ana.id, "objective", hiring.id): None,
        (ben.id, "objective", hiring.id): None,
    }


def test_an_editor_may_save_the_matrix_but_a_viewer_may_not(session, actor, bakery):
    workspace, plan, regulars, _, ana, _ = bakery
    roles = {}
    for name, role in (("editor", Role.EDITOR), ("viewer", Role.VIEWER)):
        user = User(issuer="https://id.example", subject=name, name=name)
        session.add(user)
        session.flush()
        session.add(Membership(workspace_id=workspace.id, user_id=user.id, role=role))
        roles[name] = Actor.user(user.id, name)
    session.commit()
    with pytest.raises(NotAllowed):
        save(session, roles["viewer"], plan, {(ana.id, "objective", regulars.id): A})
    assert stored(session, actor, plan) == {}
    save(session, roles["editor"], plan, {(ana.id, "objective", regulars.id): A})
    assert stored(session, actor, plan) == {(ana.id, "objective", regulars.id): A}


def test_a_stranger_cannot_read_a_plans_responsibilities(session, actor, bakery):
    _, plan, *_ = bakery
    with pytest.raises(NotFound):
        responsibilities.list_responsibilities(
            session=session, actor=Actor.user(999, "stranger"), plan_id=plan.id
        )


def test_team_load_counts_the_weekly_minutes_of_each_persons_open_tasks(session, actor, bakery):
    workspace, plan, regulars, hiring, ana, ben = bakery
    add_task(session, actor, regulars, "Post", cadence="daily", minutes=15, owner_person_id=ana.id)
    add_task(
        session,
        actor,
        hiring,
        "Advert",
        cadence="weekly",
        times_per_week=2,
        minutes=30,
        owner_person_id=ana.id,
    )
    add_task(session, actor, regulars, "Old", minutes=60, owner_person_id=ana.id, status="done")
    add_task(session, actor, regulars, "Gone", minutes=60, owner_person_id=ben.id, status="dropped")
    add_task(
        session,
        actor,
        regulars,
        "Photo day",
        cadence="once",
        due_date=plan.period_start,
        minutes=240,
        owner_person_id=ben.id,
    )
    add_task(session, actor, regulars, "Nobody's", minutes=45)
    loads = responsibilities.team_load(session=session, actor=actor, plan_id=plan.id)
    assert [(load.person.name, load.budget_minutes, load.committed_minutes) for load in loads] == [
        ("Ana", 120, 165),
        ("Ben", 60, 0),
    ]
    assert [load.over_budget for load in loads] == [True, False]


def test_a_task_of_another_plan_does_not_count_towards_this_plans_load(session, actor, bakery):
    _, plan, _, _, ana, _ = bakery
    _, other_plan = create_workspace_with_plan(session, actor, name="Florist")
    elsewhere = add_objective(session, other_plan, "Elsewhere")
    session.add(Task(objective_id=elsewhere.id, title="t", minutes=500, owner_person_id=ana.id))
    session.commit()
    loads = responsibilities.team_load(session=session, actor=actor, plan_id=plan.id)
    assert [load.committed_minutes for load in loads] == [0, 0]


def person_load(name, budget, committed):
    return PersonLoad(
        person=Person(name=name, workspace_id=1),
        budget_minutes=budget,
        committed_minutes=committed,
        over_budget=committed > budget,
    )


def test_the_team_hours_sentence_states_total_time_against_total_budget():
    loads = [person_load("Ana", 240, 300), person_load("Ben", 360, 90)]
    assert responsibilities.team_hours_sentence(loads) == (
        "Your team of 2 will spend 6 h 30 min a week on social media, out of a budget of 10 h. "
        "That leaves 3 h 30 min a week unplanned. Over their own budget: Ana."
    )


def test_the_team_hours_sentence_says_when_the_team_is_over_budget():
    sentence = responsibilities.team_hours_sentence([person_load("Ana", 60, 105)])
    assert sentence.startswith("You will spend 1 h 45 min a week on social media")
    assert "That is 45 min more than the budget" in sentence


def test_the_team_hours_sentence_speaks_plainly_when_nothing_is_planned():
    assert "Nobody is on the team yet" in responsibilities.team_hours_sentence([])
    assert "No time is planned yet" in responsibilities.team_hours_sentence(
        [person_load("Ana", 0, 0)]
    )


def test_the_load_table_flags_who_is_over_budget():
    rows = responsibilities.load_table([person_load("Ana", 60, 105), person_load("Ben", 60, 30)])
    assert [row["Check"] for row in rows] == [
        "⚠️ Over budget by 45 min",
        "✅ Fits, 30 min to spare",
    ]
    (message,) = responsibilities.over_budget_messages(
        [person_load("Ana", 60, 105), person_load("Ben", 60, 30)]
    )
    assert message.startswith("Ana's tasks take 1 h 45 min a week, 45 min more than")


@pytest.mark.parametrize(
    ("names", "joined"),
    [([], ""), (["Ana"], "Ana"), (["Ana", "Ben"], "Ana and Ben"), (["A", "B", "C"], "A, B and C")],
)
def test_names_are_joined_in_plain_words(names, joined):
    assert responsibilities.join_names(names) == joined
