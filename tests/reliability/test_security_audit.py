"""The dependency audit (.ci/audit) and its policy (docs/security.md, "Dependency audit").

The end-to-end tests run the real `bash .ci/audit`, hence the real pip-audit, against a local
stand-in for an OSV vulnerability service: a small HTTP server in this process that knows one
made-up advisory (TEST-2026-0001 for jinja2 3.1.2). No test reaches the internet. The policy's
parsing and judging are also tested directly, by loading .ci/audit_policy.py.

The first run installs pip-audit in its own virtualenv (about 40 s, once per machine); CI runs
`bash .ci/audit` before the tests, so it is there already.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
AUDIT = ROOT / ".ci" / "audit"
TODAY = date(2026, 6, 1)
ADVISORY = "TEST-2026-0001"  # made up for these tests; no real advisory has this id
ALIAS = "CVE-2099-0001"
VULNERABLE = ("jinja2", "3.1.2")
LOCK_LINES = ["jinja2==3.1.2", "markupsafe==3.0.3", "itsdangerous==2.2.0"]


def load_policy() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_policy", ROOT / ".ci" / "audit_policy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


policy = load_policy()


# ---------------------------------------------------------------- a local OSV service


class FakeOsv(BaseHTTPRequestHandler):
    """Answers OSV's POST /v1/query: one advisory for jinja2 3.1.2, none for anything else."""

    queries: list[tuple[str, str]] = []

    def do_POST(self) -> None:  # noqa: N802  (the name http.server calls)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        asked = (body["package"]["name"], body["version"])
        FakeOsv.queries.append(asked)
        answer: dict = {}
        if asked == VULNERABLE:
            answer = {"vulns": [advisory()]}
        payload = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:  # keep the test output quiet
        pass


def advisory() -> dict:
    """An OSV record in the shape pip-audit reads (id, aliases, summary, affected ranges)."""
    return {
        "id": ADVISORY,
        "aliases": [ALIAS],
        "summary": "Test advisory: template sandbox escape",
        "affected": [
            {
                "package": {"name": "jinja2", "ecosystem": "PyPI"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.1.3"}]}
                ],
            }
        ],
    }


@pytest.fixture
def osv_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOsv)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeOsv.queries = []
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1/query"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def lock(tmp_path: Path) -> Path:
    path = tmp_path / "requirements.lock"
    path.write_text("# a lock file as .ci/lock writes them\n" + "\n".join(LOCK_LINES) + "\n")
    return path


def run_audit(
    lock: Path, ignore_text: str, osv_url: str, tmp_path: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    ignore_file = tmp_path / "audit-ignore"
    ignore_file.write_text(ignore_text)
    command = [
        "bash", str(AUDIT), "--lock", str(lock), "--ignore-file", str(ignore_file),
        "--today", TODAY.isoformat(), "--service", "osv", "--osv-url", osv_url,
    ]  # fmt: skip
    environment = dict(os.environ)
    environment.pop(policy.OFFLINE_OK, None)  # whatever the caller's shell has
    environment.update(env)
    return subprocess.run(
        command, capture_output=True, text=True, env=environment, timeout=600, check=False
    )


def finding_line(output: str) -> str:
    found = [line for line in output.splitlines() if line.startswith("FINDING jinja2 3.1.2: ")]
    assert len(found) == 1, output
    return found[0]


# ---------------------------------------------------------------- the real script


def test_an_unlisted_finding_fails_the_audit(lock: Path, osv_url: str, tmp_path: Path) -> None:
    result = run_audit(lock, "", osv_url, tmp_path)
    assert result.returncode == policy.FAILED, result.stdout + result.stderr
    finding = finding_line(result.stdout)
    # pip-audit names it by whichever of its ids it prefers, and the others in brackets.
    assert ADVISORY in finding and ALIAS in finding and "fixed in: 3.1.3." in finding
    assert "audited 3 of 3 locked packages: 1 finding(s)" in result.stdout
    # Every locked package was asked about, under its normalised name.
    assert sorted(FakeOsv.queries) == sorted(tuple(line.split("==")) for line in LOCK_LINES)


def test_a_finding_listed_with_a_reason_and_review_date_passes(
    lock: Path, osv_url: str, tmp_path: Path
) -> None:
    review_by = TODAY + timedelta(days=90)
    entry = f"{ADVISORY}  {review_by}  The sandbox is never used: templates are our own.\n"
    result = run_audit(lock, "# accepted risks\n" + entry, osv_url, tmp_path)
    assert result.returncode == policy.PASSED, result.stdout + result.stderr
    assert "FINDING" not in result.stdout
    assert f"accepted until {review_by}: {ADVISORY}" in result.stdout
    assert "audited 3 of 3 locked packages: 0 finding(s)" in result.stdout


def closed_port_url() -> str:
    with socket.socket() as probe:  # a free port: nobody listens there, connecting is refused
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/v1/query"


def test_an_unreachable_service_stops_the_audit(lock: Path, tmp_path: Path) -> None:
    result = run_audit(lock, "", closed_port_url(), tmp_path)
    assert result.returncode == policy.UNREACHABLE, result.stdout + result.stderr
    assert "pip-audit could not audit" in result.stdout
    assert f"set {policy.OFFLINE_OK}=1" in result.stdout


def test_offline_the_ignore_file_is_still_enforced(lock: Path, tmp_path: Path) -> None:
    expired = f"{ADVISORY}  {TODAY - timedelta(days=1)}  Accepted last quarter.\n"
    result = run_audit(lock, expired, closed_port_url(), tmp_path, **{policy.OFFLINE_OK: "1"})
    assert result.returncode == policy.FAILED, result.stdout + result.stderr
    assert "WARNING: the audit did not run" in result.stdout
    assert f"the exception for {ADVISORY} expired on {TODAY - timedelta(days=1)}" in result.stdout


def test_offline_allowed_passes_with_a_warning(
    lock: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """In process, with a pip-audit that fails at once (`false`): only the offline switch
    decides between exit 2 and exit 0."""
    ignore_file = tmp_path / "audit-ignore"
    ignore_file.write_text("# nothing accepted\n")
    arguments = ["--lock", str(lock), "--ignore-file", str(ignore_file), "--pip-audit", "false"]
    monkeypatch.delenv(policy.OFFLINE_OK, raising=False)
    assert policy.main(arguments) == policy.UNREACHABLE
    monkeypatch.setenv(policy.OFFLINE_OK, "1")
    assert policy.main(arguments) == policy.PASSED
    assert "WARNING: the audit did not run" in capsys.readouterr().out


# ---------------------------------------------------------------- the policy's parts


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("GHSA-aaaa-bbbb-cccc 2026-07-01", "needs ADVISORY-ID REVIEW-BY REASON"),
        ("not-an-id 2026-07-01 Some reason.", "is not an advisory id"),
        ("PYSEC-2026-1 01/07/2026 Some reason.", "is not a YYYY-MM-DD date"),
        ("PYSEC-2026-1 2026-05-31 Some reason.", "expired on 2026-05-31"),
        ("PYSEC-2026-1 2027-06-01 Some reason.", "more than 183 days ahead"),
    ],
)
def test_each_bad_ignore_entry_is_refused_with_its_line(
    tmp_path: Path, line: str, problem: str
) -> None:
    path = tmp_path / "audit-ignore"
    path.write_text(f"# header\n{line}\n")
    result = policy.read_ignore_file(path, TODAY)
    assert result.entries == []
    assert len(result.problems) == 1
    assert result.problems[0].startswith("audit-ignore line 2: ")
    assert problem in result.problems[0]


def test_a_valid_entry_is_kept_and_a_duplicate_refused(tmp_path: Path) -> None:
    path = tmp_path / "audit-ignore"
    path.write_text(
        "GHSA-aaaa-bbbb-cccc 2026-08-01 Only the CLI parses these files.  # trailing note\n"
        "GHSA-aaaa-bbbb-cccc 2026-08-01 Again.\n"
    )
    result = policy.read_ignore_file(path, TODAY)
    assert result.entries == [
        policy.IgnoreEntry(
            "GHSA-aaaa-bbbb-cccc", date(2026, 8, 1), "Only the CLI parses these files."
        )
    ]
    assert result.problems == ["audit-ignore line 2: GHSA-aaaa-bbbb-cccc is listed twice"]


def test_a_package_the_service_could_not_check_fails_and_none_checked_means_unreachable() -> None:
    audited = {"name": "jinja2", "version": "3.1.6", "vulns": []}
    skipped = {"name": "left-pad", "skip_reason": "Dependency not found on PyPI"}
    partial = policy.judge_report({"dependencies": [audited, skipped]}, [], "pypi")
    assert partial.status == policy.FAILED
    assert any(line.startswith("NOT AUDITED left-pad") for line in partial.lines)
    # What this machine's proxy gives pip-audit's default service: every package skipped.
    nothing = policy.judge_report({"dependencies": [skipped, skipped]}, [], "pypi")
    assert nothing.status == policy.UNREACHABLE
    assert "answered for none of the 2 locked packages" in nothing.lines[0]


def test_the_lock_pins_every_dependency_of_pyproject_within_its_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(text) for text in project["dependencies"]]
    wanted += [Requirement(text) for text in project["optional-dependencies"]["test"]]
    pinned = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pinned[canonicalize_name(name)] = version
    for requirement in wanted:
        version = pinned.get(canonicalize_name(requirement.name))
        assert version, f"{requirement.name} is not in requirements.lock: run python .ci/lock"
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements.lock pins {requirement.name}=={version}, outside {requirement}"
        )
