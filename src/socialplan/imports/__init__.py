"""Importing the analytics exports owners download from X, LinkedIn, Facebook and Instagram.

Three steps, so the page can show what will happen before anything is written:

    parsed = read_import(data, filename="account_overview_analytics.csv",
                         followers_anchor=(date(2026, 3, 31), 1480))
    shown = preview(parsed)            # format, rows, date range, columns mapped/ignored, notes
    result = store_import(session=session, actor=actor, workspace_id=…, account_id=…,
                          parsed=parsed)

Every refusal is an `InvalidInput` whose `errors["file"]` is a whole sentence (or several)
to show as it is — "Line 14, column “Likes”: “abc” is not a number. Nothing was imported." —
or, for the other inputs, a message completing "<Field> …" under `followers_anchor`,
`account` or `format`. Nothing is stored unless everything is valid.

Per-day semantics: X's account overview and LinkedIn's followers export give numbers per
day as they happened. Post exports (X, Meta) give each post's reactions so far; they are
summed into the day the post was made, and `posts` is the number of rows that day (the
same convention as `socialplan.sync`). Totals missing from an export are never guessed:
they stay NULL unless the user gives the follower count on one date (the anchor).
"""

from socialplan.imports.decoding import MAX_BYTES
from socialplan.imports.formats import FORMATS, FORMATS_BY_KEY, FormatSpec, detect_format
from socialplan.imports.preview import ImportPreview, preview, preview_table
from socialplan.imports.reading import DayNumbers, ParsedImport, ReadingRow, read_import
from socialplan.imports.store import ImportConflict, ImportResult, store_import
from socialplan.imports.template import template_csv

__all__ = [
    "FORMATS",
    "FORMATS_BY_KEY",
    "MAX_BYTES",
    "DayNumbers",
    "FormatSpec",
    "ImportConflict",
    "ImportPreview",
    "ImportResult",
    "ParsedImport",
    "ReadingRow",
    "detect_format",
    "preview",
    "preview_table",
    "read_import",
    "store_import",
    "template_csv",
]
