"""Run `socialplan import` and a sync in child processes and SIGKILL them on request.

Started once by tests/reliability/test_faults_kill.py as `python kill_runner.py`. Python
and Social Plan's imports take seconds here; paid once, in this process, they would
otherwise be most of every command's life, and most kills would land before the command
touched the database. So each command runs in a child forked from this warm process: a
process of its own, with its own database connections, which dies by SIGKILL exactly as a
`socialplan import` killed by the OOM killer or a power cut would.

Protocol: one JSON request per line on stdin, one JSON answer per line on stdout.
    {"kind": "import", "url": URL, "args": ["import", FILE, ...], "kill_after": 0.42}
    {"kind": "sync", "url": URL, "slug": SLUG, "kill_after": null}
    -> {"killed": true, "seconds": 0.42, "exit": null, "log": "..."}
`kill_after` is seconds from the fork; null lets the command finish. This process kills
its own child before reaping it, so the pid can never belong to anyone else.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))  # for tests.connectors.payloads, via sync_api

# Imported here, before any fork, so that a child's life is the command, not the imports.
import psycopg  # noqa: E402, F401
import responses  # noqa: E402
import sqlalchemy.dialects.postgresql.psycopg  # noqa: E402, F401
import sqlalchemy.dialects.sqlite.pysqlite  # noqa: E402, F401

from socialplan import accounts, cli, workspaces  # noqa: E402
from socialplan.access import Actor  # noqa: E402
from socialplan.db import make_engine, session_scope  # noqa: E402
from tests.reliability.drivers import sync_api  # noqa: E402

LONGEST_COMMAND_SECONDS = 120.0  # a command running longer than this is hung: kill it


def run_sync(url: str, slug: str) -> int:
    """`socialplan sync --workspace SLUG` as the CLI runs it, on a fixed day, HTTP replayed."""
    engine = make_engine(url)
    try:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            sync_api.register(mock)
            with session_scope(engine) as session:
                actor = Actor.local()
                workspace = workspaces.get_workspace_by_slug(
                    session=session, actor=actor, slug=slug
                )
                outcomes = accounts.sync_accounts(
                    session=session,
                    actor=actor,
                    workspace_id=workspace.id,  # type: ignore[arg-type]
                    today=sync_api.TODAY,
                )
        print(accounts.sync_summary(outcomes))
        return 0
    finally:
        engine.dispose()


def child(request: dict[str, Any], log_path: str) -> None:
    """The forked child: run the command with its output in `log_path`; never returns."""
    status = 70
    try:
        log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.environ["SOCIALPLAN_DATABASE_URL"] = request["url"]
        os.environ["SOCIALPLAN_X_BEARER_TOKEN"] = sync_api.X_TOKEN
        if request["kind"] == "import":
            status = cli.main(request["args"])
        else:
            status = run_sync(request["url"], request["slug"])
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)  # no atexit handlers of the parent's, no buffers flushed twice


def wait_for(pid: int, seconds: float) -> bool:
    """Wait up to `seconds` for the child to end; whether it did (it is not reaped yet)."""
    handle = os.pidfd_open(pid)
    try:
        ready, _, _ = select.select([handle], [], [], max(0.0, seconds))
        return bool(ready)
    finally:
        os.close(handle)


def run(request: dict[str, Any]) -> dict[str, Any]:
    log_fd, log_path = tempfile.mkstemp(prefix="socialplan-kill-", suffix=".log")
    os.close(log_fd)
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        child(request, log_path)
    kill_after = request.get("kill_after")
    limit = LONGEST_COMMAND_SECONDS if kill_after is None else kill_after
    ended = wait_for(pid, limit)
    if not ended:
        os.kill(pid, signal.SIGKILL)  # still our unreaped child: the pid is surely it
    _, status = os.waitpid(pid, 0)
    seconds = time.monotonic() - started
    log = Path(log_path).read_text(errors="replace")
    os.unlink(log_path)
    return {
        "killed": os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL,
        "hung": kill_after is None and not ended,
        "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "seconds": seconds,
        "log": log[-2000:],
    }


def main() -> None:
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(run(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
