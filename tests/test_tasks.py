from datetime import date

import pytest
from sqlmodel import select

from socialplan import people, plans, tasks
from socialplan.access import Actor
from socialplan.errors import Conflict, InvalidInput, NotFound
from socialplan.models import (
    Cadence,
    Objective,
    Responsibility,
    Revision,
    Task,
    TaskCreate,
    TaskStatus,
    TaskUpdate,
    utcnow,
)
from tests.factories import PLAN_END, create_workspace_with_plan


def add_objective(session, plan, title="More regulars", position=0):
    objective = Objective(plan_id=plan.id, title=title, position=position)
    session.add(objective)
    session.commit()
    return objective


def add_person(session, actor, workspace, name="Ana"):
    return people.create_person(
        session=session,
        actor=actor,
        workspace_id=workspace.id,
        person_create={"name": name, "weekly_budget_minutes": 240},
    )


def add_task(session, actor, objective, **fields):
    return tasks.create_task(
        session=session,
        actor=actor,
        objective_id=objective.id,
        task_create={"title": "Post the morning bake", **fields},
    )


def stored_titles(session, actor, plan):
    return [t.title for t in tasks.list_tasks(session=session, actor=actor, plan_id=plan.id)]


@pytest.fixture
def setting(session, actor):
    workspace, plan = create_workspace_with_plan(session, actor)
    return workspace, plan, add_objective(session, plan)


def test_a_new_task_is_stored_under_its_objective_and_recorded_as_a_revision(
    session, actor, setting
):
    workspace, plan, objective = setting
    ana = add_person(session, actor, workspace)
    task = add_task(
        session,
        actor,
        objective,
        cadence=Cadence.WEEKLY,
        times_per_week=3,
        minutes=20,
        owner_person_id=ana.id,
    )
    assert (task.objective_id, task.times_per_week, task.minutes, task.status) == (
        objective.id,
        3,
        20,
        TaskStatus.TODO,
    )
    revision = session.exec(select(Revision).where(Revision.entity == "task")).one()
    assert (revision.plan_id, revision.entity_id, revision.action, revision.new_value) == (
        plan.id,
        task.id,
        "create",
        "Post the morning bake",
    )


def test_a_task_model_is_accepted_as_well_as_a_dict(session, actor, setting):
    _, plan, objective = setting
    tasks.create_task(
        session=session,
        actor=actor,
        objective_id=objective.id,
        task_create=TaskCreate(title="Answer messages", cadence=Cadence.DAILY, minutes=10),
    )
    assert stored_titles(session, actor, plan) == ["Answer messages"]


def test_the_owner_of_a_new_task_is_its_responsible_person(session, actor, setting):
    workspace, _, objective = setting
    ana = add_person(session, actor, workspace)
    task = add_task(session, actor, objective, owner_person_id=ana.id)
    role = session.exec(select(Responsibility)).one()
    assert (role.person_id, role.task_id, role.role) == (ana.id, task.id, "responsible")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"title": ""}, "title", "is required."),
        ({"title": "   "}, "title", "is required."),
        ({"cadence": "once"}, "due_date", "is required for a one-off task."),
        (
            {"cadence": "once", "due_date": date(2027, 7, 1)},
            "due_date",
            "must be within the plan period, 01 Jan 2027 to 30 Jun 2027.",
        ),
        (
            {"cadence": "once", "due_date": date(2026, 12, 31)},
            "due_date",
            "must be within the plan period, 01 Jan 2027 to 30 Jun 2027.",
        ),
        ({"minutes": -5}, "minutes", "must be at least 0."),
        ({"cadence": "daily", "times_per_week": 3}, "times_per_week", "is only for weekly tasks."),
        ({"cadence": "weekly", "due_date": date(2027, 2, 1)}, "due_date", "is only for one-off"),
        ({"owner_person_id": 4242}, "owner_person_id", "must be someone on this business's team."),
        ({"status": "finished"}, "status", "must be one of"),
    ],
)
def test_a_task_breaking_a_rule_is_refused_with_a_message_and_nothing_is_saved(
    session, actor, setting, fields, field, message
):
    _, plan, objective = setting
    with pytest.raises(InvalidInput) as error:
        add_task(session, actor, objective, **fields)
    assert error.value.errors[field].startswith(message)
    assert stored_titles(session, actor, plan) == []
    assert session.exec(select(Revision)).all() == []


def test_a_one_off_task_due_on_the_last_day_of_the_period_is_accepted(session, actor, setting):
    _, _, objective = setting
    task = add_task(session, actor, objective, cadence="once", due_date=PLAN_END)
    assert task.due_date == PLAN_END


def test_a_person_of_another_business_cannot_own_a_task(session, actor, setting):
    _, plan, objective = setting
    other_workspace, _ = create_workspace_with_plan(session, actor, name="Florist")
    outsider = add_person(session, actor, other_workspace, "Flora")
    with pytest.raises(InvalidInput) as error:
        add_task(session, actor, objective, owner_person_id=outsider.id)
    assert error.value.errors == {"owner_person_id": "must be someone on this business's team."}
    assert stored_titles(session, actor, plan) == []


def test_a_person_who_left_cannot_be_given_a_task(session, actor, setting):
    workspace, plan, objective = setting
    ana = add_person(session, actor, workspace)
    people.archive_person(session=session, actor=actor, person_id=ana.id, version=1)
    with pytest.raises(InvalidInput, match="no longer on the team"):
        add_task(session, actor, objective, owner_person_id=ana.id)
    assert stored_titles(session, actor, plan) == []


def test_no_task_can_be_added_to_an_archived_objective(session, actor, setting):
    _, plan, objective = setting
    objective.archived_at = utcnow()
    session.add(objective)
    session.commit()
    with pytest.raises(InvalidInput, match="archived"):
        add_task(session, actor, objective)
    assert session.exec(select(Task)).all() == []


def test_a_stranger_cannot_add_a_task_by_guessing_an_objective_id(session, actor, setting):
    _, plan, objective = setting
    with pytest.raises(NotFound):
        add_task(session, Actor.user(999, "stranger"), objective)
    assert stored_titles(session, actor, plan) == []


def test_update_task_records_each_changed_field_with_owner_names(session, actor, setting):
    workspace, plan, objective = setting
    ana = add_person(session, actor, workspace, "Ana")
    ben = add_person(session, actor, workspace, "Ben")
    task = add_task(session, actor, objective, owner_person_id=ana.id)
    updated = tasks.update_task(
        session=session,
        actor=actor,
        task_id=task.id,
        task_update=TaskUpdate(version=1, minutes=45, owner_person_id=ben.id),
    )
    assert (updated.minutes, updated.owner_person_id, updated.version) == (45, ben.id, 2)
    changes = session.exec(select(Revision).where(Revision.action == "update")).all()
    assert {(r.field, r.old_value, r.new_value) for r in changes} == {
        ("minutes", "30", "45"),
        ("owner_person_id", "Ana", "Ben"),
    }


def test_a_new_owner_takes_over_the_responsible_role(session, actor, setting):
    workspace, _, objective = setting
    ana = add_person(session, actor, workspace, "Ana")
    ben = add_person(session, actor, workspace, "Ben")
    task = add_task(session, actor, objective, owner_person_id=ana.id)
    session.add(Responsibility(person_id=ben.id, task_id=task.id, role="consulted"))
    session.commit()
    tasks.update_task(
        session=session,
        actor=actor,
        task_id=task.id,
        task_update={"version": 1, "owner_person_id": ben.id},
    )
    roles = session.exec(select(Responsibility).where(Responsibility.task_id == task.id)).all()
    assert [(r.person_id, r.role) for r in roles] == [(ben.id, "responsible")]


def test_clearing_the_owner_leaves_nobody_responsible(session, actor, setting):
    workspace, _, objective = setting
    ana = add_person(session, actor, workspace, "Ana")
    task = add_task(session, actor, objective, owner_person_id=ana.id)
    tasks.update_task(
        session=session,
        actor=actor,
        task_id=task.id,
        task_update={"version": 1, "owner_person_id": None},
    )
    assert session.exec(select(Responsibility)).all() == []


def test_saving_a_task_over_a_newer_version_is_refused_and_keeps_the_first_save(
    session, actor, setting
):
    _, _, objective = setting
    task = add_task(session, actor, objective)
    tasks.update_task(
        session=session, actor=actor, task_id=task.id, task_update={"version": 1, "title": "A"}
    )
    with pytest.raises(Conflict, match="changed by someone else since you opened it"):
        tasks.update_task(
            session=session,
            actor=actor,
            task_id=task.id,
            task_update={"version": 1, "title": "B"},
        )
    assert session.get(Task, task.id).title == "A"
    assert session.exec(select(Revision).where(Revision.new_value == "B")).all() == []


def test_a_bad_update_is_refused_and_changes_nothing(session, actor, setting):
    _, _, objective = setting
    task = add_task(session, actor, objective)
    with pytest.raises(InvalidInput) as error:
        tasks.update_task(
            session=session,
            actor=actor,
            task_id=task.id,
            task_update={"version": 1, "cadence": "once"},
        )
    assert error.value.errors == {"due_date": "is required for a one-off task."}
    session.refresh(task)
    assert (task.cadence, task.version) == ("weekly", 1)


def test_a_task_that_stops_being_weekly_or_one_off_forgets_what_no_longer_applies(
    session, actor, setting
):
    _, _, objective = setting
    weekly = add_task(session, actor, objective, cadence="weekly", times_per_week=4)
    one_off = add_task(session, actor, objective, cadence="once", due_date=date(2027, 3, 1))
    daily = tasks.update_task(
        session=session,
        actor=actor,
        task_id=weekly.id,
        task_update={"version": 1, "cadence": "daily"},
    )
    monthly = tasks.update_task(
        session=session,
        actor=actor,
        task_id=one_off.id,
        task_update={"version": 1, "cadence": "monthly"},
    )
    assert (daily.times_per_week, monthly.due_date) == (1, None)


def test_an_old_one_off_task_can_be_marked_done_after_the_period_moved(session, actor, setting):
    _, plan, objective = setting
    task = add_task(session, actor, objective, cadence="once", due_date=date(2027, 1, 15))
    plans.update_plan(
        session=session,
        actor=actor,
        plan_id=plan.id,
        plan_update={"version": plan.version, "period_start": date(2027, 2, 1)},
    )
    done = tasks.update_task(
        session=session, actor=actor, task_id=task.id, task_update={"version": 1, "status": "done"}
    )
    assert done.status == TaskStatus.DONE


def test_staging_a_task_commits_nothing_so_the_caller_can_roll_it_back(session, actor, setting):
    _, plan, objective = setting
    tasks.stage_task_create(
        session, actor, objective, plan, {"title": "Film a reel"}, reason="From the review"
    )
    session.rollback()
    assert session.exec(select(Task)).all() == []
    assert session.exec(select(Revision)).all() == []


def test_staged_drop_keeps_the_reason_and_review_once_committed(session, actor, setting):
    _, plan, objective = setting
    task = add_task(session, actor, objective)
    tasks.stage_task_update(
        session,
        actor,
        task,
        plan,
        TaskUpdate(version=1, status=TaskStatus.DROPPED),
        reason="Nobody reads the newsletter",
    )
    session.commit()
    revision = session.exec(select(Revision).where(Revision.action == "update")).one()
    assert (revision.field, revision.new_value, revision.reason) == (
        "status",
        "dropped",
        "Nobody reads the newsletter",
    )


def test_list_tasks_follows_objective_order_and_can_leave_out_dropped_ones(session, actor):
    _, plan = create_workspace_with_plan(session, actor)
    second = add_objective(session, plan, "Second", position=2)
    first = add_objective(session, plan, "First", position=1)
    archived = add_objective(session, plan, "Archived", position=0)
    add_task(session, actor, second, title="c")
    add_task(session, actor, first, title="a")
    add_task(session, actor, first, title="b", status="dropped")
    add_task(session, actor, archived, title="hidden")
    archived.archived_at = utcnow()
    session.add(archived)
    session.commit()
    assert stored_titles(session, actor, plan) == ["a", "b", "c"]
    kept = tasks.list_tasks(session=session, actor=actor, plan_id=plan.id, include_dropped=False)
    assert [t.title for t in kept] == ["a", "c"]
    groups = tasks.tasks_by_objective(session=session, actor=actor, plan_id=plan.id)
    assert [(o.title, [t.title for t in ts]) for o, ts in groups] == [
        ("First", ["a", "b"]),
        ("Second", ["c"]),
    ]


def test_a_stranger_cannot_list_a_plans_tasks(session, actor, setting):
    _, plan, _ = setting
    with pytest.raises(NotFound):
        tasks.list_tasks(session=session, actor=Actor.user(999, "stranger"), plan_id=plan.id)


@pytest.mark.parametrize(
    ("cadence", "minutes", "times", "weekly"),
    [
        ("daily", 15, 1, 105),
        ("weekly", 20, 3, 60),
        ("monthly", 60, 1, 14),  # 60 × 12 / 52 = 13.8
        ("once", 120, 1, 0),
    ],
)
def test_weekly_minutes_spread_each_cadence_over_an_ordinary_week(cadence, minutes, times, weekly):
    task = Task(title="t", cadence=cadence, minutes=minutes, times_per_week=times, objective_id=1)
    assert tasks.weekly_minutes(task) == weekly


def make(title, cadence="weekly", due=None, status="todo"):
    return Task(title=title, cadence=cadence, due_date=due, status=status, objective_id=1)


def test_this_week_holds_open_recurring_work_and_one_offs_due_monday_to_sunday():
    wednesday = date(2027, 3, 10)
    all_tasks = [
        make("weekly"),
        make("daily done", "daily", status="done"),
        make("monthly dropped", "monthly", status="dropped"),
        make("due monday", "once", date(2027, 3, 8)),
        make("due sunday", "once", date(2027, 3, 14)),
        make("due next monday", "once", date(2027, 3, 15)),
        make("due last sunday", "once", date(2027, 3, 7)),
        make("done this week", "once", date(2027, 3, 12), status="done"),
    ]
    assert [t.title for t in tasks.tasks_this_week(all_tasks, wednesday)] == [
        "weekly",
        "due monday",
        "due sunday",
    ]


def test_overdue_means_an_open_one_off_task_due_before_today():
    today = date(2027, 3, 10)
    all_tasks = [
        make("yesterday", "once", date(2027, 3, 9)),
        make("today", "once", today),
        make("done late", "once", date(2027, 3, 1), status="done"),
        make("dropped late", "once", date(2027, 3, 1), status="dropped"),
        make("weekly"),
    ]
    assert [t.title for t in tasks.overdue_tasks(all_tasks, today)] == ["yesterday"]


def test_tasks_read_in_plain_words():
    weekly = Task(title="t", cadence="weekly", times_per_week=3, minutes=20, objective_id=1)
    one_off = Task(
        title="t", cadence="once", due_date=date(2027, 3, 12), minutes=90, objective_id=1
    )
    assert (tasks.cadence_text(weekly), tasks.time_text(weekly)) == (
        "3 times a week",
        "20 min each · 1 h a week",
    )
    assert (tasks.cadence_text(one_off), tasks.time_text(one_off)) == (
        "Once, due Fri 12 Mar 2027",
        "1 h 30 min",
    )


def test_the_task_table_names_the_objective_and_says_when_nobody_owns_a_task():
    task = Task(title="Post", cadence="daily", minutes=10, objective_id=7, owner_person_id=None)
    (row,) = tasks.task_table([task], objective_titles={7: "More regulars"}, owner_names={})
    assert row == {
        "Task": "Post",
        "Objective": "More regulars",
        "How often": "Every day",
        "Time": "10 min each · 1 h 10 min a week",
        "Owner": "Nobody yet",
        "Status": "To do",
    }
