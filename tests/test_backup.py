"""Export and restore: a whole workspace to JSON and back, identical, or refused untouched."""

from __future__ import annotations

import copy
import json
import random
import shutil
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, func, select

from socialplan import backup, demo
from socialplan.access import Actor, role_in_workspace
from socialplan.db import head_revision, make_engine
from socialplan.errors import InvalidInput, NotAllowed, SocialPlanError
from socialplan.models import (
    Account,
    Invitation,
    Membership,
    Metric,
    Plan,
    Revision,
    Role,
    ShareLink,
    Snapshot,
    User,
    Workspace,
)
from tests.factories import create_workspace_with_plan

TODAY = date(2027, 3, 15)
SECRET_TOKEN = "gAAAAAB-encrypted-x-token-never-exported"
SHARE_TOKEN_HASH = "f" * 64


@pytest.fixture
def bakery(session, actor) -> Workspace:
    return demo.load_demo(session=session, actor=actor, today=TODAY)


@pytest.fixture
def exported(session, actor, bakery) -> dict:
    return backup.export_workspace(session=session, actor=actor, slug="demo")


def row_counts(session: Session) -> dict[str, int]:
    """How many rows every table holds, to prove a refused restore wrote nothing."""
    return {
        table.name: session.execute(sa.select(func.count()).select_from(table)).scalar_one()
        for table in SQLModel.metadata.sorted_tables
    }


def delete_workspace(session: Session, slug: str) -> None:
    """Remove a workspace and, through ON DELETE CASCADE, everything in it."""
    session.execute(sa.delete(Workspace).where(Workspace.slug == slug))
    session.commit()
    session.expunge_all()


def add_rows_the_demo_lacks(session: Session, workspace: Workspace) -> None:
    """A copied plan, so the plans section has a draft next to the active one."""
    plan = session.exec(select(Plan).where(Plan.workspace_id == workspace.id)).one()
    session.add(
        Plan(
            workspace_id=workspace.id,
            name="Next half",
            period_start=plan.period_end + timedelta(days=1),
            period_end=plan.period_end + timedelta(days=180),
            status="draft",
            copied_from_plan_id=plan.id,
        )
    )
    session.commit()


def test_an_export_names_its_format_version_and_schema(exported):
    assert (exported["format"], exported["version"]) == ("socialplan-export", 1)
    assert exported["schema"] == head_revision()
    assert exported["workspace"]["slug"] == "demo"


def test_an_export_has_every_row_of_the_workspace(session, bakery, exported):
    counts = demo.workspace_contents(session, bakery.id)
    for section in ("people", "plans", "objectives", "metrics", "tasks", "reviews", "accounts"):
        assert len(exported[section]) == counts[section], section
    assert len(exported["snapshots"]) == counts["snapshots"]
    assert len(exported["readings"]) == counts["readings"]
    assert len(exported["revisions"]) == 1
    assert len(exported["review_items"]) == 2 * counts["metrics"]


def test_ids_are_local_to_the_file_and_references_use_them(exported):
    assert [p["id"] for p in exported["people"]] == [1, 2, 3, 4]
    assert [m["id"] for m in exported["metrics"]] == list(range(1, len(exported["metrics"]) + 1))
    objective_ids = {o["id"] for o in exported["objectives"]}
    assert {m["objective_id"] for m in exported["metrics"]} <= objective_ids
    assert "id" not in exported["snapshots"][0]
    assert "workspace_id" not in exported["people"][0]


def test_dates_and_times_are_iso_and_times_are_utc(exported):
    assert exported["snapshots"][-1]["day"] == TODAY.isoformat()
    created = datetime.fromisoformat(exported["workspace"]["created_at"])
    assert created.utcoffset() == timedelta(0)


def test_the_export_holds_no_secrets_and_nothing_of_the_instance(session, actor, bakery):
    user = User(issuer="https://id.example", subject="rosa", email="rosa@login.example")
    session.add(user)
    session.commit()
    plan = session.exec(select(Plan)).one()
    bakery.x_token_encrypted = SECRET_TOKEN
    session.add(bakery)
    session.add(Membership(workspace_id=bakery.id, user_id=user.id, role=Role.OWNER))
    session.add(ShareLink(plan_id=plan.id, token_hash=SHARE_TOKEN_HASH, label="For the bank"))
    session.add(
        Invitation(
            workspace_id=bakery.id,
            email="new.baker@example.com",
            role=Role.EDITOR,
            expires_at=datetime.now(UTC) + timedelta(days=7),
        )
    )
    session.commit()
    text = json.dumps(backup.export_workspace(session=session, actor=actor, slug="demo"))
    for secret in (SECRET_TOKEN, "x_token", SHARE_TOKEN_HASH, "For the bank", "new.baker"):
        assert secret not in text
    assert "rosa@login.example" not in text and "https://id.example" not in text


def test_export_restore_export_gives_the_same_json_on_the_same_database(session, actor, exported):
    delete_workspace(session, "demo")
    restored = backup.restore_workspace(session=session, actor=actor, data=exported)
    again = backup.export_workspace(session=session, actor=actor, slug=restored.slug)
    assert json.dumps(again) == json.dumps(exported)


def test_every_section_survives_a_round_trip_into_another_database(
    session, actor, bakery, sqlite_template, tmp_path
):
    add_rows_the_demo_lacks(session, bakery)
    exported = backup.export_workspace(session=session, actor=actor, slug="demo")
    assert all(exported[name] for name in backup.SECTION_NAMES)
    shutil.copyfile(sqlite_template, tmp_path / "other.db")
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        with Session(other) as other_session:
            backup.restore_workspace(session=other_session, actor=actor, data=exported)
            again = backup.export_workspace(session=other_session, actor=actor, slug="demo")
            copied = other_session.exec(select(Plan).where(Plan.name == "Next half")).one()
            assert copied.copied_from_plan_id is not None
    finally:
        other.dispose()
    assert again == exported


def test_a_file_written_and_read_back_restores_to_the_same_export(
    session, actor, exported, tmp_path
):
    path = tmp_path / "bakery.json"
    backup.write_export(exported, path)
    delete_workspace(session, "demo")
    backup.restore_workspace(session=session, actor=actor, data=backup.read_export(path))
    again = backup.export_workspace(session=session, actor=actor, slug="demo")
    assert again == exported


def test_a_revision_keeps_pointing_at_its_metric_after_a_round_trip(session, actor, exported):
    delete_workspace(session, "demo")
    backup.restore_workspace(session=session, actor=actor, data=exported)
    revision = session.exec(select(Revision)).one()
    assert (revision.entity, revision.field) == ("metric", "target")
    assert session.get(Metric, revision.entity_id).name == "Cake orders from social"


def test_the_restorer_becomes_owner_of_the_restored_workspace(session, actor, exported):
    user = User(issuer="i", subject="restorer")
    session.add(user)
    session.commit()
    delete_workspace(session, "demo")
    restorer = Actor.user(user.id, "Restorer")
    workspace = backup.restore_workspace(session=session, actor=restorer, data=exported)
    assert role_in_workspace(session, restorer, workspace.id) == Role.OWNER


def test_restore_refuses_a_workspace_slug_that_exists_and_writes_nothing(session, actor, exported):
    before = row_counts(session)
    with pytest.raises(InvalidInput) as error:
        backup.restore_workspace(session=session, actor=actor, data=exported)
    assert "“demo” already exists" in str(error.value)
    assert row_counts(session) == before


def broken(exported: dict, change) -> dict:
    data = copy.deepcopy(exported)
    change(data)
    return data


def set_key(key: str, value):
    return lambda data: data.__setitem__(key, value)


def set_in_row(section: str, index: int, field: str, value):
    return lambda data: data[section][index].__setitem__(field, value)


REFUSALS = [
    pytest.param(set_key("format", "something-else"), "not a Social Plan export", id="format"),
    pytest.param(set_key("version", 2), "newer than this Social Plan reads", id="newer-version"),
    pytest.param(set_key("version", "one"), "not a known export version", id="bad-version"),
    pytest.param(set_key("schema", "9999_future"), "newer version", id="unknown-schema"),
    pytest.param(set_key("schema", "heads"), "not a database schema", id="symbolic-schema"),
    pytest.param(
        set_in_row("metrics", 0, "objective_id", 99), "objective_id 99 is not among", id="ref"
    ),
    pytest.param(
        set_in_row("snapshots", 0, "account_id", 99), "account_id 99 is not among", id="snap-ref"
    ),
    pytest.param(
        set_in_row("revisions", 0, "entity_id", 99), "entity_id 99 is not among", id="entity"
    ),
    pytest.param(
        set_in_row("snapshots", 3, "followers", -5), "snapshots row 4: followers", id="negative"
    ),
    pytest.param(set_in_row("people", 1, "id", 1), "repeated ids", id="repeated-id"),
    pytest.param(set_in_row("plans", 0, "id", "one"), "plans row 1: id must be", id="bad-id"),
    pytest.param(set_in_row("plans", 0, "token", "x"), "unknown fields", id="unknown-field"),
    pytest.param(set_key("tasks", {"not": "a list"}), "must be a list", id="not-a-list"),
    pytest.param(lambda data: data.pop("readings"), "missing from the export", id="no-section"),
    pytest.param(
        lambda data: data["snapshots"].append(dict(data["snapshots"][0])),
        "does not fit the database",
        id="duplicate-snapshot-day",
    ),
]


@pytest.mark.parametrize(("change", "message"), REFUSALS)
def test_restore_refuses_a_damaged_export_and_writes_nothing(
    session, actor, exported, change, message
):
    delete_workspace(session, "demo")
    before = row_counts(session)
    with pytest.raises(InvalidInput, match=message):
        backup.restore_workspace(session=session, actor=actor, data=broken(exported, change))
    assert row_counts(session) == before


def test_a_viewer_may_not_export_the_workspace(session, bakery):
    user = User(issuer="i", subject="viewer")
    session.add(user)
    session.commit()
    session.add(Membership(workspace_id=bakery.id, user_id=user.id, role=Role.VIEWER))
    session.commit()
    with pytest.raises(NotAllowed):
        backup.export_workspace(session=session, actor=Actor.user(user.id, "V"), slug="demo")


def test_exporting_an_unknown_workspace_says_so(session, actor):
    with pytest.raises(SocialPlanError, match="No workspace “nope”"):
        backup.export_workspace(session=session, actor=actor, slug="nope")


def test_reading_a_missing_file_says_there_is_no_file(tmp_path):
    with pytest.raises(SocialPlanError, match="There is no file"):
        backup.read_export(tmp_path / "missing.json")


def test_reading_corrupt_json_names_the_line(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text('{\n "format": "socialplan-export",\n "version": ')
    with pytest.raises(SocialPlanError, match=r"not valid JSON \(line 3"):
        backup.read_export(path)


def test_reading_json_that_is_not_an_object_is_refused(tmp_path):
    path = tmp_path / "list.json"
    path.write_text("[1, 2, 3]")
    with pytest.raises(SocialPlanError, match="not a Social Plan export"):
        backup.read_export(path)


def test_reading_a_binary_file_is_refused(tmp_path):
    path = tmp_path / "picture.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(SocialPlanError, match="not a text file"):
        backup.read_export(path)


def test_snapshots_are_restored_in_bulk_with_their_numbers(session, actor, exported):
    delete_workspace(session, "demo")
    backup.restore_workspace(session=session, actor=actor, data=exported)
    last = session.exec(select(Snapshot).order_by(col(Snapshot.day).desc(), Snapshot.id)).first()
    assert last.day == TODAY and last.updated_at.tzinfo is not None
    restored = session.exec(select(Workspace).where(Workspace.slug == "demo")).one()
    total = session.exec(
        select(func.count())
        .select_from(Snapshot)
        .join(Account, Account.id == Snapshot.account_id)
        .where(Account.workspace_id == restored.id)
    ).one()
    assert total == len(exported["snapshots"])


# ---------------------------------------------------------------- the file's checksum


def small_business(session: Session, actor: Actor) -> Workspace:
    """A workspace with a plan, an account and its snapshots: a file small enough to fuzz."""
    workspace, _ = create_workspace_with_plan(session, actor, name="Corner Café")
    account = Account(workspace_id=workspace.id, network="bluesky", handle="corner.bsky.social")
    session.add(account)
    session.commit()
    for offset in range(12):
        session.add(
            Snapshot(
                account_id=account.id,
                day=TODAY - timedelta(days=offset),
                followers=400 + offset,
                likes=offset * 3,
                source="import",
            )
        )
    session.commit()
    return workspace


@pytest.fixture
def small(session, actor) -> dict:
    workspace = small_business(session, actor)
    return backup.export_workspace(session=session, actor=actor, slug=workspace.slug)


def slug_of(data: dict) -> str:
    return data["workspace"]["slug"]


def test_a_written_file_carries_the_checksum_of_its_content_after_the_header(small, tmp_path):
    path = tmp_path / "cafe.json"
    backup.write_export(small, path)
    written = json.loads(path.read_text(encoding="utf-8"))
    assert list(written)[:5] == ["format", "version", "schema", "checksum", "workspace"]
    assert written["checksum"].startswith("sha256:") and len(written["checksum"]) == 71
    assert backup.read_export(path) == small


def test_a_written_file_has_a_row_a_line_under_its_section(small, tmp_path):
    path = tmp_path / "cafe.json"
    backup.write_export(small, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index(' "snapshots": [')
    rows = lines[start + 1 : start + 1 + len(small["snapshots"])]
    assert [json.loads(line.rstrip(",")) for line in rows] == small["snapshots"]
    assert lines[start + 1 + len(small["snapshots"])] == " ],"


def test_a_changed_number_that_is_still_valid_json_is_refused_as_damaged(small, tmp_path):
    path = tmp_path / "cafe.json"
    backup.write_export(small, path)
    text = path.read_text(encoding="utf-8")
    followers = f'"followers": {small["snapshots"][0]["followers"]},'
    assert followers in text
    path.write_text(text.replace(followers, followers.replace(": ", ": 1"), 1), encoding="utf-8")
    with pytest.raises(SocialPlanError, match="is damaged: its content does not match"):
        backup.read_export(path)


def test_a_file_without_a_checksum_is_read_as_written_before_checksums(
    session, actor, small, tmp_path
):
    path = tmp_path / "by-hand.json"
    path.write_text(json.dumps(small), encoding="utf-8")
    delete_workspace(session, slug_of(small))
    backup.restore_workspace(session=session, actor=actor, data=backup.read_export(path))
    assert backup.export_workspace(session=session, actor=actor, slug=slug_of(small)) == small


def test_a_checksum_that_is_not_ours_is_refused(small, tmp_path):
    path = tmp_path / "odd.json"
    path.write_text(json.dumps({**small, "checksum": "md5:abc"}), encoding="utf-8")
    with pytest.raises(SocialPlanError, match="its checksum is not one Social Plan writes"):
        backup.read_export(path)


def test_a_newer_file_is_refused_by_its_version_not_as_damaged(session, actor, small, tmp_path):
    """A newer Social Plan may make its checksum differently: the message says to update."""
    path = tmp_path / "newer.json"
    newer = {**small, "version": backup.FORMAT_VERSION + 1, "checksum": "sha512:whatever"}
    path.write_text(json.dumps(newer), encoding="utf-8")
    data = backup.read_export(path)
    delete_workspace(session, slug_of(small))
    with pytest.raises(InvalidInput, match="newer than this Social Plan reads"):
        backup.restore_workspace(session=session, actor=actor, data=data)


def test_restore_refuses_a_part_it_does_not_know_and_writes_nothing(session, actor, small):
    """A damaged key (say "checksum" with a flipped letter) must not be skipped silently."""
    delete_workspace(session, slug_of(small))
    before = row_counts(session)
    with pytest.raises(InvalidInput, match=r"parts this version does not know: \['chacksum'\]"):
        backup.restore_workspace(session=session, actor=actor, data={**small, "chacksum": "x"})
    assert row_counts(session) == before


FLIPS = 400


def test_a_file_with_any_byte_flipped_is_refused_or_restores_exactly(
    session, actor, tmp_path, capsys
):
    """Every damage either stops the restore with a message or changes nothing that matters
    (a space turned into a tab): never a workspace that differs from the exported one."""
    workspace = small_business(session, actor)
    exported = backup.export_workspace(session=session, actor=actor, slug=workspace.slug)
    good = tmp_path / "good.json"
    backup.write_export(exported, good)
    delete_workspace(session, workspace.slug)
    before = row_counts(session)
    raw = good.read_bytes()
    rng = random.Random(7)
    refused = 0
    for _ in range(FLIPS):
        position, mask = rng.randrange(len(raw)), rng.randrange(1, 256)
        damaged = bytearray(raw)
        damaged[position] ^= mask
        path = tmp_path / "damaged.json"
        path.write_bytes(bytes(damaged))
        try:
            data = backup.read_export(path)
            restored = backup.restore_workspace(session=session, actor=actor, data=data)
        except SocialPlanError:
            refused += 1
            continue
        again = backup.export_workspace(session=session, actor=actor, slug=restored.slug)
        assert again == exported, f"byte {position} ^ {mask:#x} restored something else"
        delete_workspace(session, restored.slug)
    assert row_counts(session) == before
    assert refused > FLIPS * 0.9
    with capsys.disabled():
        print(
            f"\n[backup] {FLIPS} single-byte flips of a {len(raw):,}-byte export: {refused} "
            f"refused, {FLIPS - refused} harmless (restored identical), 0 restored different"
        )


def test_an_export_with_a_number_of_thousands_of_digits_is_refused_with_a_message():
    with pytest.raises(SocialPlanError, match="cannot be read as JSON"):
        backup.parse_export('{"format_version": ' + "1" * 5000 + "}", "big.json")
