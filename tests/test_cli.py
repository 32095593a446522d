"""The `socialplan` command: what each subcommand prints, and errors as one line, no traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import responses
from sqlmodel import Session, select

from socialplan import cli
from socialplan.access import Actor
from socialplan.accounts import add_account
from socialplan.connectors import http as connector_http
from socialplan.db import current_revision, head_revision, make_engine
from socialplan.models import InfluenceScore, Snapshot, Workspace
from tests.connectors import payloads
from tests.factories import create_workspace_with_plan

TODAY = "2027-03-15"
# The demo's Main Street neighbours are workspaces of their own (see demo.PEER_SLUG_PREFIX).
DEMO_PEER_SLUGS = [f"demo-peer-{n:02d}" for n in range(1, 41)]


@pytest.fixture
def database(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated SQLite file the CLI reads through SOCIALPLAN_DATABASE_URL."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOCIALPLAN_DATABASE_URL", sqlite_url)
    return sqlite_url


def use_database(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("SOCIALPLAN_DATABASE_URL", url)


def fresh_database(sqlite_template: Path, path: Path) -> str:
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


def workspace_slugs(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(Workspace.slug).order_by(Workspace.slug)))
    finally:
        engine.dispose()


def assert_one_error_line(captured: pytest.CaptureFixture, *, containing: str) -> str:
    """The error line, after checking it is the only one and says `containing`."""
    err = captured.readouterr().err
    assert err.count("\n") == 1 and err.startswith("socialplan: error: "), err
    assert containing in err and "Traceback" not in err
    return err


def test_db_upgrade_creates_the_schema_in_a_new_database(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'new' / 'socialplan.db'}"
    use_database(monkeypatch, url)
    assert cli.main(["db", "upgrade"]) == 0
    engine = make_engine(url)
    assert current_revision(engine) == head_revision()
    engine.dispose()
    assert "is up to date" in capsys.readouterr().out


def test_demo_creates_the_bakery_and_says_what_it_made(database, capsys):
    assert cli.main(["demo", "--today", TODAY]) == 0
    out = capsys.readouterr().out
    assert "Created the demo workspace “demo”: Crumb & Co. Bakery." in out
    assert "4 people, 1 plan, 3 objectives, 8 metrics, 9 tasks, 2 reviews" in out
    assert workspace_slugs(database) == ["demo", *DEMO_PEER_SLUGS]


def test_demo_run_twice_says_it_exists_and_adds_nothing(database, capsys):
    cli.main(["demo", "--today", TODAY])
    capsys.readouterr()
    assert cli.main(["demo"]) == 0
    assert "already exists; nothing was changed" in capsys.readouterr().out
    assert workspace_slugs(database) == ["demo", *DEMO_PEER_SLUGS]


def test_report_prints_the_plan_as_markdown(database, capsys):
    cli.main(["demo", "--today", TODAY])
    capsys.readouterr()
    assert cli.main(["report", "--workspace", "demo", "--today", TODAY]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Local growth")
    assert "| Cake orders from social |" in out


def test_report_as_json_has_every_metric_and_the_status_counts(database, capsys):
    cli.main(["demo", "--today", TODAY])
    capsys.readouterr()
    assert cli.main(["report", "--workspace", "demo", "--format", "json", "--today", TODAY]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["today"] == TODAY
    assert len(report["metrics"]) == 8
    assert report["status_counts"] == {"on_track": 4, "at_risk": 3, "off_track": 1, "no_data": 0}


def test_report_on_an_unknown_workspace_fails_with_one_line(database, capsys):
    assert cli.main(["report", "--workspace", "nope"]) == 1
    assert_one_error_line(capsys, containing="No workspace “nope”")


def test_export_then_restore_into_another_database_gives_the_same_file(
    database, sqlite_template, tmp_path, monkeypatch, capsys
):
    cli.main(["demo", "--today", TODAY])
    assert cli.main(["export", "--workspace", "demo", "-o", "first.json"]) == 0
    assert "3,836 snapshots" in capsys.readouterr().out
    other = fresh_database(sqlite_template, tmp_path / "other.db")
    use_database(monkeypatch, other)
    assert cli.main(["restore", "first.json"]) == 0
    assert "Restored “Crumb & Co. Bakery” as the workspace “demo”." in capsys.readouterr().out
    cli.main(["export", "--workspace", "demo", "-o", "second.json"])
    assert Path("second.json").read_bytes() == Path("first.json").read_bytes()


def test_restore_into_a_database_that_has_the_workspace_fails_with_one_line(database, capsys):
    cli.main(["demo", "--today", TODAY])
    cli.main(["export", "--workspace", "demo", "-o", "bakery.json"])
    capsys.readouterr()
    assert cli.main(["restore", "bakery.json"]) == 1
    assert_one_error_line(capsys, containing="“demo” already exists in this database")


def test_restore_of_a_corrupt_file_fails_with_one_line(database, capsys):
    Path("cut.json").write_text('{"format": "socialplan-export", ')
    assert cli.main(["restore", "cut.json"]) == 1
    assert_one_error_line(capsys, containing="cut.json is not valid JSON")
    assert workspace_slugs(database) == []


def test_restore_of_a_missing_file_fails_with_one_line(database, capsys):
    assert cli.main(["restore", "nowhere.json"]) == 1
    assert_one_error_line(capsys, containing="There is no file nowhere.json")


def test_export_to_a_folder_that_does_not_exist_fails_with_one_line(database, capsys):
    cli.main(["demo", "--today", TODAY])
    capsys.readouterr()
    assert cli.main(["export", "--workspace", "demo", "-o", "no/such/folder/x.json"]) == 1
    assert_one_error_line(capsys, containing="Could not write no/such/folder/x.json")


def test_an_unreachable_database_fails_with_one_line(monkeypatch, capsys):
    # Port 1 on this machine: refused at once, and never anything on the internet.
    use_database(monkeypatch, "postgresql+psycopg://postgres:secret@127.0.0.1:1/nothing")
    assert cli.main(["demo"]) == 1
    err = assert_one_error_line(capsys, containing="Cannot use the database postgresql+psycopg://")
    assert "secret" not in err


def test_a_database_url_that_is_not_one_fails_with_one_line(monkeypatch, capsys):
    use_database(monkeypatch, "not a url")
    assert cli.main(["db", "upgrade"]) == 1
    assert_one_error_line(capsys, containing="not a database URL")


def test_a_malformed_date_is_a_usage_error(database, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["report", "--workspace", "demo", "--today", "2027-13-01"])
    assert stop.value.code == 2
    assert "is not a date like 2027-03-31" in capsys.readouterr().err


def test_every_command_is_listed_in_the_help(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert all(command.name in out for command in cli.COMMANDS)


def installed_script() -> str:
    """The `socialplan` console script installed next to this Python, else the one on PATH."""
    beside = Path(sys.executable).parent / "socialplan"
    found = str(beside) if beside.exists() else shutil.which("socialplan")
    if found is None:
        pytest.fail("the socialplan script is not installed: pip install -e .")
    return found


def test_the_installed_script_runs_and_reports_an_error_without_a_traceback(sqlite_url, tmp_path):
    env = {**os.environ, "SOCIALPLAN_DATABASE_URL": sqlite_url}
    result = subprocess.run(
        [installed_script(), "report", "--workspace", "nope"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr == "socialplan: error: No workspace “nope” here.\n"
    assert result.stdout == ""


# ---------------------------------------------------------------- sync and import

IMPORT_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "imports"


def bakery_with_accounts(url: str, *accounts: tuple[str, str]) -> str:
    """A workspace following `accounts` ((network, handle) pairs); its slug."""
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            workspace, _ = create_workspace_with_plan(session)
            for network, handle in accounts:
                add_account(
                    session=session,
                    actor=Actor.local(),
                    workspace_id=workspace.id,
                    network=network,
                    text=handle,
                )
            return workspace.slug
    finally:
        engine.dispose()


def stored(url: str, table: type) -> list:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(table)))
    finally:
        engine.dispose()


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[responses.RequestsMock]:
    """Replayed network answers (nothing reaches the internet); retry waits are skipped."""
    monkeypatch.delenv("SOCIALPLAN_X_BEARER_TOKEN", raising=False)
    monkeypatch.setattr(connector_http.time, "sleep", lambda seconds: None)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def test_sync_prints_one_line_per_account_and_stores_the_numbers(database, api, capsys):
    slug = bakery_with_accounts(
        database, ("bluesky", "rosasbakery.bsky.social"), ("mastodon", "@nobody@mastodon.social")
    )
    api.get(payloads.BLUESKY_PROFILE_URL, json=payloads.bluesky_profile(followers=1234))
    api.get(
        payloads.BLUESKY_FEED_URL,
        json=payloads.bluesky_feed([payloads.bluesky_item("3lk1", datetime.now(UTC))]),
    )
    api.get(
        "https://mastodon.social/api/v1/accounts/lookup",
        status=404,
        json=payloads.MASTODON_NOT_FOUND,
    )
    assert cli.main(["sync"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"Rosa's Bakery ({slug}):",
        "  @rosasbakery.bsky.social on Bluesky: ok — 1,234 followers (first sync).",
        "  @nobody@mastodon.social on Mastodon: failed — Mastodon has no account "
        "@nobody@mastodon.social — check the handle.",
        "1 account synced, 1 failed.",
    ]
    # The day of the sync's totals is the newest row (read, not recomputed: UTC midnight).
    newest = max(stored(database, Snapshot), key=lambda row: row.day)
    assert newest.followers == 1234
    assert stored(database, InfluenceScore)  # the scores were recomputed


def test_sync_exits_non_zero_when_every_account_failed(database, api, capsys):
    bakery_with_accounts(database, ("x", "rosasbakery"))
    assert cli.main(["sync"]) == 1
    out = capsys.readouterr().out
    assert "@rosasbakery on X: failed — No X bearer token is set" in out
    assert out.rstrip().endswith("0 accounts synced, 1 failed.")


def test_sync_of_an_unknown_workspace_fails_with_one_line(database, capsys):
    assert cli.main(["sync", "--workspace", "nope"]) == 1
    assert_one_error_line(capsys, containing="No workspace “nope”")


def test_sync_without_workspaces_says_so(database, capsys):
    assert cli.main(["sync"]) == 0
    assert capsys.readouterr().out == "There is no workspace to sync yet.\n"


def import_args(slug: str, name: str, *more: str) -> list[str]:
    return ["import", str(IMPORT_FIXTURES / name), "--workspace", slug, *more]


def test_import_prints_the_preview_then_what_was_stored(database, capsys):
    slug = bakery_with_accounts(database, ("x", "rosasbakery"), ("instagram", "rosasbakery"))
    args = import_args(
        slug,
        "account_overview_analytics.csv",
        "--account",
        "@RosasBakery",
        "--followers-on",
        "2026-03-31:1480",
    )
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "X account overview" in out and "Columns: " in out
    last_line = out.rstrip().splitlines()[-1]
    assert last_line == "Imported 31 days: 31 added, 0 updated, 0 already up to date."
    snapshots = {row.day: row for row in stored(database, Snapshot)}
    assert len(snapshots) == 31 and snapshots[date(2026, 3, 31)].followers == 1480
    assert stored(database, InfluenceScore)  # the scores were recomputed
    assert cli.main(args) == 0  # the same file again adds nothing
    assert "0 added, 0 updated, 31 already up to date" in capsys.readouterr().out


def test_import_of_a_broken_file_fails_with_one_line_and_stores_nothing(database, capsys):
    slug = bakery_with_accounts(database, ("x", "rosasbakery"))
    assert cli.main(import_args(slug, "bad_broken_row.csv", "--account", "rosasbakery")) == 1
    assert_one_error_line(capsys, containing="Nothing was imported.")
    assert stored(database, Snapshot) == []


def test_import_without_an_account_names_the_option(database, capsys):
    slug = bakery_with_accounts(database, ("x", "rosasbakery"))
    args = import_args(slug, "account_overview_analytics.csv", "--followers-on", "2026-03-31:1480")
    assert cli.main(args) == 1
    assert_one_error_line(capsys, containing="Account is needed for this file's account numbers")


def test_import_into_an_account_not_followed_fails_with_one_line(database, capsys):
    slug = bakery_with_accounts(database, ("bluesky", "rosasbakery.bsky.social"))
    args = import_args(
        slug,
        "account_overview_analytics.csv",
        "--account",
        "rosasbakery",
        "--followers-on",
        "2026-03-31:1480",
    )
    assert cli.main(args) == 1
    assert_one_error_line(
        capsys, containing="Account “rosasbakery” is not followed by this workspace on X."
    )


def test_a_follower_anchor_on_a_day_outside_the_file_names_the_option(database, capsys):
    slug = bakery_with_accounts(database, ("x", "rosasbakery"))
    args = import_args(
        slug,
        "account_overview_analytics.csv",
        "--account",
        "rosasbakery",
        "--followers-on",
        "2025-01-01:100",
    )
    assert cli.main(args) == 1
    assert_one_error_line(capsys, containing="--followers-on must be on a day the file covers")


def test_a_malformed_follower_anchor_is_a_usage_error(database, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["import", "x.csv", "--workspace", "w", "--followers-on", "1480"])
    assert stop.value.code == 2
    assert "is not DATE:COUNT like 2026-03-31:1480" in capsys.readouterr().err


def test_import_of_a_missing_file_fails_with_one_line(database, capsys):
    slug = bakery_with_accounts(database)
    assert cli.main(["import", "nowhere.csv", "--workspace", slug]) == 1
    assert_one_error_line(capsys, containing="nowhere.csv")


# ---------------------------------------------------------------- scores


def test_scores_recompute_says_what_it_stored_and_how_long_it_took(database, capsys):
    cli.main(["demo", "--today", TODAY])
    capsys.readouterr()
    assert cli.main(["scores", "recompute"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Recomputed ") and out.count("\n") == 1
    assert "account scores (67 accounts) and " in out
    assert "business scores (41 businesses) in " in out
    # The demo stored its scores already: recomputing finds nothing stale.
    assert out.endswith(" s; 0 stale scores removed.\n")
    assert cli.main(["scores", "recompute", "--workspace", "demo"]) == 0
    assert "(7 accounts)" in capsys.readouterr().out


def test_scores_of_a_group_print_its_board_as_its_creator_sees_it(database, capsys):
    cli.main(["demo", "--today", TODAY])
    capsys.readouterr()
    assert cli.main(["scores", "--group", "mainst01"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Main Street"
    assert lines[1].split() == [
        "rank", "account", "business", "network", "score", "top", "30d", "on", "track", "you",
    ]  # fmt: skip
    bakery_rows = [line for line in lines if "Crumb & Co. Bakery" in line]
    assert len(bakery_rows) == 2 and all(line.endswith("◀") for line in bakery_rows)
    assert len(lines) >= 2 + 40


def test_scores_print_as_csv_and_json_for_a_member_or_a_workspace(database, capsys):
    cli.main(["demo", "--today", TODAY])
    capsys.readouterr()
    args = ["scores", "--group", "MAINST01", "--workspace", "demo-peer-03", "--format", "json"]
    assert cli.main(args) == 0
    board = json.loads(capsys.readouterr().out)
    assert board["board"] == "group" and board["population"] >= 40
    assert {row["business"] for row in board["rows"] if row["yours"]} == {"Main Street Hardware"}
    assert cli.main(["scores", "--workspace", "demo", "--format", "csv"]) == 0
    csv_lines = capsys.readouterr().out.splitlines()
    assert csv_lines[0].startswith("rank,account,name,business,network,score")
    assert len(csv_lines) == 1 + 7
    assert any(",competitor," in line for line in csv_lines)


def test_scores_with_an_unknown_group_code_fail_with_one_line(database, capsys):
    cli.main(["demo", "--today", TODAY])
    capsys.readouterr()
    assert cli.main(["scores", "--group", "nope"]) == 1
    assert_one_error_line(capsys, containing="No peer group has the invite code “NOPE”")


def test_scores_without_a_board_named_is_a_usage_error(database, capsys):
    assert cli.main(["scores"]) == 2
    assert_one_error_line(capsys, containing="say which board: --group CODE")
