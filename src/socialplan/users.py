"""Signed-in users: who they are (OpenID Connect issuer and subject) and how they act.

A user is identified by the provider's issuer and subject claims, never by email: two
providers may both vouch for "rosa@example.com", and an email address can change owner.
The email is kept to show it and to match invitations (see `members`).

Trust decision for the email: `User.email` holds the address only when the provider did not
say it is unverified. Google, Auth0 and Okta send `email_verified`; when it is False the
address could be anyone's, so it is not stored (the user then shows by name and cannot
accept invitations by email). Providers that send no `email_verified` claim (Microsoft
Entra, for one) are trusted for the addresses they issue: the instance's operator chose
the provider in `[auth]`. The schema has no column for the flag itself.
"""

from __future__ import annotations

import re

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from socialplan.access import Actor
from socialplan.errors import InvalidInput
from socialplan.models import TITLE_MAX, User, utcnow

ISSUER_MAX = 500
SUBJECT_MAX = 255
EMAIL_MAX = 320
# Deliberately loose: the provider checked the address; this only keeps out what cannot be one.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ANONYMOUS_LABEL = "Signed-in user"


def normalise_email(email: str | None) -> str | None:
    """An email address as compared and stored: trimmed and lower-case; None if not one."""
    cleaned = (email or "").strip().lower()
    if not cleaned or len(cleaned) > EMAIL_MAX or not EMAIL_PATTERN.match(cleaned):
        return None
    return cleaned


def _clean_name(name: str | None) -> str | None:
    cleaned = " ".join((name or "").split())
    # A provider's display name longer than the column is cut, not a reason to refuse sign-in.
    return cleaned[:TITLE_MAX] or None


def _check_identity(issuer: str, subject: str) -> tuple[str, str]:
    issuer, subject = (issuer or "").strip(), (subject or "").strip()
    errors = {}
    if not issuer:
        errors["issuer"] = "is required: the sign-in provider did not name itself."
    elif len(issuer) > ISSUER_MAX:
        errors["issuer"] = f"must be at most {ISSUER_MAX} characters."
    if not subject:
        errors["subject"] = "is required: the sign-in provider did not say who you are."
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = f"must be at most {SUBJECT_MAX} characters."
    if errors:
        raise InvalidInput(errors)
    return issuer, subject


def unverified_email_notice(claimed_email: object, email_verified: object) -> str | None:
    """What to tell a user whose provider sent an email it marks unverified, else None.

    Invitations are matched by email, and an unverified address is not trusted (anyone could
    type someone else's), so such a user would otherwise wait for invitations that never
    come, with no idea why.
    """
    email = normalise_email(claimed_email) if isinstance(claimed_email, str) else None
    if email is None or email_verified is not False:
        return None
    return (
        f"Your sign-in provider has not verified the email {email}, so invitations sent "
        "to it cannot reach you here. Verify it with your provider, then sign out and in "
        "again."
    )


def _find(session: Session, issuer: str, subject: str) -> User | None:
    return session.exec(select(User).where(User.issuer == issuer, User.subject == subject)).first()


def upsert_user(
    *,
    session: Session,
    issuer: str,
    subject: str,
    email: str | None,
    name: str | None,
    email_verified: bool | None = None,
) -> User:
    """The user of this issuer and subject (new on first sign-in), its claims and last seen."""
    issuer, subject = _check_identity(issuer, subject)
    trusted_email = None if email_verified is False else normalise_email(email)
    values = {"email": trusted_email, "name": _clean_name(name), "last_seen_at": utcnow()}
    user = _find(session, issuer, subject)
    if user is None:
        user = User(issuer=issuer, subject=subject, **values)
        session.add(user)
        try:
            session.commit()
        except IntegrityError:
            # Two tabs signing in at once: the other one created the row first; use it.
            session.rollback()
            user = _find(session, issuer, subject)
            if user is None:
                raise
            return _refresh(session, user, values)
        session.refresh(user)
        return user
    return _refresh(session, user, values)


def _refresh(session: Session, user: User, values: dict) -> User:
    for field, value in values.items():
        setattr(user, field, value)
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def get_user(*, session: Session, user_id: int) -> User | None:
    """The user with this id, or None."""
    return session.get(User, user_id)


def user_label(user: User) -> str:
    """How the user shows in revisions and member lists: name, else email."""
    return user.name or user.email or ANONYMOUS_LABEL


def actor_for_user(user: User) -> Actor:
    """The actor that services check the roles of when this user acts."""
    if user.id is None:
        raise ValueError("the user must be saved before it can act")
    return Actor.user(user.id, user_label(user))
