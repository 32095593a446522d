"""The results table of docs/benchmarks.md, regenerated from the newest result files.

One table per database and scale (the newest file of each), between two marker comments;
the rest of the page is prose kept by hand.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path

from socialplan.bench.results import Figure

START = "<!-- results:start (written by socialplan bench; edit the text around it) -->"
END = "<!-- results:end -->"
SCALE_ORDER = {"full": 0, "small": 1}
DATABASE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
HEADER = "| figure | value | floor | ratio | budget | met | note |"
RULE = "| --- | ---: | ---: | ---: | --- | :---: | --- |"


def newest_results(folder: Path) -> list[dict]:
    """The newest result document per (database, scale), full scale first."""
    newest: dict[tuple[str, str], dict] = {}
    for path in sorted(folder.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        document["file"] = path.name
        key = (document["database"], document["scale"])
        if key not in newest or document["started_at"] >= newest[key]["started_at"]:
            newest[key] = document
    return sorted(newest.values(), key=lambda d: (SCALE_ORDER.get(d["scale"], 9), d["database"]))


def number(value: float | None, unit: str = "") -> str:
    """A value as the table shows it: 3 significant digits, thousands separated."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if value == 0:
        text = "0"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".strip()


def ratio_text(ratio: float | None) -> str:
    if ratio is None:
        return "—"
    return f"{ratio:.2f}×" if ratio < 10 else f"{ratio:,.0f}×"


def budget_text(figure: Figure) -> str:
    parts = []
    if figure.budget is not None:
        parts.append(f"≤ {number(figure.budget, figure.unit)}")
    if figure.ratio_budget is not None:
        parts.append(f"≤ {figure.ratio_budget:g}× floor")
    return " and ".join(parts) or "—"


def met_text(figure: Figure) -> str:
    if figure.skipped:
        return "skipped"
    return {True: "yes", False: "**no**", None: "—"}[figure.met]


def figure_row(figure: Figure) -> str:
    """One table row: figure, value, floor, ratio, budget, met, note."""
    if figure.skipped:
        cells = [figure.label, "—", "—", "—", budget_text(figure), "skipped", figure.skipped]
    else:
        ratio = figure.ratio
        cells = [
            figure.label,
            number(figure.value, figure.unit),
            number(figure.floor, figure.unit),
            ratio_text(ratio),
            budget_text(figure),
            met_text(figure),
            figure.note,
        ]
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def table(document: dict) -> list[str]:
    """The heading, conditions and table of one result document."""
    machine = document.get("machine", {})
    load = document.get("load_average", {})
    name = DATABASE_NAMES.get(document["database"], document["database"])
    version = (
        machine.get("postgresql") if document["database"] == "postgresql" else machine.get("sqlite")
    )
    instance = document.get("instance", {})
    lines = [
        f"### {name} {version or ''}, {document['scale']} scale".replace("  ", " "),
        "",
        f"Run {document['started_at']} ({document['file']}): {machine.get('cpu_count')} CPUs, "
        f"Python {machine.get('python')}, {instance.get('accounts', 0):,} accounts, "
        f"{instance.get('snapshots', 0):,} snapshots; load average (1, 5, 15 min) "
        f"{_load(load.get('before'))} before, {_load(load.get('after'))} after.",
        "",
        HEADER,
        RULE,
    ]
    lines += [figure_row(Figure.from_json(item)) for item in document["figures"]]
    return [*lines, ""]


def _load(values: list[float] | None) -> str:
    return "unknown" if not values else " / ".join(f"{v:.1f}" for v in values)


def tables(folder: Path) -> str:
    documents = newest_results(folder)
    if not documents:
        return "No results yet: run `socialplan bench`.\n"
    return "\n".join(line for document in documents for line in table(document))


def update_docs(path: Path, folder: Path) -> None:
    """Replace the text between the markers of `path` with the newest tables."""
    text = path.read_text(encoding="utf-8") if path.exists() else f"{START}\n{END}\n"
    if START not in text or END not in text:
        text = f"{text.rstrip()}\n\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{START}\n\n{tables(folder)}\n{END}{tail}", encoding="utf-8")


def summary_lines(figures: Iterable[Figure]) -> list[str]:
    """The figures as short lines for the terminal at the end of a run."""
    lines = []
    for figure in figures:
        if figure.skipped:
            lines.append(f"  {figure.label}: skipped ({figure.skipped})")
            continue
        ratio = "" if figure.ratio is None else f", {ratio_text(figure.ratio)} floor"
        verdict = {True: "met", False: "MISSED", None: "no budget"}[figure.met]
        lines.append(f"  {figure.label}: {number(figure.value, figure.unit)}{ratio} — {verdict}")
    return lines


if __name__ == "__main__":
    # `python -m socialplan.bench.docs`: rewrite the tables from the result files as they are.
    from socialplan.bench.run import DOCS_PATH, RESULTS_DIR

    update_docs(DOCS_PATH, RESULTS_DIR)
