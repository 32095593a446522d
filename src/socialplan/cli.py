"""The `socialplan` command line: database upgrades, the demo, reports, export and restore,
syncing accounts and importing analytics exports.

Each subcommand is a `Command` in `COMMANDS`: a name, the options it takes and the function
that runs it with an open session. Adding one (`import`, `sync`, `scores`) means writing
those two functions and listing the command; upgrading the database, opening the session
and turning errors into one line on stderr are done here for all of them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from alembic.util import CommandError
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlmodel import Session

from socialplan import (
    accounts,
    backup,
    demo,
    imports,
    leaderboards,
    reports,
    scores,
    workspaces,
)
from socialplan.access import Actor
from socialplan.config import load_settings
from socialplan.db import current_revision, make_engine, session_scope, upgrade_database
from socialplan.errors import InvalidInput, SocialPlanError
from socialplan.sync import SyncProgress, describe_outcome

PROGRAM = "socialplan"
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class Context:
    """What every command runs with: the upgraded database, a session and the actor."""

    engine: Engine
    session: Session
    actor: Actor

    def say(self, text: str) -> None:
        """Write a line of the command's output."""
        print(text)


@dataclass(frozen=True)
class Command:
    """A subcommand: its name, its one-line help, its options and what it does."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Context], int]
    # False for a command that brings its own database (bench): the app's is not touched.
    uses_app_database: bool = True


# ---------------------------------------------------------------- db upgrade


def configure_db(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    actions.add_parser("upgrade", help="bring the database schema up to date")


def run_db(args: argparse.Namespace, context: Context) -> int:
    # Every command upgrades first, so by now there is only the result to tell.
    url = context.engine.url.render_as_string(hide_password=True)
    context.say(f"The database {url} is up to date (schema {current_revision(context.engine)}).")
    return EXIT_OK


# ---------------------------------------------------------------- demo


def configure_demo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--today",
        type=parse_day,
        default=None,
        metavar="YYYY-MM-DD",
        help="the day the demo's numbers end on (default: today)",
    )


def run_demo(args: argparse.Namespace, context: Context) -> int:
    existed = demo.demo_exists(context.session)
    workspace = demo.load_demo(session=context.session, actor=context.actor, today=args.today)
    if existed:
        context.say(f"The demo workspace “{workspace.slug}” already exists; nothing was changed.")
        return EXIT_OK
    contents = demo.workspace_contents(context.session, workspace.id)  # type: ignore[arg-type]
    context.say(f"Created the demo workspace “{workspace.slug}”: {workspace.name}.")
    context.say(describe_counts(contents))
    return EXIT_OK


def describe_counts(counts: dict[str, int]) -> str:
    """Counts in words: "4 people, 1 plan, 2,192 snapshots"."""
    return ", ".join(f"{n:,} {_noun(name, n)}" for name, n in counts.items())


def _noun(plural: str, n: int) -> str:
    words = plural.replace("_", " ")
    if n != 1:
        return words
    return "person" if words == "people" else words.removesuffix("s")


# ---------------------------------------------------------------- report


def configure_report(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", required=True, metavar="SLUG", help="the workspace's slug")
    parser.add_argument(
        "--format", choices=("md", "json"), default="md", help="Markdown (default) or JSON"
    )
    parser.add_argument(
        "--today",
        type=parse_day,
        default=None,
        metavar="YYYY-MM-DD",
        help="report as of this day (default: today)",
    )


def run_report(args: argparse.Namespace, context: Context) -> int:
    report = reports.build_report(
        session=context.session,
        actor=context.actor,
        workspace_slug=args.workspace,
        today=args.today or date.today(),
    )
    render = reports.render_report_json if args.format == "json" else reports.render_report_markdown
    context.say(render(report))
    return EXIT_OK


# ---------------------------------------------------------------- export and restore


def configure_export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", required=True, metavar="SLUG", help="the workspace's slug")
    parser.add_argument(
        "-o", "--output", required=True, type=Path, metavar="FILE", help="the JSON file to write"
    )


def run_export(args: argparse.Namespace, context: Context) -> int:
    data = backup.export_workspace(
        session=context.session, actor=context.actor, slug=args.workspace
    )
    backup.write_export(data, args.output)
    context.say(f"Exported “{data['workspace']['name']}” ({args.workspace}) to {args.output}:")
    context.say(describe_counts({name: len(data[name]) for name in backup.SECTION_NAMES}))
    return EXIT_OK


def configure_restore(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help="a file written by `export`")


def run_restore(args: argparse.Namespace, context: Context) -> int:
    data = backup.read_export(args.file)
    workspace = backup.restore_workspace(session=context.session, actor=context.actor, data=data)
    context.say(f"Restored “{workspace.name}” as the workspace “{workspace.slug}”.")
    return EXIT_OK


# ---------------------------------------------------------------- sync


def configure_sync(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workspace",
        default=None,
        metavar="SLUG",
        help="sync only this workspace (default: every workspace)",
    )


def run_sync(args: argparse.Namespace, context: Context) -> int:
    if args.workspace:
        targets = [
            workspaces.get_workspace_by_slug(
                session=context.session, actor=context.actor, slug=args.workspace
            )
        ]
    else:
        targets = workspaces.list_workspaces(session=context.session, actor=context.actor)
    if not targets:
        context.say("There is no workspace to sync yet.")
        return EXIT_OK

    def print_outcome(progress: SyncProgress) -> None:
        # Printed as each account finishes, so a cron log shows how far a slow sync got.
        if progress.outcome is not None:
            context.say(f"  {describe_outcome(progress.outcome)}")

    today = datetime.now(UTC).date()
    outcomes = []
    for workspace in targets:
        context.say(f"{workspace.name} ({workspace.slug}):")
        synced = accounts.sync_accounts(
            session=context.session,
            actor=context.actor,
            workspace_id=workspace.id,  # type: ignore[arg-type]
            today=today,
            on_progress=print_outcome,
        )
        if not synced:
            context.say("  no accounts to sync.")
        outcomes.extend(synced)
    context.say(accounts.sync_summary(outcomes))
    failed = [outcome for outcome in outcomes if not outcome.ok and not outcome.skipped]
    every_account_failed = bool(failed) and not any(outcome.ok for outcome in outcomes)
    return EXIT_ERROR if every_account_failed else EXIT_OK


# ---------------------------------------------------------------- import


IMPORT_OPTION_LABELS = {
    "account": "Account",
    "followers_anchor": "--followers-on",
    "format": "--format",
}


def configure_import(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help="the exported CSV file")
    parser.add_argument("--workspace", required=True, metavar="SLUG", help="the workspace's slug")
    parser.add_argument(
        "--account",
        default=None,
        metavar="HANDLE",
        help="the followed account the numbers are for (a handle or profile address); "
        "needed unless the file only has business metrics",
    )
    parser.add_argument(
        "--format",
        choices=tuple(accounts.import_format_labels()),
        default=imports.formats.AUTO,
        help="the export's format (default: detected from the header)",
    )
    parser.add_argument(
        "--followers-on",
        type=parse_followers_anchor,
        default=None,
        metavar="DATE:COUNT",
        help="the follower count at the end of one day, e.g. 2026-03-31:1480, to rebuild "
        "daily totals from an export that only counts new follows and unfollows",
    )


def run_import(args: argparse.Namespace, context: Context) -> int:
    workspace = workspaces.get_workspace_by_slug(
        session=context.session, actor=context.actor, slug=args.workspace
    )
    try:
        parsed = imports.read_import(
            read_import_file(args.file),
            filename=args.file.name,
            format=args.format,
            followers_anchor=args.followers_on,
        )
        shown = imports.preview(parsed)
        context.say(shown.summary())
        context.say(accounts.preview_facts(shown))
        if shown.columns_mapped:
            columns = ", ".join(f"{c.header} → {c.becomes}" for c in shown.columns_mapped)
            context.say(f"Columns: {columns}.")
        if shown.columns_ignored:
            context.say(f"Not imported: {', '.join(shown.columns_ignored)}.")
        for note in shown.notes:
            context.say(f"Note: {note}")
        account_id = None
        if parsed.days:
            if not args.account:
                raise InvalidInput(
                    {"account": "is needed for this file's account numbers: add --account HANDLE."}
                )
            account_id = accounts.find_account(
                session=context.session,
                actor=context.actor,
                workspace_id=workspace.id,  # type: ignore[arg-type]
                text=args.account,
                networks=parsed.networks,
            ).id
        result = accounts.store_account_import(
            session=context.session,
            actor=context.actor,
            workspace_id=workspace.id,  # type: ignore[arg-type]
            account_id=account_id,
            parsed=parsed,
        )
    except InvalidInput as error:
        raise SocialPlanError(import_error_line(error)) from None
    context.say(result.message())
    return EXIT_OK


def read_import_file(path: Path) -> bytes:
    """The file's bytes; a file over the import limit is refused before it is read."""
    size = path.stat().st_size
    if size > imports.MAX_BYTES:
        raise SocialPlanError(
            f"The file is {size / 1024 / 1024:.1f} MB; files over "
            f"{imports.MAX_BYTES // 1024 // 1024} MB are refused. Export a shorter date range."
        )
    return path.read_bytes()


def import_error_line(error: InvalidInput) -> str:
    """An import's refusal in one line, naming the option at fault."""
    parts = []
    for field, message in error.errors.items():
        if field == "file":
            parts.append(message)
        else:
            parts.append(f"{IMPORT_OPTION_LABELS.get(field, field)} {message}")
    return " ".join(parts)


def parse_followers_anchor(text: str) -> tuple[date, int]:
    """A DATE:COUNT option value (2026-03-31:1480) as (day, count), or argparse's usage error."""
    day, colon, count = text.rpartition(":")
    try:
        if not colon:
            raise ValueError(text)
        parsed = (date.fromisoformat(day.strip()), int(count.strip().replace(",", "")))
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"“{text}” is not DATE:COUNT like 2026-03-31:1480"
        ) from error
    if parsed[1] < 0:
        raise argparse.ArgumentTypeError(f"“{text}”: the follower count must be 0 or more")
    return parsed


# ---------------------------------------------------------------- scores


BOARD_RENDERERS = {
    "table": leaderboards.render_table,
    "csv": leaderboards.render_csv,
    "json": leaderboards.render_json,
}


def configure_scores(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        nargs="?",
        choices=("recompute",),
        help="recompute: compute and store every score again from the snapshots (idempotent)",
    )
    parser.add_argument(
        "--group", metavar="CODE", help="the board of the peer group with this invite code"
    )
    parser.add_argument(
        "--workspace",
        metavar="SLUG",
        help="a business: its own accounts against its competitors; with --group, the group "
        "as this member sees it; with recompute, only this business's scores",
    )
    parser.add_argument(
        "--format", choices=tuple(BOARD_RENDERERS), default="table", help="default: table"
    )


def run_scores(args: argparse.Namespace, context: Context) -> int:
    if args.action == "recompute":
        return run_scores_recompute(args, context)
    if not args.group and not args.workspace:
        return fail(
            "say which board: --group CODE (a peer group) or --workspace SLUG (a business "
            "and its competitors).",
            EXIT_USAGE,
        )
    board = leaderboards.board_for(
        session=context.session,
        actor=context.actor,
        group_code=args.group,
        workspace_slug=args.workspace,
    )
    context.say(BOARD_RENDERERS[args.format](board))
    return EXIT_OK


def run_scores_recompute(args: argparse.Namespace, context: Context) -> int:
    if args.group:
        return fail("recompute takes --workspace SLUG or nothing, not --group.", EXIT_USAGE)
    workspace_id = None
    if args.workspace:
        workspace_id = workspaces.get_workspace_by_slug(
            session=context.session, actor=context.actor, slug=args.workspace
        ).id
    started = time.perf_counter()
    summary = scores.recompute_scores(session=context.session, workspace_id=workspace_id)
    seconds = time.perf_counter() - started
    context.say(
        f"Recomputed {summary.account_scores:,} account scores ({summary.accounts:,} accounts) "
        f"and {summary.business_scores:,} business scores ({summary.workspaces:,} businesses) "
        f"in {seconds:.1f} s; {summary.removed:,} stale scores removed."
    )
    return EXIT_OK


# ---------------------------------------------------------------- bench


def configure_bench(parser: argparse.ArgumentParser) -> None:
    from socialplan.bench import run as bench_run

    bench_run.configure(parser)


def run_bench(args: argparse.Namespace, context: Context | None) -> int:
    # The benchmark makes its own throwaway database; the app's is left alone.
    from socialplan.bench import run as bench_run

    return bench_run.run_from_args(args)


COMMANDS: tuple[Command, ...] = (
    Command("db", "manage the database schema", configure_db, run_db),
    Command("demo", "create the demo bakery workspace", configure_demo, run_demo),
    Command("report", "print the active plan's metrics and status", configure_report, run_report),
    Command("export", "write a workspace to a JSON backup", configure_export, run_export),
    Command("restore", "restore a workspace from a JSON backup", configure_restore, run_restore),
    Command("sync", "read every followed account's numbers now (cron)", configure_sync, run_sync),
    Command("import", "import an analytics export into an account", configure_import, run_import),
    Command("scores", "print a leaderboard or recompute the scores", configure_scores, run_scores),
    Command(
        "bench",
        "time Social Plan on a large synthetic instance",
        configure_bench,
        run_bench,  # type: ignore[arg-type]
        uses_app_database=False,
    ),
)


# ---------------------------------------------------------------- plumbing


def parse_day(text: str) -> date:
    """A YYYY-MM-DD option value as a date, or argparse's usage error."""
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"“{text}” is not a date like 2027-03-31") from error


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command of `COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description="Social Plan from the command line. The database is the one "
        "SOCIALPLAN_DATABASE_URL names (default: data/socialplan.db); every command "
        "brings its schema up to date first.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        sub = commands.add_parser(command.name, help=command.help, description=command.help)
        command.configure(sub)
        sub.set_defaults(run=command.run, uses_app_database=command.uses_app_database)
    return parser


def run(args: argparse.Namespace) -> int:
    """Upgrade the database, then run the chosen command in one session."""
    if not args.uses_app_database:
        return args.run(args, None)
    engine = make_engine(load_settings().database_url)
    try:
        upgrade_database(engine)
        with session_scope(engine) as session:
            return args.run(args, Context(engine=engine, session=session, actor=Actor.local()))
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    """Run `socialplan` with `argv` (default: the process's arguments); the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except SocialPlanError as error:
        return fail(str(error))
    except OperationalError as error:
        return fail(f"Cannot use the database {_database_label()}: {_first_line(error.orig)}")
    except (ArgumentError, NoSuchModuleError) as error:
        return fail(f"SOCIALPLAN_DATABASE_URL is not a database URL Social Plan can use: {error}")
    except CommandError as error:
        return fail(
            f"The database schema is not one this Social Plan knows ({_first_line(error)}); "
            "it may have been upgraded by a newer version."
        )
    except BrokenPipeError:
        return _reader_went_away()
    except OSError as error:
        return fail(f"{error.strerror or error}: {error.filename or ''}".rstrip(": "))
    except KeyboardInterrupt:
        return fail("Interrupted.", EXIT_INTERRUPTED)


def fail(message: str, status: int = EXIT_ERROR) -> int:
    """Tell the user what went wrong in one line on stderr; the exit status."""
    print(f"{PROGRAM}: error: {_first_line(message)}", file=sys.stderr)
    return status


def _reader_went_away() -> int:
    """`socialplan report | head` closed the pipe early: stop quietly, as Unix tools do."""
    # Pointing stdout at /dev/null stops Python's own flush at exit from failing again.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_ERROR


def _first_line(value: object) -> str:
    lines = str(value).strip().splitlines()
    return lines[0].strip() if lines else "unknown error"


def _database_label() -> str:
    """The database URL without its password, for an error message."""
    try:
        return make_url(load_settings().database_url).render_as_string(hide_password=True)
    except ArgumentError:
        return "named by SOCIALPLAN_DATABASE_URL"


if __name__ == "__main__":
    sys.exit(main())
