"""Whatever is uploaded, reading it either succeeds with sane numbers or raises our error."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialplan.errors import InvalidInput
from socialplan.imports import FORMATS, ParsedImport, detect_format, read_import
from socialplan.imports.formats import SNAPSHOT_FIELDS
from socialplan.imports.values import MAX_COUNT
from tests.imports.conftest import (
    LINKEDIN,
    LONG,
    META_FOLLOWS,
    META_POSTS_FACEBOOK,
    META_VIEWS,
    X_OVERVIEW,
    X_POSTS,
    X_TWEET_ACTIVITY,
    fixture_bytes,
)

FIXTURES = [
    X_OVERVIEW,
    X_POSTS,
    X_TWEET_ACTIVITY,
    LINKEDIN,
    META_VIEWS,
    META_FOLLOWS,
    META_POSTS_FACEBOOK,
    LONG,
]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

FORMULAS = ["=1+2", "=SUM(A1:A9)", "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", '=HYPERLINK("x")']
CELLS = st.one_of(
    st.integers(min_value=-5, max_value=10**10).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(
        FORMULAS
        + [
            "",
            "-",
            "1,234",
            "1.2K",
            "Tue, Mar 10, 2026",
            "2026-03-10",
            "03/10/2026",
            "2021-11-30 16:00 +0000",
        ]
    ),
    st.text(max_size=30),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 1, 1)).map(date.isoformat),
)


def read_or_refuse(data: bytes, **kwargs) -> ParsedImport | None:
    """The parsed file, or None when it was refused with our error (anything else fails)."""
    try:
        parsed = read_import(data, filename="upload.csv", **kwargs)
    except InvalidInput as error:
        assert error.errors and all(isinstance(m, str) and m for m in error.errors.values())
        return None
    check_sane(parsed)
    return parsed


def check_sane(parsed: ParsedImport) -> None:
    """What every successful read promises: one row per day, counts Social Plan can store."""
    days = [numbers.day for numbers in parsed.days]
    assert days == sorted(set(days))
    for numbers in parsed.days:
        assert set(numbers.values) <= set(SNAPSHOT_FIELDS)
        assert any(value is not None for value in numbers.values.values())
        for value in numbers.values.values():
            assert value is None or (isinstance(value, int) and 0 <= value <= MAX_COUNT)
    for reading in parsed.readings:
        assert abs(reading.value) <= 1e12


@SETTINGS
@given(st.binary(max_size=4096))
def test_random_bytes_never_crash(data):
    read_or_refuse(data)


@SETTINGS
@given(st.sampled_from(FIXTURES), st.floats(min_value=0, max_value=1))
def test_truncated_exports_never_crash(name, fraction):
    data = fixture_bytes(name)
    read_or_refuse(data[: int(len(data) * fraction)])


@SETTINGS
@given(st.sampled_from(FIXTURES), st.integers(min_value=0), st.binary(min_size=1, max_size=8))
def test_exports_with_bytes_overwritten_never_crash(name, position, junk):
    data = bytearray(fixture_bytes(name))
    start = position % len(data)
    data[start : start + len(junk)] = junk
    read_or_refuse(bytes(data))


@SETTINGS
@given(
    st.sampled_from(FORMATS),
    st.lists(st.lists(CELLS, min_size=1, max_size=20), min_size=1, max_size=12),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_any_cells_under_a_real_header_parse_or_are_refused(spec, rows, encoding, newline):
    header = next(csv.reader([spec.expected_header.split(" (")[0].replace("…", "x")]))
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerows([header, *rows])
    try:
        data = out.getvalue().encode(encoding)
    except UnicodeEncodeError:
        data = out.getvalue().encode("utf-8")
    read_or_refuse(data, followers_anchor=(date(2026, 3, 10), 100))


@SETTINGS
@given(st.lists(st.text(max_size=25), max_size=15))
def test_any_header_is_detected_or_refused(names):
    try:
        spec = detect_format(names)
    except InvalidInput as error:
        assert "Expected one of these exports" in error.errors["file"]
    else:
        assert spec in FORMATS


@SETTINGS
@given(st.text(max_size=400), st.sampled_from(["utf-8", "utf-16", "utf-8-sig"]))
def test_any_unicode_text_never_crashes(text, encoding):
    read_or_refuse(text.encode(encoding, errors="surrogatepass"))


@SETTINGS
@given(
    st.dictionaries(
        st.tuples(
            st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
            st.sampled_from(SNAPSHOT_FIELDS),
        ),
        st.integers(min_value=0, max_value=MAX_COUNT),
        min_size=1,
        max_size=40,
    )
)
def test_long_format_values_read_back_exactly(values):
    lines = ["date,metric,value"] + [
        f"{day},{name},{value}" for (day, name), value in values.items()
    ]
    parsed = read_import("\n".join(lines).encode(), filename="numbers.csv")
    got = {
        (numbers.day, name): value
        for numbers in parsed.days
        for name, value in numbers.values.items()
        if value is not None
    }
    assert got == values


@SETTINGS
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=500), st.integers(min_value=0, max_value=500)),
        min_size=2,
        max_size=60,
    ),
    st.data(),
)
def test_rebuilt_totals_follow_the_daily_changes_from_any_anchor(changes, data):
    first = date(2026, 1, 1)
    lines = ["Date,Impressions,New follows,Unfollows"]
    for offset, (gained, lost) in enumerate(changes):
        lines.append(f"{first + timedelta(days=offset)},1,{gained},{lost}")
    anchor_offset = data.draw(st.integers(min_value=0, max_value=len(changes) - 1))
    anchor = (first + timedelta(days=anchor_offset), 10**6)
    parsed = read_import("\n".join(lines).encode(), filename="o.csv", followers_anchor=anchor)
    totals = [numbers.values["followers"] for numbers in parsed.days]
    assert totals[anchor_offset] == 10**6
    for offset in range(1, len(changes)):
        gained, lost = changes[offset]
        assert totals[offset] - totals[offset - 1] == gained - lost


def test_utf16_truncated_mid_character_is_refused_not_crashed():
    data = codecs.BOM_UTF16_LE + "Date,Primary".encode("utf-16-le")
    assert read_or_refuse(data[:-1]) is None
