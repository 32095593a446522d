import pytest
from sqlmodel import select

from socialplan import objectives, plans
from socialplan.access import Actor
from socialplan.errors import Conflict, InvalidInput, NotAllowed, NotFound
from socialplan.models import (
    Membership,
    Objective,
    ObjectiveCategory,
    ObjectiveCreate,
    ObjectiveUpdate,
    Priority,
    Role,
    User,
)
from tests.factories import create_workspace_with_plan


def add(session, actor, plan, title, **fields):
    return objectives.create_objective(
        session=session,
        actor=actor,
        plan_id=plan.id,
        objective_create=ObjectiveCreate(title=title, **fields),
    )


def titles(session, actor, plan, **options):
    listed = objectives.list_objectives(session=session, actor=actor, plan_id=plan.id, **options)
    return [o.title for o in listed]


def test_create_objective_stores_every_field_and_appends_it_at_the_end(session, actor):
    _, plan = create_workspace_with_plan(session, actor)
    add(session, actor, plan, "Be known in the neighbourhood")
    second = add(
        session,
        actor,
        plan,
        "  Fill the Saturday workshop  ",
        why=" It pays for the quiet weekdays. ",
        category=ObjectiveCategory.SALES,
        priority=Priority.HIGH,
    )
    stored = session.get(Objective, second.id)
    assert (stored.title, stored.why, stored.category, stored.priority, stored.position) == (
        "Fill the Saturday workshop",
        "It pays for the quiet weekdays.",
        "sales",
        "high",
        1,
    )
    assert titles(session, actor, plan) == [
        "Be known in the neighbourhood",
        "Fill the Saturday workshop",
    ]


def test_create_objective_accepts_the_form_as_a_plain_dict(session, actor):
    _, plan = create_workspace_with_plan(session, actor)
    objective = objectives.create_objective(
        session=session,
        actor=actor,
        plan_id=plan.id,
        objective_create={"title": "Hire a baker", "category": "hiring", "priority": "low"},
    )
    assert (objective.category, objective.priority) == ("hiring", "low")


@pytest.mark.parametrize("title", ["", "   "])
def test_create_objective_refuses_an_empty_title_and_saves_nothing(session, actor, title):
    _, plan = create_workspace_with_plan(session, actor)
    with pytest.raises(InvalidInput) as error:
        objectives.create_objective(
            session=session, actor=actor, plan_id=plan.id, objective_create={"title": title}
        )
    assert error.value.errors == {"title": "is required."}
    assert session.exec(select(Objective)).all() == []


def test_create_objective_refuses_an_unknown_category(session, actor):
    _, plan = create_workspace_with_plan(session, actor)
    with pytest.raises(InvalidInput) as error:
        objectives.create_objective(
            session=session,
            actor=actor,
            plan_id=plan.id,
            objective_create={"title": "Fame", "category": "fame"},
        )
    assert set(error.value.errors) == {"category"}
    assert session.exec(select(Objective)).all() == []


def test_create_objective_records_a_revision(session, actor):
    _, plan = create_workspace_with_plan(session, actor)
    objective = add(session, actor, plan, "Be known")
    [revision] = plans.list_revisions(session=session, actor=actor, plan_id=plan.id)
    assert (revision.entity, revision.entity_id, revision.action, revision.new_value) == (
        "objective",
        objective.id,
        "create",
        "Be known",
    )


def test_update_objective_changes_the_fields_given_and_records_each_as_a_revision(session, actor):
    _, plan = create_workspace_with_plan(session, actor)
    objective = add(session, actor, plan, "Be known", why="People walk past us.")
    updated = objectives.update_objective(
        session=session,
        actor=actor,
        objective_id=objective.id,
        objective_update=ObjectiveUpdate(
            version=objective.version, title="Be known on our street", priority=Priority.HIGH
        ),
    )
    assert (updated.title, updated.why, updated.priority, updated.version) == (
        "Be known on our street",
        "People walk past us.",
        "high",
        2,
    )
    revisions = plans.list_revisions(session=session, actor=actor, plan_id=plan.id)
    assert {(r.action, r.field, r.old_value, r.new_value) for r in revisions} == {
        ("create", "", "", "Be known"),
        ("update", "title", "Be known", "Be known on our street"),
        ("update", "priority", "medium", "high"),
    }


def test_update_objective_refuses_a_blank_title_and_keeps_the_old_one(session, actor):
    _, plan = create_workspace_with_plan(session, actor)
    objective = add(session, actor, plan, "Be known")
    with pytest.raises(InvalidInput) as error:
        objectives.update_objective(
            session=session,
            actor=actor,
            objective_id=objective.id,
            objective_update={"version": 1, "title": "  "},
        )
    assert error.value.errors == {"title": "is required."}
    session.expire_all()
    assert session.get(Objective, objective.id).title == "Be known"


def test_a_stale_update_is_refused_and_the_first_save_is_kept(session, actor):
    _, plan = create_workspace_with_plan(session, actor)
    objective = add(session, actor, plan, "Be known")
    objectives.update_objective(
        session=session,
        actor=actor,
        objective_id=objective.id,
        objective_update=ObjectiveUpdate(version=1, title="First save"),
    )
    with pytest.raises(Conflict, match="changed by someone else since you opened it"):
        objectives.update_objective(
            session=session,
            actor=actor,
            objective_id=objective.id,
            objective_update=ObjectiveUpdate(version=1, title="Second save"),
        )
    assert titles(session, actor, plan) == ["First save"]
    revisions = plans.list_revisions(session=session, actor=actor, plan_id=plan.id)
    assert [r.new_value for r in revisions if r.action == "update"] == ["First save"]


def test_move_objective_up_and_down_reorders_and_renumbers_positions(session, actor):
    _, plan = create_workspace_with_plan(session, actor)
    a, b, c = (add(session, actor, plan, title) for title in "ABC")
    ordered = objectives.move_objective(session=session, actor=actor, objective_id=c.id, offset=-1)
    assert [o.title for o in ordered] == ["A", "C", "B"]
    assert [o.position for o in ordered] == [0, 1, 2]
    ordered = objectives.move_objective(session=session, actor=actor, objective_id=a.id, offset=1)
    assert [o.title for o in ordered] == ["C", "A", "B"]
    assert titles(session, actor, plan) == ["C", "A", "B"]
    assert b.id in {o.id for o in ordered}


def test_moving_the_first_objective_up_leaves_the_order_as_it_is(session, actor):
    _, plan = create_workspace_with_plan(session, actor)
    a, _ = add(session, actor, plan, "A"), add(session, actor, plan, "B")
    ordered = objectives.move_objective(session=session, actor=actor, objective_id=a.id, offset=-1)
    assert [o.title for o in ordered] == ["A", "B"]


def test_a_move_does_not_make_an_open_edit_form_stale(session, actor):
    _, plan = create_workspace_with_plan(session, actor)
    a, _ = add(session, actor, plan, "A"), add(session, actor, plan, "B")
    objectives.move_objective(session=session, actor=actor, objective_id=a.id, offset=1)
    updated = objectives.update_objective(
        session=session,
        actor=actor,
        objective_id=a.id,
        objective_update=ObjectiveUpdate(version=1, title="A edited"),
    )
    assert updated.title == "A edited"


def test_moves_skip_archived_objectives(session, actor):
    _, plan = create_workspace_with_plan(session, actor)
    a, b, c = (add(session, actor, plan, title) for title in "ABC")
    objectives.archive_objective(session=session, actor=actor, objective_id=b.id, version=1)
    ordered = objectives.move_objective(session=session, actor=actor, objective_id=c.id, offset=-1)
    assert [o.title for o in ordered] == ["C", "A"]
    with pytest.raises(InvalidInput):
        objectives.move_objective(session=session, actor=actor, objective_id=b.id, offset=-1)


def test_archive_hides_an_objective_and_restore_brings_it_back_at_the_end(session, actor):
    _, plan = create_workspace_with_plan(session, actor)
    a, _, _ = (add(session, actor, plan, title) for title in "ABC")
    archived = objectives.archive_objective(
        session=session, actor=actor, objective_id=a.id, version=a.version
    )
    assert archived.archived_at is not None
    assert titles(session, actor, plan) == ["B", "C"]
    assert titles(session, actor, plan, include_archived=True) == ["B", "C", "A"]
    restored = objectives.restore_objective(
        session=session, actor=actor, objective_id=a.id, version=archived.version
    )
    assert restored.archived_at is None
    assert titles(session, actor, plan) == ["B", "C", "A"]
    actions = [
        r.action
        for r in plans.list_revisions(session=session, actor=actor, plan_id=plan.id)
        if r.entity_id == a.id
    ]
    assert sorted(actions) == ["archive", "create", "restore"]


def test_archiving_with_a_stale_version_is_refused(session, actor):
    _, plan = create_workspace_with_plan(session, actor)
    objective = add(session, actor, plan, "Be known")
    objectives.update_objective(
        session=session,
        actor=actor,
        objective_id=objective.id,
        objective_update=ObjectiveUpdate(version=1, why="Because."),
    )
    with pytest.raises(Conflict):
        objectives.archive_objective(
            session=session, actor=actor, objective_id=objective.id, version=1
        )
    assert titles(session, actor, plan) == ["Be known"]


def test_a_viewer_may_list_objectives_but_not_change_them(session, actor):
    workspace, plan = create_workspace_with_plan(session, actor)
    objective = add(session, actor, plan, "Be known")
    user = User(issuer="https://id.example", subject="viewer-1", name="Vic")
    session.add(user)
    session.flush()
    session.add(Membership(workspace_id=workspace.id, user_id=user.id, role=Role.VIEWER))
    session.commit()
    viewer = Actor.user(user.id, "Vic")
    assert titles(session, viewer, plan) == ["Be known"]
    with pytest.raises(NotAllowed):
        add(session, viewer, plan, "Sneaky")
    with pytest.raises(NotAllowed):
        objectives.archive_objective(
            session=session, actor=viewer, objective_id=objective.id, version=1
        )


def test_a_stranger_cannot_touch_another_businesss_objective(session, actor):
    _, plan = create_workspace_with_plan(session, actor)
    objective = add(session, actor, plan, "Be known")
    stranger = Actor.user(999, "stranger")
    with pytest.raises(NotFound):
        objectives.update_objective(
            session=session,
            actor=stranger,
            objective_id=objective.id,
            objective_update=ObjectiveUpdate(version=1, title="Mine now"),
        )
    assert titles(session, actor, plan) == ["Be known"]
