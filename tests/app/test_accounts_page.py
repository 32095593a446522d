"""The Accounts page under AppTest: add, hand entry, remove, links, X token, sync and import."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import responses
from sqlmodel import Session, select

from socialplan import metrics, objectives
from socialplan.access import Actor
from socialplan.accounts import add_account, enter_snapshot_by_hand
from socialplan.connectors import http as connector_http
from socialplan.models import Account, AccountKind, Metric, MetricSource, Snapshot, Workspace
from tests.app.conftest import open_page, texts
from tests.connectors import payloads
from tests.factories import PLAN_END, create_workspace_with_plan

PAGE = "app_pages/accounts.py"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
SECRET_KEY = "page-test-secret-key-0123456789abc"
TOKEN = "AAAAAAAAAAAAAAAAAAAAAPageTestBearerToken0123456789wxyz"


@pytest.fixture(autouse=True)
def no_instance_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test says which secrets exist; none leak in from the machine running the tests."""
    monkeypatch.delenv("SOCIALPLAN_SECRET_KEY", raising=False)
    monkeypatch.delenv("SOCIALPLAN_X_BEARER_TOKEN", raising=False)


@pytest.fixture
def workspace(app_engine) -> Workspace:
    with Session(app_engine, expire_on_commit=False) as session:
        workspace, _ = create_workspace_with_plan(session)
    return workspace


def follow(app_engine, workspace, text="rosasbakery.bsky.social", network="bluesky", **more):
    with Session(app_engine, expire_on_commit=False) as session:
        return add_account(
            session=session,
            actor=Actor.local(),
            workspace_id=workspace.id,
            network=network,
            text=text,
            **more,
        )


def stored_accounts(app_engine) -> list[Account]:
    with Session(app_engine) as session:
        return list(session.exec(select(Account).order_by(Account.id)))


def stored_snapshots(app_engine) -> list[Snapshot]:
    with Session(app_engine) as session:
        return list(session.exec(select(Snapshot).order_by(Snapshot.day)))


def table_records(at) -> list[dict]:
    # The accounts table is the page's first dataframe (AppTest does not expose its key).
    return at.dataframe[0].value.to_dict("records")


# ---------------------------------------------------------------- empty states


def test_without_a_business_the_page_points_to_home(app_engine) -> None:
    at = open_page(PAGE)
    assert "There is no business yet" in texts(at)


def test_without_accounts_the_page_invites_adding_one(app_engine, workspace) -> None:
    at = open_page(PAGE)
    assert at.title[0].value == "Accounts"
    assert "No accounts yet" in texts(at)
    assert at.button(key="accounts_sync").disabled


# ---------------------------------------------------------------- adding


def test_an_account_is_added_from_a_profile_address(app_engine, workspace) -> None:
    at = open_page(PAGE)
    at.selectbox(key="accounts_add_network").set_value("bluesky")
    at.text_input(key="accounts_add_handle").input("https://bsky.app/profile/Rosa.bsky.social")
    at.radio(key="accounts_add_kind").set_value(AccountKind.COMPETITOR)
    at.button(key="accounts_add_submit").click().run()
    assert not at.exception
    assert "Added @rosa.bsky.social on Bluesky. Press “Sync now”" in texts(at)
    [account] = stored_accounts(app_engine)
    assert (account.network, account.handle, account.kind) == (
        "bluesky",
        "rosa.bsky.social",
        "competitor",
    )
    [record] = table_records(at)
    assert (record["Network"], record["Account"], record["Whose"]) == (
        "Bluesky",
        "@rosa.bsky.social",
        "Competitor",
    )
    assert record["Last sync"] == "never"
    assert at.text_input(key="accounts_add_handle").value == ""


def test_a_handle_that_does_not_parse_is_explained_and_nothing_is_stored(
    app_engine, workspace
) -> None:
    at = open_page(PAGE)
    at.selectbox(key="accounts_add_network").set_value("x")
    at.text_input(key="accounts_add_handle").input("rosa's bakery")
    at.button(key="accounts_add_submit").click().run()
    page = texts(at)
    assert "The handle must be an X username like @rosasbakery" in page
    assert stored_accounts(app_engine) == []


# ---------------------------------------------------------------- hand entry


def test_numbers_typed_in_by_hand_are_stored_for_the_day(app_engine, workspace) -> None:
    account = follow(app_engine, workspace, "rosasbakery", network="instagram")
    at = open_page(PAGE)
    day = date.today() - timedelta(days=2)
    at.selectbox(key="accounts_hand_account").set_value(account.id)
    at.date_input(key="accounts_hand_day").set_value(day)
    at.number_input(key="accounts_hand_followers").set_value(1234)
    at.number_input(key="accounts_hand_likes").set_value(56)
    at.button(key="accounts_hand_submit").click().run()
    assert not at.exception
    assert f"Saved the numbers for {day:%d %b %Y}." in texts(at)
    [row] = stored_snapshots(app_engine)
    assert (row.day, row.followers, row.likes, row.posts, row.source) == (
        day,
        1234,
        56,
        None,
        "manual",
    )
    assert table_records(at)[0]["Followers"] == 1234
    assert at.number_input(key="accounts_hand_followers").value is None


def test_numbers_stored_elsewhere_show_in_the_table_on_the_next_run(any_app_engine) -> None:
    # The page keeps the accounts table between runs; a save from another session (another
    # browser, a sync, an import) moves the workspace's data version on, and it is read again.
    with Session(any_app_engine, expire_on_commit=False) as session:
        workspace, _ = create_workspace_with_plan(session)
    account = follow(any_app_engine, workspace, "rosasbakery", network="instagram")
    at = open_page(PAGE)
    assert table_records(at)[0]["Followers"] is None
    at.run()
    with Session(any_app_engine) as session:
        enter_snapshot_by_hand(
            session=session,
            actor=Actor.local(),
            account_id=account.id,
            day=date.today() - timedelta(days=1),
            counts={"followers": 777},
        )
    at.run()
    assert not at.exception
    assert table_records(at)[0]["Followers"] == 777


def test_hand_entry_with_no_number_says_so_and_stores_nothing(app_engine, workspace) -> None:
    follow(app_engine, workspace)
    at = open_page(PAGE)
    at.button(key="accounts_hand_submit").click().run()
    assert "The numbers are all empty: enter at least one number." in texts(at)
    assert stored_snapshots(app_engine) == []


# ---------------------------------------------------------------- removing and restoring


def test_removing_keeps_the_history_and_the_account_can_be_restored(app_engine, workspace) -> None:
    account = follow(app_engine, workspace)
    at = open_page(PAGE)
    at.button(key="accounts_remove_submit").click().run()
    assert "Removed @rosasbakery.bsky.social on Bluesky. Its numbers are kept" in texts(at)
    [stored] = stored_accounts(app_engine)
    assert stored.removed_at is not None
    assert "No accounts yet" in texts(at)
    at.button(key=f"accounts_restore_{account.id}").click().run()
    assert "Restored @rosasbakery.bsky.social on Bluesky, with its history." in texts(at)
    assert stored_accounts(app_engine)[0].removed_at is None


def test_deleting_the_history_needs_the_handle_typed_in(app_engine, workspace) -> None:
    account = follow(app_engine, workspace)
    with Session(app_engine) as session:
        session.add(Snapshot(account_id=account.id, day=date(2026, 1, 5), followers=5))
        session.commit()
    at = open_page(PAGE)
    at.checkbox(key="accounts_remove_history").check().run()
    assert at.button(key="accounts_remove_submit").label == "Delete account and history"
    at.text_input(key="accounts_remove_confirm").input("someone.else")
    at.button(key="accounts_remove_submit").click().run()
    assert "The handle must be the account's handle, @rosasbakery.bsky.social" in texts(at)
    assert len(stored_accounts(app_engine)) == 1 and len(stored_snapshots(app_engine)) == 1
    at.text_input(key="accounts_remove_confirm").input("@RosasBakery.bsky.social")
    at.button(key="accounts_remove_submit").click().run()
    assert "Deleted @rosasbakery.bsky.social on Bluesky with all its numbers and scores." in texts(
        at
    )
    assert stored_accounts(app_engine) == [] and stored_snapshots(app_engine) == []


# ---------------------------------------------------------------- metric links


def test_an_own_account_is_linked_to_a_metric_of_the_plan(app_engine) -> None:
    with Session(app_engine, expire_on_commit=False) as session:
        workspace, plan = create_workspace_with_plan(session)
        objective = objectives.create_objective(
            session=session,
            actor=Actor.local(),
            plan_id=plan.id,
            objective_create={"title": "Reach"},
        )
        metric = metrics.create_metric(
            session=session,
            actor=Actor.local(),
            objective_id=objective.id,
            metric_create={
                "name": "Followers on Bluesky",
                "source": MetricSource.FOLLOWERS,
                "baseline": 10,
                "target": 20,
                "target_date": PLAN_END,
            },
        )
    account = follow(app_engine, workspace)
    at = open_page(PAGE)
    at.selectbox(key=f"accounts_link_{metric.id}").set_value(account.id)
    at.button(key="accounts_link_submit").click().run()
    assert "Saved: 1 metric changed the account they follow." in texts(at)
    with Session(app_engine) as session:
        assert session.get(Metric, metric.id).account_id == account.id


# ---------------------------------------------------------------- the X token


def test_without_a_secret_key_the_page_explains_how_to_set_one(app_engine, workspace) -> None:
    at = open_page(PAGE)
    page = texts(at)
    assert "X charges for every read of its API (pay-per-use)" in page
    assert "SOCIALPLAN_SECRET_KEY is not set" in page and "secrets.token_urlsafe(32)" in page
    assert at.button(key="accounts_x_token_submit").disabled


def test_a_saved_token_is_shown_masked_only(app_engine, workspace, monkeypatch) -> None:
    monkeypatch.setenv("SOCIALPLAN_SECRET_KEY", SECRET_KEY)
    at = open_page(PAGE)
    assert "This business's X token: not set" in [t.value for t in at.text]
    at.text_input(key="accounts_x_token").input(TOKEN)
    at.button(key="accounts_x_token_submit").click().run()
    assert not at.exception
    shown = texts(at) + "\n".join(t.value for t in at.text)
    assert f"set (…{TOKEN[-4:]})" in shown
    assert TOKEN not in shown and at.text_input(key="accounts_x_token").value == ""
    with Session(app_engine) as session:
        ciphertext = session.get(Workspace, workspace.id).x_token_encrypted
    assert ciphertext and TOKEN not in ciphertext
    at.button(key="accounts_x_token_clear").click().run()
    assert "This business's X token: not set" in [t.value for t in at.text]


# ---------------------------------------------------------------- sync now


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[responses.RequestsMock]:
    """Replayed network answers; retry waits are skipped."""
    monkeypatch.setattr(connector_http.time, "sleep", lambda seconds: None)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def test_sync_now_shows_one_line_per_account_and_what_changed(
    app_engine, workspace, api: responses.RequestsMock
) -> None:
    sky = follow(app_engine, workspace)
    follow(app_engine, workspace, "@nobody@mastodon.social", network="mastodon")
    follow(app_engine, workspace, "rosasbakery", network="linkedin")
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    with Session(app_engine) as session:
        session.add(Snapshot(account_id=sky.id, day=yesterday, followers=1222, source="sync"))
        session.commit()
    now = datetime.now(UTC)
    api.get(payloads.BLUESKY_PROFILE_URL, json=payloads.bluesky_profile(followers=1234))
    api.get(
        payloads.BLUESKY_FEED_URL,
        json=payloads.bluesky_feed([payloads.bluesky_item("3lk1", now, likes=12)]),
    )
    api.get(
        "https://mastodon.social/api/v1/accounts/lookup",
        status=404,
        json=payloads.MASTODON_NOT_FOUND,
    )
    at = open_page(PAGE)
    at.button(key="accounts_sync").click().run()
    assert not at.exception
    [status] = at.get("status")
    assert status.label == (
        "1 account synced, 1 failed, 1 skipped (no API: import or type in their numbers)."
    )
    # Lines are escaped Markdown (they quote network answers): compare them unescaped.
    lines = [element.value.replace("\\", "") for element in status.markdown]
    assert lines == [
        "✅ @rosasbakery.bsky.social on Bluesky: ok — followers +12 since last sync (1,234 now).",
        "⏭️ @rosasbakery on LinkedIn: skipped — LinkedIn has no public API Social Plan can "
        "read — import its analytics export or enter the numbers by hand.",
        "❌ @nobody@mastodon.social on Mastodon: failed — Mastodon has no account "
        "@nobody@mastodon.social — check the handle.",
    ]
    by_account = {record["Account"]: record for record in table_records(at)}
    assert by_account["@rosasbakery.bsky.social (Rosa's Bakery)"]["Followers"] == 1234
    assert by_account["@nobody@mastodon.social"]["Last sync"].startswith("failed: ")


# ---------------------------------------------------------------- import


def upload(at, name: str, data: bytes | None = None) -> None:
    content = data if data is not None else (FIXTURES / name).read_bytes()
    at.file_uploader[0].set_value((name, content, "text/csv"))
    at.run()


def test_an_x_overview_export_is_previewed_then_stored(app_engine, workspace) -> None:
    follow(app_engine, workspace, "rosasbakery", network="x")
    follow(app_engine, workspace)  # Bluesky: not offered for an X export
    at = open_page(PAGE)
    at.checkbox(key="accounts_import_anchor_on").check().run()
    at.date_input(key="accounts_import_anchor_day").set_value(date(2026, 3, 31))
    at.number_input(key="accounts_import_anchor_count").set_value(1480)
    upload(at, "account_overview_analytics.csv")
    assert not at.exception
    page = texts(at)
    assert "Preview" in page and "X account overview" in page
    assert stored_snapshots(app_engine) == []  # nothing before "Store this import"
    choices = at.selectbox(key="accounts_import_account").options
    assert choices == ["@rosasbakery on X"]
    at.button(key="accounts_import_store").click().run()
    assert not at.exception
    assert "Imported 31 days: 31 added" in texts(at)
    stored = stored_snapshots(app_engine)
    assert len(stored) == 31
    assert stored[-1].day == date(2026, 3, 31) and stored[-1].followers == 1480
    assert at.file_uploader[0].value is None  # a fresh uploader for the next file


def test_a_broken_file_shows_its_message_and_stores_nothing(app_engine, workspace) -> None:
    follow(app_engine, workspace, "rosasbakery", network="x")
    at = open_page(PAGE)
    upload(at, "bad_broken_row.csv")
    assert not at.exception
    page = texts(at)
    assert "Line " in page and "Nothing was imported" in page and "Nothing was stored." in page
    assert not [button for button in at.button if button.key == "accounts_import_store"]
    assert stored_snapshots(app_engine) == []


def test_a_file_from_another_tool_says_what_was_expected(app_engine, workspace) -> None:
    at = open_page(PAGE)
    upload(at, "bad_other_tool.csv")
    assert "is not one Social Plan knows" in texts(at)
    assert stored_snapshots(app_engine) == []


def test_the_template_can_be_downloaded(app_engine, workspace) -> None:
    at = open_page(PAGE)
    assert at.get("download_button")
