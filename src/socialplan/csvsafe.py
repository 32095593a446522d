"""CSV that is safe to open in a spreadsheet: no cell the app writes can run as a formula.

Excel, LibreOffice and Google Sheets treat a cell that starts with `=`, `+`, `-` or `@`
as a formula, and some also do after a leading tab or carriage return; a formula such as
`=cmd|' /C calc'!A0` can run a program or send the sheet's data elsewhere. Names, handles
and titles come from users and from other businesses (peer leaderboards), so every text
cell is neutralised the OWASP way: a single quote in front makes the spreadsheet show the
text as it is. Numbers are not text and stay numbers, `-5` included.

`unneutralised` undoes it for files that come back in (the import template), so a metric
named `=Leads` read back from its own template is still `=Leads`.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from typing import TextIO

# What a spreadsheet reads as the start of a formula. The full-width forms are included
# because Excel with an East Asian input method converts them to their ASCII twins.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
NEUTRALISER = "'"
# A cell that is only a number (as text, like "-5" or "+1.5e3") is no formula: left as it is.
PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def spreadsheet_safe(cell: object) -> str:
    """The cell as CSV text a spreadsheet shows as written, never evaluates.

    None is an empty cell; int and float are written as numbers (negative ones too);
    text starting like a formula gets a single quote in front.
    """
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, int | float):
        return _number(cell)
    text = str(cell)
    return NEUTRALISER + text if _needs_neutraliser(text) else text


def _needs_neutraliser(text: str) -> bool:
    """True for text a spreadsheet would run, and for text `unneutralised` would change.

    The second case (a quote the user typed before a formula start, "'=x") gets a quote too,
    so that reading the cell back with `unneutralised` always gives the original text.
    """
    bare = text.lstrip(NEUTRALISER)
    return bare.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(bare)


def _number(value: float) -> str:
    """A number as the csv module writes it; NaN and infinity as text nobody can misread."""
    if isinstance(value, float) and not math.isfinite(value):
        # str(-inf) is "-inf": harmless, but a formula-looking start is quoted like any text.
        return spreadsheet_safe(str(value))
    return str(value)


def unneutralised(cell: str) -> str:
    """The text `spreadsheet_safe` was given for a text cell: its added quote taken off."""
    if cell.startswith(NEUTRALISER) and _needs_neutraliser(cell[1:]):
        return cell[1:]
    return cell


def write_csv_rows(
    out: TextIO, rows: Iterable[Iterable[object]], *, lineterminator: str = "\n"
) -> None:
    """Write `rows` (header included, if any) to `out` as CSV, every cell spreadsheet-safe."""
    writer = csv.writer(out, lineterminator=lineterminator)
    # The csv module quotes a cell holding "\n" but not one holding a lone "\r" when lines
    # end in "\n", and every reader takes that "\r" as the end of the row: a name typed
    # with one would split its row in two. Such rows are written with every cell quoted.
    quoting_all = csv.writer(out, lineterminator=lineterminator, quoting=csv.QUOTE_ALL)
    for row in rows:
        cells = [spreadsheet_safe(cell) for cell in row]
        needs_quotes = "\r" not in lineterminator and any("\r" in cell for cell in cells)
        (quoting_all if needs_quotes else writer).writerow(cells)


def csv_text(rows: Iterable[Iterable[object]], *, lineterminator: str = "\n") -> str:
    """`rows` as spreadsheet-safe CSV text."""
    out = io.StringIO()
    write_csv_rows(out, rows, lineterminator=lineterminator)
    return out.getvalue()
