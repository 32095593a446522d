"""Settings: where the database is and which secrets are set, read in one place.

A setting comes from the environment first, then from `.streamlit/secrets.toml` in the
working directory (so the app, the CLI and a hosted deployment read the same file), then
from its default.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_DATABASE_PATH = Path("data") / "socialplan.db"
SECRETS_PATH = Path(".streamlit") / "secrets.toml"


@dataclass(frozen=True)
class Settings:
    """Everything Social Plan needs to know about where it runs."""

    database_url: str
    secret_key: str | None
    # The app's public address (https://plan.example.com), the base of share links.
    public_url: str | None = None


def read_secrets(path: Path = SECRETS_PATH) -> dict[str, Any]:
    """The parsed secrets file, or an empty dict when there is none."""
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _setting(name: str, secrets: dict[str, Any]) -> str | None:
    value = os.environ.get(name) or secrets.get(name)
    return str(value) if value else None


def normalise_database_url(url: str) -> str:
    """Accept the URLs hosting providers hand out and pick the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def default_database_url(cwd: Path | None = None) -> str:
    """A SQLite file under the working directory: `data/socialplan.db`."""
    path = (cwd or Path.cwd()) / DEFAULT_DATABASE_PATH
    return f"sqlite:///{path}"


def load_settings() -> Settings:
    """Settings from the environment, the secrets file and the defaults, in that order."""
    secrets = read_secrets()
    url = _setting("SOCIALPLAN_DATABASE_URL", secrets) or default_database_url()
    return Settings(
        database_url=normalise_database_url(url),
        secret_key=_setting("SOCIALPLAN_SECRET_KEY", secrets),
        public_url=_setting("SOCIALPLAN_PUBLIC_URL", secrets),
    )
