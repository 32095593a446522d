"""Benchmark figure 7: the `streamlit run` server's peak memory while sessions open pages.

`sessions` browser contexts each open the app on the instance's big plan and then every
page of the navigation, page by page in step: each round clicks the same page in every
session before waiting for any, so the server runs the sessions' scripts side by side as it
would for people working at once. Meanwhile a thread samples the resident memory (RSS) of
the server's whole process tree from /proc; the figure is the highest total seen, or the
server's own high-water mark (VmHWM) when that is higher (a peak between two samples).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from socialplan.bench.results import Figure, Instance
from socialplan.bench.server import (
    APP_PAGES,
    CHROMIUM_ARGS,
    VIEWPORT,
    click_page,
    database_label,
    open_plan,
    plan_choice,
    require_browser,
    streamlit_server,
    wait_for_script,
)
from socialplan.db import make_engine

PEAK_BUDGET_MB = 600
SAMPLE_SECONDS = 0.05
PROC = Path("/proc")
KIB_PER_MB = 1024


def measure_server_memory(instance: Instance, *, sessions: int = 5) -> list[Figure]:
    """The server's peak RSS (whole process tree, MB) after `sessions` sessions opened every
    page, and its RSS when it had started, before any session.

    RuntimeError when playwright, chromium or /proc is missing, or when a page fails.
    """
    if sessions < 1:
        raise ValueError("sessions must be at least 1.")
    if not (PROC / "self" / "status").is_file():
        raise RuntimeError("Cannot measure memory: /proc is not available (Linux only).")
    executable = require_browser()
    from playwright.sync_api import sync_playwright

    engine = make_engine(instance.database_url)
    try:
        choice = plan_choice(engine, instance.plan_workspace_slug, instance.plan_id)
    finally:
        engine.dispose()
    with streamlit_server(instance.database_url) as server, sync_playwright() as playwright:
        started_kib = tree_rss_kib(server.pid)
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        sampler = PeakSampler(server.pid)
        sampler.start()
        try:
            contexts = [browser.new_context(viewport=VIEWPORT) for _ in range(sessions)]
            pages = [context.new_page() for context in contexts]
            for page in pages:
                open_plan(page, server, choice)
            for app_page in APP_PAGES[1:]:  # Home is open already
                for page in pages:
                    click_page(page, app_page.title)
                for page in pages:
                    page.wait_for_url(f"{server.url}/{app_page.url_path}")
                    wait_for_script(page)
        finally:
            peak = sampler.stop()
            browser.close()
    return _figures(peak, started_kib, sessions, database_label(instance.database_url))


@dataclass(frozen=True)
class Peak:
    """What the sampler saw: the highest tree total, and the high-water marks at the end."""

    sampled_kib: int
    samples: int
    root_hwm_kib: int
    processes: int

    @property
    def kib(self) -> int:
        return max(self.sampled_kib, self.root_hwm_kib)


class PeakSampler:
    """Samples the process tree's total RSS in a thread until stopped."""

    def __init__(self, root_pid: int) -> None:
        self.root_pid = root_pid
        self._stop = threading.Event()
        self._peak_kib = 0
        self._samples = 0
        self._processes = 1
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> Peak:
        self._sample()  # the state at the end counts too
        self._stop.set()
        self._thread.join()
        return Peak(
            sampled_kib=self._peak_kib,
            samples=self._samples,
            root_hwm_kib=status_kib(self.root_pid, "VmHWM"),
            processes=self._processes,
        )

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self._sample()

    def _sample(self) -> None:
        tree = process_tree(self.root_pid)
        total = sum(status_kib(pid, "VmRSS") for pid in tree)
        self._samples += 1
        self._processes = max(self._processes, len(tree))
        self._peak_kib = max(self._peak_kib, total)


def tree_rss_kib(root_pid: int) -> int:
    """The RSS of a process and all its descendants now (KiB)."""
    return sum(status_kib(pid, "VmRSS") for pid in process_tree(root_pid))


def process_tree(root_pid: int) -> list[int]:
    """`root_pid` and every process descended from it, read from /proc."""
    children: dict[int, list[int]] = {}
    for stat in PROC.glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended while we looked
            continue
        # The command name (in parentheses) may hold spaces: fields count from after it.
        fields = text[text.rindex(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, waiting = [], [root_pid]
    while waiting:
        pid = waiting.pop()
        tree.append(pid)
        waiting.extend(children.get(pid, []))
    return tree


def status_kib(pid: int, field: str) -> int:
    """A memory line of /proc/<pid>/status (VmRSS, VmHWM) in KiB; 0 once the process ended."""
    try:
        lines = (PROC / str(pid) / "status").read_text().splitlines()
    except OSError:
        return 0
    for line in lines:
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def _sessions(count: int) -> str:
    return f"{count} chromium session{'' if count == 1 else 's'}"


def _figures(peak: Peak, started_kib: int, sessions: int, database: str) -> list[Figure]:
    pages = len(APP_PAGES)
    return [
        Figure(
            key="server_peak_memory",
            label=f"Server peak memory, {sessions} sessions",
            database=database,
            value=peak.kib / KIB_PER_MB,
            unit="MB",
            budget=PEAK_BUDGET_MB,
            note=(
                f"Peak resident memory of `streamlit run` and its children "
                f"({peak.processes} process(es)) while {_sessions(sessions)} opened "
                f"all {pages} pages, side by side: the highest of {peak.samples} samples of "
                f"the tree's total VmRSS ({peak.sampled_kib / KIB_PER_MB:.0f} MB) and the "
                f"server's VmHWM ({peak.root_hwm_kib / KIB_PER_MB:.0f} MB). MB = 1024² bytes."
            ),
        ),
        Figure(
            key="server_start_memory",
            label="Server memory when started",
            database=database,
            value=started_kib / KIB_PER_MB,
            unit="MB",
            note="VmRSS of the server's process tree once it answered its health check.",
        ),
    ]
