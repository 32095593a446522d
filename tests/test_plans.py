from datetime import date

import pytest

from socialplan import plans, workspaces
from socialplan.access import Actor
from socialplan.errors import Conflict, InvalidInput, NotFound
from socialplan.models import PlanCreate, PlanUpdate, ReviewCadence
from tests.factories import create_workspace_with_plan


def test_start_plan_creates_a_workspace_with_an_active_plan(session, actor):
    workspace, plan = create_workspace_with_plan(session, actor, name="Rosa's Bakery")
    assert workspace.slug == "rosas-bakery"
    assert plans.current_plan(session=session, actor=actor, workspace_id=workspace.id) == plan
    assert plan.status == "active"


def test_start_plan_refuses_an_end_before_the_start_and_saves_nothing(session, actor):
    with pytest.raises(InvalidInput) as error:
        workspaces.start_plan(
            session=session,
            actor=actor,
            business_name="Bakery",
            plan_name="H1",
            period_start=date(2027, 6, 1),
            period_end=date(2027, 1, 1),
        )
    assert error.value.errors == {"period_end": "must be after the period start."}
    assert workspaces.list_workspaces(session=session, actor=actor) == []


def test_start_plan_names_every_empty_field(session, actor):
    with pytest.raises(InvalidInput) as error:
        workspaces.start_plan(
            session=session,
            actor=actor,
            business_name=" ",
            plan_name="",
            period_start=date(2027, 1, 1),
            period_end=date(2027, 6, 1),
        )
    assert set(error.value.errors) == {"business_name", "plan_name"}


def test_two_workspaces_with_the_same_name_get_distinct_slugs(session, actor):
    first, _ = create_workspace_with_plan(session, actor, name="Corner Cafe")
    second, _ = create_workspace_with_plan(session, actor, name="Corner Cafe")
    assert (first.slug, second.slug) == ("corner-cafe", "corner-cafe-2")


def test_update_plan_records_each_changed_field_as_a_revision(session, actor):
    _, plan = create_workspace_with_plan(session, actor)
    plans.update_plan(
        session=session,
        actor=actor,
        plan_id=plan.id,
        plan_update=PlanUpdate(version=1, review_cadence=ReviewCadence.WEEKLY, name="H1 2027"),
        reason="agreed at kick-off",
    )
    revisions = plans.list_revisions(session=session, actor=actor, plan_id=plan.id)
    assert {(r.field, r.new_value, r.reason) for r in revisions} == {
        ("review_cadence", "weekly", "agreed at kick-off"),
        ("name", "H1 2027", "agreed at kick-off"),
    }


def test_saving_over_a_newer_version_is_refused_and_keeps_the_first_save(session, actor):
    _, plan = create_workspace_with_plan(session, actor)
    plans.update_plan(
        session=session, actor=actor, plan_id=plan.id, plan_update=PlanUpdate(version=1, name="A")
    )
    with pytest.raises(Conflict, match="changed by someone else since you opened it"):
        plans.update_plan(
            session=session,
            actor=actor,
            plan_id=plan.id,
            plan_update=PlanUpdate(version=1, name="B"),
        )
    assert plans.get_plan(session=session, actor=actor, plan_id=plan.id).name == "A"


def test_create_plan_refuses_a_period_that_ends_before_it_starts(session, actor):
    workspace, _ = create_workspace_with_plan(session, actor)
    with pytest.raises(InvalidInput):
        plans.create_plan(
            session=session,
            actor=actor,
            workspace_id=workspace.id,
            plan_create=PlanCreate(
                name="Bad", period_start=date(2027, 7, 1), period_end=date(2027, 7, 1)
            ),
        )
    assert len(plans.list_plans(session=session, actor=actor, workspace_id=workspace.id)) == 1


def test_a_stranger_cannot_read_a_plan_by_guessing_its_id(session, actor):
    _, plan = create_workspace_with_plan(session, actor)
    with pytest.raises(NotFound):
        plans.get_plan(session=session, actor=Actor.user(999, "stranger"), plan_id=plan.id)


def test_a_share_link_reader_sees_only_the_shared_plan_among_the_workspace_plans(session, actor):
    workspace, shared = create_workspace_with_plan(session, actor)
    plans.create_plan(
        session=session,
        actor=actor,
        workspace_id=workspace.id,
        plan_create=PlanCreate(
            name="Next year", period_start=date(2028, 1, 1), period_end=date(2028, 6, 30)
        ),
    )
    reader = Actor.share_reader(shared.id)
    assert plans.list_plans(session=session, actor=reader, workspace_id=workspace.id) == [shared]
    assert plans.current_plan(session=session, actor=reader, workspace_id=workspace.id) == shared
