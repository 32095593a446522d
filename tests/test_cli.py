"""The `socialplan` command: what each subcommand prints, and errors as one line, no traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from socialplan import cli
from socialplan.db import current_revision, head_revision, make_engine
from socialplan.models import Workspace

TODAY = "2027-03-15"


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
    assert "4 people, 1 plan, 3 objectives, 7 metrics, 9 tasks, 2 reviews" in out
    assert workspace_slugs(database) == ["demo"]


def test_demo_run_twice_says_it_exists_and_adds_nothing(database, capsys):
    cli.main(["demo", "--today", TODAY])
    capsys.readouterr()
    assert cli.main(["demo"]) == 0
    assert "already exists; nothing was changed" in capsys.readouterr().out
    assert workspace_slugs(database) == ["demo"]


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
    assert len(report["metrics"]) == 7
    assert report["status_counts"] == {"on_track": 3, "at_risk": 3, "off_track": 1, "no_data": 0}


def test_report_on_an_unknown_workspace_fails_with_one_line(database, capsys):
    assert cli.main(["report", "--workspace", "nope"]) == 1
    assert_one_error_line(capsys, containing="No workspace “nope”")


def test_export_then_restore_into_another_database_gives_the_same_file(
    database, sqlite_template, tmp_path, monkeypatch, capsys
):
    cli.main(["demo", "--today", TODAY])
    assert cli.main(["export", "--workspace", "demo", "-o", "first.json"]) == 0
    assert "2,192 snapshots" in capsys.readouterr().out
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
