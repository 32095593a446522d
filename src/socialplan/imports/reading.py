"""`read_import`: an uploaded export turned into per-day numbers, or one clear refusal.

Nothing here touches the database: the result (`ParsedImport`) is what the preview shows
and what `store_import` writes. Any bad cell refuses the whole file, naming its line,
column and value; the first few problems are listed, with a count of the rest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from socialplan.csvsafe import unneutralised
from socialplan.errors import InvalidInput
from socialplan.imports.decoding import Row, decode, refuse, split_rows
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
    parse_count,
    parse_day,
    parse_reading_value,
    shown,
)
from socialplan.models import TEXT_MAX, Network

MAX_PROBLEMS_SHOWN = 3
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

    @property
    def fields(self) -> tuple[str, ...]:
        """The snapshot fields this import writes on at least one day."""
        given = {
            name for numbers in self.days for name, v in numbers.values.items() if v is not None
        }
        return tuple(name for name in SNAPSHOT_FIELDS if name in given)

    @property
    def first_day(self) -> date | None:
        days = [numbers.day for numbers in self.days] + [r.day for r in self.readings]
        return min(days) if days else None

    @property
    def last_day(self) -> date | None:
        days = [numbers.day for numbers in self.days] + [r.day for r in self.readings]
        return max(days) if days else None


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
    rows: list[Row]
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
    table = _table(split_rows(decode(data)), format)
    if not table.rows:
        raise refuse("The file has a header but no rows of numbers below it.")
    if table.spec.layout is Layout.LONG:
        days, readings = _read_long(table)
        return _finish(table, filename, days, readings, followers_anchor, changes={})
    if table.spec.layout is Layout.SERIES:
        table = _series_table(table)
    if table.spec.layout is Layout.PER_POST:
        days = _read_posts(table)
    else:
        days = _read_daily(table)
    return _finish(table, filename, days, (), followers_anchor, changes=_changes(table, days))


def _table(rows: list[Row], wanted: str) -> Table:
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


def _read_long(table: Table) -> tuple[dict[date, dict[str, int | None]], list[ReadingRow]]:
    """Account numbers by day, and business readings, from date/metric/value rows."""
    problems = Problems()
    metric_index, value_index = table.index_of(METRIC), table.index_of(VALUE)
    note_index = table.index_of(NOTE)
    assert metric_index is not None and value_index is not None
    days: dict[date, dict[str, int | None]] = defaultdict(dict)
    readings: list[ReadingRow] = []
    first_line: dict[tuple[date, str], int] = {}
    for row in table.rows:
        cells = _cells(table, row, problems)
        if cells is None:
            continue
        day = _day(table, row, cells, problems)
        # Our template quotes a name that starts like a formula (see socialplan.csvsafe).
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
) -> ParsedImport:
    """Follower totals rebuilt when possible, notes written, empty days dropped."""
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
