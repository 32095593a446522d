"""Alembic builds the schema from nothing to head, and back, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from socialplan.db import (
    current_revision,
    downgrade_database,
    head_revision,
    make_engine,
    upgrade_database,
)
from tests.conftest import postgres_admin_url


def _fresh_postgres_url() -> tuple[str, sa.Engine, str]:
    admin_url = postgres_admin_url()
    if not admin_url:
        pytest.skip("PostgreSQL tests need SOCIALPLAN_TEST_POSTGRES_URL (see README)")
    name = f"socialplan_mig_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return url, admin, name


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_engine(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        yield engine
        engine.dispose()
        return
    url, admin, name = _fresh_postgres_url()
    engine = make_engine(url)
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_upgrade_from_empty_to_head_creates_every_table(empty_engine):
    assert current_revision(empty_engine) is None
    upgrade_database(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    tables = set(sa.inspect(empty_engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables


def test_upgrading_twice_is_harmless(empty_engine):
    upgrade_database(empty_engine)
    upgrade_database(empty_engine)
    assert current_revision(empty_engine) == head_revision()


def test_downgrade_to_base_removes_every_table_and_upgrade_restores_them(empty_engine):
    upgrade_database(empty_engine)
    downgrade_database(empty_engine, "base")
    assert not set(SQLModel.metadata.tables) & set(sa.inspect(empty_engine).get_table_names())
    upgrade_database(empty_engine)
    assert current_revision(empty_engine) == head_revision()


def test_the_models_match_the_migrations(empty_engine):
    """A model change without its migration fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    upgrade_database(empty_engine)
    with empty_engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []


def test_sqlite_database_uses_wal_and_enforces_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_sqlite_file_and_its_folder_are_created_on_first_start(tmp_path):
    path = tmp_path / "data" / "socialplan.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    assert path.exists()
    engine.dispose()


def test_snapshot_counts_survive_the_upgrade_to_64_bit_and_then_hold_billions(empty_engine):
    upgrade_database(empty_engine, "0001")
    with empty_engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO workspace (name, slug, version, created_at) "
            "VALUES ('Bakery', 'bakery', 1, '2027-01-01 00:00:00')"
        )
        connection.exec_driver_sql(
            "INSERT INTO account (workspace_id, network, handle, display_name, kind, version, "
            "created_at) VALUES (1, 'x', 'rosa', '', 'own', 1, '2027-01-01 00:00:00')"
        )
        connection.exec_driver_sql(
            "INSERT INTO snapshot (account_id, day, followers, impressions, source, updated_at) "
            "VALUES (1, '2027-01-01', 1200, 2000000000, 'import', '2027-01-01 00:00:00')"
        )
    upgrade_database(empty_engine)
    with empty_engine.begin() as connection:
        connection.exec_driver_sql("UPDATE snapshot SET impressions = impressions * 3")
        row = connection.exec_driver_sql("SELECT followers, impressions FROM snapshot").one()
    assert tuple(row) == (1200, 6_000_000_000)
