"""Storing imports: one transaction, upserts by day, field-by-field merges, nothing on error."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, func, select

from socialplan import metrics, objectives
from socialplan.access import Actor
from socialplan.errors import InvalidInput, NotAllowed, NotFound
from socialplan.imports import ImportConflict, read_import, store_import
from socialplan.imports import store as store_module
from socialplan.models import (
    Account,
    DataSource,
    Membership,
    Network,
    ObjectiveCreate,
    Reading,
    Role,
    Snapshot,
    User,
    utcnow,
)
from tests.factories import create_workspace_with_plan
from tests.imports.conftest import (
    LINKEDIN,
    LONG,
    META_FOLLOWS,
    META_POSTS_INSTAGRAM,
    META_VIEWS,
    X_OVERVIEW,
    X_POSTS,
    fixture_bytes,
)
from tests.imports.test_reading import BAD_FILES

MARCH_30 = date(2026, 3, 30)


@pytest.fixture
def workspace(session, actor):
    workspace, _plan = create_workspace_with_plan(session, actor)
    return workspace


@pytest.fixture
def plan(session, workspace):
    from socialplan.models import Plan

    return session.exec(select(Plan).where(Plan.workspace_id == workspace.id)).one()


def add_account(session, workspace, network=Network.X, handle="rosasbakery", removed=False):
    account = Account(
        workspace_id=workspace.id,
        network=network,
        handle=handle,
        removed_at=utcnow() if removed else None,
    )
    session.add(account)
    session.commit()
    return account


def import_file(session, actor, workspace, account, name=None, data=None, **read_kwargs):
    """The whole pipeline the page and the CLI run: read, then store."""
    parsed = read_import(
        data if data is not None else fixture_bytes(name),
        filename=name or "upload.csv",
        **read_kwargs,
    )
    return store_import(
        session=session,
        actor=actor,
        workspace_id=workspace.id,
        account_id=account.id if account else None,
        parsed=parsed,
    )


def snapshot_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Snapshot)).one()


def reading_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Reading)).one()


def snapshot_on(session, account, day) -> Snapshot:
    session.expire_all()
    return session.exec(
        select(Snapshot).where(Snapshot.account_id == account.id, Snapshot.day == day)
    ).one()


def add_leads_metric(session, actor, plan, name="Leads"):
    objective = objectives.create_objective(
        session=session,
        actor=actor,
        plan_id=plan.id,
        objective_create=ObjectiveCreate(title="Win more catering orders"),
    )
    return metrics.create_metric(
        session=session,
        actor=actor,
        objective_id=objective.id,
        metric_create={
            "name": name,
            "source": "manual",
            "unit": "leads",
            "baseline": 2,
            "target": 10,
            "target_date": date(2027, 6, 30),
        },
    )


# ---------------------------------------------------------------- storing


def test_an_overview_import_stores_every_day_with_rebuilt_followers(session, actor, workspace):
    account = add_account(session, workspace)
    result = import_file(
        session, actor, workspace, account, X_OVERVIEW, followers_anchor=(date(2026, 3, 31), 1480)
    )
    assert (result.snapshots_added, result.snapshots_updated, result.snapshots_unchanged) == (
        31,
        0,
        0,
    )
    assert result.message() == "Imported 31 days: 31 added, 0 updated, 0 already up to date."
    row = snapshot_on(session, account, MARCH_30)
    assert (row.followers, row.impressions, row.likes, row.bookmarks) == (1479, 3621, 72, 2)
    assert (row.replies, row.reposts, row.posts) == (6, 2, 2)
    assert (row.following, row.posts_total, row.quotes) == (None, None, None)
    assert row.source == DataSource.IMPORT


def test_reimporting_the_same_file_adds_nothing_twice(session, actor, workspace):
    account = add_account(session, workspace)
    import_file(session, actor, workspace, account, X_POSTS)
    stored = snapshot_count(session)
    again = import_file(session, actor, workspace, account, X_POSTS)
    assert (again.snapshots_added, again.snapshots_updated, again.snapshots_unchanged) == (
        0,
        0,
        stored,
    )
    assert again.changed == 0
    assert snapshot_count(session) == stored == 18


def test_an_overlapping_import_merges_field_by_field_without_wiping_other_sources(
    session, actor, workspace
):
    account = add_account(session, workspace)
    # A sync stored the totals of Mar 30 (and a stale like count) before the export came.
    session.add(
        Snapshot(
            account_id=account.id,
            day=MARCH_30,
            followers=1500,
            following=320,
            posts_total=900,
            likes=1,
            quotes=2,
            source=DataSource.SYNC,
        )
    )
    session.commit()
    result = import_file(session, actor, workspace, account, X_OVERVIEW)  # no anchor
    assert (result.snapshots_added, result.snapshots_updated) == (30, 1)
    row = snapshot_on(session, account, MARCH_30)
    assert (row.followers, row.following, row.posts_total, row.quotes) == (1500, 320, 900, 2)
    assert (row.likes, row.impressions) == (72, 3621)
    assert row.source == DataSource.IMPORT
    # A later file for Mar 30 to Apr 1 brings follower totals only: it fills them in.
    later = (
        b"date,metric,value\n2026-03-30,followers,1510\n2026-03-31,followers,1512\n"
        b"2026-04-01,followers,1515\n"
    )
    result = import_file(session, actor, workspace, account, data=later)
    assert (result.snapshots_added, result.snapshots_updated, result.snapshots_unchanged) == (
        1,
        2,
        0,
    )
    row = snapshot_on(session, account, MARCH_30)
    assert (row.followers, row.likes, row.impressions, row.following) == (1510, 72, 3621, 320)
    assert snapshot_on(session, account, date(2026, 3, 31)).likes == 87
    assert snapshot_count(session) == 32


def test_an_import_that_changes_nothing_leaves_the_row_and_its_source_alone(
    session, actor, workspace
):
    account = add_account(session, workspace)
    session.add(
        Snapshot(account_id=account.id, day=date(2027, 1, 4), followers=984, source=DataSource.SYNC)
    )
    session.commit()
    data = b"date,metric,value\n2027-01-04,followers,984\n"
    result = import_file(session, actor, workspace, account, data=data)
    assert (result.snapshots_added, result.snapshots_updated, result.snapshots_unchanged) == (
        0,
        0,
        1,
    )
    assert snapshot_on(session, account, date(2027, 1, 4)).source == DataSource.SYNC


@pytest.mark.parametrize(
    ("name", "network", "anchor", "days"),
    [
        (LINKEDIN, Network.LINKEDIN, (date(2026, 3, 31), 800), 31),
        (META_VIEWS, Network.INSTAGRAM, None, 31),
        (META_FOLLOWS, Network.INSTAGRAM, (date(2026, 3, 31), 640), 31),
        (META_POSTS_INSTAGRAM, Network.INSTAGRAM, None, 14),
    ],
)
def test_linkedin_and_meta_exports_are_stored_on_their_accounts(
    session, actor, workspace, name, network, anchor, days
):
    account = add_account(session, workspace, network=network)
    result = import_file(session, actor, workspace, account, name, followers_anchor=anchor)
    assert result.snapshots_added == days == snapshot_count(session)


def test_views_then_follows_of_the_same_instagram_account_fill_one_row_per_day(
    session, actor, workspace
):
    account = add_account(session, workspace, network=Network.INSTAGRAM)
    import_file(session, actor, workspace, account, META_VIEWS)
    result = import_file(
        session, actor, workspace, account, META_FOLLOWS, followers_anchor=(date(2026, 3, 31), 640)
    )
    assert (result.snapshots_added, result.snapshots_updated) == (0, 31)
    row = snapshot_on(session, account, date(2026, 3, 1))
    assert (row.impressions, row.followers) == (364, 582)


def test_business_readings_go_to_the_plans_hand_entered_metric(session, actor, workspace, plan):
    account = add_account(session, workspace)
    leads = add_leads_metric(session, actor, plan)
    result = import_file(session, actor, workspace, account, LONG)
    assert (result.snapshots_added, result.readings_added) == (14, 2)
    assert result.message() == (
        "Imported 14 days: 14 added, 0 updated, 0 already up to date; "
        "2 readings: 2 added, 0 updated, 0 already up to date."
    )
    stored = session.exec(
        select(Reading).where(Reading.metric_id == leads.id).order_by(Reading.day)
    ).all()
    assert [(r.day, r.value, r.note) for r in stored] == [
        (date(2027, 1, 10), 6.0, "from the contact form"),
        (date(2027, 1, 17), 9.0, "from the contact form"),
    ]
    again = import_file(session, actor, workspace, account, LONG)
    assert (again.readings_added, again.readings_updated, again.readings_unchanged) == (0, 0, 2)
    changed = import_file(
        session, actor, workspace, None, data=b"date,metric,value\n2027-01-10, LEADS ,7\n"
    )
    assert (changed.readings_added, changed.readings_updated) == (0, 1)
    session.expire_all()
    assert session.exec(select(Reading).where(Reading.day == date(2027, 1, 10))).one().value == 7.0
    assert reading_count(session) == 2


# ---------------------------------------------------------------- refusals store nothing


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_every_bad_file_gives_its_message_and_stores_nothing(session, actor, workspace, name):
    account = add_account(session, workspace)
    with pytest.raises(InvalidInput) as error:
        import_file(session, actor, workspace, account, name)
    if name == "bad_other_tool.csv":  # its message goes on to list every format
        assert error.value.errors["file"].startswith(BAD_FILES[name])
    else:
        assert error.value.errors == {"file": BAD_FILES[name]}
    assert snapshot_count(session) == 0


def test_an_unknown_business_metric_refuses_the_whole_file(session, actor, workspace, plan):
    account = add_account(session, workspace)
    add_leads_metric(session, actor, plan)
    data = b"date,metric,value\n2027-01-04,followers,984\n2027-01-04,Leads,3\n2027-01-05,Leeds,2\n"
    with pytest.raises(InvalidInput) as error:
        import_file(session, actor, workspace, account, data=data)
    assert error.value.errors == {
        "file": "Line 4, column “metric”: “Leeds” is neither an account number (followers, "
        "following, posts_total, posts, likes, reposts, replies, quotes, bookmarks, impressions) "
        "nor a hand-entered metric of the plan “2027 H1” (Leads). Nothing was imported."
    }
    assert (snapshot_count(session), reading_count(session)) == (0, 0)


def test_business_readings_need_a_plan_with_hand_entered_metrics(session, actor, workspace):
    with pytest.raises(InvalidInput) as error:
        import_file(
            session, actor, workspace, None, data=b"date,metric,value\n2027-01-04,Leads,3\n"
        )
    assert error.value.errors["file"].endswith(
        "and this workspace's plan has no hand-entered metrics. Nothing was imported."
    )


def test_a_name_shared_by_two_hand_entered_metrics_is_refused(session, actor, workspace, plan):
    add_leads_metric(session, actor, plan)
    add_leads_metric(session, actor, plan)
    with pytest.raises(InvalidInput) as error:
        import_file(
            session, actor, workspace, None, data=b"date,metric,value\n2027-01-04,Leads,3\n"
        )
    assert error.value.errors == {
        "file": "Line 2, column “metric”: “Leads” names 2 hand-entered metrics of the plan "
        "“2027 H1”: rename one of them so each name is unique. Nothing was imported."
    }
    assert reading_count(session) == 0


def test_a_conflicting_write_midway_rolls_back_everything(
    engine, session, actor, workspace, monkeypatch
):
    account = add_account(session, workspace)
    real_insert_snapshots = store_module._insert_snapshots

    def insert_snapshots_after_a_racing_sync(session, rows):
        # Another session stores Mar 31 between our read of the stored days and our insert.
        with Session(engine) as other:
            other.add(
                Snapshot(
                    account_id=account.id,
                    day=date(2026, 3, 31),
                    followers=1,
                    source=DataSource.SYNC,
                )
            )
            other.commit()
        return real_insert_snapshots(session, rows)

    monkeypatch.setattr(store_module, "_insert_snapshots", insert_snapshots_after_a_racing_sync)
    with pytest.raises(ImportConflict) as error:
        import_file(session, actor, workspace, account, X_OVERVIEW)
    assert str(error.value) == (
        "Someone else stored numbers for some of these days at the same moment, so nothing was "
        "imported. Import the file again."
    )
    rows = session.exec(select(Snapshot)).all()
    assert [(row.day, row.followers, row.source) for row in rows] == [
        (date(2026, 3, 31), 1, DataSource.SYNC)
    ]


def test_the_account_must_be_on_the_network_the_export_comes_from(session, actor, workspace):
    account = add_account(session, workspace, network=Network.BLUESKY, handle="rosas.bsky.social")
    with pytest.raises(InvalidInput) as error:
        import_file(session, actor, workspace, account, X_OVERVIEW)
    assert error.value.errors == {
        "account": "is on Bluesky, but this file comes from X (X account overview): choose the "
        "account it came from."
    }
    facebook = add_account(session, workspace, network=Network.FACEBOOK, handle="rosasbakery")
    with pytest.raises(InvalidInput) as error:
        import_file(session, actor, workspace, facebook, META_POSTS_INSTAGRAM)
    assert error.value.errors["account"].startswith(
        "is on Facebook, but this file comes from Instagram (Meta Business Suite posts export)"
    )
    assert snapshot_count(session) == 0


def test_the_account_must_be_the_workspaces_own_and_not_removed(session, actor, workspace):
    other_workspace, _ = create_workspace_with_plan(session, actor, name="Other Bakery")
    foreign = add_account(session, other_workspace)
    with pytest.raises(NotFound):
        import_file(session, actor, workspace, foreign, X_OVERVIEW)
    removed = add_account(session, workspace, handle="oldhandle", removed=True)
    with pytest.raises(InvalidInput) as error:
        import_file(session, actor, workspace, removed, X_OVERVIEW)
    assert error.value.errors == {"account": "was removed from this workspace: add it again first."}
    with pytest.raises(InvalidInput) as error:
        import_file(session, actor, workspace, None, X_OVERVIEW)
    assert error.value.errors == {"account": "is needed: this file has account numbers to store."}
    assert snapshot_count(session) == 0


def test_a_viewer_may_not_import(session, actor, workspace):
    account = add_account(session, workspace)
    user = User(issuer="https://id.example", subject="viewer-1", name="Vera")
    session.add(user)
    session.commit()
    session.add(Membership(workspace_id=workspace.id, user_id=user.id, role=Role.VIEWER))
    session.commit()
    with pytest.raises(NotAllowed):
        import_file(session, Actor.user(user.id, "Vera"), workspace, account, X_OVERVIEW)
    assert snapshot_count(session) == 0
