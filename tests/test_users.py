"""Signed-in users: found by issuer and subject, claims refreshed, acting as themselves."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from socialplan import users, workspaces
from socialplan.access import Actor, role_in_workspace
from socialplan.errors import InvalidInput
from socialplan.models import TITLE_MAX, Role, User, WorkspaceCreate

ISSUER = "https://accounts.example.com"


def sign_in(session: Session, subject: str = "sub-1", **claims) -> User:
    claims.setdefault("email", "rosa@example.com")
    claims.setdefault("name", "Rosa")
    return users.upsert_user(session=session, issuer=ISSUER, subject=subject, **claims)


def test_the_first_sign_in_creates_the_user_with_its_claims(session):
    user = sign_in(session)
    assert user.id is not None
    assert (user.issuer, user.subject, user.email, user.name) == (
        ISSUER,
        "sub-1",
        "rosa@example.com",
        "Rosa",
    )
    assert user.last_seen_at is not None


def test_signing_in_again_finds_the_same_user_and_refreshes_its_claims(session):
    first = sign_in(session)
    seen = first.last_seen_at
    again = sign_in(session, email="Rosa.Baker@Example.com", name="Rosa Baker")
    assert again.id == first.id
    assert (again.email, again.name) == ("rosa.baker@example.com", "Rosa Baker")
    assert again.last_seen_at >= seen
    assert len(session.exec(select(User)).all()) == 1


def test_the_same_email_from_another_issuer_is_another_user(session):
    first = sign_in(session)
    other = users.upsert_user(
        session=session,
        issuer="https://login.other.example",
        subject="sub-1",
        email="rosa@example.com",
        name="Rosa",
    )
    assert other.id != first.id


def test_a_changed_email_does_not_make_a_new_user(session):
    first = sign_in(session)
    moved = sign_in(session, email="rosa@newdomain.example")
    assert moved.id == first.id
    assert moved.email == "rosa@newdomain.example"


def test_an_email_the_provider_says_is_unverified_is_not_kept(session):
    user = sign_in(session, email="boss@bank.example", email_verified=False)
    assert user.email is None
    assert user.name == "Rosa"


def test_an_email_without_a_verified_claim_is_kept(session):
    assert sign_in(session, email_verified=None).email == "rosa@example.com"
    assert sign_in(session, email_verified=True).email == "rosa@example.com"


def test_something_that_is_not_an_email_is_not_kept(session):
    assert sign_in(session, email="not an address").email is None
    assert sign_in(session, email="").email is None


def test_a_missing_issuer_or_subject_is_refused_in_plain_words(session):
    with pytest.raises(InvalidInput) as error:
        users.upsert_user(session=session, issuer=" ", subject="", email=None, name=None)
    assert set(error.value.errors) == {"issuer", "subject"}
    assert session.exec(select(User)).all() == []


def test_an_overlong_display_name_is_cut_rather_than_refusing_sign_in(session):
    user = sign_in(session, name="R" * (TITLE_MAX + 50))
    assert len(user.name) == TITLE_MAX


def test_a_sign_in_that_lost_the_race_to_create_the_user_uses_the_winners_row(engine, monkeypatch):
    with Session(engine, expire_on_commit=False) as winner:
        sign_in(winner)
    real_find = users._find
    lookups = []

    def find_nothing_the_first_time(session, issuer, subject):
        # As if the lookup ran just before the other tab committed: the insert then clashes.
        lookups.append(subject)
        return None if len(lookups) == 1 else real_find(session, issuer, subject)

    monkeypatch.setattr(users, "_find", find_nothing_the_first_time)
    with Session(engine, expire_on_commit=False) as loser:
        user = sign_in(loser, name="Rosa B.")
        assert user.name == "Rosa B."
        assert len(loser.exec(select(User)).all()) == 1


def test_the_actor_of_a_user_acts_with_the_users_roles(session):
    user = sign_in(session)
    actor = users.actor_for_user(user)
    assert actor == Actor.user(user.id, "Rosa")
    workspace = workspaces.create_workspace(
        session=session, actor=actor, workspace_create=WorkspaceCreate(name="Rosa's Bakery")
    )
    assert role_in_workspace(session, actor, workspace.id) == Role.OWNER


def test_a_user_without_a_name_is_labelled_by_email_then_generically(session):
    by_email = sign_in(session, name=None)
    assert users.actor_for_user(by_email).label == "rosa@example.com"
    anonymous = sign_in(session, subject="sub-2", name=None, email=None)
    assert users.actor_for_user(anonymous).label == users.ANONYMOUS_LABEL


def test_an_unverified_email_gets_a_notice_naming_it():
    notice = users.unverified_email_notice(" Sam@Example.com ", False)
    assert notice is not None and "sam@example.com" in notice


@pytest.mark.parametrize(
    ("email", "verified"),
    [("sam@example.com", True), ("sam@example.com", None), (None, False), ("", False), (3, False)],
)
def test_no_notice_when_the_email_is_verified_unknown_or_missing(email, verified):
    assert users.unverified_email_notice(email, verified) is None
