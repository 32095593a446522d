"""Account services: add, remove, restore, the overview, hand entry, metric links and sync."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from socialplan import accounts, metrics, objectives
from socialplan.access import Actor
from socialplan.accounts import (
    AccountRow,
    account_overview,
    add_account,
    enter_snapshot_by_hand,
    link_account_to_metric,
    link_accounts_to_metrics,
    linkable_metrics,
    overview_frame,
    remove_account,
    restore_account,
    sync_accounts,
    sync_state_text,
    sync_summary,
)
from socialplan.connectors import AccountNotFound, PostCounts, ProfileCounts
from socialplan.errors import Conflict, InvalidInput, NotAllowed, NotFound
from socialplan.models import (
    Account,
    AccountKind,
    DataSource,
    InfluenceScore,
    Membership,
    Metric,
    MetricSource,
    Person,
    Plan,
    Revision,
    Role,
    Snapshot,
    User,
    Workspace,
)
from tests.factories import create_workspace_with_plan

TODAY = date(2027, 3, 10)


@pytest.fixture
def setup(session: Session, actor: Actor) -> tuple[Workspace, Plan]:
    return create_workspace_with_plan(session, actor)


@pytest.fixture
def workspace(setup: tuple[Workspace, Plan]) -> Workspace:
    return setup[0]


def add(
    session: Session,
    actor: Actor,
    workspace: Workspace,
    text: str = "rosasbakery.bsky.social",
    network: str | None = "bluesky",
    kind: AccountKind | str = AccountKind.OWN,
    **more: Any,
) -> Account:
    return add_account(
        session=session,
        actor=actor,
        workspace_id=workspace.id,
        network=network,
        text=text,
        kind=kind,
        **more,
    )


def snapshot(session: Session, account: Account, day: date, **counts: Any) -> Snapshot:
    row = Snapshot(account_id=account.id, day=day, source=DataSource.SYNC, **counts)
    session.add(row)
    session.commit()
    return row


def snapshots_of(session: Session, account_id: int) -> list[Snapshot]:
    session.expire_all()
    return list(
        session.exec(
            select(Snapshot).where(Snapshot.account_id == account_id).order_by(Snapshot.day)
        )
    )


def member(session: Session, workspace: Workspace, role: Role, subject: str = "m-1") -> Actor:
    user = User(issuer="https://id.example.com", subject=subject, name=subject)
    session.add(user)
    session.commit()
    session.add(Membership(workspace_id=workspace.id, user_id=user.id, role=role))
    session.commit()
    return Actor.user(user.id, subject)


def account_metric(
    session: Session, actor: Actor, plan: Plan, account_id: int | None = None
) -> Metric:
    objective = objectives.create_objective(
        session=session, actor=actor, plan_id=plan.id, objective_create={"title": "Be known"}
    )
    return metrics.create_metric(
        session=session,
        actor=actor,
        objective_id=objective.id,
        metric_create={
            "name": "Followers",
            "source": MetricSource.FOLLOWERS,
            "baseline": 100,
            "target": 200,
            "target_date": plan.period_end,
            "account_id": account_id,
        },
    )


# ---------------------------------------------------------------- adding


def test_an_account_is_added_from_a_handle(session, actor, workspace) -> None:
    account = add(session, actor, workspace, "@RosasBakery.bsky.social")
    assert (account.network, account.handle, account.kind) == (
        "bluesky",
        "rosasbakery.bsky.social",
        "own",
    )
    assert account.workspace_id == workspace.id and account.removed_at is None


def test_a_profile_address_gives_the_network_and_handle(session, actor, workspace) -> None:
    account = add(
        session, actor, workspace, "https://mastodon.social/@Rosa", network=None, kind="competitor"
    )
    assert (account.network, account.handle, account.kind) == (
        "mastodon",
        "rosa@mastodon.social",
        AccountKind.COMPETITOR,
    )


def test_a_handle_that_does_not_parse_says_what_was_expected_and_stores_nothing(
    session, actor, workspace
) -> None:
    with pytest.raises(InvalidInput) as caught:
        add(session, actor, workspace, "not a handle!", network="x")
    assert caught.value.errors["handle"].startswith("must be an X username like @rosasbakery")
    assert accounts.list_accounts(session=session, actor=actor, workspace_id=workspace.id) == []


def test_an_account_already_followed_is_refused_with_a_clear_message(
    session, actor, workspace
) -> None:
    add(session, actor, workspace, "rosasbakery", network="x")
    with pytest.raises(InvalidInput) as caught:
        add(session, actor, workspace, "https://x.com/RosasBakery", network="x")
    assert caught.value.errors == {"handle": "@rosasbakery on X is already followed here."}


def test_adding_a_removed_account_again_points_to_restoring_it(session, actor, workspace) -> None:
    account = add(session, actor, workspace)
    remove_account(session=session, actor=actor, account_id=account.id, version=account.version)
    with pytest.raises(InvalidInput) as caught:
        add(session, actor, workspace)
    assert "was removed on" in caught.value.errors["handle"]
    assert "restore it under “Removed accounts”" in caught.value.errors["handle"]


def test_a_bad_kind_and_a_bad_handle_are_named_together(session, actor, workspace) -> None:
    with pytest.raises(InvalidInput) as caught:
        add(session, actor, workspace, "", kind="friend")
    assert set(caught.value.errors) == {"handle", "kind"}


def test_a_person_of_another_workspace_is_refused(session, actor, workspace) -> None:
    other, _ = create_workspace_with_plan(session, actor, name="Other Shop")
    stranger = Person(workspace_id=other.id, name="Stranger")
    session.add(stranger)
    session.commit()
    with pytest.raises(InvalidInput) as caught:
        add(session, actor, workspace, person_id=stranger.id)
    assert caught.value.errors == {"person_id": "must be someone on this workspace's team."}


def test_a_viewer_may_not_add_an_account(session, workspace) -> None:
    viewer = member(session, workspace, Role.VIEWER)
    with pytest.raises(NotAllowed):
        add(session, viewer, workspace)


# ---------------------------------------------------------------- removing and restoring


def test_removing_keeps_the_history_and_restoring_brings_the_account_back(
    session, actor, workspace
) -> None:
    account = add(session, actor, workspace)
    snapshot(session, account, TODAY, followers=10)
    removed = remove_account(
        session=session, actor=actor, account_id=account.id, version=account.version
    )
    assert removed is not None and removed.removed_at is not None
    assert [s.followers for s in snapshots_of(session, account.id)] == [10]
    assert accounts.list_accounts(session=session, actor=actor, workspace_id=workspace.id) == []
    assert account_overview(session=session, actor=actor, workspace_id=workspace.id) == []
    restored = restore_account(
        session=session, actor=actor, account_id=account.id, version=removed.version
    )
    assert restored.removed_at is None
    [row] = account_overview(session=session, actor=actor, workspace_id=workspace.id, today=TODAY)
    assert row.followers == 10


def test_removing_with_a_stale_version_is_a_conflict(session, actor, workspace) -> None:
    account = add(session, actor, workspace)
    with pytest.raises(Conflict):
        remove_account(session=session, actor=actor, account_id=account.id, version=99)
    with pytest.raises(Conflict):
        remove_account(
            session=session, actor=actor, account_id=account.id, version=99, delete_history=True
        )
    assert session.get(Account, account.id).removed_at is None


def test_deleting_the_history_deletes_the_account_its_snapshots_and_scores(
    session, actor, workspace
) -> None:
    account = add(session, actor, workspace)
    keep = add(session, actor, workspace, "cafe.bsky.social", kind=AccountKind.COMPETITOR)
    for offset in range(3):
        snapshot(session, account, TODAY - timedelta(days=offset), followers=10 + offset, posts=1)
        snapshot(session, keep, TODAY - timedelta(days=offset), followers=50, posts=1)
    enter(session, actor, account, {"likes": 3})  # recomputes the scores
    assert session.exec(select(InfluenceScore).where(InfluenceScore.account_id == account.id)).all()
    account_id = account.id
    result = remove_account(
        session=session,
        actor=actor,
        account_id=account_id,
        version=account.version,
        delete_history=True,
    )
    assert result is None
    session.expire_all()
    assert session.get(Account, account_id) is None
    assert snapshots_of(session, account_id) == []
    assert not session.exec(
        select(InfluenceScore).where(InfluenceScore.account_id == account_id)
    ).all()
    assert len(snapshots_of(session, keep.id)) == 3


def test_deleting_the_history_is_refused_while_a_metric_follows_the_account(
    session, actor, setup
) -> None:
    workspace, plan = setup
    account = add(session, actor, workspace)
    account_metric(session, actor, plan, account.id)
    with pytest.raises(InvalidInput) as caught:
        remove_account(
            session=session,
            actor=actor,
            account_id=account.id,
            version=account.version,
            delete_history=True,
        )
    assert (
        "while metrics follow @rosasbakery.bsky.social on Bluesky (“Followers”)"
        in (caught.value.errors["delete_history"])
    )
    assert session.get(Account, account.id) is not None


def test_ids_from_another_workspace_are_refused_and_change_nothing(session, actor) -> None:
    mine, _ = create_workspace_with_plan(session, actor, name="Mine")
    theirs, _ = create_workspace_with_plan(session, actor, name="Theirs")
    their_account = add(session, actor, theirs)
    editor = member(session, mine, Role.EDITOR)
    with pytest.raises(NotFound):
        remove_account(
            session=session,
            actor=editor,
            account_id=their_account.id,
            version=their_account.version,
            delete_history=True,
        )
    with pytest.raises(NotFound):
        enter_snapshot_by_hand(
            session=session,
            actor=editor,
            account_id=their_account.id,
            day=TODAY,
            counts={"followers": 1},
            today=TODAY,
        )
    with pytest.raises(NotFound):
        account_overview(session=session, actor=editor, workspace_id=theirs.id)
    session.expire_all()
    assert session.get(Account, their_account.id).removed_at is None
    assert snapshots_of(session, their_account.id) == []


# ---------------------------------------------------------------- the overview


def test_the_overview_has_the_newest_totals_and_90_days_of_followers(
    session, actor, workspace
) -> None:
    own = add(session, actor, workspace, "zed.bsky.social")
    rival = add(session, actor, workspace, "abc.bsky.social", kind=AccountKind.COMPETITOR)
    snapshot(session, own, TODAY - timedelta(days=120), followers=1, posts_total=1)
    for offset in (89, 30, 1):
        snapshot(
            session, own, TODAY - timedelta(days=offset), followers=100 - offset, posts_total=7
        )
    snapshot(session, own, TODAY, posts=2)  # today: no totals, the newest ones are yesterday's
    own.last_synced_at = datetime(2027, 3, 10, 14, 5, tzinfo=UTC)
    session.add(own)
    session.commit()
    rows = account_overview(session=session, actor=actor, workspace_id=workspace.id, today=TODAY)
    assert [row.handle for row in rows] == ["zed.bsky.social", "abc.bsky.social"]  # own first
    mine, theirs = rows
    assert (mine.followers, mine.followers_on, mine.posts_total) == (
        99,
        TODAY - timedelta(days=1),
        7,
    )
    assert mine.followers_trend == [11, 70, 99]
    assert (theirs.followers, theirs.posts_total, theirs.followers_trend) == (None, None, [])
    assert sync_state_text(mine) == "10 Mar 2027, 14:05 UTC"
    assert sync_state_text(theirs) == "never"
    assert rival.id == theirs.account_id


def test_the_overview_table_shows_each_account_as_plain_text(session, actor, workspace) -> None:
    account = add(session, actor, workspace, "rosasbakery", network="x")
    snapshot(session, account, TODAY, followers=2048, posts_total=900)
    account.last_sync_error = "X rate limited until 15:00 UTC — sync again after that."
    account.display_name = "<b>Rosa</b>"
    session.add(account)
    session.commit()
    rows = account_overview(session=session, actor=actor, workspace_id=workspace.id, today=TODAY)
    frame = overview_frame(rows)
    assert list(frame.columns) == accounts.OVERVIEW_COLUMNS
    record = frame.iloc[0].to_dict()
    assert record["Network"] == "X" and record["Account"] == "@rosasbakery (<b>Rosa</b>)"
    assert (record["Whose"], record["Followers"], record["Posts"]) == ("Ours", 2048, 900)
    assert record["Last sync"].startswith("failed: X rate limited until 15:00 UTC")
    assert record["Followers, last 90 days"] == [2048]


def test_an_empty_overview_table_still_has_its_columns() -> None:
    assert list(overview_frame([]).columns) == accounts.OVERVIEW_COLUMNS


def test_removed_accounts_are_listed_only_when_asked(session, actor, workspace) -> None:
    account = add(session, actor, workspace)
    remove_account(session=session, actor=actor, account_id=account.id, version=account.version)
    rows = account_overview(
        session=session, actor=actor, workspace_id=workspace.id, include_removed=True
    )
    assert [row.removed_at is not None for row in rows] == [True]
    assert isinstance(rows[0], AccountRow) and rows[0].network_label == "Bluesky"


# ---------------------------------------------------------------- hand entry


def enter(session, actor, account, counts, day=TODAY):  # type: ignore[no-untyped-def]
    return enter_snapshot_by_hand(
        session=session, actor=actor, account_id=account.id, day=day, counts=counts, today=TODAY
    )


def test_numbers_entered_by_hand_are_stored_for_the_day(session, actor, workspace) -> None:
    account = add(session, actor, workspace, "rosasbakery", network="instagram")
    row = enter(session, actor, account, {"followers": "1,234", "posts": 2, "likes": 30.0})
    assert (row.day, row.followers, row.posts, row.likes, row.source) == (
        TODAY,
        1234,
        2,
        30,
        DataSource.MANUAL,
    )
    assert row.impressions is None


def test_hand_entry_merges_with_the_days_numbers_field_by_field(session, actor, workspace) -> None:
    account = add(session, actor, workspace)
    snapshot(session, account, TODAY, followers=100, likes=5, posts=1)
    enter(session, actor, account, {"followers": 120, "likes": None, "impressions": ""})
    [row] = snapshots_of(session, account.id)
    assert (row.followers, row.likes, row.posts, row.source) == (120, 5, 1, DataSource.MANUAL)


def test_hand_entry_recomputes_the_scores_from_that_day(session, actor, workspace) -> None:
    account = add(session, actor, workspace)
    enter(session, actor, account, {"followers": 100, "posts": 1, "likes": 10})
    scores = session.exec(select(InfluenceScore).where(InfluenceScore.account_id == account.id))
    assert [score.day for score in scores] == [TODAY]


@pytest.mark.parametrize(
    ("counts", "errors"),
    [
        ({"followers": -1}, {"followers": "must be 0 or more."}),
        ({"followers": "lots"}, {"followers": "must be a whole number, 0 or more."}),
        ({"likes": 2.5}, {"likes": "must be a whole number, 0 or more."}),
        ({"likes": True}, {"likes": "must be a whole number, 0 or more."}),
        ({"likes": 10**19}, {"likes": "must be at most 9,223,372,036,854,775,807."}),
        ({"followers": None, "likes": ""}, {"counts": "are all empty: enter at least one number."}),
        ({"karma": 3}, {"karma": "is not a number Social Plan keeps for an account."}),
    ],
)
def test_hand_entry_refuses_what_is_not_a_count_and_stores_nothing(
    session, actor, workspace, counts, errors
) -> None:
    account = add(session, actor, workspace)
    with pytest.raises(InvalidInput) as caught:
        enter(session, actor, account, counts)
    assert caught.value.errors == errors
    assert snapshots_of(session, account.id) == []


def test_hand_entry_for_a_future_day_is_refused(session, actor, workspace) -> None:
    account = add(session, actor, workspace)
    with pytest.raises(InvalidInput) as caught:
        enter(session, actor, account, {"followers": 5, "likes": -2}, day=TODAY + timedelta(days=1))
    assert caught.value.errors == {
        "day": "cannot be in the future (today is 10 Mar 2027).",
        "likes": "must be 0 or more.",
    }
    assert snapshots_of(session, account.id) == []


def test_hand_entry_for_a_removed_account_is_refused(session, actor, workspace) -> None:
    account = add(session, actor, workspace)
    remove_account(session=session, actor=actor, account_id=account.id, version=account.version)
    with pytest.raises(InvalidInput) as caught:
        enter(session, actor, account, {"followers": 5})
    assert "restore it" in caught.value.errors["account_id"]


# ---------------------------------------------------------------- metrics that follow accounts


def test_own_accounts_can_be_linked_to_the_plans_account_metrics(session, actor, setup) -> None:
    workspace, plan = setup
    account = add(session, actor, workspace)
    metric = account_metric(session, actor, plan)
    [linkable] = linkable_metrics(session=session, actor=actor, plan_id=plan.id)
    assert (linkable.name, linkable.objective_title, linkable.account_id) == (
        "Followers",
        "Be known",
        None,
    )
    changed = link_accounts_to_metrics(
        session=session,
        actor=actor,
        plan_id=plan.id,
        links={metric.id: (account.id, linkable.version)},
    )
    assert changed == 1
    session.expire_all()
    assert session.get(Metric, metric.id).account_id == account.id
    revision = session.exec(select(Revision).where(Revision.field == "account_id")).one()
    assert revision.new_value == str(account.id)
    unlinked = link_account_to_metric(
        session=session,
        actor=actor,
        metric_id=metric.id,
        account_id=None,
        version=session.get(Metric, metric.id).version,
    )
    assert unlinked.account_id is None


def test_a_competitor_cannot_be_linked_and_nothing_changes(session, actor, setup) -> None:
    workspace, plan = setup
    own = add(session, actor, workspace)
    rival = add(session, actor, workspace, "cafe.bsky.social", kind=AccountKind.COMPETITOR)
    first = account_metric(session, actor, plan)
    second = account_metric(session, actor, plan)
    with pytest.raises(InvalidInput) as caught:
        link_accounts_to_metrics(
            session=session,
            actor=actor,
            plan_id=plan.id,
            links={first.id: (own.id, first.version), second.id: (rival.id, second.version)},
        )
    assert "own accounts" in caught.value.errors["account_id"]
    session.expire_all()
    assert session.get(Metric, first.id).account_id is None


def test_a_metric_of_another_plan_is_refused(session, actor, setup) -> None:
    workspace, plan = setup
    other_workspace, other_plan = create_workspace_with_plan(session, actor, name="Other")
    metric = account_metric(session, actor, other_plan)
    with pytest.raises(NotFound):
        link_accounts_to_metrics(
            session=session, actor=actor, plan_id=plan.id, links={metric.id: (None, 1)}
        )


# ---------------------------------------------------------------- syncing


class Answers:
    """A connector answering per handle, for a sync without HTTP."""

    network_label = "Bluesky"

    def __init__(self, answers: dict[str, ProfileCounts | Exception]) -> None:
        self.answers = answers

    def fetch_profile(self, handle: str) -> ProfileCounts:
        answer = self.answers[handle]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def fetch_recent_posts(self, handle, since=None, limit=100) -> list[PostCounts]:  # type: ignore[no-untyped-def]
        return [
            PostCounts(
                "p1", datetime(2027, 3, 10, 9, tzinfo=UTC), likes=4, reposts=1, replies=0, quotes=0
            )
        ]


def test_a_sync_stores_the_numbers_and_recomputes_the_scores(session, actor, workspace) -> None:
    good = add(session, actor, workspace, "good.bsky.social")
    add(session, actor, workspace, "gone.bsky.social")
    connector = Answers(
        {
            "good.bsky.social": ProfileCounts(120, 10, 50),
            "gone.bsky.social": AccountNotFound("Bluesky", "gone.bsky.social"),
        }
    )
    outcomes = sync_accounts(
        session=session,
        actor=actor,
        workspace_id=workspace.id,
        today=TODAY,
        connector_factory=lambda network, **options: connector,
    )
    assert [outcome.ok for outcome in outcomes] == [False, True]
    assert sync_summary(outcomes) == "1 account synced, 1 failed."
    scores = session.exec(select(InfluenceScore).where(InfluenceScore.account_id == good.id)).all()
    assert TODAY in {score.day for score in scores}


def test_the_sync_summary_counts_skipped_accounts_apart() -> None:
    assert sync_summary([]) == "0 accounts synced."
