"""The dependency audit of docs/security.md: pip-audit over requirements.lock, and its policy.

Run through `bash .ci/audit`, which installs pip-audit in a virtualenv of its own. Exit status:
  0  no finding, or each finding listed in .ci/audit-ignore with a review date not yet past;
  1  a finding not listed, a package that could not be audited, or a bad or expired entry in
     .ci/audit-ignore (each is printed with what to do);
  2  the vulnerability service could not be reached, so nothing was audited. With
     SOCIALPLAN_AUDIT_OFFLINE_OK=1 this is a warning and the exit status is 0.

.ci/audit-ignore holds one entry a line, `#` starting a comment:
    ADVISORY-ID  REVIEW-BY  REASON
e.g. `GHSA-abcd-efgh-ijkl  2026-09-30  Only the CLI calls it and never with user input.`
An entry past its review date fails the audit until someone decides again; a review date may
be at most MAX_REVIEW_DAYS ahead, so every accepted risk is looked at twice a year.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
IGNORE_FILE = ROOT / ".ci" / "audit-ignore"
MAX_REVIEW_DAYS = 183
OFFLINE_OK = "SOCIALPLAN_AUDIT_OFFLINE_OK"
ADVISORY_ID = re.compile(r"^[A-Z][A-Z0-9]*-[A-Za-z0-9][A-Za-z0-9-]*$")
PASSED, FAILED, UNREACHABLE = 0, 1, 2


@dataclass(frozen=True)
class IgnoreEntry:
    advisory: str
    review_by: date
    reason: str


@dataclass(frozen=True)
class IgnoreFile:
    entries: list[IgnoreEntry]
    problems: list[str]


def read_ignore_file(path: Path, today: date) -> IgnoreFile:
    """The entries of .ci/audit-ignore still in force, and what is wrong with the others."""
    entries: list[IgnoreEntry] = []
    problems: list[str] = []
    seen: set[str] = set()
    text = path.read_text() if path.exists() else ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{path.name} line {number}"
        parts = line.split(maxsplit=2)
        if len(parts) < 3:
            problems.append(f"{where}: needs ADVISORY-ID REVIEW-BY REASON, got {line!r}")
            continue
        advisory, review_text, reason = parts
        if not ADVISORY_ID.match(advisory):
            problems.append(f"{where}: {advisory!r} is not an advisory id (PYSEC-…, GHSA-…, CVE-…)")
            continue
        try:
            review_by = date.fromisoformat(review_text)
        except ValueError:
            problems.append(f"{where}: review date {review_text!r} is not a YYYY-MM-DD date")
            continue
        if advisory in seen:
            problems.append(f"{where}: {advisory} is listed twice")
            continue
        seen.add(advisory)
        if review_by < today:
            problems.append(
                f"{where}: the exception for {advisory} expired on {review_by}: upgrade the "
                "package, or decide again and write a new review date and reason"
            )
            continue
        if review_by > today + timedelta(days=MAX_REVIEW_DAYS):
            problems.append(
                f"{where}: review date {review_by} for {advisory} is more than "
                f"{MAX_REVIEW_DAYS} days ahead: choose one by {today + timedelta(MAX_REVIEW_DAYS)}"
            )
            continue
        entries.append(IgnoreEntry(advisory=advisory, review_by=review_by, reason=reason))
    return IgnoreFile(entries=entries, problems=problems)


@dataclass(frozen=True)
class Audit:
    """How to run pip-audit: which one, over which lock, against which service."""

    pip_audit: str
    lock: Path
    service: str
    osv_url: str | None


def pip_audit_command(audit: Audit, report: Path, ignored: list[IgnoreEntry]) -> list[str]:
    """pip-audit over the pinned lock: no resolver, no install, a JSON report in a file."""
    command = [
        audit.pip_audit, "--requirement", str(audit.lock),
        "--no-deps", "--disable-pip", "--format", "json", "--output", str(report),
        "--progress-spinner", "off", "--vulnerability-service", audit.service, "--timeout", "20",
    ]  # fmt: skip
    if audit.osv_url:
        command += ["--osv-url", audit.osv_url]
    for entry in ignored:
        command += ["--ignore-vuln", entry.advisory]
    return command


@dataclass(frozen=True)
class Verdict:
    status: int
    lines: list[str]


def judge_report(report: dict[str, Any], ignored: list[IgnoreEntry], service: str) -> Verdict:
    """Apply the policy to pip-audit's JSON report (findings already exclude `ignored`)."""
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = [d for d in dependencies if not d.get("skip_reason")]
    if dependencies and not audited:
        return Verdict(
            UNREACHABLE,
            [
                f"the {service} vulnerability service answered for none of the "
                f"{len(dependencies)} locked packages, so nothing was audited "
                f"(first reason: {skipped[0]['skip_reason']}). The service is not reachable "
                "from here: no network, or a proxy or mirror that serves only the package "
                "index."
            ],
        )
    lines: list[str] = []
    status = PASSED
    for dependency in skipped:
        status = FAILED
        lines.append(
            f"NOT AUDITED {dependency['name']}: {dependency['skip_reason']} "
            "(a package that cannot be checked fails the audit)"
        )
    findings = [(d, vuln) for d in audited for vuln in d.get("vulns", [])]
    for dependency, vuln in findings:
        status = FAILED
        aliases = ", ".join(vuln.get("aliases") or []) or "no aliases"
        fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
        lines.append(
            f"FINDING {dependency['name']} {dependency['version']}: {vuln['id']} ({aliases}); "
            f"fixed in: {fixed}. {vuln.get('description', '').strip()[:300]}"
        )
    for entry in ignored:
        lines.append(f"accepted until {entry.review_by}: {entry.advisory} — {entry.reason}")
    lines.append(
        f"audited {len(audited)} of {len(dependencies)} locked packages: "
        f"{len(findings)} finding(s), {len(skipped)} not audited, {len(ignored)} accepted "
        "in .ci/audit-ignore"
    )
    if findings:
        lines.append(
            "to fix: raise the package's minimum in pyproject.toml to a fixed version, "
            "reinstall, `python .ci/lock`; or, when no fix applies, add an entry to "
            ".ci/audit-ignore (see docs/security.md)"
        )
    return Verdict(status, lines)


def run_audit(audit: Audit, ignored: list[IgnoreEntry]) -> Verdict:
    with tempfile.TemporaryDirectory() as folder:
        report_path = Path(folder) / "report.json"
        command = pip_audit_command(audit, report_path, ignored)
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if not report_path.exists():
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            return Verdict(
                UNREACHABLE,
                [f"pip-audit could not audit (exit {result.returncode}): {last}"],
            )
        report = json.loads(report_path.read_text())
    return judge_report(report, ignored, audit.service)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bash .ci/audit", description=__doc__.split("\n")[0])
    parser.add_argument("--lock", type=Path, default=LOCK, help="the pinned requirements")
    parser.add_argument("--ignore-file", type=Path, default=IGNORE_FILE)
    parser.add_argument(
        "--today", type=date.fromisoformat, default=date.today(), help="for review dates"
    )
    parser.add_argument("--service", choices=["pypi", "osv"], default="pypi")
    parser.add_argument("--osv-url", help="an OSV-compatible query endpoint (with osv)")
    parser.add_argument("--pip-audit", default="pip-audit", help="the pip-audit to run")
    arguments = parser.parse_args(argv)

    ignore = read_ignore_file(arguments.ignore_file, arguments.today)
    for problem in ignore.problems:
        print(f"AUDIT-IGNORE {problem}")
    if not arguments.lock.exists():
        print(f".ci/audit: {arguments.lock} is missing: run `python .ci/lock`")
        return FAILED
    audit = Audit(arguments.pip_audit, arguments.lock, arguments.service, arguments.osv_url)
    verdict = run_audit(audit, ignore.entries)
    for line in verdict.lines:
        print(line)
    if verdict.status == UNREACHABLE:
        if os.environ.get(OFFLINE_OK) == "1":
            print(f".ci/audit: WARNING: the audit did not run ({OFFLINE_OK}=1 lets this pass)")
            return FAILED if ignore.problems else PASSED
        print(f".ci/audit: the audit did not run; set {OFFLINE_OK}=1 to let an offline run pass")
        return UNREACHABLE
    if ignore.problems:
        return FAILED
    return verdict.status


if __name__ == "__main__":
    sys.exit(main())
