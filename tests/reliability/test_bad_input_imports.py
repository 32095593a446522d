"""Imports under generated bad input: stored exactly as read, or refused with a message.

Files are generated from the real exports in tests/fixtures/imports: cut short, bytes
overwritten, cells replaced by formulas, huge numbers, NULs and hostile Unicode, and
re-encoded (UTF-8 with a BOM, UTF-16 LE/BE with and without one, Latin-1, cp1252); plus
Social Plan's own date/metric/value format written from scratch. Reading them either
gives a sane ParsedImport or raises InvalidInput naming the field; storing one on a real
database (SQLite and PostgreSQL) either writes exactly what was read, or is refused and
leaves every table as it was.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
from datetime import date

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from sqlmodel import Session, SQLModel, func, select

from socialplan import metrics, objectives
from socialplan.accounts import store_account_import
from socialplan.errors import InvalidInput, NotFound
from socialplan.imports import (
    FORMATS_BY_KEY,
    ImportConflict,
    ParsedImport,
    preview,
    preview_table,
    read_import,
)
from socialplan.imports.decoding import decode
from socialplan.imports.formats import SNAPSHOT_FIELDS, normalise_name
from socialplan.imports.values import MAX_COUNT
from socialplan.models import (
    TEXT_MAX,
    Account,
    BusinessScore,
    InfluenceScore,
    Metric,
    Network,
    Objective,
    ObjectiveCreate,
    Plan,
    Reading,
    Revision,
    Snapshot,
    Task,
    Workspace,
)
from tests.factories import create_workspace_with_plan
from tests.imports.conftest import (
    LINKEDIN,
    LONG,
    META_DAILY,
    META_FOLLOWS,
    META_POSTS_FACEBOOK,
    META_POSTS_INSTAGRAM,
    META_VIEWS,
    X_OVERVIEW,
    X_POSTS,
    X_TWEET_ACTIVITY,
    fixture_bytes,
)
from tests.reliability.conftest import NASTY_PIECES, PROFILE, examples, nasty_text

GOOD_FIXTURES = [
    X_OVERVIEW,
    X_POSTS,
    X_TWEET_ACTIVITY,
    LINKEDIN,
    META_VIEWS,
    META_FOLLOWS,
    META_POSTS_INSTAGRAM,
    META_POSTS_FACEBOOK,
    META_DAILY,
    LONG,
]
ANCHORS = {
    X_OVERVIEW: (date(2026, 3, 31), 1480),
    LINKEDIN: (date(2026, 3, 31), 2200),
    META_FOLLOWS: (date(2026, 3, 31), 640),
}
FORMAT_CHOICES = st.sampled_from(["auto", *FORMATS_BY_KEY, "nonsense"])
# Tables an import (and the score recompute after it) may write; a refusal leaves them as is.
COUNTED: tuple[type[SQLModel], ...] = (
    Workspace,
    Plan,
    Objective,
    Metric,
    Task,
    Account,
    Snapshot,
    Reading,
    InfluenceScore,
    BusinessScore,
    Revision,
)
BAD_CELLS = [
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-5",
    "@SUM(1)",
    "\t=1",
    "9" * 5000,
    "1e400",
    "-0",
    "nan",
    "inf",
    "1,234,567",
    str(MAX_COUNT),
    str(MAX_COUNT + 1),
    "12\x00",
    "x" * 150_000,  # over the csv module's field limit
    "🥐" * 3000,
    "",
    '"',
    "2026-02-30",
    "2021-11-30 16:00 +2500",
    *NASTY_PIECES,
]


# ---------------------------------------------------------------- reading


def fixture_text(name: str) -> str:
    return decode(fixture_bytes(name)).lstrip("\ufeff")


def read_or_refuse(data: bytes, **kwargs) -> ParsedImport | None:
    """The parsed file after checking it is sane, or None after checking the refusal."""
    try:
        parsed = read_import(data, filename="upload.csv", **kwargs)
    except InvalidInput as error:
        assert error.errors, "a refusal names its field"
        assert set(error.errors) <= {"file", "format", "followers_anchor"}, error.errors
        for message in error.errors.values():
            assert isinstance(message, str) and message.strip()
            assert message.rstrip().endswith((".", ")")), message
        return None
    check_sane(parsed)
    return parsed


def check_sane(parsed: ParsedImport) -> None:
    """What every accepted file promises: a row per day, storable numbers, a preview."""
    days = [numbers.day for numbers in parsed.days]
    assert days == sorted(set(days))
    for numbers in parsed.days:
        assert set(numbers.values) <= set(SNAPSHOT_FIELDS)
        for value in numbers.values.values():
            assert value is None or (type(value) is int and 0 <= value <= MAX_COUNT)
    for reading in parsed.readings:
        assert math.isfinite(reading.value) and abs(reading.value) <= 1e12
        assert len(reading.note) <= TEXT_MAX and "\x00" not in reading.note
        assert reading.metric.strip() and "\x00" not in reading.metric
    shown = preview(parsed)
    assert shown.summary().endswith(".")
    assert len(preview_table(parsed)) == len(parsed.days)


def cut_cell(text: str, line_number: int, column: int, cell: str) -> str:
    """The CSV text with one cell replaced (quoted as a spreadsheet would write it)."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return text  # an earlier replacement put in a cell over the csv module's limit
    if not rows:
        return text
    row = rows[line_number % len(rows)]
    if row:
        row[column % len(row)] = cell
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "latin-1", "cp1252"]


def encoded(text: str, encoding: str) -> bytes:
    """`text` in `encoding`; BOMs added for "-le"/"-be" only half the time (see the caller)."""
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode(encoding, errors="replace")


@st.composite
def mutated_exports(draw: st.DrawFn) -> tuple[str, bytes]:
    """A real export with cells replaced, re-encoded, then perhaps cut or overwritten."""
    name = draw(st.sampled_from(GOOD_FIXTURES))
    text = fixture_text(name)
    for _ in range(draw(st.sampled_from([0, 0, 1, 2, 3]))):
        cell = draw(st.one_of(st.sampled_from(BAD_CELLS), nasty_text(max_size=30)))
        text = cut_cell(text, draw(st.integers(0, 60)), draw(st.integers(0, 20)), cell)
    encoding = draw(st.sampled_from(ENCODINGS))
    data = encoded(text, encoding)
    if encoding in ("utf-16-le", "utf-16-be") and draw(st.booleans()):
        bom = codecs.BOM_UTF16_LE if encoding == "utf-16-le" else codecs.BOM_UTF16_BE
        data = bom + data
    damage = draw(st.sampled_from(["none", "none", "cut", "overwrite"]))
    if damage == "cut" and data:
        data = data[: draw(st.integers(0, len(data)))]
    elif damage == "overwrite" and data:
        junk = draw(st.binary(min_size=1, max_size=16))
        start = draw(st.integers(0, len(data) - 1))
        data = data[:start] + junk + data[start + len(junk) :]
    return name, data


def mostly(good: st.SearchStrategy, bad: st.SearchStrategy) -> st.SearchStrategy:
    """Three times in four a good cell, else a bad one: most files get as far as storing."""
    return st.one_of(good, good, good, bad)


DAY_CELLS = mostly(
    st.dates(min_value=date(2026, 6, 1), max_value=date(2027, 6, 1)).map(date.isoformat),
    st.sampled_from(["2027-02-30", "", "tomorrow", "2027-1-5", "05/01/2027", "=TODAY()"]),
)
KNOWN_METRICS = ["followers", "likes", "Impressions", "Leads", "Pedidos 🥐", "הזמנות", " leads "]
METRIC_CELLS = mostly(
    st.sampled_from(KNOWN_METRICS),
    st.one_of(st.sampled_from(["=Leads", "Unknown metric", "Cafe\u0301"]), nasty_text(max_size=20)),
)
VALUE_CELLS = mostly(
    st.one_of(st.integers(0, 10**6).map(str), st.floats(0, 1e6).map(repr)),
    st.one_of(st.integers(-(10**20), 10**20).map(str), st.sampled_from(BAD_CELLS[:14])),
)
NOTE_CELLS = mostly(
    st.one_of(st.just(""), nasty_text(max_size=60).filter(lambda text: "\x00" not in text)),
    st.one_of(st.integers(TEXT_MAX - 2, TEXT_MAX + 2).map("é".__mul__), nasty_text(max_size=30)),
)


@st.composite
def own_format_files(draw: st.DrawFn) -> bytes:
    """Social Plan's date/metric/value(/note) format, with any cells in any encoding."""
    header = ["date", "metric", "value"] + (["note"] if draw(st.booleans()) else [])
    rows = draw(
        st.lists(
            st.tuples(DAY_CELLS, METRIC_CELLS, VALUE_CELLS, NOTE_CELLS),
            min_size=1,
            max_size=8,
        )
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    writer.writerows([list(row[: len(header)]) for row in rows])
    return encoded(out.getvalue(), draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"])))


@examples(ci=100, full=5_000)
@given(mutated_exports(), FORMAT_CHOICES)
def test_any_damaged_export_is_read_sanely_or_refused(named, format):
    name, data = named
    read_or_refuse(data, format=format, followers_anchor=ANCHORS.get(name))


@examples(ci=50, full=3_000)
@given(st.binary(max_size=16_384), FORMAT_CHOICES)
def test_random_bytes_are_refused_or_read_sanely(data, format):
    read_or_refuse(data, format=format)


@examples(ci=60, full=2_000)
@given(st.sampled_from(GOOD_FIXTURES), st.integers(min_value=0))
def test_an_export_cut_at_any_byte_is_read_sanely_or_refused(name, offset):
    data = fixture_bytes(name)
    read_or_refuse(data[: offset % (len(data) + 1)], followers_anchor=ANCHORS.get(name))


# Every byte in the full profile; every 37th in CI (a prime, so cuts fall at every position
# within a line across the file), which keeps the test running everywhere.
CUT_STEP = 1 if PROFILE == "full" else 37


@pytest.mark.parametrize("name", GOOD_FIXTURES)
def test_an_export_cut_at_every_byte_is_read_sanely_or_refused(name):
    data = fixture_bytes(name)
    for offset in range(0, len(data) + 1, CUT_STEP):
        read_or_refuse(data[:offset], followers_anchor=ANCHORS.get(name))


def encodable(name: str, encoding: str) -> bool:
    try:
        fixture_text(name).encode(encoding)
    except UnicodeEncodeError:
        return False  # post texts with emoji have no Latin-1 or cp1252 form
    return True


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        (name, encoding)
        for name in GOOD_FIXTURES
        for encoding in ("utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252")
        if encodable(name, encoding)
    ],
)
def test_an_export_in_another_encoding_reads_the_same_numbers(name, encoding):
    text = fixture_text(name)
    original = read_import(text.encode("utf-8"), filename=name, followers_anchor=ANCHORS.get(name))
    again = read_import(text.encode(encoding), filename=name, followers_anchor=ANCHORS.get(name))
    assert (again.days, again.readings) == (original.days, original.readings)


@pytest.mark.parametrize("name", GOOD_FIXTURES)
@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_its_byte_order_mark_is_refused_with_what_to_do(name, encoding):
    errors = refusal(fixture_text(name).encode(encoding))
    assert "UTF-16 without a byte-order mark" in errors["file"]


def refusal(data: bytes) -> dict[str, str]:
    with pytest.raises(InvalidInput) as raised:
        read_import(data, filename="upload.csv")
    return raised.value.errors


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"date,metric,value\n2027-01-04,likes,1\x00\n", "NUL bytes"),
        (codecs.BOM_UTF8 + b"date,metric,value\n2027-01-04,likes,1\x00\n", "NUL"),
        (codecs.BOM_UTF16_LE + "date,metric,value\n2027-01-04,likes,\x00\n".encode("utf-16-le"),
         "NUL"),
        (b"date,metric,value\n2027-01-04,likes," + b"9" * 5000 + b"\n", "larger than Social Plan"),
        (b"date,metric,value\n2027-01-04,Leads," + b"9" * 5000 + b"\n", "out of range"),
        (b"date,metric,value\n2027-01-04,likes,=1+2\n", "“=1+2” is not a number"),
        (b"date,metric,value\n2027-01-04,likes,1\n" + b"x" * 200_000 + b"\n", "too long"),
        (b"date,metric,value,note\n2027-01-04,Leads,1," + b"n" * 2001 + b"\n", "at most 2,000"),
        (b"date,metric,value\n2027-01-04 10:00 +9900,likes,1\n", "is not a date"),
    ],
    ids=["nul", "nul-utf8-bom", "nul-utf16", "huge-count", "huge-value", "formula", "huge-cell",
         "huge-note", "bad-offset"],
)  # fmt: skip
def test_each_kind_of_bad_cell_is_refused_naming_it(data, expected):
    errors = refusal(data)
    assert expected in errors["file"], errors


# ---------------------------------------------------------------- storing


def row_counts(session: Session) -> dict[str, int]:
    """How many rows each table an import can touch holds, read fresh from the database."""
    session.expire_all()
    return {
        model.__name__: session.exec(select(func.count()).select_from(model)).one()
        for model in COUNTED
    }


NETWORK_OF = {
    X_OVERVIEW: Network.X,
    X_POSTS: Network.X,
    X_TWEET_ACTIVITY: Network.X,
    LINKEDIN: Network.LINKEDIN,
    META_VIEWS: Network.INSTAGRAM,
    META_FOLLOWS: Network.INSTAGRAM,
    META_POSTS_INSTAGRAM: Network.INSTAGRAM,
    META_POSTS_FACEBOOK: Network.FACEBOOK,
    META_DAILY: Network.FACEBOOK,
    LONG: Network.X,
}
HANDLES = {
    Network.X: "rosasbakery",
    Network.INSTAGRAM: "rosas.bakery",
    Network.FACEBOOK: "rosasbakery",
    Network.LINKEDIN: "rosas-bakery",
}
NO_SUCH_ACCOUNT = 10**9


@pytest.fixture
def importing(session, actor) -> tuple[Workspace, dict[Network, int]]:
    """A workspace with an account on each network the exports come from, and three
    hand-entered metrics with names in three scripts."""
    workspace, plan = create_workspace_with_plan(session, actor)
    accounts = {
        network: Account(workspace_id=workspace.id, network=network, handle=handle)
        for network, handle in HANDLES.items()
    }
    session.add_all(accounts.values())
    session.commit()
    objective = objectives.create_objective(
        session=session,
        actor=actor,
        plan_id=plan.id,
        objective_create=ObjectiveCreate(title="Win more catering orders"),
    )
    for name in ("Leads", "Pedidos 🥐", "הזמנות"):
        metrics.create_metric(
            session=session,
            actor=actor,
            objective_id=objective.id,
            metric_create={
                "name": name,
                "source": "manual",
                "baseline": 2,
                "target": 10,
                "target_date": date(2027, 6, 30),
            },
        )
    return workspace, {network: account.id for network, account in accounts.items()}


def stored_days(session: Session, account_id: int) -> dict[date, Snapshot]:
    rows = session.exec(select(Snapshot).where(Snapshot.account_id == account_id))
    return {row.day: row for row in rows}


def stored_readings(session: Session, workspace_id: int) -> dict[tuple[str, date], Reading]:
    rows = session.exec(
        select(Metric.name, Reading)
        .join(Reading, Reading.metric_id == Metric.id)
        .join(Objective, Objective.id == Metric.objective_id)
        .join(Plan, Plan.id == Objective.plan_id)
        .where(Plan.workspace_id == workspace_id)
    )
    return {(name, reading.day): reading for name, reading in rows}


def store_or_refuse(session, actor, workspace, account_id, parsed) -> None:
    """Store the file as the Accounts page does; check all of it or none of it arrived."""
    before = row_counts(session)
    readings_before = {
        key: (row.value, row.note) for key, row in stored_readings(session, workspace.id).items()
    }
    try:
        result = store_account_import(
            session=session,
            actor=actor,
            workspace_id=workspace.id,
            account_id=account_id,
            parsed=parsed,
        )
    except (InvalidInput, NotFound, ImportConflict) as error:
        event(f"store refused: {type(error).__name__}")
        assert str(error).strip()
        session.rollback()
        assert row_counts(session) == before, "a refused import changed the database"
        return
    event("stored")
    after = row_counts(session)
    assert after["Snapshot"] == before["Snapshot"] + result.snapshots_added
    assert after["Reading"] == before["Reading"] + result.readings_added
    unchanged = {"Workspace", "Plan", "Objective", "Metric", "Task", "Account", "Revision"}
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
    if parsed.days:
        days = stored_days(session, account_id)
        for numbers in parsed.days:
            for field, value in numbers.values.items():
                if value is not None:
                    assert getattr(days[numbers.day], field) == value
    readings = stored_readings(session, workspace.id)
    metric_names = {normalise_name(name): name for name, _ in readings}
    for reading in parsed.readings:
        key = (metric_names[normalise_name(reading.metric)], reading.day)
        assert readings[key].value == reading.value
        old_note = readings_before.get(key, (None, ""))[1]
        assert readings[key].note == (reading.note or old_note)


ANY_FILE = st.one_of(
    own_format_files().map(lambda data: (LONG, data)),
    mutated_exports(),
)


@examples(ci=15, full=500)
@given(ANY_FILE, st.sampled_from(["its own", "its own", "its own", "another", "none", "unknown"]))
def test_any_file_is_stored_whole_or_refused_leaving_the_database_as_it_was(
    session, actor, importing, named, which_account
):
    workspace, account_ids = importing
    name, data = named
    parsed = read_or_refuse(data, followers_anchor=ANCHORS.get(name, (date(2027, 1, 31), 900)))
    event("read" if parsed else "refused when read")
    if parsed is None:
        return
    account_id = {
        "its own": account_ids[NETWORK_OF[name]],
        "another": account_ids[Network.LINKEDIN if NETWORK_OF[name] is Network.X else Network.X],
        "none": None,
        "unknown": NO_SUCH_ACCOUNT,
    }[which_account]
    store_or_refuse(session, actor, workspace, account_id, parsed)


@examples(ci=5, full=200)
@given(
    st.lists(
        st.tuples(
            st.dates(min_value=date(2027, 1, 1), max_value=date(2027, 3, 31)),
            st.integers(min_value=0, max_value=MAX_COUNT),
        ),
        min_size=1,
        max_size=20,
        unique_by=lambda row: row[0],
    ),
    st.integers(min_value=0),
    st.sampled_from(["Unknown metric", "=cmd|' /C calc'!A0", "Leads\x00"]),
)
def test_one_bad_row_anywhere_in_a_good_file_stores_nothing(
    session, actor, importing, rows, position, bad_metric
):
    """Good rows before and after a row that only the store can refuse (an unknown metric)."""
    workspace, account_ids = importing
    lines = ["date,metric,value"] + [f"{day},likes,{count}" for day, count in rows]
    lines += [f"{day},Leads,{count % 1000}" for day, count in rows]
    lines.insert(1 + position % len(lines), f"2027-01-15,{bad_metric},3")
    before = row_counts(session)
    try:
        parsed = read_import("\n".join(lines).encode(), filename="numbers.csv")
        store_account_import(
            session=session,
            actor=actor,
            workspace_id=workspace.id,
            account_id=account_ids[Network.X],
            parsed=parsed,
        )
    except InvalidInput as error:
        assert list(error.errors) == ["file"]
    else:
        raise AssertionError("a file naming an unknown metric was stored")
    session.rollback()
    assert row_counts(session) == before
