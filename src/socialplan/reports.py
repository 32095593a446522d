"""The plan report: every metric's actual, goal for today and status, as a dict, Markdown or JSON.

`socialplan report` prints it; the numbers come from the same scorecard as the Dashboard and
the Review step, so the three never disagree.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlmodel import Session

from socialplan.access import Actor
from socialplan.dashboard import format_day, format_value, round_sensibly
from socialplan.errors import NotFound
from socialplan.models import Direction, MetricSource, MetricStatus, PlanStatus
from socialplan.plans import current_plan
from socialplan.scorecard import MetricScore, plan_scorecard, status_counts
from socialplan.series import SOURCE_LABELS
from socialplan.status import STATUS_LABELS
from socialplan.workspaces import get_workspace_by_slug

MISSING = "—"
TABLE_COLUMNS = (
    "Objective",
    "Metric",
    "Source",
    "Baseline",
    "Target",
    "Target date",
    "Actual",
    "Goal for today",
    "Progress",
    "Status",
)


def _metric_entry(score: MetricScore) -> dict[str, Any]:
    metric, result = score.metric, score.result
    return {
        "objective": score.objective.title,
        "name": metric.name,
        "unit": metric.unit,
        "source": MetricSource(metric.source).value,
        "direction": Direction(metric.direction).value,
        "baseline": round_sensibly(metric.baseline),
        "target": round_sensibly(metric.target),
        "target_date": metric.target_date.isoformat(),
        "actual": round_sensibly(result.actual),
        "goal_today": round_sensibly(result.goal_today),
        "progress": None if result.progress is None else round(result.progress, 4),
        "status": result.status.value,
    }


def build_report(
    *, session: Session, actor: Actor, workspace_slug: str, today: date
) -> dict[str, Any]:
    """The workspace's current plan with every metric's numbers as of `today`, JSON-ready."""
    workspace = get_workspace_by_slug(session=session, actor=actor, slug=workspace_slug)
    plan = current_plan(session=session, actor=actor, workspace_id=workspace.id)
    if plan is None:
        raise NotFound(
            f"The workspace “{workspace_slug}” has no plan yet — start one in the app first."
        )
    scores = plan_scorecard(session=session, actor=actor, plan_id=plan.id, today=today)
    return {
        "workspace": workspace.name,
        "workspace_slug": workspace.slug,
        "plan": plan.name,
        "plan_status": PlanStatus(plan.status).value,
        "period": {
            "start": plan.period_start.isoformat(),
            "end": plan.period_end.isoformat(),
        },
        "today": today.isoformat(),
        "status_counts": {status.value: n for status, n in status_counts(scores).items()},
        "metrics": [_metric_entry(score) for score in scores],
    }


def _plain(text: str) -> str:
    """User text made safe for one Markdown line or table cell."""
    # Backslashes first, or the escape added for a pipe would itself be escaped.
    escaped = str(text).replace("\\", "\\\\").replace("|", "\\|")
    return " ".join(escaped.split())


def _long_day(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.day} {day:%b %Y}"


def _number(value: float | None, unit: str) -> str:
    return MISSING if value is None else format_value(value, unit)


def _metric_row(entry: dict[str, Any], today: date) -> list[str]:
    unit = entry["unit"]
    progress = entry["progress"]
    return [
        _plain(entry["objective"]),
        _plain(entry["name"]),
        SOURCE_LABELS[MetricSource(entry["source"])],
        _plain(_number(entry["baseline"], unit)),
        _plain(_number(entry["target"], unit)),
        format_day(date.fromisoformat(entry["target_date"]), today),
        _plain(_number(entry["actual"], unit)),
        _plain(_number(entry["goal_today"], unit)),
        MISSING if progress is None else f"{progress:.0%}",
        STATUS_LABELS[MetricStatus(entry["status"])],
    ]


def _table(rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(TABLE_COLUMNS) + " |", "|" + " --- |" * len(TABLE_COLUMNS)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def render_report_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown: a heading, the status counts and a table of metrics."""
    today = date.fromisoformat(report["today"])
    period = report["period"]
    # In the status order, not the dict's: a report read back from sorted JSON is alphabetical.
    counts = " · ".join(
        f"**{STATUS_LABELS[status]}:** {report['status_counts'].get(status.value, 0)}"
        for status in MetricStatus
    )
    lines = [
        f"# {_plain(report['plan'])} — {_plain(report['workspace'])}",
        "",
        f"Period {_long_day(period['start'])} – {_long_day(period['end'])} · "
        f"as of {_long_day(report['today'])} · plan {_plain(report['plan_status'])}",
        "",
        counts,
        "",
    ]
    if report["metrics"]:
        lines.extend(_table([_metric_row(entry, today) for entry in report["metrics"]]))
    else:
        lines.append("No metrics yet — add them on the Metrics step of the plan.")
    return "\n".join(lines)


def render_report_json(report: dict[str, Any]) -> str:
    """The report as JSON: indented by 2, keys sorted, so that two reports diff cleanly."""
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False)
