from datetime import date

import pandas as pd
import pytest
from sqlmodel import select

from socialplan import metrics, objectives, plans
from socialplan.access import Actor
from socialplan.errors import Conflict, InvalidInput, NotFound
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
    Snapshot,
    utcnow,
)
from socialplan.series import SOURCE_UNITS
from tests.factories import PLAN_END, PLAN_START, create_workspace_with_plan

# ---------------------------------------------------------------- arranging


@pytest.fixture
def plan_setup(session, actor):
    """A workspace, its plan and one objective."""
    workspace, plan = create_workspace_with_plan(session, actor)
    objective = add_objective(session, actor, plan, "Be known in the neighbourhood")
    return workspace, plan, objective


def add_objective(session, actor, plan, title, category=ObjectiveCategory.AWARENESS):
    return objectives.create_objective(
        session=session,
        actor=actor,
        plan_id=plan.id,
        objective_create=ObjectiveCreate(title=title, category=category),
    )


def add_account(session, workspace, handle, kind=AccountKind.OWN, removed=False):
    account = Account(
        workspace_id=workspace.id,
        network=Network.BLUESKY,
        handle=handle,
        kind=kind,
        removed_at=utcnow() if removed else None,
    )
    session.add(account)
    session.commit()
    return account


def metric_fields(**overrides):
    fields = {
        "name": "Orders from social media",
        "source": MetricSource.MANUAL,
        "unit": "orders",
        "baseline": 10,
        "target": 40,
        "target_date": PLAN_END,
        "direction": Direction.UP,
    }
    return {**fields, **overrides}


def add_metric(session, actor, objective, **overrides):
    return metrics.create_metric(
        session=session,
        actor=actor,
        objective_id=objective.id,
        metric_create=metric_fields(**overrides),
    )


def refused(session, actor, objective, **overrides):
    """The field errors of a create that must fail, after checking nothing was stored."""
    with pytest.raises(InvalidInput) as error:
        add_metric(session, actor, objective, **overrides)
    assert session.exec(select(Metric)).all() == []
    return error.value.errors


# ---------------------------------------------------------------- suggestions


def test_every_objective_category_has_suggestions():
    for category in ObjectiveCategory:
        assert metrics.suggest_metrics(category), category


def test_awareness_suggests_followers_posts_per_week_and_the_influence_score():
    sources = [s.source for s in metrics.suggest_metrics(ObjectiveCategory.AWARENESS)]
    assert sources == [
        MetricSource.FOLLOWERS,
        MetricSource.POSTS_PER_WEEK,
        MetricSource.INFLUENCE_SCORE,
    ]


def test_customer_service_suggests_a_response_time_that_should_go_down():
    suggestions = metrics.suggest_metrics(ObjectiveCategory.CUSTOMER_SERVICE)
    response_time = next(s for s in suggestions if s.name == "Response time")
    assert (response_time.source, response_time.unit, response_time.direction) == (
        MetricSource.MANUAL,
        "hours",
        Direction.DOWN,
    )


def test_leads_and_sales_suggest_numbers_entered_by_hand():
    for category in (ObjectiveCategory.LEADS, ObjectiveCategory.SALES):
        assert {s.source for s in metrics.suggest_metrics(category)} == {MetricSource.MANUAL}


def test_suggested_account_metrics_use_the_usual_unit_of_their_source():
    for category in ObjectiveCategory:
        for suggestion in metrics.suggest_metrics(category):
            if metrics.is_account_source(suggestion.source):
                assert suggestion.unit == SOURCE_UNITS[suggestion.source]


# ---------------------------------------------------------------- creating


def test_create_metric_stores_every_field_after_the_objectives_other_metrics(
    session, actor, plan_setup
):
    _, _, objective = plan_setup
    first = add_metric(session, actor, objective)
    second = add_metric(
        session,
        actor,
        objective,
        name="  Response time ",
        unit="hours",
        baseline=12,
        target=2.5,
        direction=Direction.DOWN,
        target_date=date(2027, 3, 31),
    )
    stored = session.get(Metric, second.id)
    assert (stored.name, stored.baseline, stored.target, stored.direction) == (
        "Response time",
        12,
        2.5,
        "down",
    )
    assert (stored.target_date, stored.objective_id, stored.account_id) == (
        date(2027, 3, 31),
        objective.id,
        None,
    )
    assert (first.position, second.position) == (0, 1)


def test_an_empty_unit_takes_the_usual_unit_of_the_source(session, actor, plan_setup):
    _, _, objective = plan_setup
    followers = add_metric(
        session, actor, objective, name="Followers", source=MetricSource.FOLLOWERS, unit=" "
    )
    by_hand = add_metric(session, actor, objective, unit="")
    assert (followers.unit, by_hand.unit) == ("followers", "")


def test_create_metric_records_a_revision(session, actor, plan_setup):
    _, plan, objective = plan_setup
    metric = add_metric(session, actor, objective)
    revisions = plans.list_revisions(session=session, actor=actor, plan_id=plan.id)
    assert ("metric", metric.id, "create", "Orders from social media") in {
        (r.entity, r.entity_id, r.action, r.new_value) for r in revisions
    }


@pytest.mark.parametrize("name", ["", "   "])
def test_a_metric_needs_a_name(session, actor, plan_setup, name):
    _, _, objective = plan_setup
    assert refused(session, actor, objective, name=name) == {"name": "is required."}


def test_a_target_equal_to_the_baseline_is_refused(session, actor, plan_setup):
    _, _, objective = plan_setup
    errors = refused(session, actor, objective, baseline=25, target=25)
    assert errors == {"target": "must differ from the baseline."}


def test_a_metric_that_should_go_up_needs_a_target_above_the_baseline(session, actor, plan_setup):
    _, _, objective = plan_setup
    errors = refused(session, actor, objective, baseline=1200, target=900)
    assert errors["target"].startswith("must be above the baseline (1,200)")
    assert "should go up" in errors["target"]


def test_a_metric_that_should_go_down_needs_a_target_below_the_baseline(session, actor, plan_setup):
    _, _, objective = plan_setup
    errors = refused(session, actor, objective, baseline=12, target=24, direction=Direction.DOWN)
    assert errors["target"].startswith("must be below the baseline (12)")
    metric = add_metric(session, actor, objective, baseline=12, target=4, direction=Direction.DOWN)
    assert metric.target == 4


@pytest.mark.parametrize("target_date", [date(2026, 12, 31), date(2027, 7, 1)])
def test_a_target_date_outside_the_plan_period_is_refused_with_the_periods_dates(
    session, actor, plan_setup, target_date
):
    _, _, objective = plan_setup
    errors = refused(session, actor, objective, target_date=target_date)
    assert errors == {"target_date": "must be within the plan period, 01 Jan 2027 to 30 Jun 2027."}


@pytest.mark.parametrize("target_date", [PLAN_START, PLAN_END])
def test_the_first_and_last_day_of_the_period_are_valid_target_dates(
    session, actor, plan_setup, target_date
):
    _, _, objective = plan_setup
    assert add_metric(session, actor, objective, target_date=target_date).target_date == target_date


def test_every_broken_rule_is_named_at_once(session, actor, plan_setup):
    _, _, objective = plan_setup
    errors = refused(session, actor, objective, name="", target=10, target_date=date(2030, 1, 1))
    assert set(errors) == {"name", "target", "target_date"}


def test_a_value_that_is_not_a_number_is_refused_by_field(session, actor, plan_setup):
    _, _, objective = plan_setup
    assert set(refused(session, actor, objective, baseline="lots")) == {"baseline"}


def test_an_account_metric_may_follow_one_own_account_or_all_of_them(session, actor, plan_setup):
    workspace, _, objective = plan_setup
    account = add_account(session, workspace, "rosasbakery")
    one = add_metric(
        session, actor, objective, source=MetricSource.FOLLOWERS, account_id=account.id
    )
    combined = add_metric(session, actor, objective, source=MetricSource.FOLLOWERS)
    assert (one.account_id, combined.account_id) == (account.id, None)


def test_an_account_of_another_business_is_refused(session, actor, plan_setup):
    _, _, objective = plan_setup
    other_workspace, _ = create_workspace_with_plan(session, actor, name="Other Bakery")
    foreign = add_account(session, other_workspace, "otherbakery")
    errors = refused(
        session, actor, objective, source=MetricSource.FOLLOWERS, account_id=foreign.id
    )
    assert errors == {
        "account_id": "must be one of this business's own accounts, or all of them combined."
    }


@pytest.mark.parametrize(
    "arrange",
    [
        lambda s, w: add_account(s, w, "rival", kind=AccountKind.COMPETITOR).id,
        lambda s, w: add_account(s, w, "old", removed=True).id,
        lambda s, w: 987_654,
    ],
    ids=["competitor", "removed", "missing"],
)
def test_only_a_current_own_account_may_be_followed(session, actor, plan_setup, arrange):
    workspace, _, objective = plan_setup
    account_id = arrange(session, workspace)
    errors = refused(
        session, actor, objective, source=MetricSource.FOLLOWERS, account_id=account_id
    )
    assert set(errors) == {"account_id"}


def test_a_number_entered_by_hand_has_no_account(session, actor, plan_setup):
    workspace, _, objective = plan_setup
    account = add_account(session, workspace, "rosasbakery")
    errors = refused(session, actor, objective, account_id=account.id)
    assert errors == {"account_id": "must be left empty for a number entered by hand."}


def test_no_metric_can_be_added_to_an_archived_objective(session, actor, plan_setup):
    _, _, objective = plan_setup
    objectives.archive_objective(
        session=session, actor=actor, objective_id=objective.id, version=objective.version
    )
    assert set(refused(session, actor, objective)) == {"objective_id"}


def test_a_stranger_cannot_add_a_metric_to_another_businesss_objective(session, plan_setup):
    _, _, objective = plan_setup
    with pytest.raises(NotFound):
        add_metric(session, Actor.user(999, "stranger"), objective)
    assert session.exec(select(Metric)).all() == []


# ---------------------------------------------------------------- updating


def test_update_metric_changes_fields_and_records_one_revision_each_with_the_reason(
    session, actor, plan_setup
):
    _, plan, objective = plan_setup
    metric = add_metric(session, actor, objective)
    updated = metrics.update_metric(
        session=session,
        actor=actor,
        metric_id=metric.id,
        metric_update=MetricUpdate(version=1, target=60, target_date=date(2027, 5, 31)),
        reason="Easter went well",
    )
    assert (updated.target, updated.target_date, updated.version) == (60, date(2027, 5, 31), 2)
    changes = {
        (r.field, r.old_value, r.new_value, r.reason)
        for r in plans.list_revisions(session=session, actor=actor, plan_id=plan.id)
        if r.action == "update"
    }
    assert changes == {
        ("target", "40.0", "60.0", "Easter went well"),
        ("target_date", "2027-06-30", "2027-05-31", "Easter went well"),
    }


def test_stage_metric_update_leaves_the_commit_to_the_caller(session, actor, plan_setup):
    _, plan, objective = plan_setup
    metric = add_metric(session, actor, objective)
    metrics.stage_metric_update(
        session, actor, metric, plan, MetricUpdate(version=1, target=80), reason="review"
    )
    session.rollback()
    session.expire_all()
    assert session.get(Metric, metric.id).target == 40
    revisions = plans.list_revisions(session=session, actor=actor, plan_id=plan.id)
    assert [r.action for r in revisions] == ["create", "create"]


def test_a_stale_metric_update_is_refused_and_the_first_save_is_kept(session, actor, plan_setup):
    _, _, objective = plan_setup
    metric = add_metric(session, actor, objective)
    metrics.update_metric(
        session=session,
        actor=actor,
        metric_id=metric.id,
        metric_update=MetricUpdate(version=1, target=50),
    )
    with pytest.raises(Conflict, match="This metric was changed by someone else"):
        metrics.update_metric(
            session=session,
            actor=actor,
            metric_id=metric.id,
            metric_update=MetricUpdate(version=1, target=70),
        )
    session.expire_all()
    assert session.get(Metric, metric.id).target == 50


def test_an_update_that_makes_the_target_equal_the_baseline_is_refused(session, actor, plan_setup):
    _, _, objective = plan_setup
    metric = add_metric(session, actor, objective)
    with pytest.raises(InvalidInput) as error:
        metrics.update_metric(
            session=session,
            actor=actor,
            metric_id=metric.id,
            metric_update=MetricUpdate(version=1, baseline=40),
        )
    assert error.value.errors == {"target": "must differ from the baseline."}
    session.expire_all()
    assert (session.get(Metric, metric.id).baseline, session.get(Metric, metric.id).version) == (
        10,
        1,
    )


def test_an_update_that_flips_the_direction_must_agree_with_the_target(session, actor, plan_setup):
    _, _, objective = plan_setup
    metric = add_metric(session, actor, objective)
    with pytest.raises(InvalidInput) as error:
        metrics.update_metric(
            session=session,
            actor=actor,
            metric_id=metric.id,
            metric_update=MetricUpdate(version=1, direction=Direction.DOWN),
        )
    assert error.value.errors["target"].startswith("must be below the baseline")


def test_an_update_may_not_move_the_target_date_out_of_the_period(session, actor, plan_setup):
    _, _, objective = plan_setup
    metric = add_metric(session, actor, objective)
    with pytest.raises(InvalidInput) as error:
        metrics.update_metric(
            session=session,
            actor=actor,
            metric_id=metric.id,
            metric_update=MetricUpdate(version=1, target_date=date(2027, 9, 1)),
        )
    assert set(error.value.errors) == {"target_date"}


def test_renaming_is_not_blocked_by_a_target_date_the_plan_period_has_since_left_behind(
    session, actor, plan_setup
):
    _, plan, objective = plan_setup
    metric = add_metric(session, actor, objective, target_date=PLAN_END)
    plans.update_plan(
        session=session,
        actor=actor,
        plan_id=plan.id,
        plan_update=PlanUpdate(version=plan.version, period_end=date(2027, 5, 31)),
    )
    renamed = metrics.update_metric(
        session=session,
        actor=actor,
        metric_id=metric.id,
        metric_update={"version": 1, "name": "Orders via Instagram"},
    )
    assert renamed.name == "Orders via Instagram"


def test_an_update_may_not_follow_another_businesss_account(session, actor, plan_setup):
    _, _, objective = plan_setup
    other_workspace, _ = create_workspace_with_plan(session, actor, name="Other Bakery")
    foreign = add_account(session, other_workspace, "otherbakery")
    metric = add_metric(session, actor, objective, source=MetricSource.FOLLOWERS)
    with pytest.raises(InvalidInput) as error:
        metrics.update_metric(
            session=session,
            actor=actor,
            metric_id=metric.id,
            metric_update=MetricUpdate(version=1, account_id=foreign.id),
        )
    assert set(error.value.errors) == {"account_id"}
    session.expire_all()
    assert session.get(Metric, metric.id).account_id is None


def test_turning_an_account_metric_into_a_hand_entered_one_drops_its_account(
    session, actor, plan_setup
):
    workspace, _, objective = plan_setup
    account = add_account(session, workspace, "rosasbakery")
    metric = add_metric(
        session,
        actor,
        objective,
        name="Followers",
        source=MetricSource.FOLLOWERS,
        account_id=account.id,
        unit="",
    )
    updated = metrics.update_metric(
        session=session,
        actor=actor,
        metric_id=metric.id,
        metric_update=MetricUpdate(version=1, source=MetricSource.MANUAL, unit="visitors"),
    )
    assert (updated.source, updated.account_id, updated.unit) == ("manual", None, "visitors")


# ---------------------------------------------------------------- archiving and listing


def test_archive_takes_a_metric_out_of_the_list_and_restore_brings_it_back(
    session, actor, plan_setup
):
    _, plan, objective = plan_setup
    kept = add_metric(session, actor, objective, name="Kept")
    gone = add_metric(session, actor, objective, name="Gone")
    archived = metrics.archive_metric(session=session, actor=actor, metric_id=gone.id, version=1)
    assert archived.archived_at is not None
    assert metrics.list_metrics(session=session, actor=actor, plan_id=plan.id) == [kept]
    assert [
        m.name
        for m in metrics.list_metrics_for_objective(
            session=session, actor=actor, objective_id=objective.id, include_archived=True
        )
    ] == ["Kept", "Gone"]
    metrics.restore_metric(
        session=session, actor=actor, metric_id=gone.id, version=archived.version
    )
    assert [
        m.name for m in metrics.list_metrics(session=session, actor=actor, plan_id=plan.id)
    ] == [
        "Kept",
        "Gone",
    ]


def test_archiving_a_metric_with_a_stale_version_is_refused(session, actor, plan_setup):
    _, plan, objective = plan_setup
    metric = add_metric(session, actor, objective)
    metrics.update_metric(
        session=session,
        actor=actor,
        metric_id=metric.id,
        metric_update={"version": 1, "target": 45},
    )
    with pytest.raises(Conflict):
        metrics.archive_metric(session=session, actor=actor, metric_id=metric.id, version=1)
    assert len(metrics.list_metrics(session=session, actor=actor, plan_id=plan.id)) == 1


def test_list_metrics_follows_the_objective_order_and_skips_archived_objectives(
    session, actor, plan_setup
):
    _, plan, first = plan_setup
    second = add_objective(session, actor, plan, "Sell cakes", ObjectiveCategory.SALES)
    third = add_objective(session, actor, plan, "Hire", ObjectiveCategory.HIRING)
    add_metric(session, actor, second, name="B1")
    add_metric(session, actor, first, name="A1")
    add_metric(session, actor, third, name="C1")
    add_metric(session, actor, second, name="B2")
    objectives.move_objective(session=session, actor=actor, objective_id=second.id, offset=-1)
    objectives.archive_objective(session=session, actor=actor, objective_id=third.id, version=1)
    listed = metrics.list_metrics(session=session, actor=actor, plan_id=plan.id)
    assert [m.name for m in listed] == ["B1", "B2", "A1"]


def test_account_choices_offer_all_own_accounts_combined_and_each_own_account(
    session, actor, plan_setup
):
    workspace, _, _ = plan_setup
    own = add_account(session, workspace, "rosasbakery")
    add_account(session, workspace, "rival", kind=AccountKind.COMPETITOR)
    choices = metrics.account_choices(session=session, actor=actor, workspace_id=workspace.id)
    assert choices == {None: "All our accounts combined", own.id: "@rosasbakery on Bluesky"}


def test_current_value_reads_the_latest_follower_count_of_the_own_accounts(
    session, actor, plan_setup
):
    workspace, _, objective = plan_setup
    first = add_account(session, workspace, "rosasbakery")
    second = add_account(session, workspace, "rosascafe")
    session.add_all(
        [
            Snapshot(account_id=first.id, day=date(2027, 1, 1), followers=100),
            Snapshot(account_id=first.id, day=date(2027, 1, 2), followers=110),
            Snapshot(account_id=second.id, day=date(2027, 1, 2), followers=40),
        ]
    )
    session.commit()

    def value(source, account_id=None):
        return metrics.current_value(
            session=session,
            actor=actor,
            objective_id=objective.id,
            source=source,
            account_id=account_id,
        )

    assert value(MetricSource.FOLLOWERS) == 150
    assert value(MetricSource.FOLLOWERS, first.id) == 110
    assert value(MetricSource.MANUAL) is None


def test_metric_summary_reads_as_a_plain_sentence(session, actor, plan_setup):
    _, _, objective = plan_setup
    metric = add_metric(session, actor, objective, baseline=1200, target=1500.5, unit="followers")
    assert metrics.metric_summary(metric) == (
        "1,200 → 1,500.5 followers by 30 Jun 2027, higher is better"
    )


# ---------------------------------------------------------------- readings


@pytest.fixture
def manual_metric(session, actor, plan_setup):
    _, _, objective = plan_setup
    return add_metric(session, actor, objective)


def save(session, actor, metric, rows, **options):
    return metrics.save_readings(
        session=session, actor=actor, metric_id=metric.id, rows=rows, **options
    )


def stored_readings(session, metric):
    session.expire_all()
    readings = session.exec(
        select(Reading).where(Reading.metric_id == metric.id).order_by(Reading.day)
    )
    return [(r.day, r.value, r.note) for r in readings]


def test_save_readings_stores_the_table_ordered_by_day(session, actor, manual_metric):
    saved = save(
        session,
        actor,
        manual_metric,
        [
            {"day": date(2027, 1, 14), "value": 14, "note": "market day"},
            {"day": "2027-01-07", "value": "9.5", "note": None},
        ],
    )
    assert [(r.day, r.value, r.note) for r in saved] == [
        (date(2027, 1, 7), 9.5, ""),
        (date(2027, 1, 14), 14.0, "market day"),
    ]
    listed = metrics.list_readings(session=session, actor=actor, metric_id=manual_metric.id)
    assert [r.id for r in listed] == [r.id for r in saved]


def test_saving_again_updates_changed_days_adds_new_ones_and_deletes_removed_ones(
    session, actor, manual_metric
):
    first = save(
        session,
        actor,
        manual_metric,
        [
            {"day": date(2027, 1, 7), "value": 9, "note": ""},
            {"day": date(2027, 1, 14), "value": 14, "note": ""},
            {"day": date(2027, 1, 21), "value": 11, "note": ""},
        ],
    )
    ids = {r.day: r.id for r in first}
    second = save(
        session,
        actor,
        manual_metric,
        [
            {"day": date(2027, 1, 7), "value": 9, "note": ""},
            {"day": date(2027, 1, 14), "value": 15, "note": "recounted"},
            {"day": date(2027, 1, 28), "value": 18, "note": ""},
        ],
    )
    assert stored_readings(session, manual_metric) == [
        (date(2027, 1, 7), 9.0, ""),
        (date(2027, 1, 14), 15.0, "recounted"),
        (date(2027, 1, 28), 18.0, ""),
    ]
    by_day = {r.day: r for r in second}
    assert by_day[date(2027, 1, 7)].id == ids[date(2027, 1, 7)]
    assert by_day[date(2027, 1, 14)].id == ids[date(2027, 1, 14)]
    assert by_day[date(2027, 1, 7)].updated_at is None
    assert by_day[date(2027, 1, 14)].updated_at is not None


def test_an_empty_table_deletes_every_reading(session, actor, manual_metric):
    save(session, actor, manual_metric, [{"day": date(2027, 1, 7), "value": 9, "note": ""}])
    assert save(session, actor, manual_metric, []) == []
    assert stored_readings(session, manual_metric) == []


def test_rows_left_completely_empty_are_skipped(session, actor, manual_metric):
    saved = save(
        session,
        actor,
        manual_metric,
        [
            {"day": date(2027, 1, 7), "value": 9, "note": None},
            {"day": None, "value": float("nan"), "note": ""},
            {"day": pd.NaT, "value": None, "note": None},
        ],
    )
    assert len(saved) == 1


KEPT = [{"day": date(2027, 1, 7), "value": 9.0, "note": "kept"}]


@pytest.mark.parametrize(
    ("bad_row", "column", "message"),
    [
        ({"day": None, "value": 5}, "day", "in row 2 is missing."),
        ({"day": "31/02/2027", "value": 5}, "day", "in row 2 is not a date: “31/02/2027”"),
        ({"day": "2027-02-30", "value": 5}, "day", "in row 2 is not a date"),
        ({"day": date(2027, 2, 1), "value": "ten"}, "value", "in row 2 is not a number: “ten”."),
        ({"day": date(2027, 2, 1), "value": None, "note": "x"}, "value", "in row 2 is missing."),
        ({"day": date(2027, 2, 1), "value": True}, "value", "in row 2 is not a number"),
        ({"day": date(2027, 2, 1), "value": 2e12}, "value", "in row 2 must be at most"),
        ({"day": date(2027, 1, 7), "value": 5}, "day", "in row 2 repeats 07 Jan 2027 from row 1"),
    ],
    ids=["no date", "unparseable", "impossible", "text", "no value", "bool", "huge", "twice"],
)
def test_a_bad_row_refuses_the_whole_table_naming_its_row_and_column(
    session, actor, manual_metric, bad_row, column, message
):
    save(session, actor, manual_metric, KEPT)
    table = [
        {"day": date(2027, 1, 7), "value": 10, "note": "changed"},
        bad_row,
        {"day": date(2027, 3, 1), "value": 3, "note": "new"},
    ]
    with pytest.raises(InvalidInput) as error:
        save(session, actor, manual_metric, table)
    assert list(error.value.errors) == [column]
    assert error.value.errors[column].startswith(message)
    assert stored_readings(session, manual_metric) == [(date(2027, 1, 7), 9.0, "kept")]


def test_problems_in_several_rows_are_all_named_under_their_columns(session, actor, manual_metric):
    table = [
        {"day": None, "value": "x"},
        {"day": date(2027, 1, 2), "value": 1},
        {"day": "soon", "value": 2},
    ]
    with pytest.raises(InvalidInput) as error:
        save(session, actor, manual_metric, table)
    assert error.value.errors == {
        "day": "in row 1 is missing; in row 3 is not a date: “soon” (write it as 2027-03-31).",
        "value": "in row 1 is not a number: “x”.",
    }


def test_readings_cannot_be_typed_in_for_an_account_metric(session, actor, plan_setup):
    _, _, objective = plan_setup
    metric = add_metric(session, actor, objective, name="Followers", source=MetricSource.FOLLOWERS)
    with pytest.raises(InvalidInput) as error:
        save(session, actor, metric, KEPT)
    assert set(error.value.errors) == {"readings"}
    assert stored_readings(session, metric) == []


def test_saving_over_readings_changed_since_they_were_read_is_refused(
    session, actor, manual_metric
):
    shown = save(session, actor, manual_metric, KEPT)
    fingerprint = metrics.readings_fingerprint(shown)
    save(
        session,
        actor,
        manual_metric,
        [*KEPT, {"day": date(2027, 1, 8), "value": 4}],
        expected_fingerprint=fingerprint,
    )
    with pytest.raises(Conflict, match="changed by someone else"):
        save(session, actor, manual_metric, KEPT, expected_fingerprint=fingerprint)
    assert len(stored_readings(session, manual_metric)) == 2


def test_a_stranger_cannot_read_or_replace_another_businesss_readings(
    session, actor, manual_metric
):
    save(session, actor, manual_metric, KEPT)
    stranger = Actor.user(999, "stranger")
    with pytest.raises(NotFound):
        metrics.list_readings(session=session, actor=stranger, metric_id=manual_metric.id)
    with pytest.raises(NotFound):
        save(session, stranger, manual_metric, [])
    assert len(stored_readings(session, manual_metric)) == 1


def test_the_editing_table_round_trips_through_save_readings(session, actor, manual_metric):
    saved = save(session, actor, manual_metric, [*KEPT, {"day": date(2027, 1, 8), "value": 4}])
    table = metrics.readings_table(saved)
    assert list(table.columns) == ["day", "value", "note"]
    assert str(table["day"].dtype).startswith("datetime64")
    again = save(session, actor, manual_metric, metrics.table_rows(table))
    assert [(r.day, r.value, r.note) for r in again] == [(r.day, r.value, r.note) for r in saved]
    assert all(r.updated_at is None for r in again)


def test_an_empty_editing_table_still_has_typed_columns():
    table = metrics.readings_table([])
    assert list(table.columns) == ["day", "value", "note"]
    assert table.empty
    assert str(table["day"].dtype).startswith("datetime64")
