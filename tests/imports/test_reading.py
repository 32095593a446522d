"""Reading exports into per-day numbers: values per format, follower totals, refusals."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import date, datetime, timedelta

import pytest

from socialplan.errors import InvalidInput
from socialplan.imports import MAX_BYTES, preview, preview_table, read_import, template_csv
from socialplan.models import Network
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

MARCH = [date(2026, 3, 1) + timedelta(days=n) for n in range(31)]

FOLLOWER_COUNT_RULE = "must be a whole number of followers from 0 to 9,223,372,036,854,775,807."


def day_values(parsed, day):
    """The numbers the parsed file gives for `day`, without the fields it leaves empty."""
    for numbers in parsed.days:
        if numbers.day == day:
            return {name: value for name, value in numbers.values.items() if value is not None}
    raise AssertionError(f"{day} is not in the file")


def read(name, **kwargs):
    return read_import(fixture_bytes(name), filename=name, **kwargs)


def refusal(data: bytes, **kwargs) -> dict[str, str]:
    with pytest.raises(InvalidInput) as error:
        read_import(data, filename="upload.csv", **kwargs)
    return error.value.errors


# ---------------------------------------------------------------- each format's numbers


def test_x_overview_gives_each_days_counts_and_no_follower_totals_without_an_anchor():
    parsed = read(X_OVERVIEW)
    assert [numbers.day for numbers in parsed.days] == MARCH
    assert day_values(parsed, date(2026, 3, 31)) == {
        "impressions": 3718,
        "likes": 87,
        "bookmarks": 9,
        "replies": 4,
        "reposts": 8,
        "posts": 0,
    }
    assert day_values(parsed, date(2026, 3, 1)) == {
        "impressions": 1233,
        "likes": 25,
        "bookmarks": 0,
        "replies": 8,
        "reposts": 10,
        "posts": 0,
    }
    assert all(numbers.values.get("followers") is None for numbers in parsed.days)
    assert (
        "No follower totals in this export, only changes per day: give the follower count "
        "on one date to rebuild them. Without it, followers are left empty (never guessed)."
        in parsed.notes
    )


def test_x_overview_rebuilds_follower_totals_backwards_and_forwards_from_the_anchor():
    parsed = read(X_OVERVIEW, followers_anchor=(date(2026, 3, 30), 1479))
    followers = {numbers.day: numbers.values["followers"] for numbers in parsed.days}
    assert len(followers) == 31
    # Mar 31: +4 new follows, -3 unfollows; Mar 30: +4 -5; Mar 29: +14 -4.
    assert followers[date(2026, 3, 31)] == 1480
    assert followers[date(2026, 3, 30)] == 1479
    assert followers[date(2026, 3, 29)] == 1480
    assert followers[date(2026, 3, 28)] == 1470
    changes = _net_changes_by_hand()
    for day in MARCH[1:]:
        assert followers[day] - followers[day - timedelta(days=1)] == changes[day], day


def test_any_anchor_day_gives_the_same_totals_when_its_count_agrees():
    from_end = read(X_OVERVIEW, followers_anchor=(date(2026, 3, 31), 1480))
    from_start = read(
        X_OVERVIEW,
        followers_anchor=(date(2026, 3, 1), day_values(from_end, date(2026, 3, 1))["followers"]),
    )
    assert from_end.days == from_start.days


def _net_changes_by_hand() -> dict[date, int]:
    rows = csv.DictReader(io.StringIO(fixture_bytes(X_OVERVIEW).decode()))
    changes = {}
    for row in rows:
        day = date(2026, 3, int(row["Date"].split()[2].rstrip(",")))
        changes[day] = int(row["New follows"]) - int(row["Unfollows"])
    return changes


def test_x_post_export_is_summed_per_day_with_posts_counted():
    parsed = read(X_POSTS)
    assert day_values(parsed, date(2026, 3, 27)) == {
        "posts": 3,
        "impressions": 1485 + 2341 + 1090,
        "likes": 14 + 25 + 37,
        "bookmarks": 5 + 1 + 1,
        "replies": 8 + 1 + 8,
        "reposts": 4 + 3 + 2,
    }
    assert day_values(parsed, date(2026, 3, 16)) == {
        "posts": 2,
        "impressions": 123 + 1880,
        "likes": 30 + 38,
        "bookmarks": 5 + 4,
        "replies": 1 + 1,
        "reposts": 4 + 2,
    }
    assert sum(numbers.values["posts"] for numbers in parsed.days) == parsed.rows


def test_older_tweet_activity_export_reads_float_counts_and_utc_times():
    parsed = read(X_TWEET_ACTIVITY)
    assert day_values(parsed, date(2021, 11, 30)) == {
        "posts": 1,
        "impressions": 4449,
        "reposts": 2,
        "replies": 1,
        "likes": 6,
    }
    assert day_values(parsed, date(2021, 11, 27)) == {
        "posts": 4,
        "impressions": 6207 + 4966 + 1307 + 8817,
        "reposts": 12 + 9 + 9 + 11,
        "replies": 2 + 0 + 4 + 0,
        "likes": 40 + 15 + 38 + 17,
    }
    assert "promoted impressions" in parsed.ignored


def test_a_time_with_an_offset_counts_on_its_utc_day():
    data = (
        b"Tweet id,time,impressions,likes\n"
        b"1,2021-11-30 00:30 +0100,10,1\n"  # 23:30 UTC the day before
        b"2,2021-11-30T23:30:00Z,20,2\n"
    )
    parsed = read_import(data, filename="tweet_activity_metrics.csv")
    assert day_values(parsed, date(2021, 11, 29)) == {"posts": 1, "impressions": 10, "likes": 1}
    assert day_values(parsed, date(2021, 11, 30)) == {"posts": 1, "impressions": 20, "likes": 2}


def test_linkedin_total_followers_are_new_followers_rebuilt_into_estimated_totals():
    parsed = read(LINKEDIN, followers_anchor=(date(2026, 3, 31), 800))
    assert parsed.networks == (Network.LINKEDIN,)
    followers = {numbers.day: numbers.values["followers"] for numbers in parsed.days}
    gains = {
        date(2026, 3, int(row["Date"][3:5])): int(row["Total followers"])
        for row in csv.DictReader(io.StringIO(fixture_bytes(LINKEDIN).decode()))
    }
    assert followers[date(2026, 3, 31)] == 800
    assert followers[date(2026, 3, 1)] == 800 - sum(gains[day] for day in MARCH[1:])
    for day in MARCH[1:]:
        assert followers[day] - followers[day - timedelta(days=1)] == gains[day]
    assert set(parsed.days[0].values) == {"followers"}  # the breakdown columns are not kept
    assert any("counts new followers only" in note for note in parsed.notes)


def test_meta_views_in_utf16_with_sep_and_title_lines():
    parsed = read(META_VIEWS)
    assert parsed.title == "Views"
    assert [numbers.day for numbers in parsed.days] == MARCH
    assert day_values(parsed, date(2026, 3, 1)) == {"impressions": 364}
    assert day_values(parsed, date(2026, 3, 3)) == {"impressions": 928}


def test_meta_follows_fill_quiet_days_with_zero_when_rebuilding_totals():
    parsed = read(META_FOLLOWS, followers_anchor=(date(2026, 3, 31), 640))
    assert parsed.networks == (Network.INSTAGRAM,)
    followers = {numbers.day: numbers.values["followers"] for numbers in parsed.days}
    assert list(followers) == MARCH
    assert followers[date(2026, 3, 31)] == 640
    assert followers[date(2026, 3, 30)] == 633  # 7 follows on the 31st
    assert followers[date(2026, 3, 29)] == 633  # no row for the 30th: no follows
    assert followers[date(2026, 3, 28)] == 628  # 5 follows on the 29th
    assert followers[date(2026, 3, 1)] == 640 - (63 - 5)  # all follows after the 1st


def test_meta_post_exports_read_views_reactions_and_their_network():
    instagram = read(META_POSTS_INSTAGRAM)
    assert instagram.networks == (Network.INSTAGRAM,)
    assert day_values(instagram, date(2026, 3, 6)) == {
        "posts": 2,
        "impressions": 11198 + 11871,
        "likes": 255 + 215,
        "replies": 4 + 11,
        "reposts": 9 + 16,
        "bookmarks": 18 + 38,
    }
    facebook = read(META_POSTS_FACEBOOK)
    assert facebook.networks == (Network.FACEBOOK,)
    assert day_values(facebook, date(2026, 3, 1)) == {
        "posts": 1,
        "impressions": 3738,
        "likes": 85,
        "replies": 15,
        "reposts": 6,
    }
    assert "Reactions, comments and shares" in facebook.ignored


def test_meta_daily_table_uses_its_follower_totals_and_ignores_the_anchor():
    parsed = read(META_DAILY, followers_anchor=(date(2026, 2, 1), 5))
    assert day_values(parsed, date(2026, 2, 2)) == {
        "impressions": 603,
        "likes": 55,
        "replies": 7,
        "reposts": 5,
        "followers": 2314,
    }
    assert (
        "The follower count you gave was not used: this file has follower totals." in parsed.notes
    )
    assert parsed.ignored == ("Reach",)


def test_long_format_gives_account_numbers_and_business_readings():
    parsed = read(LONG)
    assert day_values(parsed, date(2027, 1, 4)) == {"followers": 984, "posts": 3, "likes": 17}
    assert [(r.metric, r.day, r.value, r.note) for r in parsed.readings] == [
        ("Leads", date(2027, 1, 10), 6.0, "from the contact form"),
        ("Leads", date(2027, 1, 17), 9.0, "from the contact form"),
    ]
    assert parsed.readings[0].line == 23


def test_the_template_reads_back_as_the_long_format():
    parsed = read_import(template_csv(("Leads", "Orders")).encode(), filename="template.csv")
    assert parsed.spec.key == "long"
    assert {reading.metric for reading in parsed.readings} == {"Leads", "Orders"}
    assert parsed.fields == ("followers", "posts", "likes", "impressions")
    assert template_csv().splitlines()[0] == "date,metric,value"


# ---------------------------------------------------------------- the preview


def test_preview_says_what_will_be_stored_and_what_is_ignored():
    shown = preview(read(X_OVERVIEW, followers_anchor=(date(2026, 3, 31), 1480)))
    assert shown.format_key == "x_overview"
    assert (shown.rows, shown.days, shown.readings) == (31, 31, 0)
    assert (shown.first_day, shown.last_day) == (date(2026, 3, 1), date(2026, 3, 31))
    assert [(c.header, c.becomes) for c in shown.columns_mapped] == [
        ("Date", "the day"),
        ("Impressions", "impressions"),
        ("Likes", "likes"),
        ("Bookmarks", "bookmarks"),
        ("New follows", "new followers → follower totals"),
        ("Unfollows", "lost followers → follower totals"),
        ("Replies", "replies"),
        ("Reposts", "reposts"),
        ("Create Post", "posts"),
    ]
    assert shown.columns_ignored == (
        "Engagements",
        "Shares",
        "Profile visits",
        "Video views",
        "Media views",
    )
    assert shown.fields == (
        "followers",
        "posts",
        "likes",
        "reposts",
        "replies",
        "bookmarks",
        "impressions",
    )
    assert shown.networks == ("X",)
    assert shown.summary() == (
        "X account overview: 31 days of account numbers, 01 Mar 2026 to 31 Mar 2026."
    )
    assert (
        "Follower totals rebuilt from new follows minus unfollows, starting from your count "
        "of 1,480 on 31 Mar 2026." in shown.notes
    )


def test_preview_table_has_one_row_per_day_and_a_column_per_field():
    table = preview_table(read(X_POSTS), limit=5)
    assert list(table.columns) == [
        "day",
        "posts",
        "likes",
        "reposts",
        "replies",
        "bookmarks",
        "impressions",
    ]
    assert len(table) == 5


# ---------------------------------------------------------------- encodings


OVERVIEW_TEXT = "Date,Impressions,Likes,New follows,Unfollows\nTue, Mar 10, 2026,5,1,0,0\n"
QUOTED_OVERVIEW = 'Date,Impressions,Likes,New follows,Unfollows\n"Tue, Mar 10, 2026",5,1,0,0\n'


@pytest.mark.parametrize(
    "data",
    [
        QUOTED_OVERVIEW.encode("utf-8"),
        codecs.BOM_UTF8 + QUOTED_OVERVIEW.encode("utf-8"),
        codecs.BOM_UTF16_LE + QUOTED_OVERVIEW.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + QUOTED_OVERVIEW.encode("utf-16-be"),
        QUOTED_OVERVIEW.replace("\n", "\r\n").encode("cp1252"),
        QUOTED_OVERVIEW.replace("\n", "\r").encode("latin-1"),
        (
            "sep=;\n"
            + QUOTED_OVERVIEW.replace(",5,1,0,0", ";5;1;0;0").replace(
                "Date,Impressions,Likes,New follows,Unfollows",
                "Date;Impressions;Likes;New follows;Unfollows",
            )
        ).encode(),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le", "utf-16-be", "cp1252-crlf", "latin-1-cr", "sep-line"],
)
def test_every_encoding_and_line_ending_reads_the_same(data):
    parsed = read_import(data, filename="account_overview_analytics.csv")
    assert day_values(parsed, date(2026, 3, 10)) == {"impressions": 5, "likes": 1}


def test_latin1_text_in_ignored_columns_is_read():
    data = "Post id,Date,Post text,Impressions\n1,2026-03-02,Crème brûlée ½ price,7\n".encode(
        "latin-1"
    )
    assert day_values(read_import(data, filename="c.csv"), date(2026, 3, 2)) == {
        "posts": 1,
        "impressions": 7,
    }


# ---------------------------------------------------------------- refusals: whole files


BAD_FILES = {
    "bad_zero_bytes.csv": "The file is empty (0 bytes): download the export again.",
    "bad_empty.csv": "The file has no text in it: download the export again.",
    "bad_header_only.csv": "The file has a header but no rows of numbers below it.",
    "bad_utf16_no_bom.csv": (
        "The file is not text Social Plan can read (it contains NUL bytes: binary data, or "
        "UTF-16 without a byte-order mark). Open it in a spreadsheet, save it as CSV (UTF-8) "
        "and import that file."
    ),
    "bad_binary_junk.bin": (
        "The file is not text Social Plan can read (it contains NUL bytes: binary data, or "
        "UTF-16 without a byte-order mark). Open it in a spreadsheet, save it as CSV (UTF-8) "
        "and import that file."
    ),
    "bad_broken_row.csv": "Line 14, column “Likes”: “abc” is not a number. Nothing was imported.",
    "bad_cut_short_row.csv": (
        "Line 18: the row has 4 values but the header has 17 columns (the row may be cut "
        "short). Nothing was imported."
    ),
    "bad_other_tool.csv": (
        "The file's header (“Transaction Date, Description, Amount, Balance”) is not one "
        "Social Plan knows. Expected one of these exports, with these columns: "
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_each_bad_file_is_refused_with_its_message(name):
    errors = refusal(fixture_bytes(name))
    assert list(errors) == ["file"]
    if name == "bad_other_tool.csv":
        assert errors["file"].startswith(BAD_FILES[name])
    else:
        assert errors["file"] == BAD_FILES[name]


def test_a_file_over_50_mb_is_refused_before_it_is_read():
    line = b'"Tue, Mar 10, 2026","1,200","40","80","3","1","5","1","6","2","150","1","0","0"\n'
    data = fixture_bytes(X_OVERVIEW).splitlines(keepends=True)[0] + line * (
        MAX_BYTES // len(line) + 1
    )
    assert len(data) > MAX_BYTES
    assert refusal(data) == {
        "file": "The file is 50.0 MB; files over 50 MB are refused. Export a shorter date range."
    }


def test_a_file_of_exactly_50_mb_is_read():
    # Long captions fill it, as they can in a real posts export: few rows, many bytes.
    caption = b"crumb " * 20_000

    def row(number: int, padding: int = 0) -> bytes:
        return b"%d,2026-03-02,%s,%s5\n" % (number, caption, b" " * padding)

    parts = [b"Post id,Date,Post text,Impressions\n"]
    size, number = len(parts[0]), 0
    while size + 2 * len(row(number + 1)) <= MAX_BYTES:
        number += 1
        parts.append(row(number))
        size += len(parts[-1])
    parts.append(row(number + 1, MAX_BYTES - size - len(row(number + 1))))
    data = b"".join(parts)
    assert len(data) == MAX_BYTES == 50 * 1024 * 1024
    parsed = read_import(data, filename="content.csv")
    assert parsed.days[0].values == {"posts": number + 1, "impressions": 5 * (number + 1)}


@pytest.mark.parametrize("magic", [b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"])
def test_an_excel_workbook_is_refused_with_how_to_save_it_as_csv(magic):
    assert refusal(magic + b"\x00" * 64) == {
        "file": "The file is an Excel workbook, not a CSV file: open it, keep the sheet with the "
        "daily numbers (LinkedIn: “New followers”), save it as CSV (UTF-8) and import that file."
    }


def test_a_bom_that_lies_about_the_encoding_is_refused():
    assert refusal(codecs.BOM_UTF8 + b"Date,Views\n\xff\xfe\n") == {
        "file": "The file says it is UTF-8 but is not valid UTF-8 text (byte 12). Open it in a "
        "spreadsheet, save it as CSV (UTF-8) and import that file."
    }


def test_a_file_of_separators_only_is_refused():
    assert refusal(b",,,\n , ,\n") == {
        "file": "The file has no values in it, only separators: download the export again."
    }


def test_an_unclosed_quote_that_swallows_the_file_is_refused():
    data = b'Post id,Date,Impressions\n1,"Tue, Mar 10, 2026,5\n' + b"x" * 200_000 + b"\n"
    assert refusal(data) == {
        "file": "Line 2 could not be read as CSV: a cell is too long or a quote is never closed."
    }


# ---------------------------------------------------------------- refusals: bad rows


X_DATES = "“Tue, Mar 10, 2026” or “2026-03-10”"


def overview_with_row(row: str) -> bytes:
    good = "Tue, Mar 10, 2026,5,1,0,0"
    return (
        f'Date,Impressions,Likes,New follows,Unfollows\n"{good[:17]}"{good[17:]}\n{row}\n'.encode()
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            '"Wed, Mar 11, 2026",5,-3,0,0',
            "Line 3, column “Likes”: “-3” is negative: counts cannot be below 0.",
        ),
        ('"Wed, Mar 11, 2026",5,2.5,0,0', "Line 3, column “Likes”: “2.5” is not a whole number."),
        (
            '"Wed, Mar 11, 2026",5,=SUM(A1:A3),0,0',
            "Line 3, column “Likes”: “=SUM(A1:A3)” is not a number.",
        ),
        ('"Wed, Mar 11, 2026",1.2K,2,0,0', "Line 3, column “Impressions”: “1.2K” is not a number."),
        ('"Wed, Mar 11, 2026",5,NaN,0,0', "Line 3, column “Likes”: “NaN” is not a number."),
        (
            '"Wed, Mar 11, 2026",99999999999999999999,2,0,0',
            "Line 3, column “Impressions”: “99999999999999999999” is larger than Social Plan "
            "can store (9,223,372,036,854,775,807).",
        ),
        (
            '"Wed, Mar 32, 2026",5,2,0,0',
            "Line 3, column “Date”: “Wed, Mar 32, 2026” is not a date (expected a date like "
            f"{X_DATES}).",
        ),
        (
            '"11/03/2026",5,2,0,0',
            f"Line 3, column “Date”: “11/03/2026” is not a date (expected a date like {X_DATES}).",
        ),
        (
            ",5,2,0,0",
            f"Line 3, column “Date”: the date is missing (expected a date like {X_DATES}).",
        ),
        (
            '"Tue, Mar 10, 2026",5,2,0,0',
            "Line 3, column “Date”: “Tue, Mar 10, 2026” repeats the day of line 2.",
        ),
        (
            '"Wed, Mar 11, 2026",5,2',
            "Line 3: the row has 3 values but the header has 5 columns (the row may be cut short).",
        ),
        (
            '"Wed, Mar 11, 2026",5,2,0,0,7',
            "Line 3: the row has 6 values but the header has 5 columns (a value may hold a "
            "comma without quotes around it).",
        ),
    ],
)
def test_a_bad_row_refuses_the_file_naming_line_column_and_value(row, message):
    assert refusal(overview_with_row(row)) == {"file": f"{message} Nothing was imported."}


def test_trailing_empty_cells_and_blank_lines_are_fine():
    parsed = read_import(overview_with_row('"Wed, Mar 11, 2026",5,2,0,0,,\n\n'), filename="o.csv")
    assert len(parsed.days) == 2


def test_not_given_cells_stay_empty_rather_than_zero():
    parsed = read_import(overview_with_row('"Wed, Mar 11, 2026",5,-,,0'), filename="o.csv")
    assert day_values(parsed, date(2026, 3, 11)) == {"impressions": 5}


def test_the_first_three_problems_are_listed_and_the_rest_counted():
    rows = "\n".join(f'"Wed, Mar {day}, 2026",x,1,0,0' for day in range(11, 16))
    errors = refusal(overview_with_row(rows))
    assert errors == {
        "file": "Line 3, column “Impressions”: “x” is not a number. "
        "Line 4, column “Impressions”: “x” is not a number. "
        "Line 5, column “Impressions”: “x” is not a number. "
        "And 2 more problems after these. Nothing was imported."
    }


def test_line_numbers_count_the_lines_of_multi_line_cells():
    data = (
        b"Post id,Date,Post text,Impressions\n"
        b'1,2026-03-02,"two\nlines",7\n'
        b'2,2026-03-02,"three\nlines\nhere",oops\n'
    )
    assert refusal(data) == {
        "file": "Line 4, column “Impressions”: “oops” is not a number. Nothing was imported."
    }


def test_a_post_listed_twice_is_refused_rather_than_counted_twice():
    data = b"Post id,Date,Impressions\n7,2026-03-02,5\n8,2026-03-02,6\n7,2026-03-02,5\n"
    assert refusal(data) == {
        "file": "Line 4, column “Post id”: post “7” is also on line 2. Nothing was imported."
    }


def test_a_day_whose_posts_lack_a_count_leaves_that_count_empty():
    data = b"Post id,Date,Impressions,Likes\n1,2026-03-02,5,3\n2,2026-03-02,6,\n3,2026-03-03,1,1\n"
    parsed = read_import(data, filename="c.csv")
    assert day_values(parsed, date(2026, 3, 2)) == {"posts": 2, "impressions": 11}
    assert day_values(parsed, date(2026, 3, 3)) == {"posts": 1, "impressions": 1, "likes": 1}


def test_sums_beyond_what_can_be_stored_are_refused():
    big = 5_000_000_000_000_000_000
    data = f"Post id,Date,Impressions\n1,2026-03-02,{big}\n2,2026-03-02,{big}\n".encode()
    assert refusal(data) == {
        "file": "The posts of 02 Mar 2026 add up to 10,000,000,000,000,000,000 impressions, "
        "more than Social Plan can store (9,223,372,036,854,775,807)."
    }


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2027-01-04,followers,", "Line 2, column “value”: the value is missing."),
        ("2027-01-04,,5", "Line 2, column “metric”: the metric name is missing."),
        (
            "04/01/2027,followers,5",
            "Line 2, column “date”: “04/01/2027” is not a date "
            "(expected a date like “2026-03-10”).",
        ),
        (
            "2027-01-04,followers,-5",
            "Line 2, column “value”: “-5” is negative: counts cannot be below 0.",
        ),
        ("2027-01-04,Leads,abc", "Line 2, column “value”: “abc” is not a number."),
        (
            "2027-01-04,Leads,1e13",
            "Line 2, column “value”: “1e13” is out of range (at most ±1,000,000,000,000).",
        ),
        ("2027-01-04,Leads,inf", "Line 2, column “value”: “inf” is not a number."),
    ],
)
def test_long_format_refuses_bad_rows(row, message):
    assert refusal(f"date,metric,value\n{row}\n".encode()) == {
        "file": f"{message} Nothing was imported."
    }


def test_long_format_allows_negative_and_decimal_business_values_but_not_repeats():
    parsed = read_import(b"date,metric,value\n2027-01-04,Profit,-12.5\n", filename="n.csv")
    assert parsed.readings[0].value == -12.5
    data = b"date,metric,value\n2027-01-04,Leads,3\n2027-01-04, leads ,4\n"
    assert refusal(data) == {
        "file": "Line 3, column “metric”: “leads” on 2027-01-04 repeats line 2. "
        "Nothing was imported."
    }


def test_long_format_metric_aliases_name_snapshot_fields():
    data = (
        b"date,metric,value\n"
        b"2027-01-04,Views,30\n2027-01-04,Retweets,2\n2027-01-04,Posts total,400\n"
    )
    parsed = read_import(data, filename="n.csv")
    assert day_values(parsed, date(2027, 1, 4)) == {
        "impressions": 30,
        "reposts": 2,
        "posts_total": 400,
    }
    assert parsed.readings == ()


# ---------------------------------------------------------------- refusals: Meta titles, anchors


def meta_series(title: str, rows: str = '"2026-03-01T00:00:00","4"') -> bytes:
    lines = ["sep=,", f'"{title}"' if title else "", '"Date","Primary"', rows]
    return codecs.BOM_UTF16_LE + "\n".join(line for line in lines if line).encode("utf-16-le")


def test_a_meta_metric_social_plan_does_not_keep_is_refused_by_name():
    assert refusal(meta_series("Facebook reach")) == {
        "file": "This Meta export holds “Facebook reach”, a number Social Plan does not keep. "
        "Export “Views” or “Follows” instead."
    }


def test_a_meta_file_without_its_title_line_is_refused():
    assert refusal(meta_series("")) == {
        "file": "The file has Meta's “Date”, “Primary” header but not the title line above it "
        "that names the metric (like “Views”): export it again from Meta Business Suite."
    }


def test_a_facebook_title_narrows_the_network():
    parsed = read_import(meta_series("Facebook views"), filename="Views.csv")
    assert parsed.networks == (Network.FACEBOOK,)
    assert day_values(parsed, date(2026, 3, 1)) == {"impressions": 4}


@pytest.mark.parametrize(
    ("anchor", "message"),
    [
        ((date(2026, 4, 1), 100), "must be on a day the file covers, 01 Mar 2026 to 31 Mar 2026."),
        ((date(2026, 2, 28), 100), "must be on a day the file covers, 01 Mar 2026 to 31 Mar 2026."),
        ((date(2026, 3, 31), -1), FOLLOWER_COUNT_RULE),
        (
            (date(2026, 3, 31), 3),
            "gives fewer than 0 followers on 28 Mar 2026 once the file's daily changes are "
            "counted from it: check the count and its date.",
        ),
    ],
)
def test_an_anchor_that_cannot_be_right_is_refused(anchor, message):
    assert refusal(fixture_bytes(X_OVERVIEW), followers_anchor=anchor) == {
        "followers_anchor": message
    }


def test_totals_stop_at_a_day_whose_change_is_unknown_and_the_preview_says_so():
    data = (
        b"Date,Impressions,New follows,Unfollows\n"
        b"2026-03-01,1,2,0\n2026-03-02,1,,0\n2026-03-03,1,3,1\n2026-03-05,1,1,0\n"
    )
    parsed = read_import(data, filename="o.csv", followers_anchor=(date(2026, 3, 3), 50))
    followers = {n.day: n.values.get("followers") for n in parsed.days}
    assert followers == {
        date(2026, 3, 1): None,
        date(2026, 3, 2): 48,
        date(2026, 3, 3): 50,
        date(2026, 3, 5): None,
    }
    assert (
        "Follower totals stop after 03 Mar 2026: the next day's change is not in the file."
        in parsed.notes
    )
    assert (
        "Follower totals start at 02 Mar 2026: that day's change is not in the file."
        in parsed.notes
    )


def test_an_anchor_from_a_widget_may_be_a_datetime_and_a_whole_float():
    as_widget = read(X_OVERVIEW, followers_anchor=(datetime(2026, 3, 31, 18, 0), 1480.0))
    as_values = read(X_OVERVIEW, followers_anchor=(date(2026, 3, 31), 1480))
    assert as_widget.days == as_values.days
    assert as_widget.followers_anchor == (date(2026, 3, 31), 1480)


@pytest.mark.parametrize(
    ("anchor", "message"),
    [
        (("2026-03-31", 1480), "must be a day and a follower count."),
        ((date(2026, 3, 31),), "must be a day and a follower count."),
        ((date(2026, 3, 31), 14.5), FOLLOWER_COUNT_RULE),
    ],
)
def test_an_anchor_of_the_wrong_kind_is_refused(anchor, message):
    assert refusal(fixture_bytes(X_OVERVIEW), followers_anchor=anchor) == {
        "followers_anchor": message
    }
