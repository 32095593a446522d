"""The demo bakery: complete, realistic, valid by the services' rules, and made only once."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date, timedelta

import pandas as pd
import pytest
from sqlmodel import Session, col, func, select

from socialplan import backup, demo, leaderboards, peers, scores
from socialplan.access import Actor, role_in_workspace
from socialplan.db import make_engine
from socialplan.errors import NotAllowed, NotFound
from socialplan.models import (
    Account,
    AccountKind,
    BusinessScore,
    Cadence,
    Direction,
    InfluenceScore,
    Metric,
    MetricSource,
    MetricStatus,
    Objective,
    PeerGroupMember,
    Person,
    Plan,
    PlanStatus,
    RaciRole,
    Reading,
    Responsibility,
    Review,
    ReviewItem,
    Revision,
    Role,
    Snapshot,
    Task,
    User,
    Workspace,
)
from socialplan.scorecard import plan_scorecard, status_counts
from socialplan.series import metric_series
from socialplan.tasks import weekly_minutes
from socialplan.wizard import step_progress

TODAY = date(2027, 3, 15)


@pytest.fixture
def bakery(session, actor) -> Workspace:
    return demo.load_demo(session=session, actor=actor, today=TODAY)


def only_plan(session: Session, workspace: Workspace) -> Plan:
    return session.exec(select(Plan).where(Plan.workspace_id == workspace.id)).one()


def plan_objectives(session: Session, plan: Plan) -> list[Objective]:
    return list(session.exec(select(Objective).where(Objective.plan_id == plan.id)))


def plan_metrics(session: Session, plan: Plan) -> list[Metric]:
    return list(
        session.exec(
            select(Metric).join(Objective).where(Objective.plan_id == plan.id).order_by(Metric.id)
        )
    )


def plan_tasks(session: Session, plan: Plan) -> list[Task]:
    return list(session.exec(select(Task).join(Objective).where(Objective.plan_id == plan.id)))


def test_the_demo_is_a_bakery_with_one_active_plan_around_today(session, bakery):
    plan = only_plan(session, bakery)
    assert (bakery.slug, bakery.name) == ("demo", "Crumb & Co. Bakery")
    assert plan.status == PlanStatus.ACTIVE
    assert (
        plan.period_start
        < TODAY - timedelta(days=90)
        < TODAY + timedelta(days=30)
        < (plan.period_end)
    )
    assert plan.review_cadence is not None and plan.next_review_on > TODAY


def test_the_demo_has_every_kind_of_row_in_the_numbers_the_issue_asks_for(session, bakery):
    counts = demo.workspace_contents(session, bakery.id)
    assert counts["plans"] == 1
    assert counts["objectives"] == 3
    assert counts["metrics"] >= 6
    assert counts["tasks"] >= 8
    assert counts["people"] == 4
    assert counts["reviews"] == 2
    assert counts["accounts"] == 7
    assert counts["snapshots"] == 7 * demo.HISTORY_DAYS
    assert counts["readings"] > 0


def test_objectives_have_why_texts_distinct_categories_and_positions(session, bakery):
    objectives = plan_objectives(session, only_plan(session, bakery))
    assert sorted(o.position for o in objectives) == [0, 1, 2]
    assert all(len(o.why) > 40 for o in objectives)
    assert {o.category for o in objectives} == {"awareness", "leads", "customer_service"}


def test_metrics_mix_account_metrics_and_hand_entered_business_metrics(session, bakery):
    instagram = session.exec(select(Account).where(Account.handle == "crumbandco.bakery")).one()
    metrics = plan_metrics(session, only_plan(session, bakery))
    kinds = {(m.source, m.account_id, m.direction) for m in metrics}
    assert (MetricSource.FOLLOWERS, instagram.id, Direction.UP) in kinds
    assert (MetricSource.FOLLOWERS, None, Direction.UP) in kinds
    assert (MetricSource.POSTS_PER_WEEK, None, Direction.UP) in kinds
    assert (MetricSource.ENGAGEMENT_RATE, instagram.id, Direction.UP) in kinds
    assert (MetricSource.INFLUENCE_SCORE, None, Direction.UP) in kinds
    manual = {m.name: m.direction for m in metrics if m.source == MetricSource.MANUAL}
    assert manual["Cake orders from social"] == Direction.UP
    assert manual["Reply time in hours"] == Direction.DOWN


def test_every_metric_keeps_the_rules_the_metric_service_enforces(session, bakery):
    plan = only_plan(session, bakery)
    for metric in plan_metrics(session, plan):
        assert metric.target != metric.baseline, metric.name
        rising = metric.target > metric.baseline
        assert rising == (metric.direction == Direction.UP), metric.name
        assert plan.period_start <= metric.target_date <= plan.period_end, metric.name


def test_tasks_have_cadences_minutes_owners_and_due_dates_within_the_plan(session, bakery):
    plan = only_plan(session, bakery)
    tasks = plan_tasks(session, plan)
    assert {t.cadence for t in tasks} == set(Cadence)
    assert all(t.minutes > 0 and t.owner_person_id is not None for t in tasks)
    for task in tasks:
        if task.cadence == Cadence.ONCE:
            assert plan.period_start <= task.due_date <= plan.period_end, task.title
        else:
            assert task.due_date is None, task.title


def test_one_person_is_slightly_over_their_weekly_budget(session, bakery):
    tasks = plan_tasks(session, only_plan(session, bakery))
    committed = Counter()
    for task in tasks:
        committed[task.owner_person_id] += weekly_minutes(task)
    people = session.exec(select(Person).where(Person.workspace_id == bakery.id)).all()
    assert all(p.weekly_budget_minutes > 0 for p in people)
    over = [p for p in people if committed[p.id] > p.weekly_budget_minutes]
    assert len(over) == 1
    assert committed[over[0].id] <= 1.25 * over[0].weekly_budget_minutes


def test_each_objective_has_one_accountable_and_each_task_owner_is_responsible(session, bakery):
    plan = only_plan(session, bakery)
    rows = session.exec(select(Responsibility)).all()
    accountable = Counter(r.objective_id for r in rows if r.role == RaciRole.ACCOUNTABLE)
    assert accountable == Counter({o.id: 1 for o in plan_objectives(session, plan)})
    responsible = {(r.person_id, r.task_id) for r in rows if r.role == RaciRole.RESPONSIBLE}
    assert responsible == {(t.owner_person_id, t.id) for t in plan_tasks(session, plan)}


def test_the_plan_passes_every_step_of_the_wizard(session, actor, bakery):
    steps = step_progress(session=session, actor=actor, plan_id=only_plan(session, bakery).id)
    assert [(s.number, s.complete) for s in steps] == [(n, True) for n in range(1, 6)]


def test_the_dashboard_opens_on_a_mix_of_on_track_at_risk_and_off_track(session, actor, bakery):
    plan = only_plan(session, bakery)
    scores = plan_scorecard(session=session, actor=actor, plan_id=plan.id, today=TODAY)
    counts = status_counts(scores)
    assert len(scores) == len(plan_metrics(session, plan))
    assert counts[MetricStatus.NO_DATA] == 0
    assert all(counts[s] >= 1 for s in (MetricStatus.ON_TRACK, MetricStatus.AT_RISK))
    assert counts[MetricStatus.OFF_TRACK] >= 1


@pytest.mark.parametrize("today", [date(2026, 1, 1), date(2026, 8, 19), date(2028, 2, 29)])
def test_the_status_mix_is_the_same_whatever_day_the_demo_is_loaded(session, actor, today):
    workspace = demo.load_demo(session=session, actor=actor, today=today)
    plan = only_plan(session, workspace)
    scores = plan_scorecard(session=session, actor=actor, plan_id=plan.id, today=today)
    assert {s.metric.name: s.status for s in scores} == {
        "Instagram followers": MetricStatus.ON_TRACK,
        "Followers on all our accounts": MetricStatus.ON_TRACK,
        "Posts per week": MetricStatus.AT_RISK,
        "Our influence score": MetricStatus.ON_TRACK,
        "Instagram engagement rate": MetricStatus.OFF_TRACK,
        "Cake orders from social": MetricStatus.AT_RISK,
        "Reply time in hours": MetricStatus.ON_TRACK,
        "Messages answered the same day": MetricStatus.AT_RISK,
    }


def test_two_past_reviews_record_every_metric_as_it_stood(session, bakery):
    plan = only_plan(session, bakery)
    reviews = session.exec(select(Review).where(Review.plan_id == plan.id)).all()
    metric_ids = {m.id for m in plan_metrics(session, plan)}
    assert len(reviews) == 2
    for review in reviews:
        assert plan.period_start < review.held_on < TODAY
        items = session.exec(select(ReviewItem).where(ReviewItem.review_id == review.id)).all()
        assert {i.metric_id for i in items} == metric_ids
        assert all(i.status != MetricStatus.NO_DATA and i.comment for i in items)


def test_the_course_correction_lowered_a_target_and_is_kept_as_a_revision(session, bakery):
    plan = only_plan(session, bakery)
    revision = session.exec(select(Revision).where(Revision.plan_id == plan.id)).one()
    metric = session.get(Metric, revision.entity_id)
    last_review = session.exec(select(Review).order_by(col(Review.held_on).desc())).first()
    assert (revision.entity, revision.field, revision.review_id) == (
        "metric",
        "target",
        last_review.id,
    )
    assert float(revision.new_value) < float(revision.old_value)
    assert metric.target == float(revision.new_value) and metric.version == 2
    assert "Wedding season" in revision.reason


def test_the_review_before_the_correction_judged_against_the_old_target(session, bakery):
    orders = session.exec(select(Metric).where(Metric.name == "Cake orders from social")).one()
    first_review = session.exec(select(Review).order_by(Review.held_on)).first()
    item = session.exec(
        select(ReviewItem).where(
            ReviewItem.review_id == first_review.id, ReviewItem.metric_id == orders.id
        )
    ).one()
    old_target = float(session.exec(select(Revision.old_value)).one())
    progress_to_old_target = (item.actual - orders.baseline) / (old_target - orders.baseline)
    assert item.progress == pytest.approx(progress_to_old_target)
    assert item.status == MetricStatus.OFF_TRACK


def test_snapshots_cover_eighteen_months_daily_up_to_today_for_seven_accounts(session, bakery):
    accounts = session.exec(select(Account).where(Account.workspace_id == bakery.id)).all()
    assert Counter(a.kind for a in accounts) == {AccountKind.OWN: 5, AccountKind.COMPETITOR: 2}
    for account in accounts:
        days = session.exec(
            select(Snapshot.day).where(Snapshot.account_id == account.id).order_by(Snapshot.day)
        ).all()
        assert days[-1] == TODAY
        assert days[0] <= TODAY - timedelta(days=540)
        assert len(days) == (days[-1] - days[0]).days + 1


def test_followers_grow_and_the_bakery_posts_more_at_weekends(session, bakery):
    instagram = session.exec(select(Account).where(Account.handle == "crumbandco.bakery")).one()
    rows = session.exec(
        select(Snapshot).where(Snapshot.account_id == instagram.id).order_by(Snapshot.day)
    ).all()
    assert rows[-1].followers > rows[len(rows) // 2].followers > rows[0].followers
    weekend = [r.posts for r in rows if r.day.weekday() >= 5]
    weekday = [r.posts for r in rows if r.day.weekday() < 5]
    assert sum(weekend) / len(weekend) > 1.3 * sum(weekday) / len(weekday)
    assert rows[-1].posts_total == rows[0].posts_total + sum(r.posts for r in rows[1:])


def test_reactions_follow_posts_and_counts_a_network_lacks_are_null(session, bakery):
    def snapshots(handle: str) -> list[Snapshot]:
        account = session.exec(select(Account).where(Account.handle == handle)).one()
        return list(session.exec(select(Snapshot).where(Snapshot.account_id == account.id)))

    instagram, bluesky = snapshots("crumbandco.bakery"), snapshots("crumbandco.bsky.social")
    assert all(s.likes == 0 for s in instagram if s.posts == 0)
    assert all(s.impressions is not None and s.quotes is None for s in instagram)
    assert all(s.impressions is None and s.quotes is not None for s in bluesky)
    competitor = snapshots("goldencrust.bakehouse")
    assert all(s.impressions is None and s.reposts is None for s in competitor)


def test_hand_entered_metrics_have_weekly_readings_up_to_today(session, bakery):
    manual = session.exec(select(Metric).where(Metric.source == MetricSource.MANUAL)).all()
    for metric in manual:
        days = session.exec(
            select(Reading.day).where(Reading.metric_id == metric.id).order_by(Reading.day)
        ).all()
        assert days[-1] == TODAY
        assert {(b - a).days for a, b in zip(days, days[1:], strict=False)} == {7}
        assert len(days) >= 15


def test_loading_the_demo_twice_returns_the_same_workspace_and_adds_nothing(session, actor):
    first = demo.load_demo(session=session, actor=actor, today=TODAY)
    before = demo.workspace_contents(session, first.id)
    second = demo.load_demo(session=session, actor=actor, today=TODAY + timedelta(days=3))
    assert second.id == first.id
    assert demo.workspace_contents(session, first.id) == before
    assert len(session.exec(select(Workspace)).all()) == 1 + len(demo.PEER_BUSINESSES)


def test_the_same_day_gives_the_same_demo_in_another_database(
    session, actor, sqlite_template, tmp_path
):
    demo.load_demo(session=session, actor=actor, today=TODAY)
    exported = backup.export_workspace(session=session, actor=actor, slug="demo")
    shutil.copyfile(sqlite_template, tmp_path / "other.db")
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        with Session(other) as other_session:
            demo.load_demo(session=other_session, actor=actor, today=TODAY)
            again = backup.export_workspace(session=other_session, actor=actor, slug="demo")
    finally:
        other.dispose()
    assert again == exported


def test_a_signed_in_user_owns_the_demo_they_load_and_the_next_one_may_view_it(session):
    first, second = User(issuer="i", subject="a"), User(issuer="i", subject="b")
    session.add_all([first, second])
    session.commit()
    workspace = demo.load_demo(session=session, actor=Actor.user(first.id, "A"), today=TODAY)
    demo.load_demo(session=session, actor=Actor.user(second.id, "B"), today=TODAY)
    assert role_in_workspace(session, Actor.user(first.id, "A"), workspace.id) == Role.OWNER
    assert role_in_workspace(session, Actor.user(second.id, "B"), workspace.id) == Role.VIEWER


def test_a_share_link_reader_cannot_load_the_demo(session):
    with pytest.raises(NotAllowed):
        demo.load_demo(session=session, actor=Actor.share_reader(1), today=TODAY)
    assert not demo.demo_exists(session)


# ---------------------------------------------------------------- scores and Main Street


def main_street_board(session: Session, actor: Actor, bakery: Workspace) -> leaderboards.Board:
    group = peers.group_by_code(session=session, code=demo.MAIN_STREET_CODE)
    return leaderboards.group_board(
        session=session, actor=actor, viewer_workspace_id=bakery.id, group_id=group.id, today=TODAY
    )


def stored_scores(session: Session) -> list[tuple]:
    rows = session.exec(
        select(InfluenceScore).order_by(InfluenceScore.account_id, InfluenceScore.day)
    )
    business = session.exec(
        select(BusinessScore).order_by(BusinessScore.workspace_id, BusinessScore.day)
    )
    return [
        (r.account_id, r.day, r.score, r.reach, r.engagement, r.amplification, r.consistency)
        for r in rows
    ] + [(r.workspace_id, r.day, r.score, r.reach, r.engagement) for r in business]


def test_the_demo_stores_every_score_so_a_recompute_changes_nothing(session, bakery):
    newest = session.exec(
        select(InfluenceScore.account_id).where(InfluenceScore.day == TODAY)
    ).all()
    assert len(newest) == session.exec(select(func.count()).select_from(Account)).one()
    assert session.exec(
        select(BusinessScore.score).where(
            BusinessScore.workspace_id == bakery.id, BusinessScore.day == TODAY
        )
    ).one()
    before = stored_scores(session)
    summary = scores.recompute_scores(session=session)
    assert summary.removed == 0
    assert summary.account_scores + summary.business_scores == len(before)
    session.expire_all()
    assert stored_scores(session) == pytest.approx(before)


def test_main_street_has_over_40_businesses_the_bakery_created_with_a_fixed_code(session, bakery):
    group = peers.group_by_code(session=session, code="mainst01")
    members = session.exec(
        select(PeerGroupMember).where(PeerGroupMember.group_id == group.id)
    ).all()
    assert (group.name, group.owner_workspace_id) == ("Main Street", bakery.id)
    assert len(members) == 1 + len(demo.PEER_BUSINESSES) >= 41
    peer_slugs = session.exec(
        select(Workspace.slug).where(Workspace.id != bakery.id).order_by(Workspace.slug)
    ).all()
    assert peer_slugs == [f"demo-peer-{n:02d}" for n in range(1, 41)]
    own = next(m for m in members if m.workspace_id == bakery.id)
    assert own.share_progress and not any(m.share_progress for m in members if m is not own)


def test_the_bakery_enters_its_business_accounts_but_not_the_teams_personal_ones(session, bakery):
    (membership,) = peers.list_memberships(
        session=session, actor=Actor.local(), workspace_id=bakery.id
    )
    entered = session.exec(
        select(Account.handle).where(col(Account.id).in_(membership.entered_account_ids))
    ).all()
    assert sorted(entered) == ["crumbandco.bakery", "crumbandco.bsky.social"]


def test_the_bakery_appears_on_the_main_street_board_with_a_percentile(session, actor, bakery):
    board = main_street_board(session, actor, bakery)
    assert len({row.business for row in board.rows}) >= 41
    assert board.population >= 40 and board.percentile_note is None
    own = [row for row in board.rows if row.is_own]
    assert {row.business for row in own} == {"Crumb & Co. Bakery"}
    assert all(row.percentile is not None and row.top_label for row in own)
    assert all(row.progress == 0.5 for row in own)
    assert any(bucket.own for bucket in board.histogram)
    standing = leaderboards.business_standing(session=session, actor=actor, workspace_id=bakery.id)
    assert standing.headline.startswith(f"Your score {standing.score} · top ")
    assert standing.headline.endswith("% of the Main Street group")


def test_the_neighbours_scores_are_varied_like_a_real_street(session, actor, bakery):
    board = main_street_board(session, actor, bakery)
    values = [row.score for row in board.rows]
    assert min(values) <= 10 and max(values) >= 60
    assert sum(bucket.count > 0 for bucket in board.histogram) >= 6
    changes = [row.change_30d for row in board.rows if row.change_30d is not None]
    assert min(changes) < 0 < max(changes)
    assert len({row.network for row in board.rows}) >= 5
    started = session.exec(select(func.min(Snapshot.day)).group_by(Snapshot.account_id)).all()
    assert len(set(started)) > 1  # some accounts are newer than others


def test_some_neighbours_keep_an_account_off_the_board_and_the_bakery_cannot_see_it(
    session, actor, bakery
):
    board = main_street_board(session, actor, bakery)
    shown = {row.account_id for row in board.rows}
    kept_out = session.exec(
        select(Account.id).where(
            Account.workspace_id != bakery.id, col(Account.id).not_in(list(shown))
        )
    ).all()
    assert len(kept_out) == len(demo.PARTLY_ENTERED)
    for account_id in kept_out:
        with pytest.raises(NotFound):
            leaderboards.account_detail(
                session=session, actor=actor, viewer_workspace_id=bakery.id, account_id=account_id
            )


def test_the_team_board_has_three_personal_accounts_and_names_who_has_none(session, actor, bakery):
    board = leaderboards.team_board(session=session, actor=actor, workspace_id=bakery.id)
    assert sorted(row.person for row in board.rows) == ["Leo Park", "Maya Chen", "Rosa Almeida"]
    assert all(row.score is not None for row in board.rows)
    assert "Sam Okafor" in board.note


def test_the_score_goal_is_charted_and_reviewed_like_every_metric(session, bakery):
    metric = session.exec(select(Metric).where(Metric.source == MetricSource.INFLUENCE_SCORE)).one()
    series = metric_series(session, metric, until=TODAY)
    assert series["day"].iloc[-1] == pd.Timestamp(TODAY)
    assert metric.baseline < series["value"].iloc[-1] < metric.target
    items = session.exec(select(ReviewItem).where(ReviewItem.metric_id == metric.id)).all()
    assert len(items) == 2 and all(item.status != MetricStatus.NO_DATA for item in items)


def test_loading_the_demo_again_after_deleting_it_rejoins_the_same_main_street(session, actor):
    first = demo.load_demo(session=session, actor=actor, today=TODAY)
    group = peers.group_by_code(session=session, code=demo.MAIN_STREET_CODE)
    session.delete(first)
    session.commit()
    session.expire_all()
    again = demo.load_demo(session=session, actor=actor, today=TODAY)
    assert peers.group_by_code(session=session, code=demo.MAIN_STREET_CODE).id == group.id
    assert len(session.exec(select(Workspace)).all()) == 1 + len(demo.PEER_BUSINESSES)
    (membership,) = peers.list_memberships(session=session, actor=actor, workspace_id=again.id)
    assert membership.is_creator and len(membership.entered_account_ids) == 2


def test_the_same_day_gives_the_same_main_street_in_another_database(
    session, actor, sqlite_template, tmp_path
):
    bakery = demo.load_demo(session=session, actor=actor, today=TODAY)
    board = leaderboards.board_records(main_street_board(session, actor, bakery))
    shutil.copyfile(sqlite_template, tmp_path / "other.db")
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        with Session(other) as other_session:
            other_bakery = demo.load_demo(session=other_session, actor=actor, today=TODAY)
            again = leaderboards.board_records(
                main_street_board(other_session, actor, other_bakery)
            )
    finally:
        other.dispose()
    assert again == board
