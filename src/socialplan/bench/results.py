"""What a benchmark run measures: one `Figure` per number, with its budget and its floor."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One measured number: a time, a size or a count, with what it is judged against.

    `value` and `floor` share `unit`. A figure with a `floor` (the hand-written SQL or the
    tightest pandas/numpy computing the same result) reports `ratio = value / floor`, and
    meets its budget only when `value <= budget` and `ratio <= ratio_budget` (each where set).
    """

    key: str
    label: str
    database: str
    value: float
    unit: str
    budget: float | None = None
    floor: float | None = None
    ratio_budget: float | None = None
    runs: int = 1
    note: str = ""
    # Why the figure could not be measured in this run (no chromium, say); "" when it was.
    skipped: str = ""

    @classmethod
    def skipped_for(
        cls, key: str, label: str, database: str, reason: str, unit: str = ""
    ) -> Figure:
        """A figure this run could not measure, with the reason in plain words."""
        return cls(key=key, label=label, database=database, value=0.0, unit=unit, runs=0,
                   skipped=reason)  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figure:
        """A figure as `to_json` wrote it (the derived ratio and met are recomputed)."""
        names = {f.name for f in fields(cls)}
        return cls(**{name: value for name, value in data.items() if name in names})

    @property
    def ratio(self) -> float | None:
        if self.skipped or self.floor is None or self.floor <= 0:
            return None
        return self.value / self.floor

    @property
    def met(self) -> bool | None:
        """True or False against the budget; None without a budget or a measurement."""
        if self.skipped or (self.budget is None and self.ratio_budget is None):
            return None
        within_budget = self.budget is None or self.value <= self.budget
        ratio = self.ratio
        within_ratio = self.ratio_budget is None or (
            ratio is not None and ratio <= self.ratio_budget
        )
        return within_budget and within_ratio

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio, "met": self.met}


@dataclass(frozen=True)
class Instance:
    """The synthetic instance a run measures: where to find its parts."""

    database_url: str
    scale: str
    accounts: int
    workspaces: int
    snapshots: int
    days: int
    plan_workspace_slug: str
    plan_id: int
    peer_group_id: int
    sample_account_id: int
    build_seconds: float
    counts: dict[str, int] = field(default_factory=dict)
