"""From an uploaded file's bytes to rows of cells, each with the line it starts on.

Exports come as UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark
(Meta Business Suite) or, once opened and saved again in Excel on Windows, cp1252. A first
line `sep=,` (Excel's separator hint) sets the separator; without it the separator is the
one of `,`, `;` or tab that splits the first line into the most cells.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import NamedTuple, overload

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from socialplan.errors import InvalidInput

# A million-row export (years of daily numbers of an association) is 20–25 MiB.
MAX_BYTES = 50 * 1024 * 1024
SEPARATORS = (",", ";", "\t")
# Whole-file messages go under this field; the page shows them under the upload widget.
FILE = "file"
SAVE_AS_CSV = "save it as CSV (UTF-8) and import that file"


class Row(NamedTuple):
    """One record of the file: the line it starts on (1-based) and its cells.

    A named tuple rather than a dataclass: a million-row file makes a million of them, and
    a tuple is built several times faster.
    """

    line: int
    cells: list[str]

    def is_blank(self) -> bool:
        """True when no cell holds anything but spaces."""
        return all_blank(self.cells)


def all_blank(cells: list[str]) -> bool:
    """True when no cell holds anything but spaces."""
    return all(not cell.strip() for cell in cells)


_pause_lock = threading.Lock()
_pauses = 0
_collecting_before = True


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Python's cycle collector off while a file is read or written, then on again.

    A million-row file becomes a million small lists (the csv module's rows) and as many
    tuples and dicts, none of them in a reference cycle. The collector runs every few
    hundred new objects and, as they pile up, goes through all of them again and again:
    on a million rows that was more than half of the reading time. Memory is still freed
    as usual (reference counting); only the search for cycles waits. Nested and concurrent
    uses (two sessions importing at once) turn it back on when the last one ends.
    """
    global _pauses, _collecting_before
    with _pause_lock:
        if _pauses == 0:
            _collecting_before = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _collecting_before:
                gc.enable()


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


def split_rows(text: str) -> Sequence[Row]:
    """The file's records, blank ones dropped, each with the line it starts on."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise refuse("The file has no text in it: download the export again.")
    separator, skipped_lines = _separator(text)
    quote_free = QuoteFreeRows.of(text, separator, skipped_lines)
    if quote_free is not None:
        return quote_free
    stream = io.StringIO(text, newline="")
    for _ in range(skipped_lines):
        stream.readline()
    reader = csv.reader(stream, delimiter=separator)
    rows: list[Row] = []
    next_line = skipped_lines + 1
    try:
        for cells in reader:
            # The first cell is tested on its own first: it settles nearly every row.
            if cells and (cells[0].strip() or not all_blank(cells)):
                rows.append(Row(next_line, cells))
            next_line = reader.line_num + skipped_lines + 1
    except csv.Error as error:
        raise refuse(
            f"Line {next_line} could not be read as CSV: a cell is too long or a quote is "
            "never closed."
        ) from error
    return rows


class QuoteFreeRows(Sequence[Row]):
    """The records of a file without a quote character: one per line, kept as Arrow text.

    Without quotes no cell can hold a separator or a line break, so each line is a record
    and its cells are the line split at the separator, exactly what the csv module reads.
    A million-row export is then split in Arrow's compiled code instead of a million
    Python lists, and a `Row` is only made for a record someone asks for. The long format
    reads its columns straight from here (`columns`).
    """

    def __init__(self, lines: pa.StringArray, numbers: np.ndarray, separator: str) -> None:
        self.lines = lines  # the records' text, blank lines dropped
        self.numbers = numbers  # the line each record is on (1-based)
        self.separator = separator

    @classmethod
    def of(cls, text: str, separator: str, skipped_lines: int) -> QuoteFreeRows | None:
        """The records, or None when the file needs the csv module (quotes, lone carriage
        returns, or a line longer than the csv module accepts as one cell)."""
        if '"' in text:
            return None
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            return None
        lines = pc.split_pattern(pa.array([text], pa.large_string()), "\n").flatten()
        lines = lines.slice(skipped_lines)
        if len(lines) and pc.max(pc.utf8_length(lines)).as_py() > csv.field_size_limit():
            return None
        numbers = np.arange(skipped_lines + 1, skipped_lines + 1 + len(lines), dtype=np.int64)
        keep = ~cls._blank(lines, separator)
        return cls(lines.filter(pa.array(keep)), numbers[keep], separator)

    @staticmethod
    def _blank(lines: pa.Array, separator: str) -> np.ndarray:
        """Lines whose cells are all blank; judged by Python's own `strip` for any line
        without a letter or digit (the only ones that can be blank)."""
        maybe = ~pc.match_substring_regex(lines, "[0-9A-Za-z]").to_numpy(zero_copy_only=False)
        blank = np.zeros(len(lines), dtype=bool)
        for position in np.flatnonzero(maybe).tolist():
            blank[position] = all_blank(lines[position].as_py().split(separator))
        return blank

    def __len__(self) -> int:
        return len(self.lines)

    @overload
    def __getitem__(self, index: int) -> Row: ...

    @overload
    def __getitem__(self, index: slice) -> QuoteFreeRows: ...

    def __getitem__(self, index: int | slice) -> Row | QuoteFreeRows:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                raise ValueError("only contiguous slices of rows")
            return QuoteFreeRows(
                self.lines.slice(start, max(stop - start, 0)),
                self.numbers[start:stop],
                self.separator,
            )
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        cells = self.lines[index].as_py().split(self.separator)
        return Row(int(self.numbers[index]), cells)

    def columns(self, width: int) -> list[pa.Array] | None:
        """Each of the `width` columns' cells, or None when a record has another number of
        cells (those files go row by row, which words each such problem)."""
        cells = pc.split_pattern(self.lines, self.separator)
        if len(cells) and pc.any(pc.not_equal(pc.list_value_length(cells), width)).as_py():
            return None
        return [pc.list_element(cells, column) for column in range(width)]


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
