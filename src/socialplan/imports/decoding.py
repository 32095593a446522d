"""From an uploaded file's bytes to rows of cells, each with the line it starts on.

Exports come as UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark
(Meta Business Suite) or, once opened and saved again in Excel on Windows, cp1252. A first
line `sep=,` (Excel's separator hint) sets the separator; without it the separator is the
one of `,`, `;` or tab that splits the first line into the most cells.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass

from socialplan.errors import InvalidInput

MAX_BYTES = 20 * 1024 * 1024
SEPARATORS = (",", ";", "\t")
# Whole-file messages go under this field; the page shows them under the upload widget.
FILE = "file"
SAVE_AS_CSV = "save it as CSV (UTF-8) and import that file"


@dataclass(frozen=True)
class Row:
    """One record of the file: the line it starts on (1-based) and its cells."""

    line: int
    cells: list[str]

    def is_blank(self) -> bool:
        """True when no cell holds anything but spaces."""
        return all(not cell.strip() for cell in self.cells)


def refuse(message: str) -> InvalidInput:
    """The error for a whole-file problem, ready to raise."""
    return InvalidInput({FILE: message})


def decode(data: bytes) -> str:
    """The file's text; InvalidInput when it is too big, empty, a workbook or not text."""
    if len(data) > MAX_BYTES:
        raise refuse(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; files over "
            f"{MAX_BYTES // 1024 // 1024} MB are refused. Export a shorter date range."
        )
    if not data:
        raise refuse("The file is empty (0 bytes): download the export again.")
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise refuse(
            "The file is an Excel workbook, not a CSV file: open it, keep the sheet with "
            f"the daily numbers (LinkedIn: “New followers”), {SAVE_AS_CSV}."
        )
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return _decode_strictly(data[len(bom) :], encoding)
    if b"\x00" in data:
        # UTF-16 without its byte-order mark, or not text at all: guessing would misread it.
        raise refuse(
            "The file is not text Social Plan can read (it contains NUL bytes: binary data, "
            f"or UTF-16 without a byte-order mark). Open it in a spreadsheet, {SAVE_AS_CSV}."
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # every byte is a Latin-1 character


def _decode_strictly(data: bytes, encoding: str) -> str:
    """The text in the encoding its byte-order mark names; InvalidInput when it is not."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        raise refuse(
            f"The file says it is {encoding.upper()} but is not valid {encoding.upper()} "
            f"text (byte {error.start + 1}). Open it in a spreadsheet, {SAVE_AS_CSV}."
        ) from error
    if "\x00" in text:
        raise refuse(f"The file contains NUL characters, which no export has: {SAVE_AS_CSV}.")
    return text


def split_rows(text: str) -> list[Row]:
    """The file's records, blank ones dropped, each with the line it starts on."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise refuse("The file has no text in it: download the export again.")
    separator, skipped_lines = _separator(text)
    stream = io.StringIO(text, newline="")
    for _ in range(skipped_lines):
        stream.readline()
    reader = csv.reader(stream, delimiter=separator)
    rows: list[Row] = []
    next_line = skipped_lines + 1
    try:
        for cells in reader:
            row = Row(line=next_line, cells=cells)
            next_line = reader.line_num + skipped_lines + 1
            if cells and not row.is_blank():
                rows.append(row)
    except csv.Error as error:
        raise refuse(
            f"Line {next_line} could not be read as CSV: a cell is too long or a quote is "
            "never closed."
        ) from error
    return rows


def _separator(text: str) -> tuple[str, int]:
    """The separator and how many lines precede the table (1 for a `sep=` line, else 0)."""
    first_line = text.split("\n", 1)[0].strip().strip('"')
    if first_line.lower().startswith("sep=") and len(first_line) == 5:
        return first_line[4], 1
    sample = first_line[:10_000]
    counts = {separator: _cells_in(sample, separator) for separator in SEPARATORS}
    return max(SEPARATORS, key=lambda separator: counts[separator]), 0


def _cells_in(line: str, separator: str) -> int:
    """How many cells `separator` splits the line into."""
    try:
        return len(next(csv.reader([line], delimiter=separator), []))
    except csv.Error:
        return 0
