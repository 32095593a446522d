"""Export and restore at scale: the demo plus SOCIALPLAN_BACKUP_SNAPSHOTS extra snapshots.

The demo bakery gets a long history of snapshots for its accounts (in bulk, on the days
before the demo's own; 10,000 by default to stay in CI's budget, 100,000 for the documented
full run), on SQLite and on PostgreSQL. The workspace is exported to a file, deleted,
restored from the file and exported again: the two files must be byte for byte the same.
Then the file, damaged (cut short, a byte flipped), made "newer" (a format version or a
schema revision this Social Plan does not know), or restored a second time over the
workspace it made, is refused through `socialplan restore` with a one-line message, and no
table changes by a single row. Timings are printed for docs/reliability.md, never asserted.
"""

from __future__ import annotations

import json
import os
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, func, select

from socialplan import backup, cli, demo
from socialplan.access import Actor
from socialplan.models import Account, Snapshot, Workspace

SNAPSHOTS = int(os.environ.get("SOCIALPLAN_BACKUP_SNAPSHOTS", "10000"))
TODAY = date(2027, 3, 15)
INSERT_CHUNK = 10_000


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: connection.execute(sa.select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }


def history_rows(account_ids: list[int], first_day: date, count: int) -> list[dict]:
    """`count` snapshots, round the accounts, one day further back each round."""
    rows = []
    for n in range(count):
        account_id = account_ids[n % len(account_ids)]
        rounds = n // len(account_ids)
        rows.append(
            {
                "account_id": account_id,
                "day": first_day - timedelta(days=rounds + 1),
                "followers": max(0, 900 - rounds // 20),
                "following": 120 + n % 7,
                "posts_total": max(0, 5_000 - rounds),
                "posts": n % 3,
                "likes": (n * 7) % 41,
                "reposts": (n * 3) % 5 if n % 4 else None,  # a count some exports lack
                "replies": n % 6,
                "quotes": None,
                "bookmarks": n % 2,
                "impressions": 3_000_000_000 + n if n % 10 == 0 else (n * 13) % 2_000,
                "source": "import",
            }
        )
    return rows


def load_big_bakery(engine: Engine, extra: int) -> int:
    """The demo, plus `extra` older snapshots for its own and competitors' accounts."""
    with Session(engine, expire_on_commit=False) as session:
        workspace = demo.load_demo(session=session, actor=Actor.local(), today=TODAY)
        account_ids = list(
            session.exec(
                select(Account.id).where(Account.workspace_id == workspace.id).order_by(Account.id)
            )
        )
        first_day = session.exec(
            select(func.min(Snapshot.day)).where(Snapshot.account_id.in_(account_ids))  # type: ignore[attr-defined]
        ).one()
    rows = history_rows(account_ids, first_day, extra)
    with engine.begin() as connection:
        for start in range(0, len(rows), INSERT_CHUNK):
            connection.execute(sa.insert(Snapshot), rows[start : start + INSERT_CHUNK])
    return workspace.id  # type: ignore[return-value]


def export_to(engine: Engine, path: Path) -> dict:
    with Session(engine) as session:
        data = backup.export_workspace(session=session, actor=Actor.local(), slug=demo.DEMO_SLUG)
    backup.write_export(data, path)
    return data


def delete_demo(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(sa.delete(Workspace).where(Workspace.slug == demo.DEMO_SLUG))


def restore_from(engine: Engine, path: Path) -> None:
    with Session(engine) as session:
        backup.restore_workspace(
            session=session, actor=Actor.local(), data=backup.read_export(path)
        )


@pytest.fixture
def cli_database(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """`socialplan` commands run in the test use the test's database."""
    monkeypatch.setenv("SOCIALPLAN_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return engine


class Timer:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}

    def lap(self, name: str, started: float) -> None:
        self.laps[name] = time.perf_counter() - started


def test_export_restore_export_gives_the_same_file_at_scale(engine, tmp_path, capsys):
    timer = Timer()
    started = time.perf_counter()
    load_big_bakery(engine, SNAPSHOTS)
    timer.lap("load", started)
    first, second = tmp_path / "first.json", tmp_path / "second.json"

    started = time.perf_counter()
    exported = export_to(engine, first)
    timer.lap("export", started)
    total = len(exported["snapshots"])
    assert total >= SNAPSHOTS
    delete_demo(engine)

    started = time.perf_counter()
    restore_from(engine, first)
    timer.lap("restore", started)

    started = time.perf_counter()
    export_to(engine, second)
    timer.lap("export again", started)
    assert second.read_bytes() == first.read_bytes()
    with capsys.disabled():
        laps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timer.laps.items())
        print(
            f"\n[backup] {engine.dialect.name}: {total:,} snapshots ({SNAPSHOTS:,} added to the "
            f"demo), file {first.stat().st_size / 1e6:.1f} MB, identical after the round trip; "
            f"{laps}"
        )


def damaged_copies(good: Path, folder: Path) -> dict[str, Path]:
    """The good file cut short, with a flipped byte, and from a newer Social Plan."""
    raw = good.read_bytes()
    copies: dict[str, bytes] = {
        "cut in the middle": raw[: len(raw) // 2],
        "last byte missing": raw[:-2] + raw[-1:],  # the closing brace goes, the newline stays
    }
    # One bit flipped deep in the file, in a number (a 2 becomes a 3: still valid JSON, so
    # only the checksum can tell), and one in the header's format name.
    number = raw.index(b'"likes": 2,', len(raw) // 3) + len(b'"likes": ')
    header = raw.index(b'"socialplan-export"') + 3
    for name, position in (
        ("byte flipped in a number", number),
        ("byte flipped in the header", header),
    ):
        flipped = bytearray(raw)
        flipped[position] ^= 0x01
        copies[name] = bytes(flipped)
    data = json.loads(raw)
    newer = folder / "newer-version.json"
    backup.write_export({**data, "version": backup.FORMAT_VERSION + 1}, newer)
    unknown = folder / "unknown-schema.json"
    backup.write_export({**data, "schema": "9999_from_the_future"}, unknown)
    paths = {"newer format version": newer, "unknown schema revision": unknown}
    for name, content in copies.items():
        path = folder / f"{name.replace(' ', '-')}.json"
        path.write_bytes(content)
        paths[name] = path
    return paths


EXPECTED_MESSAGES = {
    "cut in the middle": "is not valid JSON",
    "last byte missing": "is not valid JSON",
    "byte flipped in a number": "is damaged: its content does not match",
    "byte flipped in the header": "is damaged: its content does not match",
    "newer format version": "is newer than this Social Plan reads",
    "unknown schema revision": "is not a database schema this Social Plan knows",
}


def test_a_damaged_newer_or_existing_export_is_refused_and_changes_nothing(
    cli_database, tmp_path, capsys
):
    engine = cli_database
    load_big_bakery(engine, SNAPSHOTS)
    good = tmp_path / "good.json"
    in_file = len(export_to(engine, good)["snapshots"])
    damaged = damaged_copies(good, tmp_path)
    delete_demo(engine)
    capsys.readouterr()
    before = row_counts(engine)
    for name, path in damaged.items():
        assert cli.main(["restore", str(path)]) == 1, name
        error = capsys.readouterr().err.strip()
        assert len(error.splitlines()) == 1 and EXPECTED_MESSAGES[name] in error, (name, error)
        assert row_counts(engine) == before, name

    assert cli.main(["restore", str(good)]) == 0
    restored = row_counts(engine)
    assert restored["snapshot"] == before["snapshot"] + in_file
    capsys.readouterr()
    assert cli.main(["restore", str(good)]) == 1
    assert "“demo” already exists" in capsys.readouterr().err
    assert row_counts(engine) == restored
    with capsys.disabled():
        print(
            f"\n[backup] {engine.dialect.name}: {len(damaged) + 1} bad restores refused "
            f"({', '.join(damaged)}, workspace already there), "
            f"{sum(restored.values()):,} rows unchanged by each"
        )
