"""What an import will store, told before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from socialplan.accounts import NETWORK_LABELS
from socialplan.imports.reading import FIELD_WORDS, MappedColumn, ParsedImport


@dataclass(frozen=True)
class ImportPreview:
    """The preview of a parsed file: its format, extent, columns and caveats."""

    format_key: str
    format_name: str
    filename: str
    rows: int  # data rows in the file
    days: int  # days with account numbers to store
    readings: int  # business metric values to store
    first_day: date | None
    last_day: date | None
    columns_mapped: tuple[MappedColumn, ...]
    columns_ignored: tuple[str, ...]
    fields: tuple[str, ...]  # snapshot fields written on at least one day
    business_metrics: tuple[str, ...]  # metric names as the file writes them
    networks: tuple[str, ...]  # labels of the networks the numbers may come from
    notes: tuple[str, ...]

    def summary(self) -> str:
        """One line: "31 days of X account overview numbers, 01 Mar 2026 to 31 Mar 2026"."""
        parts = []
        if self.days:
            parts.append(f"{self.days} day{'s' if self.days != 1 else ''} of account numbers")
        if self.readings:
            count = len(self.business_metrics)
            parts.append(
                f"{self.readings} reading{'s' if self.readings != 1 else ''} of "
                f"{count} business metric{'s' if count != 1 else ''}"
            )
        span = ""
        if self.first_day and self.last_day:
            span = f", {self.first_day:%d %b %Y} to {self.last_day:%d %b %Y}"
        return f"{self.format_name}: {' and '.join(parts)}{span}."


def preview(parsed: ParsedImport) -> ImportPreview:
    """The preview of what `store_import` would write for this file."""
    return ImportPreview(
        format_key=parsed.spec.key,
        format_name=parsed.spec.name,
        filename=parsed.filename,
        rows=parsed.rows,
        days=len(parsed.days),
        readings=len(parsed.readings),
        first_day=parsed.first_day,
        last_day=parsed.last_day,
        columns_mapped=parsed.mapped,
        columns_ignored=parsed.ignored,
        fields=parsed.fields,
        business_metrics=tuple(dict.fromkeys(reading.metric for reading in parsed.readings)),
        networks=tuple(NETWORK_LABELS[network] for network in parsed.networks),
        notes=parsed.notes,
    )


def preview_table(parsed: ParsedImport, limit: int | None = None) -> pd.DataFrame:
    """The account numbers to store, one row per day (empty cells: not in this file)."""
    fields = parsed.fields
    days = parsed.days if limit is None else parsed.days[:limit]
    frame = pd.DataFrame(
        {
            "day": [numbers.day for numbers in days],
            **{
                FIELD_WORDS[name]: pd.array(
                    [numbers.values.get(name) for numbers in days], dtype="Int64"
                )
                for name in fields
            },
        }
    )
    return frame
