"""Storing fetched numbers as snapshots, and syncing a workspace's accounts (both databases)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
import responses
from sqlmodel import Session, select

from socialplan.access import Actor
from socialplan.connectors import (
    AccountNotFound,
    Connector,
    NetworkDown,
    PostCounts,
    ProfileCounts,
    ServiceError,
)
from socialplan.connectors import http as connector_http
from socialplan.errors import NotAllowed
from socialplan.models import (
    Account,
    AccountKind,
    DataSource,
    Membership,
    Network,
    Role,
    Snapshot,
    User,
    Workspace,
)
from socialplan.sync import (
    POST_LIMIT,
    RECENT_DAYS,
    SyncProgress,
    counts_given,
    day_activity,
    describe_outcome,
    restate_recent_days,
    store_snapshot,
    sync_workspace,
)
from tests.connectors import payloads
from tests.factories import create_workspace_with_plan

TODAY = date(2027, 3, 10)
TOKEN = "AAAAAAAAAAAAAAAAAAAAAsynctesttoken"


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def post(
    post_id: str, day: date, *, likes: int = 10, reposts: int = 2, replies: int = 1, **more: int
) -> PostCounts:
    return PostCounts(
        post_id=post_id,
        created_at=at(day),
        likes=likes,
        reposts=reposts,
        replies=replies,
        quotes=more.get("quotes", 0),
        bookmarks=more.get("bookmarks"),
        impressions=more.get("impressions"),
    )


class FakeConnector:
    """Answers per handle: a ProfileCounts/posts list, or an exception to raise."""

    network_label = "Fake"

    def __init__(self, answers: dict[str, tuple[object, object]]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, datetime | None, int]] = []

    def fetch_profile(self, handle: str) -> ProfileCounts:
        profile = self.answers[handle][0]
        if isinstance(profile, Exception):
            raise profile
        assert isinstance(profile, ProfileCounts)
        return profile

    def fetch_recent_posts(
        self, handle: str, since: datetime | None = None, limit: int = 100
    ) -> list[PostCounts]:
        self.calls.append((handle, since, limit))
        posts = self.answers[handle][1]
        if isinstance(posts, Exception):
            raise posts
        return list(posts)  # type: ignore[call-overload]


def factory_of(connector: Connector):  # type: ignore[no-untyped-def]
    def connector_factory(network: str, *, x_bearer_token: str | None = None) -> Connector:
        return connector

    return connector_factory


@pytest.fixture
def workspace(session: Session, actor: Actor) -> Workspace:
    return create_workspace_with_plan(session, actor)[0]


def add_account(
    session: Session,
    workspace: Workspace,
    handle: str,
    network: Network = Network.BLUESKY,
    kind: AccountKind = AccountKind.OWN,
    removed: bool = False,
) -> Account:
    account = Account(
        workspace_id=workspace.id,
        network=network,
        handle=handle,
        kind=kind,
        removed_at=at(TODAY) if removed else None,
    )
    session.add(account)
    session.commit()
    return account


def snapshots_of(session: Session, account: Account) -> list[Snapshot]:
    return list(
        session.exec(
            select(Snapshot).where(Snapshot.account_id == account.id).order_by(Snapshot.day)
        )
    )


def run_sync(session: Session, actor: Actor, workspace: Workspace, connector: Connector, **kw):  # type: ignore[no-untyped-def]
    return sync_workspace(
        session=session,
        actor=actor,
        workspace_id=workspace.id,
        today=TODAY,
        connector_factory=factory_of(connector),
        **kw,
    )


# ---------------------------------------------------------------- store_snapshot


def test_store_snapshot_keeps_totals_and_the_days_posts_and_reactions(
    session: Session, workspace: Workspace
) -> None:
    account = add_account(session, workspace, "rosa.bsky.social")
    posts = [
        post("a", TODAY, likes=10, reposts=2, replies=1),
        post("b", TODAY, likes=5, reposts=0, replies=3),
        post("c", TODAY - timedelta(days=1), likes=100),  # another day: not counted here
    ]
    profile = ProfileCounts(followers=1234, following=210, posts_total=480)
    store_snapshot(session, account, profile, posts, TODAY)
    session.commit()
    [row] = snapshots_of(session, account)
    assert (row.day, row.followers, row.following, row.posts_total) == (TODAY, 1234, 210, 480)
    assert (row.posts, row.likes, row.reposts, row.replies, row.quotes) == (2, 15, 2, 4, 0)
    assert (row.bookmarks, row.impressions) == (None, None)  # Bluesky does not give them
    assert row.source == DataSource.SYNC


def test_store_snapshot_twice_on_one_day_updates_the_row(
    session: Session, workspace: Workspace
) -> None:
    account = add_account(session, workspace, "rosa.bsky.social")
    store_snapshot(session, account, ProfileCounts(100, 10, 5), [post("a", TODAY)], TODAY)
    session.commit()
    later = [post("a", TODAY, likes=30), post("b", TODAY, likes=1)]
    store_snapshot(session, account, ProfileCounts(104, 10, 6), later, TODAY)
    session.commit()
    [row] = snapshots_of(session, account)
    assert (row.followers, row.posts_total, row.posts, row.likes) == (104, 6, 2, 31)


def test_store_snapshot_never_erases_a_number_with_a_missing_one(
    session: Session, workspace: Workspace
) -> None:
    account = add_account(session, workspace, "rosa.bsky.social")
    session.add(
        Snapshot(
            account_id=account.id,
            day=TODAY,
            impressions=5000,
            followers=90,
            source=DataSource.IMPORT,
        )
    )
    session.commit()
    store_snapshot(session, account, ProfileCounts(None, 10, 5), [post("a", TODAY)], TODAY)
    session.commit()
    [row] = snapshots_of(session, account)
    assert (row.impressions, row.followers, row.following, row.likes) == (5000, 90, 10, 10)


def test_day_activity_tells_zero_from_unknown() -> None:
    posts = [
        post("a", TODAY, impressions=300),
        post("b", TODAY - timedelta(days=1), impressions=None),  # X gave no impressions here
    ]
    given = counts_given(posts)
    assert "bookmarks" not in given and "impressions" in given
    today = day_activity(posts, TODAY, given)
    assert today["posts"] == 1 and today["impressions"] == 300 and today["bookmarks"] is None
    yesterday = day_activity(posts, TODAY - timedelta(days=1), given)
    assert yesterday["impressions"] is None  # a partial sum would read as a drop
    quiet = day_activity(posts, TODAY - timedelta(days=2), given)
    assert (quiet["posts"], quiet["likes"], quiet["impressions"], quiet["bookmarks"]) == (
        0,
        0,
        0,
        None,
    )


def test_restating_recent_days_leaves_imported_and_typed_days_alone(
    session: Session, workspace: Workspace
) -> None:
    account = add_account(session, workspace, "rosa.bsky.social")
    d1, d2, d3 = (TODAY - timedelta(days=n) for n in (1, 2, 3))
    session.add(
        Snapshot(
            account_id=account.id, day=d1, followers=99, posts=1, likes=1, source=DataSource.SYNC
        )
    )
    session.add(
        Snapshot(account_id=account.id, day=d2, posts=7, likes=70, source=DataSource.IMPORT)
    )
    session.commit()
    posts = [post("a", d1, likes=25), post("b", d1, likes=5), post("c", d2), post("d", d3, likes=3)]
    restate_recent_days(session, account, posts, first_day=d3, before=TODAY)
    session.commit()
    rows = {row.day: row for row in snapshots_of(session, account)}
    assert (rows[d1].posts, rows[d1].likes, rows[d1].followers) == (2, 30, 99)  # totals kept
    assert (rows[d2].posts, rows[d2].likes, rows[d2].source) == (7, 70, DataSource.IMPORT)
    assert (rows[d3].posts, rows[d3].likes, rows[d3].followers) == (1, 3, None)
    assert TODAY not in rows


# ---------------------------------------------------------------- sync_workspace


def test_a_failing_account_stops_nothing_and_stores_nothing_for_itself(
    session: Session, actor: Actor, workspace: Workspace
) -> None:
    good = add_account(session, workspace, "a.bsky.social")
    down = add_account(session, workspace, "b.bsky.social")
    rival = add_account(session, workspace, "c.bsky.social", kind=AccountKind.COMPETITOR)
    connector = FakeConnector(
        {
            "a.bsky.social": (ProfileCounts(100, 5, 50), [post("a1", TODAY)]),
            # The profile was read, then the posts failed: nothing of it may be stored.
            "b.bsky.social": (ProfileCounts(999, 9, 99), NetworkDown("Bluesky", "no connection")),
            "c.bsky.social": (ProfileCounts(300, 7, 70), []),
        }
    )
    outcomes = run_sync(session, actor, workspace, connector)
    assert [(o.account.handle, o.ok) for o in outcomes] == [
        ("a.bsky.social", True),
        ("b.bsky.social", False),
        ("c.bsky.social", True),
    ]
    assert outcomes[1].message == (
        "Could not reach Bluesky (no connection) — check the internet connection and try again."
    )
    assert snapshots_of(session, down) == []
    session.expire_all()
    down_row, good_row, rival_row = (session.get(Account, a.id) for a in (down, good, rival))
    assert down_row.last_sync_error == outcomes[1].message and down_row.last_synced_at is None
    assert good_row.last_sync_error is None and good_row.last_synced_at is not None
    assert [s.followers for s in snapshots_of(session, rival)] == [None] * RECENT_DAYS + [300]


def test_a_save_that_fails_halfway_rolls_the_whole_account_back(
    session: Session, actor: Actor, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = add_account(session, workspace, "a.bsky.social")
    connector = FakeConnector({"a.bsky.social": (ProfileCounts(100, 5, 50), [post("a1", TODAY)])})

    def fail_after_todays_row_was_flushed(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("socialplan.sync.restate_recent_days", fail_after_todays_row_was_flushed)
    [outcome] = run_sync(session, actor, workspace, connector)
    assert not outcome.ok
    assert outcome.message == "The numbers were read but could not be saved; nothing was stored."
    assert snapshots_of(session, account) == []
    session.expire_all()
    assert session.get(Account, account.id).last_sync_error == outcome.message


def test_resyncing_the_same_day_updates_and_reports_the_follower_change(
    session: Session, actor: Actor, workspace: Workspace
) -> None:
    account = add_account(session, workspace, "a.bsky.social")
    answers = {"a.bsky.social": (ProfileCounts(100, 5, 50), [post("a1", TODAY, likes=4)])}
    connector = FakeConnector(answers)
    [first] = run_sync(session, actor, workspace, connector)
    assert first.followers_change is None and first.message == "100 followers (first sync)."
    answers["a.bsky.social"] = (ProfileCounts(112, 5, 51), [post("a1", TODAY, likes=9)])
    [second] = run_sync(session, actor, workspace, connector)
    assert second.followers_change == 12
    assert second.message == "followers +12 since last sync (112 now)."
    todays = [s for s in snapshots_of(session, account) if s.day == TODAY]
    assert len(todays) == 1
    assert (todays[0].followers, todays[0].likes) == (112, 9)
    assert len(snapshots_of(session, account)) == RECENT_DAYS + 1  # no day twice


def test_the_follower_change_is_against_the_last_known_total(
    session: Session, actor: Actor, workspace: Workspace
) -> None:
    account = add_account(session, workspace, "a.bsky.social")
    session.add(Snapshot(account_id=account.id, day=TODAY - timedelta(days=3), followers=130))
    session.commit()
    connector = FakeConnector({"a.bsky.social": (ProfileCounts(125, 5, 50), [])})
    [outcome] = run_sync(session, actor, workspace, connector)
    assert outcome.followers_change == -5
    assert describe_outcome(outcome) == (
        "@a.bsky.social on Bluesky: ok — followers -5 since last sync (125 now)."
    )


def test_removed_accounts_are_not_synced_and_networks_without_api_are_skipped(
    session: Session, actor: Actor, workspace: Workspace
) -> None:
    add_account(session, workspace, "gone.bsky.social", removed=True)
    page = add_account(session, workspace, "rosas-bakery", network=Network.LINKEDIN)
    outcomes = sync_workspace(session=session, actor=actor, workspace_id=workspace.id, today=TODAY)
    [outcome] = outcomes
    assert outcome.account.handle == "rosas-bakery"
    assert (outcome.ok, outcome.skipped) == (False, True)
    assert "import its analytics export" in outcome.message
    session.expire_all()
    assert session.get(Account, page.id).last_sync_error is None  # not an error


def test_x_without_a_token_fails_every_x_account_clearly(
    session: Session, actor: Actor, workspace: Workspace
) -> None:
    add_account(session, workspace, "rosasbakery", network=Network.X)
    add_account(session, workspace, "rivalbakes", network=Network.X, kind=AccountKind.COMPETITOR)
    outcomes = sync_workspace(session=session, actor=actor, workspace_id=workspace.id, today=TODAY)
    assert [o.message for o in outcomes] == [
        "No X bearer token is set — add one on the Accounts page (X charges for each read)."
    ] * 2


def test_a_token_never_appears_in_a_message(
    session: Session, actor: Actor, workspace: Workspace
) -> None:
    account = add_account(session, workspace, "rosasbakery", network=Network.X)
    leaky = ServiceError("X", f"echoed the header Bearer {TOKEN}")
    connector = FakeConnector({"rosasbakery": (leaky, [])})
    [outcome] = run_sync(session, actor, workspace, connector, x_bearer_token=TOKEN)
    assert TOKEN not in outcome.message and "[hidden]" in outcome.message
    session.expire_all()
    assert TOKEN not in (session.get(Account, account.id).last_sync_error or "")


def test_an_unexpected_error_is_reported_plainly_and_the_rest_go_on(
    session: Session, actor: Actor, workspace: Workspace
) -> None:
    add_account(session, workspace, "a.bsky.social")
    other = add_account(session, workspace, "b.bsky.social")
    connector = FakeConnector(
        {
            "a.bsky.social": (KeyError("followersCount"), []),
            "b.bsky.social": (ProfileCounts(7, 1, 1), []),
        }
    )
    first, second = run_sync(session, actor, workspace, connector)
    assert first.message == "Something went wrong reading this account; the others were synced."
    assert second.ok and snapshots_of(session, other)[-1].followers == 7


def test_progress_is_reported_before_and_after_each_account(
    session: Session, actor: Actor, workspace: Workspace
) -> None:
    add_account(session, workspace, "a.bsky.social")
    add_account(session, workspace, "b.bsky.social")
    connector = FakeConnector(
        {
            "a.bsky.social": (ProfileCounts(1, 1, 1), []),
            "b.bsky.social": (AccountNotFound("Bluesky", "b.bsky.social"), []),
        }
    )
    steps: list[SyncProgress] = []
    run_sync(session, actor, workspace, connector, on_progress=steps.append)
    assert [(s.position, s.total, s.account.handle, s.outcome is None) for s in steps] == [
        (1, 2, "a.bsky.social", True),
        (1, 2, "a.bsky.social", False),
        (2, 2, "b.bsky.social", True),
        (2, 2, "b.bsky.social", False),
    ]
    assert steps[3].outcome is not None and not steps[3].outcome.ok


def test_posts_are_asked_from_the_start_of_the_recent_days(
    session: Session, actor: Actor, workspace: Workspace
) -> None:
    add_account(session, workspace, "a.bsky.social")
    connector = FakeConnector({"a.bsky.social": (ProfileCounts(1, 1, 1), [])})
    run_sync(session, actor, workspace, connector)
    assert connector.calls == [
        ("a.bsky.social", at(TODAY - timedelta(days=RECENT_DAYS), 0), POST_LIMIT)
    ]


def test_a_full_page_leaves_its_oldest_day_unrestated(
    session: Session, actor: Actor, workspace: Workspace
) -> None:
    account = add_account(session, workspace, "busy.bsky.social")
    yesterday, before = TODAY - timedelta(days=1), TODAY - timedelta(days=2)
    posts = [post(f"t{i}", TODAY) for i in range(60)] + [
        post(f"y{i}", yesterday) for i in range(39)
    ]
    posts.append(post("b0", before))  # the page ends here: that day may have more posts
    connector = FakeConnector({"busy.bsky.social": (ProfileCounts(5, 5, 5), posts)})
    run_sync(session, actor, workspace, connector)
    days = {row.day: row.posts for row in snapshots_of(session, account)}
    assert days == {yesterday: 39, TODAY: 60}


def test_a_viewer_may_not_sync(session: Session, workspace: Workspace) -> None:
    user = User(issuer="https://id.example.com", subject="viewer-1", name="Val")
    session.add(user)
    session.commit()
    session.add(Membership(workspace_id=workspace.id, user_id=user.id, role=Role.VIEWER))
    session.commit()
    with pytest.raises(NotAllowed):
        sync_workspace(
            session=session,
            actor=Actor.user(user.id, "Val"),
            workspace_id=workspace.id,
            today=TODAY,
        )


# ---------------------------------------------------------------- end to end, replayed HTTP


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[responses.RequestsMock]:
    monkeypatch.setattr(connector_http.time, "sleep", lambda seconds: None)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def test_a_sync_over_replayed_apis_stores_each_networks_numbers(
    session: Session, actor: Actor, workspace: Workspace, api: responses.RequestsMock
) -> None:
    sky = add_account(session, workspace, "rosasbakery.bsky.social")
    toot = add_account(session, workspace, "rosa@mastodon.social", network=Network.MASTODON)
    bird = add_account(session, workspace, "rosasbakery", network=Network.X)
    yesterday = TODAY - timedelta(days=1)
    api.get(payloads.BLUESKY_PROFILE_URL, json=payloads.bluesky_profile(followers=1234))
    api.get(
        payloads.BLUESKY_FEED_URL,
        json=payloads.bluesky_feed(
            [
                payloads.bluesky_item(
                    "3lk1", at(TODAY, 8), likes=12, reposts=3, replies=2, quotes=1
                ),
                payloads.bluesky_item("3lk2", at(TODAY, 7), reposted_by_rosa=True),
                payloads.bluesky_item("3lk0", at(yesterday), likes=4),
            ]
        ),
    )
    api.get(
        "https://mastodon.social/api/v1/accounts/lookup",
        json=payloads.mastodon_account(followers=321),
    )
    api.get(
        "https://mastodon.social/api/v1/accounts/109302839274710511/statuses",
        json=[payloads.mastodon_status("1003", at(TODAY), favourites=7, reblogs=2, replies=1)],
    )
    api.get("https://mastodon.social/api/v1/accounts/109302839274710511/statuses", json=[])
    api.get(f"{payloads.X_API}/users/by/username/rosasbakery", json=payloads.x_user(followers=2048))
    api.get(
        f"{payloads.X_API}/users/1486512379437879297/tweets",
        json=payloads.x_tweets([payloads.x_tweet("1767", at(TODAY), repost_name="repost_count")]),
    )
    outcomes = sync_workspace(
        session=session, actor=actor, workspace_id=workspace.id, today=TODAY, x_bearer_token=TOKEN
    )
    assert all(outcome.ok for outcome in outcomes), [o.message for o in outcomes]

    def today_of(account: Account) -> Snapshot:
        return next(s for s in snapshots_of(session, account) if s.day == TODAY)

    sky_today = today_of(sky)
    assert (sky_today.followers, sky_today.posts, sky_today.likes, sky_today.quotes) == (
        1234,
        1,
        12,
        1,
    )
    assert sky_today.impressions is None
    toot_today = today_of(toot)
    assert (toot_today.followers, toot_today.likes, toot_today.reposts, toot_today.quotes) == (
        321,
        7,
        2,
        None,
    )
    bird_today = today_of(bird)
    assert (bird_today.followers, bird_today.reposts, bird_today.impressions) == (2048, 3, 900)
    assert next(s for s in snapshots_of(session, sky) if s.day == yesterday).likes == 4
    session.expire_all()
    assert session.get(Account, sky.id).display_name == "Rosa's Bakery"
