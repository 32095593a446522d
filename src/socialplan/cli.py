"""The `socialplan` command line: database upgrades, the demo, reports, export and restore.

Each subcommand is a `Command` in `COMMANDS`: a name, the options it takes and the function
that runs it with an open session. Adding one (`import`, `sync`, `scores`) means writing
those two functions and listing the command; upgrading the database, opening the session
and turning errors into one line on stderr are done here for all of them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from alembic.util import CommandError
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlmodel import Session

from socialplan import backup, demo, reports
from socialplan.access import Actor
from socialplan.config import load_settings
from socialplan.db import current_revision, make_engine, session_scope, upgrade_database
from socialplan.errors import SocialPlanError

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


COMMANDS: tuple[Command, ...] = (
    Command("db", "manage the database schema", configure_db, run_db),
    Command("demo", "create the demo bakery workspace", configure_demo, run_demo),
    Command("report", "print the active plan's metrics and status", configure_report, run_report),
    Command("export", "write a workspace to a JSON backup", configure_export, run_export),
    Command("restore", "restore a workspace from a JSON backup", configure_restore, run_restore),
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
        sub.set_defaults(run=command.run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Upgrade the database, then run the chosen command in one session."""
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
