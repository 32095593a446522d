"""Leaderboards: ranks, ties, percentiles, changes, sparklines, boards, details, headlines."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from socialplan import leaderboards, peers, scores
from socialplan.access import Actor
from socialplan.errors import InvalidInput, NotFound
from socialplan.latest_scores import refresh_latest_scores
from socialplan.leaderboards import (
    BoardRow,
    downsample_sparkline,
    histogram,
    ordinal,
    percentile_note,
    sort_rows,
)
from socialplan.models import (
    Account,
    AccountKind,
    BusinessScore,
    InfluenceScore,
    Membership,
    Metric,
    MetricSource,
    Network,
    Objective,
    Person,
    Role,
    Snapshot,
    User,
    Workspace,
    WorkspaceCreate,
)
from socialplan.scoring import PARTS, WEIGHTS
from socialplan.workspaces import create_workspace
from tests.factories import create_workspace_with_plan

DAY = date(2027, 3, 15)


def business(session: Session, name: str) -> Workspace:
    return create_workspace(
        session=session, actor=Actor.local(), workspace_create=WorkspaceCreate(name=name)
    )


def scored(
    session: Session,
    workspace: Workspace,
    handle: str,
    history: dict[int, int],
    *,
    kind: AccountKind = AccountKind.OWN,
    person: Person | None = None,
    network: Network = Network.BLUESKY,
) -> Account:
    """An account with stored scores: {days before DAY: score}."""
    account = Account(
        workspace_id=workspace.id,
        network=network,
        handle=handle,
        kind=kind,
        person_id=person.id if person else None,
    )
    session.add(account)
    session.commit()
    session.add_all(
        InfluenceScore(
            account_id=account.id,
            day=DAY - timedelta(days=ago),
            score=score,
            reach=0.4,
            engagement=0.3,
            amplification=None,
            consistency=1.0,
        )
        for ago, score in history.items()
    )
    session.commit()
    # Written straight to the table, as no recompute would: the latest row follows by hand.
    refresh_latest_scores(session, [account.id])
    session.commit()
    return account


def group_of(session: Session, creator: Workspace, *entries: Account) -> int:
    group = peers.create_group(
        session=session, actor=Actor.local(), workspace_id=creator.id, name="Main Street"
    )
    by_workspace: dict[int, list[int]] = {}
    for account in entries:
        by_workspace.setdefault(account.workspace_id, []).append(account.id)
    for workspace_id, ids in by_workspace.items():
        if workspace_id != creator.id:
            peers.join_group(
                session=session,
                actor=Actor.local(),
                workspace_id=workspace_id,
                code=group.invite_code,
            )
        peers.set_entries(
            session=session,
            actor=Actor.local(),
            workspace_id=workspace_id,
            group_id=group.id,
            account_ids=ids,
        )
    return group.id


def board(session: Session, viewer: Workspace, group_id: int) -> leaderboards.Board:
    return leaderboards.group_board(
        session=session, actor=Actor.local(), viewer_workspace_id=viewer.id, group_id=group_id
    )


def row(handle: str, score: int | None, **fields) -> BoardRow:
    return BoardRow(
        account_id=hash(handle) % 1000,
        workspace_id=1,
        name=handle,
        handle=handle,
        business=handle.upper(),
        network="bluesky",
        kind="own",
        is_own=False,
        score=score,
        **fields,
    )


# ---------------------------------------------------------------- maths without a database


def test_ordinals_read_as_people_say_them():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 90, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "90th", "101st",
        "111th",
    ]  # fmt: skip


def test_a_sparkline_keeps_at_most_thirty_points_and_always_ends_on_the_newest():
    assert downsample_sparkline(list(range(10))) == tuple(range(10))
    values = downsample_sparkline(list(range(90)))
    assert len(values) == 30 and values[-1] == 89
    assert downsample_sparkline(list(range(91)))[-1] == 90
    assert len(downsample_sparkline(list(range(91)))) <= 30


def test_the_histogram_counts_scores_in_buckets_of_ten_and_marks_yours():
    buckets = histogram([1, 10, 11, 45, 45, 100], own=[45])
    assert [b.label for b in buckets][:2] == ["1–10", "11–20"]
    assert [b.count for b in buckets] == [2, 1, 0, 0, 2, 0, 0, 0, 0, 1]
    assert [b.own for b in buckets] == [0, 0, 0, 0, 1, 0, 0, 0, 0, 0]


def test_rows_sort_by_any_key_with_missing_values_last():
    rows = [row("b", 40, change_30d=3), row("a", None), row("c", 55, change_30d=-2)]
    assert [r.name for r in sort_rows(rows, "score")] == ["c", "b", "a"]
    assert [r.name for r in sort_rows(rows, "score", descending=False)] == ["b", "c", "a"]
    assert [r.name for r in sort_rows(rows, "change_30d")] == ["b", "c", "a"]
    assert [r.name for r in sort_rows(rows, "name")] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="sort key"):
        sort_rows(rows, "followers")


def test_the_note_says_why_there_is_no_percentile_under_ten():
    assert percentile_note(10) is None
    note = percentile_note(7, "“Main Street”")
    assert note.startswith("No percentile: “Main Street” has 7 scored accounts")
    assert "needs at least 10" in note


# ---------------------------------------------------------------- ranks, ties, percentiles


def test_ranks_share_ties_and_put_accounts_without_a_score_last(session):
    bakery, florist = business(session, "Bakery"), business(session, "Florist")
    accounts = [
        scored(session, bakery, "a.bakery", {0: 50}),
        scored(session, florist, "b.florist", {0: 70}),
        scored(session, florist, "c.florist", {0: 50}),
        scored(session, bakery, "d.bakery", {}),
        scored(session, florist, "e.florist", {0: 20}),
    ]
    result = board(session, bakery, group_of(session, bakery, *accounts))
    assert [(r.handle, r.rank, r.score) for r in result.rows] == [
        ("b.florist", 1, 70),
        ("a.bakery", 2, 50),
        ("c.florist", 2, 50),
        ("e.florist", 4, 20),
        ("d.bakery", None, None),
    ]
    assert [r.is_own for r in result.rows] == [False, True, False, False, True]
    assert result.population == 4 and result.own_scores == (50,)


def test_under_ten_scores_there_is_no_percentile_and_the_board_says_why(session):
    bakery = business(session, "Bakery")
    accounts = [scored(session, bakery, f"shop{n}", {0: 10 * n}) for n in range(1, 10)]
    result = board(session, bakery, group_of(session, bakery, *accounts))
    assert all(r.percentile is None and r.top_label is None for r in result.rows)
    assert "has 9 scored accounts" in result.percentile_note


def test_with_ten_scores_the_percentile_is_the_mid_rank_one(session):
    bakery = business(session, "Bakery")
    values = [12, 20, 20, 31, 45, 45, 45, 60, 72, 90]
    accounts = [scored(session, bakery, f"shop{n}", {0: v}) for n, v in enumerate(values)]
    result = board(session, bakery, group_of(session, bakery, *accounts))
    by_score = {r.score: r.percentile for r in result.rows}
    assert by_score[90] == pytest.approx(95.0)
    assert by_score[45] == pytest.approx(100 * (4 + 1.5) / 10)
    assert by_score[12] == pytest.approx(5.0)
    assert next(r for r in result.rows if r.score == 90).top_label == "top 5%"
    assert result.percentile_note is None


def test_the_latest_score_is_each_accounts_own_newest_day(session):
    bakery = business(session, "Bakery")
    fresh = scored(session, bakery, "fresh", {10: 30, 0: 35})
    stale = scored(session, bakery, "stale", {200: 80, 100: 60})
    result = board(session, bakery, group_of(session, bakery, fresh, stale))
    assert {r.handle: (r.score, r.day) for r in result.rows} == {
        "stale": (60, DAY - timedelta(days=100)),
        "fresh": (35, DAY),
    }


# ---------------------------------------------------------------- change and sparkline


def test_the_30_day_change_compares_with_the_score_30_days_before(session):
    bakery = business(session, "Bakery")
    exact = scored(session, bakery, "exact", {45: 20, 30: 40, 29: 41, 0: 47})
    gap = scored(session, bakery, "gap", {40: 50, 5: 44, 0: 43})
    young = scored(session, bakery, "young", {20: 10, 0: 15})
    result = board(session, bakery, group_of(session, bakery, exact, gap, young))
    changes = {r.handle: r.change_30d for r in result.rows}
    assert changes == {"exact": 7, "gap": -7, "young": None}


def test_the_sparkline_holds_the_last_90_days_downsampled(session):
    bakery = business(session, "Bakery")
    history = {ago: 100 - ago // 2 for ago in range(0, 150)}
    account = scored(session, bakery, "daily", history)
    (result,) = board(session, bakery, group_of(session, bakery, account)).rows
    assert len(result.sparkline) == 30
    assert result.sparkline[-1] == 100
    assert min(result.sparkline) >= 100 - 89 // 2


# ---------------------------------------------------------------- competitors and team


def test_the_competitor_board_shows_own_and_competitors_side_by_side_with_sub_scores(session):
    bakery, florist = business(session, "Bakery"), business(session, "Florist")
    scored(session, bakery, "bakery.ig", {0: 45})
    scored(session, bakery, "rival", {0: 60}, kind=AccountKind.COMPETITOR)
    scored(session, florist, "florist.ig", {0: 90})
    result = leaderboards.competitor_board(
        session=session, actor=Actor.local(), workspace_id=bakery.id
    )
    assert [(r.handle, r.kind, r.is_own) for r in result.rows] == [
        ("rival", "competitor", False),
        ("bakery.ig", "own", True),
    ]
    assert result.rows[0].sub_scores == {
        "reach": 0.4,
        "engagement": 0.3,
        "amplification": None,
        "consistency": 1.0,
    }
    table = leaderboards.board_table(result)
    assert {"Reach", "Engagement", "Amplification", "Consistency", "Whose"} <= set(table.columns)
    assert "has 2 scored accounts" in result.percentile_note


def test_the_competitor_board_is_private_to_its_workspace(session):
    bakery, florist = business(session, "Bakery"), business(session, "Florist")
    scored(session, bakery, "rival", {0: 60}, kind=AccountKind.COMPETITOR)
    user = User(issuer="i", subject="florist")
    session.add(user)
    session.commit()
    session.add(Membership(workspace_id=florist.id, user_id=user.id, role=Role.OWNER))
    session.commit()
    with pytest.raises(NotFound):
        leaderboards.competitor_board(
            session=session, actor=Actor.user(user.id, "F"), workspace_id=bakery.id
        )


def test_a_workspace_without_accounts_gets_an_empty_state_not_an_error(session):
    bakery = business(session, "Bakery")
    result = leaderboards.competitor_board(
        session=session, actor=Actor.local(), workspace_id=bakery.id
    )
    assert result.rows == () and result.empty_note.startswith("No accounts yet")


def test_accounts_without_scores_say_how_scores_get_made(session):
    bakery = business(session, "Bakery")
    scored(session, bakery, "new.account", {})
    result = leaderboards.competitor_board(
        session=session, actor=Actor.local(), workspace_id=bakery.id
    )
    assert "socialplan scores recompute" in result.empty_note


def test_the_team_board_lists_personal_accounts_with_their_score_goals(session):
    workspace, plan = create_workspace_with_plan(session)
    maya = Person(workspace_id=workspace.id, name="Maya")
    sam = Person(workspace_id=workspace.id, name="Sam")
    session.add_all([maya, sam])
    session.commit()
    personal = scored(session, workspace, "maya.bakes", {0: 38}, person=maya)
    scored(session, workspace, "shop", {0: 50})
    objective = Objective(plan_id=plan.id, title="Be known")
    session.add(objective)
    session.commit()
    session.add(
        Metric(
            objective_id=objective.id,
            name="Maya's score",
            source=MetricSource.INFLUENCE_SCORE,
            account_id=personal.id,
            baseline=30,
            target=45,
            target_date=date(2027, 6, 30),
        )
    )
    session.commit()
    result = leaderboards.team_board(
        session=session, actor=Actor.local(), workspace_id=workspace.id, today=DAY
    )
    assert [(r.person, r.handle, r.goal) for r in result.rows] == [
        ("Maya", "maya.bakes", "45 by 30 Jun")
    ]
    assert result.note.startswith("No personal account yet for Sam")
    detail = leaderboards.account_detail(
        session=session,
        actor=Actor.local(),
        viewer_workspace_id=workspace.id,
        account_id=personal.id,
        today=DAY,
    )
    assert detail.goal_text == "Goal: 45 by 30 Jun"
    assert detail.goal["value"].tolist() == [30.0, 45.0]


# ---------------------------------------------------------------- on the demo's real numbers


@pytest.fixture
def demo_street(session, actor) -> dict:
    from socialplan import demo

    bakery = demo.load_demo(session=session, actor=actor, today=DAY)
    group = peers.group_by_code(session=session, code=demo.MAIN_STREET_CODE)
    return {"bakery": bakery, "group": group}


def test_an_accounts_explanation_adds_up_to_its_stored_score(session, actor, demo_street):
    maya = session.exec(select(Account).where(Account.handle == "maya.bakes")).one()
    detail = leaderboards.account_detail(
        session=session,
        actor=actor,
        viewer_workspace_id=demo_street["bakery"].id,
        account_id=maya.id,
        today=DAY,
    )
    stored = session.exec(
        select(InfluenceScore).where(
            InfluenceScore.account_id == maya.id, InfluenceScore.day == DAY
        )
    ).one()
    assert (detail.score, detail.day) == (stored.score, DAY)
    assert detail.explanation[0].startswith(f"Score {stored.score} of 100")
    assert {bar.part: bar.value for bar in detail.parts} == pytest.approx(
        {part: getattr(stored, part) for part in PARTS}
    )
    # Maya's Instagram gives no reposts or quotes: amplification is left out, the rest
    # scaled up.
    assert sum(bar.weight for bar in detail.parts) == pytest.approx(1.0)
    assert detail.parts[2].weight == 0 and detail.parts[0].weight > WEIGHTS["reach"]
    assert 1 + sum(bar.points for bar in detail.parts) == pytest.approx(stored.score, abs=0.5)
    assert detail.lever and detail.standing.startswith("Top ")


def test_the_business_explanation_matches_the_stored_business_score(session, demo_street):
    bakery = demo_street["bakery"]
    stored = session.exec(
        select(BusinessScore).where(
            BusinessScore.workspace_id == bakery.id, BusinessScore.day == DAY
        )
    ).one()
    result = leaderboards.business_result(session, bakery.id, DAY)
    assert result.score == stored.score
    assert result.sub_scores.reach == pytest.approx(stored.reach)


def test_the_business_headline_names_the_group_and_the_share_above(session, actor, demo_street):
    standing = leaderboards.business_standing(
        session=session, actor=actor, workspace_id=demo_street["bakery"].id
    )
    assert standing.group_name == "Main Street"
    assert standing.headline == (
        f"Your score {standing.score} · "
        f"{leaderboards.top_share_label(standing.percentile)} of the Main Street group"
    )
    # The bakery's own entries are what its score is made of: only the others' are counted.
    others = leaderboards.group_board(
        session=session,
        actor=actor,
        viewer_workspace_id=demo_street["bakery"].id,
        group_id=demo_street["group"].id,
    ).rows
    assert standing.population == 1 + sum(1 for r in others if not r.is_own and r.score)
    assert standing.explanation[0].startswith(f"Score {standing.score} of 100")


def test_a_business_in_no_group_gets_its_score_and_a_pointer_to_the_leaderboard(session):
    bakery = business(session, "Bakery")
    assert (
        leaderboards.business_standing(session=session, actor=Actor.local(), workspace_id=bakery.id)
        is None
    )
    session.add(BusinessScore(workspace_id=bakery.id, day=DAY, score=33))
    session.commit()
    standing = leaderboards.business_standing(
        session=session, actor=Actor.local(), workspace_id=bakery.id
    )
    assert standing.headline == "Your score 33"
    assert "Join or create a peer group" in standing.note


def test_a_small_group_gives_no_percentile_in_the_headline(session):
    bakery, florist = business(session, "Bakery"), business(session, "Florist")
    session.add(BusinessScore(workspace_id=bakery.id, day=DAY, score=33))
    session.commit()
    group_of(session, bakery, scored(session, florist, "florist", {0: 40}))
    standing = leaderboards.business_standing(
        session=session, actor=Actor.local(), workspace_id=bakery.id
    )
    assert standing.percentile is None
    assert (
        standing.headline == "Your score 33 · the Main Street group is too small for a percentile"
    )
    assert "has 2 scored accounts" in standing.note


def test_the_demo_bakery_shares_its_plan_progress_on_the_board(session, actor, demo_street):
    result = leaderboards.group_board(
        session=session,
        actor=actor,
        viewer_workspace_id=demo_street["bakery"].id,
        group_id=demo_street["group"].id,
        today=DAY,
    )
    own = [r for r in result.rows if r.is_own]
    assert {r.handle for r in own} == {"crumbandco.bakery", "crumbandco.bsky.social"}
    # 4 of the plan's 8 metrics are on track (see tests/test_demo.py).
    assert {r.progress for r in own} == {0.5}
    assert all(r.progress is None for r in result.rows if not r.is_own)


def test_the_instance_percentile_counts_a_profile_followed_twice_once(session):
    bakery, florist = business(session, "Bakery"), business(session, "Florist")
    mine = scored(session, bakery, "bakery", {0: 50})
    scored(session, bakery, "rival", {0: 80}, kind=AccountKind.COMPETITOR)
    scored(session, florist, "rival", {0: 80}, kind=AccountKind.COMPETITOR)
    for n in range(9):
        scored(session, florist, f"shop{n}", {0: 10 + n})
    standing = leaderboards.instance_percentile(
        session=session, actor=Actor.local(), account_id=mine.id
    )
    assert standing.population == 11
    assert standing.percentile == pytest.approx(100 * 9.5 / 11)
    assert standing.text == "Top 14% of the 11 accounts on this installation."


# ---------------------------------------------------------------- output


def test_the_board_prints_as_a_table_csv_and_json(session):
    bakery, florist = business(session, "Bakery"), business(session, "Florist")
    group_id = group_of(
        session,
        bakery,
        scored(session, bakery, "bakery.ig", {30: 40, 0: 45}),
        scored(session, florist, "florist.ig", {0: 52}),
    )
    result = board(session, bakery, group_id)
    table = leaderboards.render_table(result).splitlines()
    assert table[0] == "Main Street"
    assert table[1].split() == [
        "rank",
        "account",
        "business",
        "network",
        "score",
        "top",
        "30d",
        "you",
    ]
    assert table[2].split() == ["1", "@florist.ig", "Florist", "Bluesky", "52", "—", "—"]
    assert table[3].split() == ["2", "@bakery.ig", "Bakery", "Bluesky", "45", "—", "+5", "◀"]
    assert "has 2 scored accounts" in table[4]
    csv_lines = leaderboards.render_csv(result).splitlines()
    assert csv_lines[0].startswith("rank,account,name,business,network,score,percentile")
    # A handle starts with @: quoted, so a spreadsheet keeps it as text, not a formula.
    assert csv_lines[2].startswith("2,'@bakery.ig,bakery.ig,Bakery,Bluesky,45,,,5,True")
    data = json.loads(leaderboards.render_json(result))
    assert data["population"] == 2 and data["rows"][1]["yours"] is True


def test_the_command_line_board_is_the_group_as_its_creator_or_a_named_member_sees_it(session):
    bakery, florist = business(session, "Bakery"), business(session, "Florist")
    group_id = group_of(session, bakery, scored(session, florist, "florist.ig", {0: 52}))
    code = peers.get_group(
        session=session, actor=Actor.local(), workspace_id=bakery.id, group_id=group_id
    ).invite_code
    as_creator = leaderboards.board_for(session=session, actor=Actor.local(), group_code=code)
    assert [r.is_own for r in as_creator.rows] == [False]
    as_florist = leaderboards.board_for(
        session=session, actor=Actor.local(), group_code=code.lower(), workspace_slug="florist"
    )
    assert [r.is_own for r in as_florist.rows] == [True]
    competitors = leaderboards.board_for(
        session=session, actor=Actor.local(), workspace_slug="bakery"
    )
    assert competitors.kind == "competitors"
    with pytest.raises(NotFound, match="No peer group has the invite code “NOPE”"):
        leaderboards.board_for(session=session, actor=Actor.local(), group_code="nope")
    with pytest.raises(NotFound, match="not yours to see|not in it"):
        leaderboards.board_for(
            session=session,
            actor=Actor.local(),
            group_code=code,
            workspace_slug=business(session, "Barber").slug,
        )
    with pytest.raises(InvalidInput):
        leaderboards.board_for(session=session, actor=Actor.local())


def test_snapshots_recomputed_show_up_on_the_board(session):
    bakery = business(session, "Bakery")
    account = Account(workspace_id=bakery.id, network=Network.BLUESKY, handle="fresh")
    session.add(account)
    session.commit()
    session.add_all(
        Snapshot(
            account_id=account.id, day=DAY - timedelta(days=d), followers=500, posts=1, likes=4
        )
        for d in range(60)
    )
    session.commit()
    group_id = group_of(session, bakery, account)
    assert board(session, bakery, group_id).rows[0].score is None
    scores.recompute_scores(session=session)
    (result,) = board(session, bakery, group_id).rows
    assert result.score is not None and result.day == DAY and len(result.sparkline) == 30


def test_a_peer_group_board_never_names_the_person_behind_an_account(session):
    bakery = business(session, "Bakery")
    maya = Person(workspace_id=bakery.id, name="Maya")
    session.add(maya)
    session.commit()
    personal = scored(session, bakery, "maya.bakes", {0: 38}, person=maya)
    (row,) = board(session, bakery, group_of(session, bakery, personal)).rows
    assert row.handle == "maya.bakes" and row.person is None
