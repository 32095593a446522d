"""The X bearer token: encrypted at rest, shown masked, never logged, raised or exported."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import responses
from cryptography.fernet import Fernet
from sqlmodel import Session

from socialplan import backup, credentials
from socialplan.access import Actor
from socialplan.accounts import add_account, sync_accounts
from socialplan.connectors import http as connector_http
from socialplan.credentials import (
    GENERATE_KEY_COMMAND,
    MissingSecretKey,
    UnreadableToken,
    clear_x_token,
    decrypt_token,
    encrypt_token,
    fernet_key,
    set_x_token,
    x_token_for_sync,
    x_token_status,
)
from socialplan.errors import InvalidInput, NotAllowed
from socialplan.models import Membership, Role, User, Workspace
from tests.connectors import payloads
from tests.factories import create_workspace_with_plan

KEY = "k3y-for-tests-0123456789abcdefghij"
OTHER_KEY = "another-key-0123456789abcdefghijkl"
# Shaped like a real app-only bearer token.
TOKEN = (
    "AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI%3D"
    "EUifiRBkKG5E2XzMDjRfl76ZC9Ub0wnz4XsNiRVBChTYbJcE3F"
)
TODAY = date(2027, 3, 10)


@pytest.fixture(autouse=True)
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with no secrets file, the test key set, no instance token."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOCIALPLAN_SECRET_KEY", KEY)
    monkeypatch.delenv("SOCIALPLAN_X_BEARER_TOKEN", raising=False)
    return tmp_path


@pytest.fixture
def workspace(session: Session, actor: Actor) -> Workspace:
    return create_workspace_with_plan(session, actor)[0]


def stored_ciphertext(session: Session, workspace: Workspace) -> str | None:
    session.expire_all()
    return session.get(Workspace, workspace.id).x_token_encrypted


def member(session: Session, workspace: Workspace, role: Role) -> Actor:
    user = User(issuer="https://id.example.com", subject=f"{role}-1", name=role.value)
    session.add(user)
    session.commit()
    session.add(Membership(workspace_id=workspace.id, user_id=user.id, role=role))
    session.commit()
    return Actor.user(user.id, role.value)


# ---------------------------------------------------------------- encryption


def test_the_key_is_the_urlsafe_base64_of_the_secrets_sha256() -> None:
    expected = base64.urlsafe_b64encode(hashlib.sha256(KEY.encode()).digest())
    assert fernet_key(KEY) == expected
    Fernet(fernet_key(KEY))  # a valid Fernet key


def test_a_token_encrypts_and_decrypts_back_and_the_ciphertext_hides_it() -> None:
    encrypted = encrypt_token(TOKEN)
    assert TOKEN not in encrypted and TOKEN[-8:] not in encrypted
    assert decrypt_token(encrypted) == TOKEN
    assert encrypt_token(TOKEN) != encrypted  # a fresh IV every time


def test_a_token_encrypted_with_another_key_is_unreadable_with_a_clear_message() -> None:
    encrypted = encrypt_token(TOKEN, OTHER_KEY)
    with pytest.raises(UnreadableToken) as caught:
        decrypt_token(encrypted)
    assert "saved with a different key" in str(caught.value)
    assert "enter the token again" in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_tampered_ciphertext_is_unreadable_not_a_crash() -> None:
    encrypted = encrypt_token(TOKEN)
    with pytest.raises(UnreadableToken):
        decrypt_token(encrypted[:-6] + "AAAAAA")
    with pytest.raises(UnreadableToken):
        decrypt_token("not encrypted at all")


def test_a_missing_secret_key_says_how_to_set_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOCIALPLAN_SECRET_KEY")
    with pytest.raises(MissingSecretKey) as caught:
        encrypt_token(TOKEN)
    message = str(caught.value)
    assert message.startswith("SOCIALPLAN_SECRET_KEY is not set")
    assert ".streamlit/secrets.toml" in message and GENERATE_KEY_COMMAND in message
    assert "\n" not in message  # the CLI prints one line


def test_a_short_secret_key_is_refused_as_easy_to_guess(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALPLAN_SECRET_KEY", "bakery")
    with pytest.raises(MissingSecretKey, match="too short"):
        encrypt_token(TOKEN)


def test_the_secret_key_may_come_from_the_secrets_file(
    settings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOCIALPLAN_SECRET_KEY")
    (settings / ".streamlit").mkdir()
    (settings / ".streamlit" / "secrets.toml").write_text(f'SOCIALPLAN_SECRET_KEY = "{KEY}"\n')
    assert decrypt_token(encrypt_token(TOKEN)) == TOKEN
    assert decrypt_token(encrypt_token(TOKEN, KEY)) == TOKEN


# ---------------------------------------------------------------- the workspace's token


def test_a_saved_token_is_stored_encrypted_and_shown_masked(
    session: Session, actor: Actor, workspace: Workspace
) -> None:
    shown = set_x_token(session=session, actor=actor, workspace_id=workspace.id, token=TOKEN)
    assert shown == f"set (…{TOKEN[-4:]})"
    ciphertext = stored_ciphertext(session, workspace)
    assert ciphertext and TOKEN not in ciphertext
    assert decrypt_token(ciphertext) == TOKEN
    status = x_token_status(session=session, actor=actor, workspace_id=workspace.id)
    assert status == f"set (…{TOKEN[-4:]})"


def test_a_pasted_authorization_header_keeps_only_the_token(
    session: Session, actor: Actor, workspace: Workspace
) -> None:
    set_x_token(
        session=session,
        actor=actor,
        workspace_id=workspace.id,
        token=f"  Authorization: Bearer {TOKEN}\n",
    )
    assert x_token_for_sync(session, workspace.id) == TOKEN


@pytest.mark.parametrize(
    ("pasted", "message"),
    [
        ("   ", "is required"),
        ("two words", "with no spaces"),
        ("x" * 1001, "at most 1,000 characters"),
    ],
)
def test_a_token_that_cannot_be_one_is_refused_without_echoing_it(
    session: Session, actor: Actor, workspace: Workspace, pasted: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        set_x_token(session=session, actor=actor, workspace_id=workspace.id, token=pasted)
    assert message in caught.value.errors["token"]
    assert pasted.strip() not in str(caught.value) or not pasted.strip()
    assert stored_ciphertext(session, workspace) is None


def test_without_a_secret_key_nothing_is_saved_and_the_message_explains(
    session: Session, actor: Actor, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOCIALPLAN_SECRET_KEY")
    with pytest.raises(MissingSecretKey) as caught:
        set_x_token(session=session, actor=actor, workspace_id=workspace.id, token=TOKEN)
    assert TOKEN not in str(caught.value)
    assert stored_ciphertext(session, workspace) is None


def test_a_token_saved_under_another_key_shows_why_it_cannot_be_read(
    session: Session, actor: Actor, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_x_token(session=session, actor=actor, workspace_id=workspace.id, token=TOKEN)
    monkeypatch.setenv("SOCIALPLAN_SECRET_KEY", OTHER_KEY)
    status = x_token_status(session=session, actor=actor, workspace_id=workspace.id)
    assert status == "set, but it cannot be read with this SOCIALPLAN_SECRET_KEY: enter it again"
    with pytest.raises(UnreadableToken):
        x_token_for_sync(session, workspace.id)
    monkeypatch.delenv("SOCIALPLAN_SECRET_KEY")
    status = x_token_status(session=session, actor=actor, workspace_id=workspace.id)
    assert "SOCIALPLAN_SECRET_KEY is missing" in status


def test_clearing_forgets_the_token(session: Session, actor: Actor, workspace: Workspace) -> None:
    set_x_token(session=session, actor=actor, workspace_id=workspace.id, token=TOKEN)
    clear_x_token(session=session, actor=actor, workspace_id=workspace.id)
    assert stored_ciphertext(session, workspace) is None
    assert x_token_status(session=session, actor=actor, workspace_id=workspace.id) == "not set"


def test_only_an_owner_may_set_or_clear_the_token(session: Session, workspace: Workspace) -> None:
    editor = member(session, workspace, Role.EDITOR)
    with pytest.raises(NotAllowed):
        set_x_token(session=session, actor=editor, workspace_id=workspace.id, token=TOKEN)
    with pytest.raises(NotAllowed):
        clear_x_token(session=session, actor=editor, workspace_id=workspace.id)
    assert x_token_status(session=session, actor=editor, workspace_id=workspace.id) == "not set"


def test_a_sync_uses_the_workspaces_token_before_the_instances(
    session: Session,
    actor: Actor,
    workspace: Workspace,
    settings: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert x_token_for_sync(session, workspace.id) is None
    (settings / ".streamlit").mkdir()
    (settings / ".streamlit" / "secrets.toml").write_text(
        'SOCIALPLAN_X_BEARER_TOKEN = "from-the-secrets-file"\n'
    )
    assert x_token_for_sync(session, workspace.id) == "from-the-secrets-file"
    monkeypatch.setenv("SOCIALPLAN_X_BEARER_TOKEN", "from-the-environment")
    assert x_token_for_sync(session, workspace.id) == "from-the-environment"
    set_x_token(session=session, actor=actor, workspace_id=workspace.id, token=TOKEN)
    assert x_token_for_sync(session, workspace.id) == TOKEN


# ---------------------------------------------------------------- never shown


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[responses.RequestsMock]:
    monkeypatch.setattr(connector_http.time, "sleep", lambda seconds: None)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def test_the_token_never_reaches_the_logs_or_the_messages_of_a_sync(
    session: Session,
    actor: Actor,
    workspace: Workspace,
    api: responses.RequestsMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    add_account(session=session, actor=actor, workspace_id=workspace.id, network="x", text="rosa")
    set_x_token(session=session, actor=actor, workspace_id=workspace.id, token=TOKEN)
    x_token_status(session=session, actor=actor, workspace_id=workspace.id)
    api.get(f"{payloads.X_API}/users/by/username/rosa", status=401, json=payloads.X_UNAUTHORIZED)
    [outcome] = sync_accounts(session=session, actor=actor, workspace_id=workspace.id, today=TODAY)
    assert not outcome.ok and "bearer token was refused" in outcome.message
    assert api.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"  # it was used
    assert TOKEN not in caplog.text and TOKEN[-12:] not in caplog.text
    assert TOKEN not in outcome.message and TOKEN not in (outcome.account.last_sync_error or "")


def test_a_sync_with_an_unreadable_token_fails_only_the_x_accounts(
    session: Session,
    actor: Actor,
    workspace: Workspace,
    api: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for network, handle in (("x", "rosa"), ("bluesky", "rosasbakery.bsky.social")):
        add_account(
            session=session, actor=actor, workspace_id=workspace.id, network=network, text=handle
        )
    set_x_token(session=session, actor=actor, workspace_id=workspace.id, token=TOKEN)
    monkeypatch.setenv("SOCIALPLAN_SECRET_KEY", OTHER_KEY)
    monkeypatch.setenv("SOCIALPLAN_X_BEARER_TOKEN", "instance-token-not-to-be-spent")
    api.get(payloads.BLUESKY_PROFILE_URL, json=payloads.bluesky_profile(followers=10))
    api.get(payloads.BLUESKY_FEED_URL, json=payloads.bluesky_feed([]))
    outcomes = sync_accounts(session=session, actor=actor, workspace_id=workspace.id, today=TODAY)
    by_network = {outcome.account.network: outcome for outcome in outcomes}
    assert by_network["bluesky"].ok
    assert not by_network["x"].ok
    assert "saved with a different key" in by_network["x"].message


def test_neither_the_token_nor_its_ciphertext_is_in_a_backup(
    session: Session, actor: Actor, workspace: Workspace
) -> None:
    set_x_token(session=session, actor=actor, workspace_id=workspace.id, token=TOKEN)
    ciphertext = stored_ciphertext(session, workspace)
    exported = json.dumps(
        backup.export_workspace(session=session, actor=actor, slug=workspace.slug)
    )
    assert TOKEN not in exported and ciphertext not in exported
    assert "x_token" not in exported


def test_the_module_docstring_documents_the_key_derivation() -> None:
    assert "SHA-256" in (credentials.__doc__ or "")
