from datetime import date

import pytest
from sqlmodel import Session, func, select

from socialplan import plans, reviews
from socialplan.access import Actor
from socialplan.errors import Conflict, InvalidInput, NotFound
from socialplan.models import (
    Cadence,
    Direction,
    Metric,
    MetricStatus,
    Objective,
    Plan,
    PlanUpdate,
    Reading,
    Review,
    ReviewCadence,
    ReviewItem,
    Revision,
    Task,
    TaskCreate,
    TaskStatus,
    utcnow,
)
from socialplan.reviews import AddTask, ChangeTarget, DropTask, ReviewItemInput
from tests.factories import PLAN_END, create_workspace_with_plan

# 2027-03-31 is 89 of the 180 days from the plan start (1 Jan) to the target date (30 Jun).
HELD_ON = date(2027, 3, 31)
TARGET_DATE = PLAN_END


def add_objective(session: Session, plan: Plan, title: str = "More cake orders") -> Objective:
    objective = Objective(plan_id=plan.id, title=title)
    session.add(objective)
    session.commit()
    return objective


def add_metric(
    session: Session,
    objective: Objective,
    name: str,
    *,
    baseline: float,
    target: float,
    readings: dict[date, float] | None = None,
    direction: Direction = Direction.UP,
    unit: str = "",
) -> Metric:
    metric = Metric(
        objective_id=objective.id,
        name=name,
        unit=unit,
        baseline=baseline,
        target=target,
        target_date=TARGET_DATE,
        direction=direction,
    )
    session.add(metric)
    session.flush()
    for day, value in (readings or {}).items():
        session.add(Reading(metric_id=metric.id, day=day, value=value))
    session.commit()
    return metric


def add_task(session: Session, objective: Objective, title: str = "Post a cake daily") -> Task:
    task = Task(objective_id=objective.id, title=title, cadence=Cadence.DAILY, minutes=15)
    session.add(task)
    session.commit()
    return task


def arrange_plan(session: Session, actor: Actor) -> tuple[Plan, Objective, dict[str, Metric]]:
    """A plan with one metric in each status on HELD_ON."""
    _, plan = create_workspace_with_plan(session, actor)
    objective = add_objective(session, plan)
    metrics = {
        # progress 0.6 against 0.49 expected: on track.
        "orders": add_metric(
            session, objective, "Cake orders", baseline=100, target=200,
            readings={date(2027, 3, 1): 130, date(2027, 3, 30): 160, date(2027, 4, 15): 10},
        ),
        # progress 0.35: within 0.20 of expected, at risk.
        "signups": add_metric(
            session, objective, "Newsletter sign-ups", baseline=0, target=100,
            readings={date(2027, 3, 20): 35},
        ),
        # a metric that should fall, barely moved: progress 0.1, off track.
        "reply_hours": add_metric(
            session, objective, "Hours to reply", baseline=10, target=5,
            readings={date(2027, 3, 28): 9.5}, direction=Direction.DOWN,
        ),
        "leads": add_metric(session, objective, "Leads", baseline=0, target=40),
    }  # fmt: skip
    return plan, objective, metrics


def count(session: Session, table: type) -> int:
    return session.exec(select(func.count()).select_from(table)).one()


def stored_nothing(session: Session) -> bool:
    return count(session, Review) == 0 and count(session, ReviewItem) == 0


# ---------------------------------------------------------------- the schedule


@pytest.mark.parametrize(
    ("held_on", "cadence", "expected"),
    [
        (date(2027, 3, 1), ReviewCadence.WEEKLY, date(2027, 3, 8)),
        (date(2027, 3, 1), ReviewCadence.BIWEEKLY, date(2027, 3, 15)),
        (date(2027, 3, 1), ReviewCadence.MONTHLY, date(2027, 4, 1)),
        (date(2027, 1, 31), ReviewCadence.MONTHLY, date(2027, 2, 28)),
        (date(2028, 1, 31), ReviewCadence.MONTHLY, date(2028, 2, 29)),
        (date(2027, 12, 15), ReviewCadence.MONTHLY, date(2028, 1, 15)),
        (date(2027, 12, 28), ReviewCadence.WEEKLY, date(2028, 1, 4)),
    ],
)
def test_the_next_review_follows_the_cadence_and_stays_in_short_months(held_on, cadence, expected):
    assert reviews.next_review_after(held_on, cadence) == expected


def test_setting_the_schedule_stores_cadence_and_date_and_records_a_revision(session, actor):
    _, plan = create_workspace_with_plan(session, actor)
    updated = reviews.set_review_schedule(
        session=session,
        actor=actor,
        plan_id=plan.id,
        cadence=ReviewCadence.BIWEEKLY,
        next_review_on=date(2027, 2, 1),
        version=plan.version,
    )
    assert (updated.review_cadence, updated.next_review_on) == ("biweekly", date(2027, 2, 1))
    fields = {r.field for r in plans.list_revisions(session=session, actor=actor, plan_id=plan.id)}
    assert fields == {"review_cadence", "next_review_on"}


@pytest.mark.parametrize(
    ("next_review_on", "message"),
    [
        (date(2026, 12, 31), "must be on or after the plan start"),
        (date(2027, 8, 1), "must be at most 31 days after the plan end"),
    ],
)
def test_a_review_date_outside_the_plan_is_refused_and_saves_nothing(
    session, actor, next_review_on, message
):
    _, plan = create_workspace_with_plan(session, actor)
    with pytest.raises(InvalidInput) as error:
        reviews.set_review_schedule(
            session=session,
            actor=actor,
            plan_id=plan.id,
            cadence=ReviewCadence.WEEKLY,
            next_review_on=next_review_on,
            version=plan.version,
        )
    assert message in error.value.errors["next_review_on"]
    stored = plans.get_plan(session=session, actor=actor, plan_id=plan.id)
    assert (stored.review_cadence, stored.next_review_on, stored.version) == (None, None, 1)


def test_a_closing_review_may_be_a_month_after_the_plan_ends(session, actor):
    _, plan = create_workspace_with_plan(session, actor)
    updated = reviews.set_review_schedule(
        session=session,
        actor=actor,
        plan_id=plan.id,
        cadence=ReviewCadence.MONTHLY,
        next_review_on=date(2027, 7, 31),
        version=plan.version,
    )
    assert updated.next_review_on == date(2027, 7, 31)


def test_an_unknown_cadence_is_refused_with_a_message_naming_it(session, actor):
    _, plan = create_workspace_with_plan(session, actor)
    with pytest.raises(InvalidInput) as error:
        reviews.set_review_schedule(
            session=session,
            actor=actor,
            plan_id=plan.id,
            cadence="fortnightly",
            next_review_on=date(2027, 2, 1),
            version=plan.version,
        )
    assert "review_cadence" in error.value.errors


def test_a_schedule_saved_over_a_newer_version_is_refused(session, actor):
    _, plan = create_workspace_with_plan(session, actor)
    plans.update_plan(
        session=session, actor=actor, plan_id=plan.id, plan_update=PlanUpdate(version=1, name="B")
    )
    with pytest.raises(Conflict):
        reviews.set_review_schedule(
            session=session,
            actor=actor,
            plan_id=plan.id,
            cadence=ReviewCadence.WEEKLY,
            next_review_on=date(2027, 2, 1),
            version=1,
        )
    assert plans.get_plan(session=session, actor=actor, plan_id=plan.id).review_cadence is None


def test_the_next_review_text_counts_days_and_says_when_it_is_overdue(session, actor):
    _, plan = create_workspace_with_plan(session, actor)
    assert "No review is scheduled" in reviews.next_review_text(plan, date(2027, 1, 5))
    plan.next_review_on = date(2027, 2, 1)
    assert "in 5 days" in reviews.next_review_text(plan, date(2027, 1, 27))
    assert "today" in reviews.next_review_text(plan, date(2027, 2, 1))
    assert "due 3 days ago" in reviews.next_review_text(plan, date(2027, 2, 4))


def test_the_status_rule_sentence_names_both_thresholds():
    text = reviews.status_rule_text()
    assert "5%" in text and "20%" in text


# ---------------------------------------------------------------- holding a review


def test_a_review_stores_one_item_per_metric_with_the_status_on_the_day_it_was_held(session, actor):
    plan, _, metrics = arrange_plan(session, actor)
    review = reviews.hold_review(
        session=session,
        actor=actor,
        plan_id=plan.id,
        held_on=HELD_ON,
        items=[
            ReviewItemInput(metrics["orders"].id, confidence=8, comment="Weekend posts work."),
            ReviewItemInput(metrics["signups"].id, confidence=3),
        ],
        corrections=[],
        summary="Orders are ahead, sign-ups lag.",
    )
    items = {
        item.metric_id: item
        for item in session.exec(select(ReviewItem).where(ReviewItem.review_id == review.id))
    }
    assert len(items) == 4
    orders = items[metrics["orders"].id]
    # The reading of 15 April came after the review and must not count.
    assert orders.actual == 160
    assert orders.expected == pytest.approx(100 + 100 * 89 / 180)
    assert orders.progress == pytest.approx(0.6)
    assert (orders.status, orders.confidence, orders.comment) == (
        MetricStatus.ON_TRACK, 8, "Weekend posts work."
    )  # fmt: skip
    assert items[metrics["signups"].id].status == MetricStatus.AT_RISK
    assert items[metrics["reply_hours"].id].status == MetricStatus.OFF_TRACK
    leads = items[metrics["leads"].id]
    assert (leads.status, leads.actual, leads.confidence) == (MetricStatus.NO_DATA, None, 5)
    assert (review.summary, review.created_by) == ("Orders are ahead, sign-ups lag.", "Owner")


def test_an_archived_metric_is_left_out_of_the_review(session, actor):
    plan, _, metrics = arrange_plan(session, actor)
    metrics["leads"].archived_at = utcnow()
    session.commit()
    review = reviews.hold_review(
        session=session, actor=actor, plan_id=plan.id, held_on=HELD_ON, items=[]
    )
    reviewed = set(
        session.exec(select(ReviewItem.metric_id).where(ReviewItem.review_id == review.id))
    )
    assert metrics["leads"].id not in reviewed and len(reviewed) == 3


def test_holding_a_review_moves_the_next_review_by_the_cadence(session, actor):
    plan, _, _ = arrange_plan(session, actor)
    reviews.set_review_schedule(
        session=session,
        actor=actor,
        plan_id=plan.id,
        cadence=ReviewCadence.MONTHLY,
        next_review_on=HELD_ON,
        version=plan.version,
    )
    review = reviews.hold_review(
        session=session, actor=actor, plan_id=plan.id, held_on=HELD_ON, items=[]
    )
    stored = plans.get_plan(session=session, actor=actor, plan_id=plan.id)
    assert stored.next_review_on == date(2027, 4, 30)
    moved = session.exec(select(Revision).where(Revision.field == "next_review_on")).all()
    assert [r.review_id for r in moved] == [None, review.id]


def test_a_review_without_a_cadence_leaves_the_next_review_date_alone(session, actor):
    plan, _, _ = arrange_plan(session, actor)
    reviews.hold_review(session=session, actor=actor, plan_id=plan.id, held_on=HELD_ON, items=[])
    stored = plans.get_plan(session=session, actor=actor, plan_id=plan.id)
    assert (stored.next_review_on, stored.version) == (None, 1)


def test_a_confidence_above_ten_is_refused_by_metric_and_stores_nothing(session, actor):
    plan, _, metrics = arrange_plan(session, actor)
    orders = metrics["orders"].id
    with pytest.raises(InvalidInput) as error:
        reviews.hold_review(
            session=session,
            actor=actor,
            plan_id=plan.id,
            held_on=HELD_ON,
            items=[ReviewItemInput(orders, confidence=11)],
        )
    assert error.value.errors == {f"confidence_{orders}": "must be at most 10."}
    assert stored_nothing(session)


def test_a_review_held_before_the_plan_starts_is_refused(session, actor):
    plan, _, _ = arrange_plan(session, actor)
    with pytest.raises(InvalidInput) as error:
        reviews.hold_review(
            session=session, actor=actor, plan_id=plan.id, held_on=date(2026, 12, 1), items=[]
        )
    assert "held_on" in error.value.errors
    assert stored_nothing(session)


def test_a_review_item_for_a_metric_of_another_plan_is_refused(session, actor):
    plan, _, _ = arrange_plan(session, actor)
    _, other_plan = create_workspace_with_plan(session, actor, name="Other Shop")
    stranger_metric = add_metric(
        session, add_objective(session, other_plan), "X", baseline=0, target=1
    )
    with pytest.raises(InvalidInput) as error:
        reviews.hold_review(
            session=session,
            actor=actor,
            plan_id=plan.id,
            held_on=HELD_ON,
            items=[ReviewItemInput(stranger_metric.id, confidence=5)],
        )
    assert "items" in error.value.errors
    assert stored_nothing(session)


def test_a_reader_without_a_role_cannot_hold_a_review(session, actor):
    plan, _, _ = arrange_plan(session, actor)
    with pytest.raises(NotFound):
        reviews.hold_review(
            session=session,
            actor=Actor.user(999, "stranger"),
            plan_id=plan.id,
            held_on=HELD_ON,
            items=[],
        )
    assert stored_nothing(session)


def test_a_correction_without_a_reason_is_named_and_nothing_is_stored(session, actor):
    plan, _, metrics = arrange_plan(session, actor)
    orders = metrics["orders"]
    with pytest.raises(InvalidInput) as error:
        reviews.hold_review(
            session=session,
            actor=actor,
            plan_id=plan.id,
            held_on=HELD_ON,
            items=[],
            corrections=[ChangeTarget(orders.id, orders.version, new_target=250, reason=" ")],
        )
    message = error.value.errors["correction_1"]
    assert "“Cake orders”" in message and "reason is required" in message
    assert stored_nothing(session)
    session.refresh(orders)
    assert orders.target == 200


def test_two_corrections_of_the_same_metric_are_refused_as_one_change(session, actor):
    plan, _, metrics = arrange_plan(session, actor)
    orders = metrics["orders"]
    with pytest.raises(InvalidInput) as error:
        reviews.hold_review(
            session=session,
            actor=actor,
            plan_id=plan.id,
            held_on=HELD_ON,
            items=[],
            corrections=[
                ChangeTarget(orders.id, 1, new_target=250, reason="Busy spring"),
                ChangeTarget(orders.id, 1, new_target_date=date(2027, 5, 31), reason="Earlier"),
            ],
        )
    assert "same metric as correction 1" in error.value.errors["correction_2"]
    assert stored_nothing(session)


def test_checking_a_correction_names_each_bad_field(session, actor):
    plan, objective, metrics = arrange_plan(session, actor)
    orders = metrics["orders"]
    with pytest.raises(InvalidInput) as error:
        reviews.check_correction(
            session=session,
            actor=actor,
            plan_id=plan.id,
            correction=ChangeTarget(
                orders.id, 1, new_target=100, new_target_date=date(2027, 9, 1), reason=""
            ),
        )
    assert set(error.value.errors) == {"new_target", "reason"}
    assert "baseline" in error.value.errors["new_target"]
    with pytest.raises(InvalidInput) as error:
        reviews.check_correction(
            session=session,
            actor=actor,
            plan_id=plan.id,
            correction=ChangeTarget(orders.id, 1, reason="No change really"),
        )
    assert "change at least one" in error.value.errors["new_target"]


def test_checking_a_correction_applies_the_metric_rules_and_changes_nothing(session, actor):
    plan, _, metrics = arrange_plan(session, actor)
    orders = metrics["orders"]
    with pytest.raises(InvalidInput) as error:
        reviews.check_correction(
            session=session,
            actor=actor,
            plan_id=plan.id,
            correction=ChangeTarget(orders.id, 1, new_target=50, reason="Lower the bar"),
        )
    assert "must be above the baseline" in error.value.errors["new_target"]
    correction = ChangeTarget(orders.id, 1, new_target=250, reason="Busy season")
    assert (
        reviews.check_correction(
            session=session, actor=actor, plan_id=plan.id, correction=correction
        )
        == correction
    )
    session.refresh(orders)
    assert (orders.target, orders.version, count(session, Revision)) == (200, 1, 0)


def test_checking_an_added_task_leaves_no_task_behind(session, actor):
    plan, objective, _ = arrange_plan(session, actor)
    correction = reviews.build_add_task(
        objective_id=objective.id,
        task_fields={"title": "Film a reel", "cadence": Cadence.ONCE},
        reason="Try video",
    )
    with pytest.raises(InvalidInput) as error:
        reviews.check_correction(
            session=session, actor=actor, plan_id=plan.id, correction=correction
        )
    assert error.value.errors == {"due_date": "is required for a one-off task."}
    correction = reviews.build_add_task(
        objective_id=objective.id, task_fields={"title": "Film a reel"}, reason="Try video"
    )
    reviews.check_correction(session=session, actor=actor, plan_id=plan.id, correction=correction)
    assert count(session, Task) == 0 and count(session, Revision) == 0


def test_checking_a_correction_of_a_metric_changed_since_is_a_conflict(session, actor):
    plan, _, metrics = arrange_plan(session, actor)
    orders = metrics["orders"]
    orders.version = 2
    session.commit()
    with pytest.raises(Conflict):
        reviews.check_correction(
            session=session,
            actor=actor,
            plan_id=plan.id,
            correction=ChangeTarget(orders.id, 1, new_target=250, reason="Busy season"),
        )


def test_building_an_add_task_correction_names_the_empty_title_and_reason():
    with pytest.raises(InvalidInput) as error:
        reviews.build_add_task(objective_id=1, task_fields={"title": ""}, reason="")
    assert set(error.value.errors) == {"title", "reason"}
    correction = reviews.build_add_task(
        objective_id=1, task_fields={"title": "Film a reel", "minutes": 20}, reason=" More video "
    )
    assert (correction.task_create.title, correction.reason) == ("Film a reel", "More video")


def test_dropping_a_task_that_is_already_dropped_is_refused(session, actor):
    plan, objective, _ = arrange_plan(session, actor)
    task = add_task(session, objective)
    task.status = TaskStatus.DROPPED
    session.commit()
    with pytest.raises(InvalidInput) as error:
        reviews.check_correction(
            session=session,
            actor=actor,
            plan_id=plan.id,
            correction=DropTask(task.id, task.version, reason="Too much work"),
        )
    assert error.value.errors == {"task": "is already dropped."}


# ---------------------------------------------------------------- course corrections


def revisions_of(session: Session, review: Review) -> list[Revision]:
    return list(session.exec(select(Revision).where(Revision.review_id == review.id)))


def test_a_target_change_is_applied_and_recorded_with_its_reason_and_review(session, actor):
    plan, _, metrics = arrange_plan(session, actor)
    orders = metrics["orders"]
    review = reviews.hold_review(
        session=session,
        actor=actor,
        plan_id=plan.id,
        held_on=HELD_ON,
        items=[],
        corrections=[
            ChangeTarget(
                orders.id,
                orders.version,
                new_target=250,
                new_target_date=date(2027, 5, 31),
                reason="Spring wedding season",
            )
        ],
    )
    session.refresh(orders)
    assert (orders.target, orders.target_date, orders.version) == (250, date(2027, 5, 31), 2)
    changes = {(r.entity, r.field, r.reason) for r in revisions_of(session, review)}
    assert changes == {
        ("metric", "target", "Spring wedding season"),
        ("metric", "target_date", "Spring wedding season"),
    }
    # The review item keeps the target the review judged, not the corrected one.
    item = session.exec(select(ReviewItem).where(ReviewItem.metric_id == orders.id)).one()
    assert item.progress == pytest.approx(0.6)


def test_an_added_task_is_created_under_its_objective_with_the_reason(session, actor):
    plan, objective, _ = arrange_plan(session, actor)
    review = reviews.hold_review(
        session=session,
        actor=actor,
        plan_id=plan.id,
        held_on=HELD_ON,
        items=[],
        corrections=[
            AddTask(
                objective.id,
                TaskCreate(title="Film a reel of the oven", cadence=Cadence.WEEKLY, minutes=45),
                reason="Videos bring the most orders",
            )
        ],
    )
    task = session.exec(select(Task).where(Task.title == "Film a reel of the oven")).one()
    assert task.objective_id == objective.id
    recorded = revisions_of(session, review)
    assert recorded and {r.reason for r in recorded} == {"Videos bring the most orders"}
    assert {(r.entity, r.entity_id) for r in recorded} == {("task", task.id)}


def test_a_dropped_task_is_marked_dropped_with_the_reason(session, actor):
    plan, objective, _ = arrange_plan(session, actor)
    task = add_task(session, objective)
    review = reviews.hold_review(
        session=session,
        actor=actor,
        plan_id=plan.id,
        held_on=HELD_ON,
        items=[],
        corrections=[DropTask(task.id, task.version, reason="Nobody has the time")],
    )
    session.refresh(task)
    assert task.status == TaskStatus.DROPPED
    [revision] = revisions_of(session, review)
    assert (revision.entity_id, revision.field, revision.new_value, revision.reason) == (
        task.id, "status", "dropped", "Nobody has the time"
    )  # fmt: skip


def test_one_invalid_correction_stores_neither_the_review_nor_the_other_corrections(session, actor):
    plan, objective, metrics = arrange_plan(session, actor)
    task = add_task(session, objective)
    signups = metrics["signups"]
    with pytest.raises(InvalidInput) as error:
        reviews.hold_review(
            session=session,
            actor=actor,
            plan_id=plan.id,
            held_on=HELD_ON,
            items=[ReviewItemInput(signups.id, confidence=4, comment="Slow")],
            corrections=[
                DropTask(task.id, task.version, reason="No time"),
                ChangeTarget(signups.id, signups.version, new_target=0, reason="Give up"),
            ],
        )
    assert "baseline" in error.value.errors["correction_2"]
    assert stored_nothing(session) and count(session, Revision) == 0
    session.refresh(task)
    session.refresh(signups)
    assert (task.status, signups.target) == (TaskStatus.TODO, 100)


def test_a_rule_of_the_metrics_service_comes_back_naming_the_correction(session, actor):
    plan, _, metrics = arrange_plan(session, actor)
    orders = metrics["orders"]
    with pytest.raises(InvalidInput) as error:
        reviews.hold_review(
            session=session,
            actor=actor,
            plan_id=plan.id,
            held_on=HELD_ON,
            items=[],
            corrections=[
                ChangeTarget(
                    orders.id, 1, new_target_date=date(2027, 9, 1), reason="Summer is slow"
                )
            ],
        )
    message = error.value.errors["correction_1"]
    assert message.startswith("(Change “Cake orders”: target date 01 Sep 2027): The target date")
    assert "within the plan period" in message
    assert stored_nothing(session) and count(session, Revision) == 0


def test_a_correction_made_over_a_newer_version_stores_nothing_at_all(session, actor):
    plan, objective, metrics = arrange_plan(session, actor)
    task = add_task(session, objective)
    orders = metrics["orders"]
    orders.name = "Cake orders a week"
    orders.version = 2  # someone else saved the metric after the review page was opened
    session.commit()
    with pytest.raises(Conflict, match="changed by someone else"):
        reviews.hold_review(
            session=session,
            actor=actor,
            plan_id=plan.id,
            held_on=HELD_ON,
            items=[],
            corrections=[
                DropTask(task.id, task.version, reason="No time"),
                ChangeTarget(orders.id, 1, new_target=300, reason="Ambitious"),
            ],
        )
    assert stored_nothing(session) and count(session, Revision) == 0
    session.refresh(task)
    session.refresh(orders)
    assert (task.status, orders.target) == (TaskStatus.TODO, 200)


# ---------------------------------------------------------------- past reviews and Markdown


def hold(session: Session, actor: Actor, plan: Plan, held_on: date, **kwargs) -> Review:
    return reviews.hold_review(
        session=session, actor=actor, plan_id=plan.id, held_on=held_on, items=[], **kwargs
    )


def test_past_reviews_are_listed_newest_first(session, actor):
    plan, _, _ = arrange_plan(session, actor)
    march = hold(session, actor, plan, date(2027, 3, 1))
    may = hold(session, actor, plan, date(2027, 5, 3))
    april = hold(session, actor, plan, date(2027, 4, 1))
    listed = reviews.list_reviews(session=session, actor=actor, plan_id=plan.id)
    assert [r.id for r in listed] == [may.id, april.id, march.id]


def test_a_review_detail_joins_metric_names_and_its_decisions(session, actor):
    plan, _, metrics = arrange_plan(session, actor)
    orders = metrics["orders"]
    review = reviews.hold_review(
        session=session,
        actor=actor,
        plan_id=plan.id,
        held_on=HELD_ON,
        items=[ReviewItemInput(orders.id, confidence=9, comment="Great")],
        corrections=[ChangeTarget(orders.id, 1, new_target=250, reason="Ahead of plan")],
    )
    detail = reviews.get_review(session=session, actor=actor, review_id=review.id)
    assert [row.metric_name for row in detail.items] == [
        "Cake orders", "Newsletter sign-ups", "Hours to reply", "Leads"
    ]  # fmt: skip
    [decision] = detail.decisions
    assert decision.description == "Metric “Cake orders”: target 200 → 250"
    assert decision.revision.reason == "Ahead of plan"
    assert detail.file_name == "review-2027-03-31.md"


def test_a_review_of_another_workspace_cannot_be_read(session, actor):
    plan, _, _ = arrange_plan(session, actor)
    review = hold(session, actor, plan, HELD_ON)
    with pytest.raises(NotFound):
        reviews.get_review(session=session, actor=Actor.user(999, "stranger"), review_id=review.id)


def test_the_markdown_holds_plan_date_summary_table_and_corrections(session, actor):
    plan, _, metrics = arrange_plan(session, actor)
    orders = metrics["orders"]
    review = reviews.hold_review(
        session=session,
        actor=actor,
        plan_id=plan.id,
        held_on=HELD_ON,
        items=[ReviewItemInput(orders.id, confidence=8, comment="Weekend posts work.")],
        corrections=[ChangeTarget(orders.id, 1, new_target=250, reason="Ahead of plan")],
        summary="A good month.",
    )
    detail = reviews.get_review(session=session, actor=actor, review_id=review.id)
    markdown = reviews.review_markdown(detail)
    assert markdown.startswith("# Review of 2027 H1 — 2027-03-31\n")
    assert "A good month." in markdown
    assert "| Metric | Actual | Goal | Progress | Status | Confidence | Comment |" in markdown
    assert "| Cake orders | 160 | 149 | 60% | 🟢 On track | 8/10 | Weekend posts work. |" in (
        markdown
    )
    assert "| Leads | — | 19.8 | — | ⚪ No data yet | 5/10 |  |" in markdown
    assert "- Metric “Cake orders”: target 200 → 250 — why: Ahead of plan" in markdown


def test_the_markdown_names_the_next_review_apart_from_the_corrections(session, actor):
    plan, _, _ = arrange_plan(session, actor)
    reviews.set_review_schedule(
        session=session,
        actor=actor,
        plan_id=plan.id,
        cadence=ReviewCadence.WEEKLY,
        next_review_on=HELD_ON,
        version=plan.version,
    )
    review = hold(session, actor, plan, HELD_ON)
    detail = reviews.get_review(session=session, actor=actor, review_id=review.id)
    assert (detail.corrections, detail.next_review_on) == ([], date(2027, 4, 7))
    markdown = reviews.review_markdown(detail)
    assert "## Course corrections\n\nNo changes to the plan.\n" in markdown
    assert markdown.endswith("Next review: Wednesday 07 April 2027.\n")


def test_pipes_and_line_breaks_typed_by_users_do_not_break_the_markdown_table(session, actor):
    plan, _, metrics = arrange_plan(session, actor)
    orders = metrics["orders"]
    orders.name = "Orders | online"
    session.commit()
    review = reviews.hold_review(
        session=session,
        actor=actor,
        plan_id=plan.id,
        held_on=HELD_ON,
        items=[ReviewItemInput(orders.id, comment="good | better\nbest <b>ever</b>")],
        summary="Line one\nLine two",
    )
    markdown = reviews.review_markdown(
        reviews.get_review(session=session, actor=actor, review_id=review.id)
    )
    table = [line for line in markdown.splitlines() if line.startswith("| Orders")]
    assert table == [
        r"| Orders \| online | 160 | 149 | 60% | 🟢 On track | 5/10 | "
        r"good \| better<br>best \<b\>ever\</b\> |"
    ]
    # Every row of the table still has the header's eight cell borders.
    rows = [line for line in markdown.splitlines() if line.startswith("|")]
    assert {line.replace("\\|", "").count("|") for line in rows} == {8}
    assert "Line one  \nLine two" in markdown


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "—"), (1234.0, "1,234"), (48.54, "48.5"), (3.456, "3.46"), (-0.001, "0")],
)
def test_numbers_read_as_on_the_dashboard_and_a_missing_one_as_a_dash(value, text):
    assert reviews.format_number(value) == text
