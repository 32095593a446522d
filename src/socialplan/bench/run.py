"""Run the benchmark: a throwaway database, the instance, every figure, the result file.

`socialplan bench` and `python -m socialplan.bench` both come here. The database is always
a fresh one made for the run and removed after it: a temporary SQLite file by default, or a
new database on the PostgreSQL server `--database` names (created, then dropped), so no
existing data is ever read or touched.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from socialplan.bench import data, docs
from socialplan.bench.build import SCALES, build_instance
from socialplan.bench.results import Figure, Instance
from socialplan.db import make_engine, upgrade_database

ROOT = Path(__file__).resolve().parents[3]
RESULTS_DIR = ROOT / "benchmarks" / "results"
DOCS_PATH = ROOT / "docs" / "benchmarks.md"
BUILD_BUDGET_SECONDS = {"full": 180.0}


@dataclass(frozen=True)
class AppMeasure:
    """A figure measured through the app itself (pages, browser, server), by module name.

    Imported only when run, so the data figures work without Streamlit's test tools or a
    browser; a missing browser turns the figure into a skipped one with the reason.
    """

    module: str
    function: str
    key: str
    label: str
    needs_browser: bool


APP_MEASURES = (
    AppMeasure("socialplan.ui.page_timing", "measure_pages", "pages", "Page scripts", False),
    AppMeasure(
        "socialplan.bench.browser",
        "measure_dashboard",
        "browser_dashboard",
        "Dashboard drawn in chromium",
        True,
    ),  # fmt: skip
    AppMeasure(
        "socialplan.bench.memory",
        "measure_server_memory",
        "server_memory",
        "Server peak memory after 5 browser sessions",
        True,
    ),  # fmt: skip
)


def database_label(url: str) -> str:
    """ "sqlite" or "postgresql"."""
    return sa.engine.make_url(url).get_backend_name()


# ---------------------------------------------------------------- the throwaway database


@contextmanager
def throwaway_database(server_url: str | None) -> Iterator[str]:
    """The URL of a new, empty database, removed when the block ends.

    None: a SQLite file in a temporary folder. A PostgreSQL URL: a new database on that
    server, named socialplan_bench_…, dropped afterwards (the URL's own database is only
    used to connect).
    """
    if server_url is None or database_label(server_url) == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="socialplan-bench-"))
        try:
            yield f"sqlite:///{folder / 'bench.db'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    if database_label(server_url) != "postgresql":
        raise ValueError(f"the benchmark runs on SQLite or PostgreSQL, not {server_url!r}")
    name = f"socialplan_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            url = sa.engine.make_url(server_url).set(database=name)
            yield url.render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


# ---------------------------------------------------------------- machine


def load_average() -> list[float] | None:
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


def machine_info(engine: sa.Engine) -> dict:
    """What the figures were measured on: CPUs, Python, the database's version, the load."""
    info = {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "memory_gib": _memory_gib(),
    }
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            info["postgresql"] = connection.exec_driver_sql("SHOW server_version").scalar_one()
    return info


def _memory_gib() -> float | None:
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    return round(pages * size / 2**30, 1)


# ---------------------------------------------------------------- the run


@dataclass(frozen=True)
class Outcome:
    """A finished run: its result file, its figures, and whether any figure failed."""

    path: Path
    figures: list[Figure]
    failed: list[str]


def run_benchmark(
    *,
    scale: str = "small",
    database: str | None = None,
    output: Path = RESULTS_DIR,
    docs_path: Path | None = DOCS_PATH,
    with_app: bool = True,
    say: Callable[[str], None] = print,
) -> Outcome:
    """Build the instance, measure every figure, write the result file (and the docs table)."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {sorted(SCALES)}, not {scale!r}")
    started_at = datetime.now(UTC)
    load_before = load_average()
    clock = time.perf_counter()

    def progress(text: str) -> None:
        say(f"[{time.perf_counter() - clock:7.1f} s] {text}")

    with throwaway_database(database) as url:
        label = database_label(url)
        progress(f"building the {scale} instance on a fresh {label} database")
        engine = make_engine(url)
        try:
            upgrade_database(engine)
            instance = build_instance(engine, scale, progress=progress)
            progress(f"instance built in {instance.build_seconds:.1f} s")
            figures = [_build_figure(instance, label)]
            figures += _measure_all(engine, instance, label, with_app, progress)
            machine = machine_info(engine)
        finally:
            engine.dispose()
    failed = [f"{f.key}: {f.skipped}" for f in figures if f.skipped.startswith("failed")]
    document = {
        "scale": scale,
        "database": label,
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": {"before": load_before, "after": load_average()},
        "machine": machine,
        "instance": {**asdict(instance), "database_url": label},
        "figures": [figure.to_json() for figure in figures],
    }
    output.mkdir(parents=True, exist_ok=True)
    path = output / f"{scale}-{label}-{started_at:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    progress(f"results written to {path}")
    if docs_path is not None:
        docs.update_docs(docs_path, output)
        progress(f"table in {docs_path} updated")
    return Outcome(path, figures, failed)


def _build_figure(instance: Instance, database: str) -> Figure:
    return Figure(
        key="build",
        label=f"Build of the instance ({instance.snapshots:,} snapshots, with scores)",
        database=database,
        value=round(instance.build_seconds, 1),
        unit="s",
        budget=BUILD_BUDGET_SECONDS.get(instance.scale),
        note="bulk inserts (COPY on PostgreSQL), then scores.recompute_scores",
    )


def _measure_all(
    engine: sa.Engine,
    instance: Instance,
    database: str,
    with_app: bool,
    progress: Callable[[str], None],
) -> list[Figure]:
    """The read-only figures first, then the app's, then those that write (and tidy up)."""
    context = data.context_for(engine, instance, database)
    figures: list[Figure] = []
    for measure in data.MEASURES:
        figures += measure(context, progress)
    if with_app:
        for app_measure in APP_MEASURES:
            figures += _app_figures(app_measure, instance, database, progress)
    for measure in data.WRITING_MEASURES:
        figures += measure(context, progress)
    return figures


def _app_figures(
    measure: AppMeasure, instance: Instance, database: str, progress: Callable[[str], None]
) -> list[Figure]:
    """The app measure's figures; a skipped figure with the reason when it cannot run."""
    if measure.needs_browser:
        from socialplan.bench.server import missing_browser_reason

        reason = missing_browser_reason()
        if reason is not None:
            progress(f"{measure.label}: skipped, {reason}")
            return [Figure.skipped_for(measure.key, measure.label, database, reason)]
    progress(f"{measure.label}: measuring")
    try:
        function = getattr(importlib.import_module(measure.module), measure.function)
        figures = function(instance)
    except Exception as error:  # noqa: BLE001 - one failing figure must not lose the others
        reason = f"failed: {type(error).__name__}: {error}".splitlines()[0]
        progress(f"{measure.label}: {reason}")
        return [Figure.skipped_for(measure.key, measure.label, database, reason)]
    for figure in figures:
        progress(f"{figure.label}: {figure.value:g} {figure.unit}")
    return figures


# ---------------------------------------------------------------- command line


def configure(parser: argparse.ArgumentParser) -> None:
    """The options of `socialplan bench` and `python -m socialplan.bench`."""
    parser.add_argument(
        "--scale", choices=tuple(SCALES), default="small",
        help="small: a few seconds (CI); full: 10,000 accounts × 2 years, minutes",
    )  # fmt: skip
    parser.add_argument(
        "--database", metavar="URL", default=None,
        help="a PostgreSQL server to run on (a throwaway database is created on it and "
        "dropped after); default: a temporary SQLite file",
    )  # fmt: skip
    parser.add_argument(
        "--output", metavar="DIR", type=Path, default=RESULTS_DIR,
        help=f"where the result file goes (default: {RESULTS_DIR.relative_to(ROOT)})",
    )  # fmt: skip
    parser.add_argument(
        "--no-docs", action="store_true", help=f"leave {DOCS_PATH.relative_to(ROOT)} as it is"
    )
    parser.add_argument(
        "--no-app", action="store_true",
        help="only the data figures: no page scripts, browser or server memory",
    )  # fmt: skip


def run_from_args(args: argparse.Namespace, say: Callable[[str], None] = print) -> int:
    """Run with parsed options; exit status 1 when a figure failed (the file is still written)."""
    outcome = run_benchmark(
        scale=args.scale,
        database=args.database,
        output=args.output,
        docs_path=None if args.no_docs else DOCS_PATH,
        with_app=not args.no_app,
        say=say,
    )
    for line in docs.summary_lines(outcome.figures):
        say(line)
    for failure in outcome.failed:
        say(f"FAILED {failure}")
    return 1 if outcome.failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m socialplan.bench",
        description="Build a synthetic instance and time Social Plan against its budgets.",
    )
    configure(parser)
    return run_from_args(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
