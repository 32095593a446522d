"""Reading one cell of an export: dates, counts and business values, with messages that say why.

Every parser returns the value or raises `CellError` whose text completes
"Line 14, column “Likes”: …", so the caller can point at the exact cell.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum

from socialplan.limits import MAX_COUNT

# Hand-entered readings accept the same range as `ReadingBase.value`.
MAX_READING = 1e12
SHOWN_VALUE_MAX = 40
# What exports write in a number column when the number does not apply (X's promoted columns).
NOT_GIVEN = frozenset({"", "-", "–", "—", "n/a", "N/A"})

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

ISO_DATE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?",
    re.ASCII | re.IGNORECASE,
)
# X writes "Tue, Mar 10, 2026"; the weekday is optional so "Mar 10, 2026" reads too.
MONTH_NAME_DATE = re.compile(
    r"(?:([a-z]{3,9})\.?,?\s+)?([a-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})", re.ASCII | re.IGNORECASE
)
# LinkedIn and Meta's post export write month/day/year, Meta with a time after it.
US_DATE = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?)?",
    re.ASCII | re.IGNORECASE,
)
# A number as exports and people write it: sign, digits, decimals, exponent; nothing else.
WRITTEN_NUMBER = re.compile(r"\s*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")
MAX_COUNT_DIGITS = len(str(MAX_COUNT))
PLAIN_COUNT = re.compile(r"[0-9]+(?:\.0*)?|[0-9]{1,3}(?:,[0-9]{3})+(?:\.0*)?")


class DateStyle(StrEnum):
    """The ways exports write a day; each format accepts some of them."""

    ISO = "iso"  # 2026-03-10, 2026-03-10T00:00:00, 2021-11-30 16:00 +0000
    MONTH_NAME = "month_name"  # Tue, Mar 10, 2026
    US = "us"  # 03/10/2026, 03/27/2026 06:08


DATE_EXAMPLES = {
    DateStyle.ISO: "2026-03-10",
    DateStyle.MONTH_NAME: "Tue, Mar 10, 2026",
    DateStyle.US: "03/10/2026",
}


class CellError(ValueError):
    """A cell that cannot be read; the text completes "Line N, column “X”: …"."""


def shown(value: str) -> str:
    """A cell's text as quoted in a message, cut short when it is long."""
    text = value.strip()
    if len(text) > SHOWN_VALUE_MAX:
        text = text[: SHOWN_VALUE_MAX - 1] + "…"
    return f"“{text}”"


def parse_day(value: str, styles: tuple[DateStyle, ...]) -> date:
    """The calendar day a cell names, in one of `styles`; CellError when it names none.

    A time with a UTC offset is turned into the UTC day (X's older export writes
    "2021-11-30 23:30 +0000"); a time without one keeps its own day.
    """
    text = value.strip()
    for style in styles:
        day = _PARSERS[style](text)
        if day is not None:
            return day
    example = " or ".join(f"“{DATE_EXAMPLES[style]}”" for style in styles)
    if not text:
        raise CellError(f"the date is missing (expected a date like {example}).")
    raise CellError(f"{shown(value)} is not a date (expected a date like {example}).")


def _iso_day(text: str) -> date | None:
    """The day of "2026-03-10", "2026-03-10T00:00:00" or "2021-11-30 16:00 +0000"; else None."""
    match = ISO_DATE.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day))
        if hour is None:
            return moment.date()
        moment = moment.replace(hour=int(hour), minute=int(minute), second=int(second or 0))
    except ValueError:
        return None
    if offset is None:
        return moment.date()
    zone = _zone(offset)
    if zone is None:
        return None
    try:
        return moment.replace(tzinfo=zone).astimezone(UTC).date()
    except OverflowError:
        return None  # 0001-01-01 00:00 +0100 is a day before the calendar starts


def _zone(offset: str) -> timezone | None:
    """The timezone of "Z", "+0100" or "-05:30"; None for an offset of a day or more."""
    if offset.upper() == "Z":
        return UTC
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    shift = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    if shift >= timedelta(hours=24):
        return None  # "+9900": timezone() refuses it, and no place on Earth is that far
    return timezone(sign * shift)


def _month_name_day(text: str) -> date | None:
    """The day of "Tue, Mar 10, 2026" or "March 10 2026"; else None."""
    match = MONTH_NAME_DATE.fullmatch(text)
    if match is None:
        return None
    weekday, month_name, day, year = match.groups()
    if weekday is not None and weekday[:3].lower() not in WEEKDAYS:
        return None
    month = MONTHS.get(month_name.lower())
    if month is None:
        return None
    try:
        return date(int(year), month, int(day))
    except ValueError:
        return None


def _us_day(text: str) -> date | None:
    """The day of "03/10/2026" or "03/27/2026 06:08" (month first, as LinkedIn and Meta write)."""
    match = US_DATE.fullmatch(text)
    if match is None:
        return None
    month, day, year = match.group(1), match.group(2), match.group(3)
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


_PARSERS = {
    DateStyle.ISO: _iso_day,
    DateStyle.MONTH_NAME: _month_name_day,
    DateStyle.US: _us_day,
}


def parse_count(value: str) -> int | None:
    """A whole number of at least 0 ("1,234" and "1777.0" included); None when not given."""
    text = value.strip()
    if text in NOT_GIVEN:
        return None
    too_large = CellError(f"{shown(value)} is larger than Social Plan can store ({MAX_COUNT:,}).")
    if PLAIN_COUNT.fullmatch(text):
        digits = text.split(".")[0].replace(",", "").lstrip("0")
        # Checked before int(): Python refuses to convert more than 4,300 digits at all.
        if len(digits) > MAX_COUNT_DIGITS:
            raise too_large
        count = int(digits or "0")
    else:
        number = _as_float(text)
        if number is None:
            raise CellError(f"{shown(value)} is not a number.")
        if number < 0:
            raise CellError(f"{shown(value)} is negative: counts cannot be below 0.")
        if number > MAX_COUNT:
            raise too_large
        if not number.is_integer():
            raise CellError(f"{shown(value)} is not a whole number.")
        count = int(number)
    if count > MAX_COUNT:
        raise too_large
    return count


def parse_reading_value(value: str) -> float:
    """A business metric's value: any finite number within ±1e12."""
    text = value.strip()
    if not text:
        raise CellError("the value is missing.")
    number = _as_float(text)
    if number is None:
        raise CellError(f"{shown(value)} is not a number.")
    if abs(number) > MAX_READING:
        raise CellError(f"{shown(value)} is out of range (at most ±{MAX_READING:,.0f}).")
    return number


def _as_float(text: str) -> float | None:
    """The number `text` writes in plain ASCII ("1,250.5" too), or None; never NaN.

    "inf" and "nan" are not numbers here; a number too large for a float ("1e400", four
    thousand digits) is returned as ±infinity, so the caller says it is out of range.
    """
    if not text.isascii() or "_" in text:
        return None
    cleaned = (
        text.replace(",", "")
        if re.fullmatch(r"-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?", text)
        else text
    )
    if not WRITTEN_NUMBER.fullmatch(cleaned):
        return None  # "inf", "nan", "infinity" and hexadecimal are not what exports write
    try:
        return float(cleaned)
    except ValueError:
        return None
