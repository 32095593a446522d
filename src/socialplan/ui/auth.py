"""Who is at the other end: local owner, signed-in user, share-link reader, or nobody yet.

Hosted mode is on when `.streamlit/secrets.toml` has an `[auth]` section (Streamlit's own
`st.login` / `st.user` then work); otherwise the app runs in local mode and the person at
the keyboard owns every workspace. A `?share=TOKEN` query parameter opens one plan read-only
in either mode, signed in or not. The token is read here and handed to
`sharing.resolve_share_token`; it is never logged, echoed or put in a message.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from sqlmodel import Session

from socialplan import sharing, users
from socialplan.access import Actor
from socialplan.errors import SocialPlanError
from socialplan.text import literal_markdown

USER_KEY = "auth_user"
# Signed out in hosted mode: no user, no share link; every service refuses this actor.
NOBODY = Actor(label="Signed-out visitor")


def hosted_mode() -> bool:
    """True when the secrets hold an `[auth]` section; no secrets file means local mode."""
    try:
        return "auth" in st.secrets
    except Exception:  # no or unreadable secrets file: local mode, not a crash
        return False


def share_token() -> str | None:
    """The `share` query parameter, when the page was opened through a share link."""
    token = st.query_params.get(sharing.QUERY_PARAMETER)
    return token.strip() or None if isinstance(token, str) else None


def share_actor(session: Session) -> Actor | None:
    """The read-only actor of the page's share link; None when it is not (or no longer) valid."""
    token = share_token()
    if token is None:
        return None
    try:
        return sharing.resolve_share_token(session=session, token=token)
    except SocialPlanError:
        return None


def is_signed_in() -> bool:
    """Whether the provider signed the visitor in (hosted mode only)."""
    try:
        return bool(st.user.is_logged_in)
    except Exception:
        return False


def _claim(name: str) -> Any:
    try:
        return st.user.get(name)  # type: ignore[attr-defined]
    except Exception:
        return None


def signed_in_user(session: Session) -> users.User | None:
    """The user record of the signed-in visitor, created or refreshed once per session."""
    if not is_signed_in():
        st.session_state.pop(USER_KEY, None)
        return None
    identity = (str(_claim("iss") or ""), str(_claim("sub") or ""))
    cached = st.session_state.get(USER_KEY)
    if cached and cached[0] == identity:
        user = users.get_user(session=session, user_id=cached[1])
        if user is not None:
            return user
    verified = _claim("email_verified")
    user = users.upsert_user(
        session=session,
        issuer=identity[0],
        subject=identity[1],
        email=_claim("email"),
        name=_claim("name"),
        email_verified=verified if isinstance(verified, bool) else None,
    )
    st.session_state[USER_KEY] = (identity, user.id)
    return user


def resolve_actor(session: Session) -> Actor:
    """The actor for this run: share reader, else local owner, else the signed-in user."""
    if share_token() is not None:
        return share_actor(session) or NOBODY
    if not hosted_mode():
        return Actor.local()
    try:
        user = signed_in_user(session)
    except SocialPlanError:
        return NOBODY
    return users.actor_for_user(user) if user is not None else NOBODY


SHARE_MODE = "share"
LOCAL_MODE = "local"
SIGNED_OUT = "signed_out"
SIGNED_IN = "signed_in"


def app_mode() -> str:
    """Which navigation the app shows: a share link, local, signed out or signed in."""
    if share_token() is not None:
        return SHARE_MODE
    if not hosted_mode():
        return LOCAL_MODE
    return SIGNED_IN if is_signed_in() else SIGNED_OUT


def render_sign_in() -> None:
    """The only screen a signed-out visitor of a hosted instance sees."""
    st.title("Social Plan")
    st.write("Sign in to see your business's plan, or to accept an invitation to one.")
    if st.button("Sign in", type="primary", key="auth_sign_in"):
        st.login()


def render_account_box() -> None:
    """Who is signed in, and the Sign out button (hosted mode, in the sidebar)."""
    name = _claim("name") or _claim("email") or users.ANONYMOUS_LABEL
    st.sidebar.caption(f"Signed in as {literal_markdown(str(name))}")
    st.sidebar.button("Sign out", key="auth_sign_out", on_click=sign_out)


def sign_out() -> None:
    """Forget the user and send the browser to /auth/logout (runs before the page redraws).

    As a callback it runs before the script, so the same run already draws the sign-in
    screen; an st.rerun() after st.logout() could race the logout redirect and leave the
    sign-in cookie in place.
    """
    st.session_state.pop(USER_KEY, None)
    st.logout()


def render_invitations() -> None:
    """The signed-in user's pending invitations, each with Accept, at the top of the sidebar."""
    from socialplan import members
    from socialplan.ui.context import db_session  # context needs this module first

    with db_session() as session:
        try:
            user = signed_in_user(session)
        except SocialPlanError:  # the provider sent no issuer or subject: nobody to invite
            return
        if user is None:
            return
        notice = users.unverified_email_notice(_claim("email"), _claim("email_verified"))
        if notice:
            st.sidebar.warning(literal_markdown(notice), icon="✉️")
        pending = members.describe_invitations(
            session=session, invitations=members.pending_invitations_for(session=session, user=user)
        )
    for view in pending:
        invitation = view.invitation
        with st.sidebar.container(border=True):
            who = f" from {view.invited_by}" if view.invited_by else ""
            st.markdown(
                literal_markdown(
                    f"Invitation{who}: join {view.workspace_name} as {invitation.role}"
                )
            )
            if st.button("Accept", key=f"auth_accept_{invitation.id}"):
                with db_session() as session:
                    try:
                        membership = members.accept_invitation(
                            session=session, user=user, invitation_id=invitation.id
                        )
                    except SocialPlanError as error:
                        st.error(literal_markdown(str(error)), icon="⚠️")
                        continue
                st.session_state["workspace_id"] = membership.workspace_id
                st.session_state.pop("plan_id", None)
                st.rerun()
