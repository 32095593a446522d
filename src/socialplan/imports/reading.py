"""`read_import`: an uploaded export turned into per-day numbers, or one clear refusal.

Nothing here touches the database: the result (`ParsedImport`) is what the preview shows
and what `store_import` writes. Any bad cell refuses the whole file, naming its line,
column and value; the first few problems are listed, with a count of the rest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from operator import itemgetter

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from socialplan.csvsafe import unneutralised
from socialplan.errors import InvalidInput
from socialplan.imports.decoding import (
    QuoteFreeRows,
    Row,
    all_blank,
    cycle_collection_paused,
    decode,
    refuse,
    split_rows,
)
from socialplan.imports.followers import ANCHOR, Rebuilt, check_anchor, rebuild_totals
from socialplan.imports.formats import (
    AUTO,
    DAY,
    GAINED,
    LOST,
    METRIC,
    NOTE,
    PART,
    POST_ID,
    PRIMARY,
    SNAPSHOT_FIELDS,
    VALUE,
    Column,
    FormatSpec,
    Layout,
    format_for,
    normalise_name,
    unrecognised_message,
)
from socialplan.imports.values import (
    MAX_COUNT,
    CellError,
    DateStyle,
    parse_count,
    parse_day,
    parse_reading_value,
    shown,
)
from socialplan.models import TEXT_MAX, Network

MAX_PROBLEMS_SHOWN = 3
# A column of cells: a list, or Arrow text when the file had no quotes (QuoteFreeRows).
Cells = list[str] | pa.Array
# A day as the template writes it, read without Python's date parsing.
PLAIN_ISO_DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# Counts of up to 18 digits: plain text for int64, all below MAX_COUNT.
PLAIN_DIGITS = r"[0-9]{1,18}"
MAX_PREAMBLE_ROWS = 3  # `sep=,` is not a row; Meta's title line is

# Meta's one-metric files: what the title line names, and the field its numbers go to.
META_TITLES = {
    "impressions": ("views", "impressions", "page impressions", "page views"),
    GAINED: ("follows", "new follows", "new followers", "page follows", "page likes"),
    "likes": ("reactions", "likes"),
    "replies": ("comments",),
    "reposts": ("shares",),
}
# Social Plan's own format: metric names for snapshot fields (anything else is a business metric).
LONG_NAMES = {
    **{name: name for name in SNAPSHOT_FIELDS},
    "posts total": "posts_total",
    "total posts": "posts_total",
    "retweets": "reposts",
    "comments": "replies",
    "saves": "bookmarks",
    "views": "impressions",
}
FIELD_WORDS = {
    "followers": "followers",
    "following": "following",
    "posts_total": "posts in total",
    "posts": "posts",
    "likes": "likes",
    "reposts": "reposts",
    "replies": "replies",
    "quotes": "quotes",
    "bookmarks": "bookmarks",
    "impressions": "impressions",
}


@dataclass(frozen=True)
class DayNumbers:
    """The numbers a file gives for one day: snapshot field → count (None: not given)."""

    day: date
    values: dict[str, int | None]


@dataclass(frozen=True)
class ReadingRow:
    """One value of a business metric, named as in the file, from the line it came from."""

    line: int
    metric: str
    day: date
    value: float
    note: str = ""


@dataclass(frozen=True)
class MappedColumn:
    """A column of the file and what it becomes, in plain words."""

    header: str
    becomes: str


@dataclass(frozen=True)
class ParsedImport:
    """A file read and checked: what will be stored, and what the preview tells about it."""

    spec: FormatSpec
    filename: str
    rows: int
    days: tuple[DayNumbers, ...]
    readings: tuple[ReadingRow, ...]
    mapped: tuple[MappedColumn, ...]
    ignored: tuple[str, ...]
    notes: tuple[str, ...]
    networks: tuple[Network, ...] = ()  # where the numbers may come from; empty: anywhere
    title: str = ""
    followers_anchor: tuple[date, int] | None = None

    # Cached: the preview and the store each ask, and a long file has 100,000 days.
    @cached_property
    def fields(self) -> tuple[str, ...]:
        """The snapshot fields this import writes on at least one day."""
        given = {
            name for numbers in self.days for name, v in numbers.values.items() if v is not None
        }
        return tuple(name for name in SNAPSHOT_FIELDS if name in given)

    @cached_property
    def first_day(self) -> date | None:
        return min(self._day_range) if self._day_range else None

    @cached_property
    def last_day(self) -> date | None:
        return max(self._day_range) if self._day_range else None

    @cached_property
    def _day_range(self) -> tuple[date, ...]:
        """The first and last day of the account numbers and of the readings (days are in
        date order, readings in file order)."""
        ends = [self.days[0].day, self.days[-1].day] if self.days else []
        if self.readings:
            reading_days = [reading.day for reading in self.readings]
            ends += [min(reading_days), max(reading_days)]
        return tuple(ends)


@dataclass
class Problems:
    """Bad cells found so far: the first few messages, and how many there were in all."""

    messages: list[str] = field(default_factory=list)
    count: int = 0

    def add(self, line: int, column: str, message: str) -> None:
        """Note a bad cell (column "" for the row as a whole)."""
        self.count += 1
        if len(self.messages) < MAX_PROBLEMS_SHOWN:
            where = f"Line {line}, column “{column}”" if column else f"Line {line}"
            self.messages.append(f"{where}: {message}")

    def raise_if_any(self) -> None:
        """InvalidInput listing the first problems and counting the rest, if there were any."""
        if not self.count:
            return
        more = self.count - len(self.messages)
        tail = f" And {more} more problem{'s' if more > 1 else ''} after these." if more else ""
        raise refuse(" ".join(self.messages) + tail + " Nothing was imported.")


@dataclass
class Table:
    """The file's header and data rows, with each column's index by role."""

    spec: FormatSpec
    header: list[str]
    rows: Sequence[Row]
    title: str
    indexes: list[tuple[Column, int]]

    def index_of(self, role: str) -> int | None:
        """The index of the column playing `role`, or None when the file has none."""
        return next((index for column, index in self.indexes if column.role == role), None)

    def label_of(self, index: int) -> str:
        """The column's name as the file writes it, for messages."""
        return self.header[index].strip().lstrip("\ufeff")


# ---------------------------------------------------------------- the entry point


def read_import(
    data: bytes,
    *,
    filename: str,
    format: str = AUTO,
    followers_anchor: tuple[date, int] | None = None,
) -> ParsedImport:
    """Read an export's bytes into per-day numbers; InvalidInput says what is wrong.

    `format` is "auto" (detect it from the header) or a key of `FORMATS_BY_KEY`.
    `followers_anchor` is (day, follower count at the end of that day), used to rebuild
    follower totals from exports that only give daily changes.
    """
    with cycle_collection_paused():
        return _read(data, filename, format, followers_anchor)


def _read(
    data: bytes, filename: str, format: str, followers_anchor: tuple[date, int] | None
) -> ParsedImport:
    table = _table(split_rows(decode(data)), format)
    if not table.rows:
        raise refuse("The file has a header but no rows of numbers below it.")
    if table.spec.layout is Layout.LONG:
        kept, readings = _read_long(table)
        return _finish(table, filename, {}, readings, followers_anchor, changes={}, kept=kept)
    if table.spec.layout is Layout.SERIES:
        table = _series_table(table)
    if table.spec.layout is Layout.PER_POST:
        days = _read_posts(table)
    else:
        days = _read_daily(table)
    return _finish(table, filename, days, (), followers_anchor, changes=_changes(table, days))


def _table(rows: Sequence[Row], wanted: str) -> Table:
    """The header row (after any title lines), the format it shows and the data rows."""
    start = 0
    while start < min(len(rows) - 1, MAX_PREAMBLE_ROWS) and _cell_count(rows[start]) == 1:
        start += 1  # a title line, like Meta's "Views" above "Date","Primary"
    if not rows:
        raise refuse("The file has no values in it, only separators: download the export again.")
    if _cell_count(rows[start]) < 2:
        raise refuse(unrecognised_message(rows[0].cells))
    header = rows[start].cells
    spec = format_for(header, wanted)
    title = " ".join(rows[start - 1].cells).strip() if start else ""
    return Table(
        spec=spec,
        header=header,
        rows=rows[start + 1 :],
        title=title,
        indexes=_column_indexes(spec, header),
    )


def _cell_count(row: Row) -> int:
    """How many cells of the row hold something."""
    return sum(1 for cell in row.cells if cell.strip())


def _column_indexes(spec: FormatSpec, header: list[str]) -> list[tuple[Column, int]]:
    """Each of the format's columns found in the header, under its preferred name first."""
    names = [normalise_name(name) for name in header]
    found: list[tuple[Column, int]] = []
    for column in spec.columns:
        for key in column.keys():
            if key in names:
                found.append((column, names.index(key)))
                break
    return found


def _cells(table: Table, row: Row, problems: Problems) -> list[str] | None:
    """The row's cells when it has as many as the header; else a problem, and None."""
    width, cells = len(table.header), row.cells
    if len(cells) < width:
        problems.add(
            row.line,
            "",
            f"the row has {len(cells)} values but the header has {width} columns "
            "(the row may be cut short).",
        )
        return None
    if len(cells) > width and any(cell.strip() for cell in cells[width:]):
        problems.add(
            row.line,
            "",
            f"the row has {len(cells)} values but the header has {width} columns "
            "(a value may hold a comma without quotes around it).",
        )
        return None
    return cells


def _day(table: Table, row: Row, cells: list[str], problems: Problems) -> date | None:
    """The row's day, or None (with a problem) when its date cell cannot be read."""
    index = table.index_of(DAY)
    assert index is not None  # every format requires its day column
    try:
        return parse_day(cells[index], table.spec.date_styles)
    except CellError as error:
        problems.add(row.line, table.label_of(index), str(error))
        return None


def _counts(
    table: Table, row: Row, cells: list[str], problems: Problems, roles: Iterable[str]
) -> dict[str, int | None]:
    """The row's counts for each role the table has a column for."""
    counts: dict[str, int | None] = {}
    for column, index in table.indexes:
        if column.role not in roles:
            continue
        try:
            counts[column.role] = parse_count(cells[index])
        except CellError as error:
            problems.add(row.line, table.label_of(index), str(error))
    return counts


# ---------------------------------------------------------------- one row per day


def _read_daily(table: Table) -> dict[date, dict[str, int | None]]:
    """Per day: the counts of each field, plus new and lost followers when given."""
    problems = Problems()
    roles = (*SNAPSHOT_FIELDS, GAINED, LOST)
    days: dict[date, dict[str, int | None]] = {}
    first_line: dict[date, int] = {}
    for row in table.rows:
        cells = _cells(table, row, problems)
        if cells is None:
            continue
        day = _day(table, row, cells, problems)
        counts = _counts(table, row, cells, problems, roles)
        if day is None:
            continue
        if day in first_line:
            index = table.index_of(DAY)
            assert index is not None
            problems.add(
                row.line,
                table.label_of(index),
                f"{shown(cells[index])} repeats the day of line {first_line[day]}.",
            )
            continue
        first_line[day] = row.line
        days[day] = counts
    problems.raise_if_any()
    return days


# ---------------------------------------------------------------- one row per post


def _read_posts(table: Table) -> dict[date, dict[str, int | None]]:
    """Per day: the number of posts and the sum of each count over them."""
    problems = Problems()
    post_index = table.index_of(POST_ID)
    seen_posts: dict[str, int] = {}
    per_day: dict[date, list[dict[str, int | None]]] = defaultdict(list)
    for row in table.rows:
        cells = _cells(table, row, problems)
        if cells is None:
            continue
        if post_index is not None and _is_repeated_post(
            table, row, cells[post_index], post_index, seen_posts, problems
        ):
            continue
        day = _day(table, row, cells, problems)
        counts = _counts(table, row, cells, problems, SNAPSHOT_FIELDS)
        if day is not None:
            per_day[day].append(counts)
    problems.raise_if_any()
    given = [role for column, _ in table.indexes if (role := column.role) in SNAPSHOT_FIELDS]
    days = {day: _day_totals(posts, given) for day, posts in per_day.items()}
    _check_sums(days)
    return days


def _is_repeated_post(
    table: Table, row: Row, post_id: str, index: int, seen: dict[str, int], problems: Problems
) -> bool:
    """True (with a problem) when the post is on an earlier line too: it would count twice."""
    key = post_id.strip()
    if not key:
        return False  # X lists some posts without an id; they still count
    if key in seen:
        problems.add(
            row.line, table.label_of(index), f"post {shown(post_id)} is also on line {seen[key]}."
        )
        return True
    seen[key] = row.line
    return False


def _day_totals(posts: list[dict[str, int | None]], given: list[str]) -> dict[str, int | None]:
    """The day's post count and summed reactions; a sum with a missing part is None.

    A partial sum would look like a drop on the chart, so it is left unknown instead.
    """
    totals: dict[str, int | None] = {"posts": len(posts)}
    for name in given:
        numbers = [post.get(name) for post in posts]
        totals[name] = None if any(n is None for n in numbers) else sum(n or 0 for n in numbers)
    return totals


def _check_sums(days: dict[date, dict[str, int | None]]) -> None:
    """InvalidInput when a day's posts add up to more than a snapshot column holds."""
    for day, totals in sorted(days.items()):
        for name, total in totals.items():
            if total is not None and total > MAX_COUNT:
                raise refuse(
                    f"The posts of {day:%d %b %Y} add up to {total:,} {FIELD_WORDS[name]}, "
                    f"more than Social Plan can store ({MAX_COUNT:,})."
                )


# ---------------------------------------------------------------- Meta's one-metric files


def _series_table(table: Table) -> Table:
    """The table with its "Primary" column given the role its title line names."""
    if not table.title:
        raise refuse(
            "The file has Meta's “Date”, “Primary” header but not the title line above it "
            "that names the metric (like “Views”): export it again from Meta Business Suite."
        )
    role = _title_role(table.title)
    if role is None:
        raise refuse(
            f"This Meta export holds “{table.title}”, a number Social Plan does not keep. "
            "Export “Views” or “Follows” instead."
        )
    indexes = [
        (Column(role, column.names, column.required) if column.role == PRIMARY else column, index)
        for column, index in table.indexes
    ]
    return Table(table.spec, table.header, table.rows, table.title, indexes)


def _title_role(title: str) -> str | None:
    """The role of the numbers of a Meta file titled `title`, or None when not kept."""
    name = normalise_name(title)
    for prefix in ("facebook ", "instagram "):
        name = name.removeprefix(prefix)
    return next((role for role, names in META_TITLES.items() if name in names), None)


def _series_networks(title: str) -> tuple[Network, ...]:
    """The network a Meta title names ("Instagram follows"), or () when it names none."""
    name = normalise_name(title)
    if name.startswith("facebook"):
        return (Network.FACEBOOK,)
    if name.startswith("instagram"):
        return (Network.INSTAGRAM,)
    return ()


# ---------------------------------------------------------------- Social Plan's own format


def _read_long(table: Table) -> tuple[tuple[DayNumbers, ...], list[ReadingRow]]:
    """Account numbers by day, and business readings, from date/metric/value rows.

    A long file has a row per day and number, so a few years of an association's exports
    make a million rows. The cells are read column by column: each distinct date, name and
    value is parsed once, by the same functions as every other format, and the rows are
    checked with array masks. Only the first rows with a problem are looked at one by one,
    to word their messages exactly as a row-by-row reading would.
    """
    columns = _LongColumns.of(table)
    checks = _long_checks(columns)
    if checks.problem_count:
        _long_problems(table, columns, checks).raise_if_any()
    return _long_days(columns, checks), _long_readings(columns, checks)


@dataclass(frozen=True)
class _LongColumns:
    """The long file's rows as columns: cells of rows as wide as the header ("" otherwise)."""

    rows: Sequence[Row]
    date_styles: tuple[DateStyle, ...]
    lines: np.ndarray
    width_ok: np.ndarray  # as many cells as the header, or more that are all blank
    days: Cells
    names: Cells
    values: Cells
    notes: Cells | None
    metric_index: int
    value_index: int
    note_index: int | None

    @classmethod
    def of(cls, table: Table) -> _LongColumns:
        metric_index, value_index = table.index_of(METRIC), table.index_of(VALUE)
        day_index, note_index = table.index_of(DAY), table.index_of(NOTE)
        assert metric_index is not None and value_index is not None and day_index is not None
        width = len(table.header)
        if isinstance(table.rows, QuoteFreeRows):
            arrays = table.rows.columns(width)
            if arrays is not None:
                return cls(
                    rows=table.rows,
                    date_styles=table.spec.date_styles,
                    lines=table.rows.numbers,
                    width_ok=np.ones(len(table.rows), dtype=bool),
                    days=arrays[day_index],
                    names=arrays[metric_index],
                    values=arrays[value_index],
                    notes=None if note_index is None else arrays[note_index],
                    metric_index=metric_index,
                    value_index=value_index,
                    note_index=note_index,
                )
        cells = [row.cells for row in table.rows]
        sizes = np.fromiter(map(len, cells), dtype=np.int64, count=len(cells))
        width_ok = sizes == width
        for position in np.flatnonzero(sizes > width).tolist():
            width_ok[position] = all_blank(cells[position][width:])
        for position in np.flatnonzero(sizes < width).tolist():
            # Refused for its width; blank cells keep the columns aligned.
            cells[position] = [""] * width
        return cls(
            rows=table.rows,
            date_styles=table.spec.date_styles,
            lines=np.fromiter((row.line for row in table.rows), np.int64, count=len(cells)),
            width_ok=width_ok,
            days=list(map(itemgetter(day_index), cells)),
            names=list(map(itemgetter(metric_index), cells)),
            values=list(map(itemgetter(value_index), cells)),
            notes=None if note_index is None else list(map(itemgetter(note_index), cells)),
            metric_index=metric_index,
            value_index=value_index,
            note_index=note_index,
        )


@dataclass(frozen=True)
class _LongChecks:
    """What each row of a long file holds, and which rows have problems (array per row)."""

    day: np.ndarray  # the day's ordinal (date.toordinal), -1 when unreadable
    day_bad: np.ndarray
    name_missing: np.ndarray
    name_code: np.ndarray  # index into `metric_names`
    metric_names: list[str]  # each distinct name as the file writes it (stripped)
    field: np.ndarray  # index into SNAPSHOT_FIELDS, -1 for a business metric
    key: np.ndarray  # the number the row gives, as a code: repeats share it
    value_bad: np.ndarray
    counts: np.ndarray  # int64, for rows of account numbers
    readings: np.ndarray  # float64, for rows of business metrics
    repeated: np.ndarray  # the day and number are on an earlier row too
    note_text: list[str] | None  # per distinct note cell
    note_code: np.ndarray | None
    note_bad: np.ndarray
    valid: np.ndarray  # rows whose day and value are read (repeats and long notes included)
    kept: np.ndarray  # rows whose number is stored
    problem_count: int


def _long_checks(columns: _LongColumns) -> _LongChecks:
    """Every cell parsed (once per distinct text) and every row's problems found."""
    ok = columns.width_ok
    day_code, day_uniques = _factorize(columns.days)
    ordinals = _day_ordinals(day_uniques, columns.date_styles)
    day = np.where(ok, ordinals[day_code], -1)
    day_bad = ok & (day < 0)
    name_code, name_uniques = _factorize(columns.names)
    names = [unneutralised(cell.strip()) for cell in name_uniques]
    keys = [LONG_NAMES.get(normalise_name(name)) or normalise_name(name) for name in names]
    fields = [
        SNAPSHOT_FIELDS.index(name) if (name := LONG_NAMES.get(normalise_name(text))) else -1
        for text in names
    ]
    name_missing = ok & np.array([not name for name in names] or [False])[name_code]
    field = np.array(fields or [-1], dtype=np.int64)[name_code]
    key_code = np.array(_factorize(keys)[0] if keys else [0], dtype=np.int64)[name_code]
    has_value = ok & ~name_missing
    counts, count_bad = _parsed_counts(columns.values, has_value & (field >= 0))
    readings, reading_bad = _parsed_readings(columns.values, has_value & (field < 0))
    value_bad = count_bad | reading_bad
    valid = has_value & ~day_bad & ~value_bad
    repeated = _repeats(valid, day, key_code)
    note_text, note_code, note_bad = _parsed_notes(columns.notes, valid & ~repeated & (field < 0))
    kept = valid & ~repeated & ~note_bad
    per_row = np.where(ok, day_bad.astype(np.int64) + name_missing + value_bad, 1)
    problem_count = int(per_row.sum() + repeated.sum() + note_bad.sum())
    return _LongChecks(
        day=day,
        day_bad=day_bad,
        name_missing=name_missing,
        name_code=name_code,
        metric_names=names,
        field=field,
        key=key_code,
        value_bad=value_bad,
        counts=counts,
        readings=readings,
        repeated=repeated,
        note_text=note_text,
        note_code=note_code,
        note_bad=note_bad,
        valid=valid,
        kept=kept,
        problem_count=problem_count,
    )


def _factorize(cells: Cells) -> tuple[np.ndarray, list[str]]:
    """Each cell's index among the distinct cells, and the distinct cells in file order."""
    if isinstance(cells, pa.Array):
        encoded = pc.dictionary_encode(cells)
        return encoded.indices.to_numpy().astype(np.int64), encoded.dictionary.to_pylist()
    codes, uniques = pd.factorize(np.asarray(cells, dtype=object))
    return codes.astype(np.int64), list(uniques)


def _take(cells: Cells, rows: np.ndarray) -> Cells:
    """The cells of the rows at these positions."""
    if isinstance(cells, pa.Array):
        return cells.take(pa.array(rows))
    return [cells[position] for position in rows.tolist()]


def _day_ordinals(cells: list[str], styles: tuple[DateStyle, ...]) -> np.ndarray:
    """Each distinct date cell's day as an ordinal (date.toordinal), -1 when it is none.

    Cells written exactly as YYYY-MM-DD (the template's way) are read together with numpy;
    any other cell, and any such cell that is not a real day, goes through `parse_day`.
    """
    ordinals = np.full(max(len(cells), 1), -1, dtype=np.int64)
    if not cells:
        return ordinals
    plain = np.zeros(len(cells), dtype=bool)
    if DateStyle.ISO in styles:
        text = pa.array(cells, pa.string())
        plain = pc.match_substring_regex(text, PLAIN_ISO_DAY).to_numpy(zero_copy_only=False)
    if plain.any():
        digits = np.array(cells, dtype="U10")[plain]
        year = digits.astype("U4").astype(np.int64)
        month = np.array([cell[5:7] for cell in digits.tolist()]).astype(np.int64)
        day = np.array([cell[8:10] for cell in digits.tolist()]).astype(np.int64)
        first_of_month = ((year - 1970) * 12 + (month - 1)).astype("datetime64[M]")
        moment = first_of_month.astype("datetime64[D]") + (day - 1)
        real = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)
        real &= moment.astype("datetime64[M]") == first_of_month
        since_day_one = (moment - np.datetime64("0001-01-01", "D")).astype(np.int64)
        positions = np.flatnonzero(plain)
        ordinals[positions[real]] = since_day_one[real] + 1
        plain[positions[~real]] = False
    for position in np.flatnonzero(~plain).tolist():
        ordinals[position] = _day_ordinal(cells[position], styles)
    return ordinals


def _day_ordinal(cell: str, styles: tuple[DateStyle, ...]) -> int:
    """The ordinal of the day a date cell names; -1 when it names none."""
    try:
        return parse_day(cell, styles).toordinal()
    except CellError:
        return -1


def _parsed_counts(cells: Cells, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The counts of the `wanted` rows (int64) and which of them cannot be read as one.

    Plain digits, nearly every cell of an export, are converted together; any other text
    goes through `parse_count` itself, so "1,234", "1777.0" and every refusal read as in
    the other formats.
    """

    def parse(uniques: list[str]) -> tuple[np.ndarray, np.ndarray]:
        text = pd.Series(uniques, dtype=object)
        plain = text.str.fullmatch(PLAIN_DIGITS).fillna(False).to_numpy(dtype=bool)
        values = np.zeros(len(uniques), dtype=np.int64)
        unreadable = np.zeros(len(uniques), dtype=bool)
        if plain.any():
            values[plain] = text[plain].astype(np.int64).to_numpy()
        for position in np.flatnonzero(~plain).tolist():
            try:
                count = parse_count(uniques[position])
            except CellError:
                count = None
            if count is None:
                unreadable[position] = True
            else:
                values[position] = count
        return values, unreadable

    return _parsed_per_distinct(cells, wanted, np.int64, parse)


def _parsed_readings(cells: Cells, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The business values of the `wanted` rows (float64) and which cannot be read."""

    def parse(uniques: list[str]) -> tuple[np.ndarray, np.ndarray]:
        values = np.zeros(len(uniques), dtype=np.float64)
        unreadable = np.zeros(len(uniques), dtype=bool)
        for position, cell in enumerate(uniques):
            try:
                values[position] = parse_reading_value(cell)
            except CellError:
                unreadable[position] = True
        return values, unreadable

    return _parsed_per_distinct(cells, wanted, np.float64, parse)


def _parsed_per_distinct(
    cells: Cells,
    wanted: np.ndarray,
    dtype: type,
    parse: Callable[[list[str]], tuple[np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray]:
    """`parse` applied once per distinct cell text of the `wanted` rows, spread back to the
    rows: their values (zero elsewhere) and which cannot be read."""
    values = np.zeros(len(cells), dtype=dtype)
    bad = np.zeros(len(cells), dtype=bool)
    rows = np.flatnonzero(wanted)
    if not len(rows):
        return values, bad
    codes, uniques = _factorize(_take(cells, rows))
    parsed, unreadable = parse(uniques)
    values[rows] = parsed[codes]
    bad[rows] = unreadable[codes]
    return values, bad


def _repeats(valid: np.ndarray, day: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Valid rows whose day and number an earlier valid row already gave."""
    repeated = np.zeros(len(valid), dtype=bool)
    rows = np.flatnonzero(valid)
    if len(rows):
        pairs = pd.DataFrame({"day": day[rows], "key": key[rows]})
        repeated[rows] = pairs.duplicated(keep="first").to_numpy()
    return repeated


def _parsed_notes(
    cells: Cells | None, wanted: np.ndarray
) -> tuple[list[str] | None, np.ndarray | None, np.ndarray]:
    """Each distinct note (unquoted), each row's note, and the `wanted` rows' long notes."""
    if cells is None:
        return None, None, np.zeros(len(wanted), dtype=bool)
    codes, uniques = _factorize(cells)
    texts = [unneutralised(cell.strip()) for cell in uniques]
    too_long = np.array([len(text) > TEXT_MAX for text in texts] or [False])
    return texts, codes, wanted & too_long[codes]


def _long_problems(table: Table, columns: _LongColumns, checks: _LongChecks) -> Problems:
    """The first problems worded row by row, and the count of all of them."""
    problems = Problems()
    with_problems = ~columns.width_ok | checks.day_bad | checks.name_missing | checks.value_bad
    with_problems |= checks.repeated | checks.note_bad
    for position in np.flatnonzero(with_problems).tolist():
        _word_long_row(table, columns, checks, position, problems)
        if len(problems.messages) >= MAX_PROBLEMS_SHOWN:
            break
    problems.count = checks.problem_count
    return problems


def _word_long_row(
    table: Table, columns: _LongColumns, checks: _LongChecks, position: int, problems: Problems
) -> None:
    """Add the row's problems, in the order and words a row-by-row reading finds them."""
    row = columns.rows[position]
    cells = _cells(table, row, problems)
    if cells is None:
        return
    day = _day(table, row, cells, problems)
    name = unneutralised(cells[columns.metric_index].strip())
    if not name:
        problems.add(row.line, table.label_of(columns.metric_index), "the metric name is missing.")
        return
    snapshot_field = LONG_NAMES.get(normalise_name(name))
    value_index = columns.value_index
    value = _long_value(table, row, cells[value_index], value_index, snapshot_field, problems)
    if day is None or value is None:
        return
    if checks.repeated[position]:
        same = (checks.day == checks.day[position]) & (checks.key == checks.key[position])
        first = int(np.flatnonzero(same & checks.valid)[0])
        problems.add(
            row.line,
            table.label_of(columns.metric_index),
            f"{shown(name)} on {day:%Y-%m-%d} repeats line {int(columns.lines[first])}.",
        )
        return
    if snapshot_field is None:
        _note(table, row, cells, columns.note_index, problems)


def _long_days(columns: _LongColumns, checks: _LongChecks) -> tuple[DayNumbers, ...]:
    """The account numbers kept, per day in date order, fields in SNAPSHOT_FIELDS order."""
    rows = np.flatnonzero(checks.kept & (checks.field >= 0))
    order = rows[np.lexsort((checks.field[rows], checks.day[rows]))]
    result: list[DayNumbers] = []
    current = -1
    values: dict[str, int | None] = {}
    for ordinal, field_index, count in zip(
        checks.day[order].tolist(),
        checks.field[order].tolist(),
        checks.counts[order].tolist(),
        strict=True,
    ):
        if ordinal != current:
            values = {}
            result.append(DayNumbers(date.fromordinal(ordinal), values))
            current = ordinal
        values[SNAPSHOT_FIELDS[field_index]] = count
    return tuple(result)


def _long_readings(columns: _LongColumns, checks: _LongChecks) -> list[ReadingRow]:
    """The business readings kept, in file order."""
    rows = np.flatnonzero(checks.kept & (checks.field < 0))
    days = {ordinal: date.fromordinal(ordinal) for ordinal in np.unique(checks.day[rows]).tolist()}
    notes = (
        [""] * len(rows)
        if checks.note_code is None or checks.note_text is None
        else [checks.note_text[code] for code in checks.note_code[rows].tolist()]
    )
    return [
        ReadingRow(line, checks.metric_names[name], days[ordinal], value, note)
        for line, name, ordinal, value, note in zip(
            columns.lines[rows].tolist(),
            checks.name_code[rows].tolist(),
            checks.day[rows].tolist(),
            checks.readings[rows].tolist(),
            notes,
            strict=True,
        )
    ]


def _note(
    table: Table, row: Row, cells: list[str], index: int | None, problems: Problems
) -> str | None:
    """The reading's note ("" without a note column); None, with a problem, when too long.

    Cutting it short would store a note the user never wrote, so a long one is refused.
    """
    if index is None:
        return ""
    note = unneutralised(cells[index].strip())
    if len(note) > TEXT_MAX:
        problems.add(
            row.line,
            table.label_of(index),
            f"the note is {len(note):,} characters long; a note holds at most {TEXT_MAX:,}.",
        )
        return None
    return note


def _long_value(
    table: Table,
    row: Row,
    cell: str,
    index: int,
    snapshot_field: str | None,
    problems: Problems,
) -> float | None:
    """The row's value: a count for an account number, any number for a business metric."""
    try:
        if snapshot_field is None:
            return parse_reading_value(cell)
        count = parse_count(cell)
        if count is None:
            raise CellError("the value is missing.")
        return count
    except CellError as error:
        problems.add(row.line, table.label_of(index), str(error))
        return None


# ---------------------------------------------------------------- followers and the result


def _changes(table: Table, days: dict[date, dict[str, int | None]]) -> dict[date, int | None]:
    """Each day's net follower change, when the file gives new (and lost) followers."""
    if table.index_of(GAINED) is None or table.index_of("followers") is not None:
        return {}
    has_losses = table.index_of(LOST) is not None
    changes: dict[date, int | None] = {}
    for day, counts in days.items():
        gained, lost = counts.get(GAINED), counts.get(LOST) if has_losses else 0
        changes[day] = None if gained is None or lost is None else gained - lost
    return changes


def _finish(
    table: Table,
    filename: str,
    days: dict[date, dict[str, int | None]],
    readings: Iterable[ReadingRow],
    anchor: tuple[date, int] | None,
    changes: dict[date, int | None],
    kept: tuple[DayNumbers, ...] | None = None,
) -> ParsedImport:
    """Follower totals rebuilt when possible, notes written, empty days dropped.

    `kept` is the days already in order with their numbers, from the long format (which
    never has follower changes to rebuild from); else they are made from `days`.
    """
    notes = list(table.spec.notes)
    if changes and anchor is not None:
        anchor = check_anchor(anchor, min(changes), max(changes))
        rebuilt = rebuild_totals(
            changes, anchor, missing_days_are_zero=table.spec.missing_days_are_zero
        )
        for day, total in rebuilt.totals.items():
            days.setdefault(day, {})["followers"] = total
        notes.extend(_rebuilt_notes(table, anchor, rebuilt))
    else:
        notes.extend(_follower_notes(table, bool(changes), anchor))
    if kept is None:
        kept = tuple(
            DayNumbers(day, {name: counts.get(name) for name in SNAPSHOT_FIELDS if name in counts})
            for day, counts in sorted(days.items())
            if any(counts.get(name) is not None for name in SNAPSHOT_FIELDS)
        )
    readings = tuple(readings)
    if not kept and not readings:
        raise _nothing_to_store(table, bool(changes))
    networks = _series_networks(table.title) if table.spec.layout is Layout.SERIES else ()
    return ParsedImport(
        spec=table.spec,
        filename=filename,
        rows=len(table.rows),
        days=kept,
        readings=readings,
        mapped=tuple(_mapped(table, bool(changes), anchor)),
        ignored=tuple(_ignored(table)),
        notes=tuple(notes),
        networks=networks or _post_export_networks(table) or table.spec.networks,
        title=table.title,
        followers_anchor=anchor,
    )


def _nothing_to_store(table: Table, has_changes: bool) -> InvalidInput:
    """The error for a file that, once read, leaves no number to store."""
    if has_changes:
        return InvalidInput(
            {
                ANCHOR: "is needed for this file: it only counts follower changes per day, so "
                "without the follower count on one date there is nothing to store."
            }
        )
    return refuse(
        "The file has no numbers Social Plan keeps: every row is empty in the columns it reads."
    )


def _post_export_networks(table: Table) -> tuple[Network, ...]:
    """Meta's post export names its network by its columns: Instagram accounts, Facebook pages."""
    if table.spec.key != "meta_posts":
        return ()
    names = {normalise_name(name) for name in table.header}
    if "account username" in names:
        return (Network.INSTAGRAM,)
    if "page id" in names or "page name" in names:
        return (Network.FACEBOOK,)
    return ()


def _follower_notes(table: Table, has_changes: bool, anchor: tuple[date, int] | None) -> list[str]:
    """What the preview says about followers when no totals were rebuilt."""
    unused = "The follower count you gave was not used: "
    if table.spec.layout is Layout.LONG:
        return [unused + "this file has its own numbers."] if anchor else []
    if table.index_of("followers") is not None:
        return [unused + "this file has follower totals."] if anchor else []
    if has_changes:
        return [
            "No follower totals in this export, only changes per day: give the follower count "
            "on one date to rebuild them. Without it, followers are left empty (never guessed)."
        ]
    note = "No follower numbers in this export: followers are left as they are."
    return [note, unused + "this export has no follower numbers."] if anchor else [note]


def _rebuilt_notes(table: Table, anchor: tuple[date, int], rebuilt: Rebuilt) -> list[str]:
    """What the preview says about follower totals rebuilt from the anchor."""
    day, count = anchor
    source = (
        "new follows minus unfollows"
        if table.index_of(LOST) is not None
        else "new followers per day"
    )
    notes = [
        f"Follower totals rebuilt from {source}, starting from your count of {count:,} "
        f"on {day:%d %b %Y}."
    ]
    if table.index_of(LOST) is None:
        notes.append(
            "This export counts new followers only, not people who stopped following, so the "
            f"rebuilt totals are estimates: after {day:%d %b %Y} they may read high, before "
            "it low, by the number who unfollowed in between."
        )
    if table.spec.layout is Layout.SERIES:
        notes.append(
            "Days missing from this Meta file count as 0 new follows (Meta leaves them out)."
        )
    if rebuilt.stopped_after is not None:
        notes.append(
            f"Follower totals stop after {rebuilt.stopped_after:%d %b %Y}: the next day's "
            "change is not in the file."
        )
    if rebuilt.stopped_before is not None:
        notes.append(
            f"Follower totals start at {rebuilt.stopped_before:%d %b %Y}: that day's change "
            "is not in the file."
        )
    return notes


def _mapped(table: Table, has_changes: bool, anchor: tuple[date, int] | None) -> list[MappedColumn]:
    """Each column read, and what it becomes."""
    rebuilt = "follower totals" if anchor and has_changes else "follower totals (needs your count)"
    words = {
        DAY: "the day" if table.spec.layout is not Layout.PER_POST else "the day of the post",
        POST_ID: "posts (one per row, counted per day)",
        GAINED: f"new followers → {rebuilt}",
        LOST: f"lost followers → {rebuilt}",
        PART: "part of the new followers (not kept separately)",
        METRIC: "which number: followers, likes… or a hand-entered metric of the plan",
        VALUE: "the number",
        NOTE: "the reading's note",
    }
    mapped = []
    for column, index in sorted(table.indexes, key=lambda pair: pair[1]):
        becomes = FIELD_WORDS.get(column.role) or words.get(column.role, column.role)
        if table.spec.layout is Layout.SERIES and column.role not in (DAY,):
            becomes = f"{becomes} (the file's title is “{table.title}”)"
        mapped.append(MappedColumn(table.label_of(index), becomes))
    return mapped


def _ignored(table: Table) -> list[str]:
    """The file's columns that no number is read from, as the file names them."""
    used = {index for _, index in table.indexes}
    return [
        table.label_of(index)
        for index in range(len(table.header))
        if index not in used and table.header[index].strip()
    ]
