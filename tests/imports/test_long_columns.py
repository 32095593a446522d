"""The long format is read column by column; it must read exactly as row by row did.

`reference_read_long` is the row-by-row reader the column-wise one replaced (kept here as
the specification): every file gives the same days, readings and refusal, word for word.
Files are written both without quotes (read through Arrow, `QuoteFreeRows`) and with
every cell quoted (read through the csv module), so both ways of splitting are checked.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialplan.csvsafe import unneutralised
from socialplan.errors import InvalidInput
from socialplan.imports import read_import
from socialplan.imports.decoding import QuoteFreeRows, decode, split_rows
from socialplan.imports.formats import LONG, normalise_name
from socialplan.imports.reading import (
    LONG_NAMES,
    Problems,
    ReadingRow,
    _cells,
    _day,
    _long_value,
    _note,
    _table,
)
from socialplan.imports.values import shown

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def reference_read_long(data: bytes) -> tuple[dict, list[ReadingRow]]:
    """The row-by-row reading of a long file (raises InvalidInput like read_import)."""
    table = _table(list(split_rows_by_csv(decode(data))), LONG.key)
    problems = Problems()
    metric_index, value_index = table.index_of("metric"), table.index_of("value")
    note_index = table.index_of("note")
    days: dict[date, dict[str, int | None]] = defaultdict(dict)
    readings: list[ReadingRow] = []
    first_line: dict[tuple[date, str], int] = {}
    for row in table.rows:
        cells = _cells(table, row, problems)
        if cells is None:
            continue
        day = _day(table, row, cells, problems)
        name = unneutralised(cells[metric_index].strip())
        if not name:
            problems.add(row.line, table.label_of(metric_index), "the metric name is missing.")
            continue
        snapshot_field = LONG_NAMES.get(normalise_name(name))
        value = _long_value(table, row, cells[value_index], value_index, snapshot_field, problems)
        if day is None or value is None:
            continue
        key = (day, snapshot_field or normalise_name(name))
        if key in first_line:
            problems.add(
                row.line,
                table.label_of(metric_index),
                f"{shown(name)} on {day:%Y-%m-%d} repeats line {first_line[key]}.",
            )
            continue
        first_line[key] = row.line
        if snapshot_field is not None:
            days[day][snapshot_field] = int(value)
            continue
        note = _note(table, row, cells, note_index, problems)
        if note is not None:
            readings.append(ReadingRow(row.line, name, day, float(value), note))
    problems.raise_if_any()
    return dict(days), readings


def split_rows_by_csv(text: str):
    """The csv module's rows even for a file without quotes (the reference never uses Arrow)."""
    rows = split_rows(text)
    if isinstance(rows, QuoteFreeRows):
        return [rows[position] for position in range(len(rows))]
    return rows


def outcome(read):
    """What reading gives: the days and readings, or the refusal's messages."""
    try:
        return read()
    except InvalidInput as error:
        return error.errors


def columnwise(data: bytes):
    parsed = read_import(data, filename="long.csv", format=LONG.key)
    days = {numbers.day: numbers.values for numbers in parsed.days}
    return days, list(parsed.readings)


def reference(data: bytes):
    days, readings = reference_read_long(data)
    if not days and not readings:
        return read_import(data, filename="long.csv", format=LONG.key) and None  # its refusal
    return dict(sorted(days.items())), readings


DATES = st.one_of(
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
    st.sampled_from(
        ["2026-02-29", "2024-02-29", "0000-01-01", "2026-13-01", "2026-1-5", " 2026-01-05 "]
        + ["2026-01-05T10:00:00", "2026-01-05 23:30 -0500", "", "05/01/2026", "tomorrow"]
    ),
)
NAMES = st.sampled_from(
    ["followers", "Followers ", "likes", "Retweets", "posts total", "views", "Leads", "'=Leads"]
    + ["", "  ", "Orders", "orders"]
)
VALUES = st.one_of(
    st.integers(min_value=-3, max_value=10**19).map(str),
    st.sampled_from(["", "-", "1,234", "1777.0", "2.5", "-4", "1e3", "abc", "0012", " 7 "]),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
NOTES = st.one_of(st.just(""), st.sampled_from(["checked", "'=x", "x" * 2001]))


def long_file(rows: list[tuple[str, ...]], header: tuple[str, ...], quoted: bool) -> bytes:
    def line(cells: tuple[str, ...]) -> str:
        return ",".join(f'"{cell}"' if quoted else cell for cell in cells)

    return ("\n".join([line(header), *map(line, rows)]) + "\n").encode()


@SETTINGS
@given(
    rows=st.lists(st.tuples(DATES, NAMES, VALUES, NOTES), min_size=1, max_size=12),
    with_notes=st.booleans(),
    quoted=st.booleans(),
    repeat=st.integers(min_value=0, max_value=3),
)
def test_column_wise_reading_equals_row_by_row(rows, with_notes, quoted, repeat):
    rows = rows + rows[:repeat]  # repeated days and numbers are refused, naming the first line
    header = ("date", "metric", "value", "note") if with_notes else ("date", "metric", "value")
    cells = [row if with_notes else row[:3] for row in rows]
    data = long_file(cells, header, quoted)
    assert outcome(lambda: columnwise(data)) == outcome(lambda: reference(data))


@pytest.mark.parametrize("quoted", [False, True])
def test_rows_of_the_wrong_width_and_blank_lines_read_the_same_both_ways(quoted):
    lines = [
        "date,metric,value",
        "2026-01-01,followers,10",
        "",
        " , , ",
        "2026-01-02,followers,11,,",
        "2026-01-03,followers",
        "2026-01-04,followers,12,x",
        "2026-01-05,Leads,3",
    ]
    if quoted:
        lines = [",".join(f'"{c}"' for c in line.split(",")) if line else "" for line in lines]
    data = ("\r\n".join(lines) + "\r\n").encode()
    assert outcome(lambda: columnwise(data)) == outcome(lambda: reference(data))
    assert outcome(lambda: columnwise(data)) == {
        "file": "Line 6: the row has 2 values but the header has 3 columns (the row may be cut "
        "short). Line 7: the row has 4 values but the header has 3 columns (a value may hold "
        "a comma without quotes around it). Nothing was imported."
    }


def test_a_file_without_quotes_is_split_by_arrow_and_one_with_quotes_by_csv():
    plain = decode(b"date,metric,value\n2026-01-01,followers,10\n")
    quoted = decode(b'date,metric,value\n"2026-01-01","followers","10"\n')
    assert isinstance(split_rows(plain), QuoteFreeRows)
    assert not isinstance(split_rows(quoted), QuoteFreeRows)
    assert [tuple(row) for row in split_rows(plain)] == [tuple(row) for row in split_rows(quoted)]
