"""The X bearer token of each workspace, encrypted at rest, and which token a sync uses.

The token is encrypted with Fernet (AES-128-CBC with an HMAC-SHA256, from the
`cryptography` package). Its key is derived from the instance's `SOCIALPLAN_SECRET_KEY`
(environment, else `.streamlit/secrets.toml`): the SHA-256 digest of the secret's UTF-8
bytes, urlsafe-base64 encoded, which is exactly the 32 bytes Fernet wants. A plain hash, not
a slow password hash, because the secret is meant to be random (see `GENERATE_KEY_COMMAND`),
and a minimum length keeps a guessable word out. Changing the secret makes stored tokens
unreadable: they must then be entered again, and this module says so instead of failing.

The token itself is never logged, never put in a message or an exception, and never
exported (`backup` leaves `Workspace.x_token_encrypted` out); on screen it is masked to
its last four characters.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re

from cryptography.fernet import Fernet, InvalidToken
from sqlmodel import Session

from socialplan.access import Actor, require_member, require_workspace
from socialplan.config import SECRETS_PATH, load_settings, read_secrets
from socialplan.errors import InvalidInput, NotFound, SocialPlanError
from socialplan.models import Role, Workspace

SECRET_KEY_NAME = "SOCIALPLAN_SECRET_KEY"
INSTANCE_TOKEN_NAME = "SOCIALPLAN_X_BEARER_TOKEN"
GENERATE_KEY_COMMAND = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'
SECRET_KEY_MIN_LENGTH = 16
TOKEN_MAX_LENGTH = 1000  # X bearer tokens are ~115 characters; the column holds 2,000 encrypted
SHOWN_CHARACTERS = 4
# Tokens shorter than this show no characters at all: four would give too much away.
MASK_MIN_LENGTH = 16
NOT_SET = "not set"
# What people paste: the token, or a whole "Authorization: Bearer …" header line.
PASTED_PREFIX = re.compile(r"^(authorization:\s*)?bearer\s+", re.IGNORECASE)
TOKEN_CHARACTERS = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII, no spaces


class MissingSecretKey(SocialPlanError):
    """No usable SOCIALPLAN_SECRET_KEY: tokens can be neither saved nor read."""

    def __init__(self, problem: str = "is not set") -> None:
        super().__init__(
            f"{SECRET_KEY_NAME} {problem}, so the X token cannot be kept encrypted. Set it "
            f'in the environment, or add a line {SECRET_KEY_NAME} = "…" to {SECRETS_PATH}, '
            f"then restart Social Plan. Make a key with: {GENERATE_KEY_COMMAND}"
        )


class UnreadableToken(SocialPlanError):
    """The stored token was encrypted with another secret key (or was tampered with)."""

    def __init__(self) -> None:
        super().__init__(
            f"The saved X token cannot be read with this {SECRET_KEY_NAME} — it was saved "
            "with a different key. Set the key it was saved with, or enter the token again."
        )


# ---------------------------------------------------------------- encryption


def fernet_key(secret_key: str) -> bytes:
    """The Fernet key for a secret: urlsafe base64 of SHA-256 of its UTF-8 bytes."""
    return base64.urlsafe_b64encode(hashlib.sha256(secret_key.encode("utf-8")).digest())


def configured_secret_key() -> str:
    """The instance's secret key from the settings; MissingSecretKey when unusable."""
    secret_key = load_settings().secret_key
    if not secret_key or not secret_key.strip():
        raise MissingSecretKey()
    if len(secret_key.strip()) < SECRET_KEY_MIN_LENGTH:
        raise MissingSecretKey(
            f"is too short (under {SECRET_KEY_MIN_LENGTH} characters, easy to guess)"
        )
    return secret_key.strip()


def secret_key_problem() -> str | None:
    """Why tokens cannot be saved on this instance (no usable secret key), or None."""
    try:
        configured_secret_key()
    except MissingSecretKey as error:
        return str(error)
    return None


def encrypt_token(token: str, secret_key: str | None = None) -> str:
    """The token encrypted with the secret key (default: the configured one), as text."""
    fernet = Fernet(fernet_key(secret_key or configured_secret_key()))
    return fernet.encrypt(token.encode("utf-8")).decode("ascii")


def decrypt_token(encrypted: str, secret_key: str | None = None) -> str:
    """The token back from `encrypt_token`; UnreadableToken when the key is not the one used."""
    fernet = Fernet(fernet_key(secret_key or configured_secret_key()))
    try:
        return fernet.decrypt(encrypted.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError, ValueError):
        # `from None`: the chained error would carry nothing useful, and no bytes of the token.
        raise UnreadableToken() from None


def mask_token(token: str) -> str:
    """How a token shows on screen: "set (…abcd)", its last four characters only."""
    if len(token) < MASK_MIN_LENGTH:
        return "set (…)"
    return f"set (…{token[-SHOWN_CHARACTERS:]})"


def clean_token(text: str) -> str:
    """The token in what was pasted; InvalidInput (field "token") when it cannot be one."""
    token = PASTED_PREFIX.sub("", (text or "").strip()).strip()
    if not token:
        raise InvalidInput({"token": "is required: paste the bearer token of your X app."})
    if len(token) > TOKEN_MAX_LENGTH:
        raise InvalidInput({"token": f"must be at most {TOKEN_MAX_LENGTH:,} characters."})
    if not TOKEN_CHARACTERS.fullmatch(token):
        # Never echo the value: it is (almost) a secret.
        raise InvalidInput(
            {"token": "must be one word of letters, digits and symbols, with no spaces."}
        )
    return token


# ---------------------------------------------------------------- services


def set_x_token(*, session: Session, actor: Actor, workspace_id: int, token: str) -> str:
    """Keep the workspace's X bearer token, encrypted; the masked status to show."""
    workspace = require_workspace(session, actor, workspace_id, Role.OWNER)
    cleaned = clean_token(token)
    # Bookkeeping, not an edit of the business: the version stays, so nobody's open
    # rename form goes stale because the owner set a token.
    workspace.x_token_encrypted = encrypt_token(cleaned)
    session.add(workspace)
    session.commit()
    return mask_token(cleaned)


def clear_x_token(*, session: Session, actor: Actor, workspace_id: int) -> None:
    """Forget the workspace's X bearer token (needs no secret key)."""
    workspace = require_workspace(session, actor, workspace_id, Role.OWNER)
    workspace.x_token_encrypted = None
    session.add(workspace)
    session.commit()


def x_token_status(*, session: Session, actor: Actor, workspace_id: int) -> str:
    """ "not set", "set (…abcd)", or why a saved token cannot be read; never the token."""
    # Not for share readers: even a masked token is the workspace's own business.
    workspace = require_member(session, actor, workspace_id)
    if not workspace.x_token_encrypted:
        return NOT_SET
    try:
        return mask_token(decrypt_token(workspace.x_token_encrypted))
    except MissingSecretKey:
        return f"set, but it cannot be read: {SECRET_KEY_NAME} is missing or too short"
    except UnreadableToken:
        return f"set, but it cannot be read with this {SECRET_KEY_NAME}: enter it again"


def instance_x_token() -> str | None:
    """The instance-wide X token (SOCIALPLAN_X_BEARER_TOKEN in the environment or secrets)."""
    value = os.environ.get(INSTANCE_TOKEN_NAME) or read_secrets().get(INSTANCE_TOKEN_NAME)
    token = str(value or "").strip()
    return token or None


def x_token_for_sync(session: Session, workspace_id: int) -> str | None:
    """The token a sync of the workspace uses: its own, else the instance's, else None.

    A saved token that cannot be read raises (MissingSecretKey or UnreadableToken) rather
    than falling back on the instance's token, which would spend someone else's credit.
    """
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFound("That workspace does not exist or is not yours to see.")
    if workspace.x_token_encrypted:
        return decrypt_token(workspace.x_token_encrypted)
    return instance_x_token()
