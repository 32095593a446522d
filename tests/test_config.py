"""Settings come from the environment, then .streamlit/secrets.toml, then the defaults."""

from pathlib import Path

import pytest

from socialplan.config import load_settings, normalise_database_url


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOCIALPLAN_DATABASE_URL", raising=False)
    monkeypatch.delenv("SOCIALPLAN_SECRET_KEY", raising=False)
    return tmp_path


def write_secrets(folder: Path, text: str) -> None:
    (folder / ".streamlit").mkdir()
    (folder / ".streamlit" / "secrets.toml").write_text(text)


def test_default_is_a_sqlite_file_under_the_working_directory(workdir):
    assert load_settings().database_url == f"sqlite:///{workdir / 'data' / 'socialplan.db'}"


def test_secrets_file_sets_the_database_url_and_secret_key(workdir):
    write_secrets(
        workdir, 'SOCIALPLAN_DATABASE_URL = "sqlite:///x.db"\nSOCIALPLAN_SECRET_KEY = "k"\n'
    )
    settings = load_settings()
    assert (settings.database_url, settings.secret_key) == ("sqlite:///x.db", "k")


def test_environment_wins_over_the_secrets_file(workdir, monkeypatch):
    write_secrets(workdir, 'SOCIALPLAN_DATABASE_URL = "sqlite:///from-secrets.db"\n')
    monkeypatch.setenv("SOCIALPLAN_DATABASE_URL", "sqlite:///from-env.db")
    assert load_settings().database_url == "sqlite:///from-env.db"


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///a.db", "sqlite:///a.db"),
    ],
)
def test_postgres_urls_get_the_psycopg_driver(given, used):
    assert normalise_database_url(given) == used


def test_public_url_comes_from_the_environment_or_the_secrets_file(workdir, monkeypatch):
    monkeypatch.delenv("SOCIALPLAN_PUBLIC_URL", raising=False)
    assert load_settings().public_url is None
    write_secrets(workdir, 'SOCIALPLAN_PUBLIC_URL = "https://plan.example.com/"\n')
    assert load_settings().public_url == "https://plan.example.com/"
    monkeypatch.setenv("SOCIALPLAN_PUBLIC_URL", "https://other.example.com/")
    assert load_settings().public_url == "https://other.example.com/"
