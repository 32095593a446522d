"""Settings: the workspace's name, members, invitations, share links, and deleting it.

Owners change everything here; editors and viewers see it read-only. Share-link readers
never reach this page (their navigation has only the shared plan).
"""

from datetime import UTC, datetime, time
from urllib.parse import urlsplit

import streamlit as st

from socialplan import members, plans, sharing, workspaces
from socialplan.access import role_in_workspace
from socialplan.config import load_settings
from socialplan.models import Role
from socialplan.text import literal_markdown
from socialplan.ui.context import current_actor, db_session, select_workspace
from socialplan.ui.feedback import attempt, field_error, flash, show_flash

ERRORS = "settings_errors"
NEW_LINK = "settings_new_share_url"
ACCOUNTS_PAGE = "app_pages/accounts.py"
ROLES = [r.value for r in Role]
st.session_state.setdefault(ERRORS, {})


def save(action, done: str) -> None:
    """Run `action(session, actor)`; flash `done` and redraw when it saved."""
    with db_session() as session:
        result = attempt(lambda: action(session, current_actor()) or True, ERRORS)
    if result is not None:
        flash(done)
        st.rerun()
    if st.session_state[ERRORS]:
        st.rerun()  # draw each field's message under its field


def when(moment: datetime | None) -> str:
    return f"{moment:%d %b %Y %H:%M} UTC" if moment else "—"


def base_url() -> str:
    """Where share links point: SOCIALPLAN_PUBLIC_URL, else the address this page came from."""
    configured = load_settings().public_url
    if configured:
        return configured
    try:
        here = urlsplit(st.context.url or "")
    except Exception:
        here = urlsplit("")
    if not here.scheme or not here.netloc:
        return "http://localhost:8501/"
    # The app's root, not this page's path: the share link opens the shared plan there.
    return f"{here.scheme}://{here.netloc}/"


def render_name(workspace, is_owner: bool) -> None:
    st.header("Workspace", anchor=False, divider="gray")
    errors = st.session_state[ERRORS]
    if not is_owner:
        st.markdown(f"Name: {literal_markdown(workspace.name)}")
        return
    with st.form(f"settings_name_form_{workspace.id}_{workspace.version}"):
        name = st.text_input(
            "Workspace name",
            value=workspace.name,
            key=f"settings_name_{workspace.id}_{workspace.version}",
        )
        field_error(errors, "name", "Name")
        if st.form_submit_button("Rename", key="settings_rename"):
            save(
                lambda s, a: workspaces.rename_workspace(
                    session=s,
                    actor=a,
                    workspace_id=workspace.id,
                    name=name,
                    version=workspace.version,
                ),
                "The workspace is renamed.",
            )


def render_members(session, actor, workspace, is_owner: bool) -> None:
    st.header("Members", anchor=False, divider="gray")
    people = members.list_members(session=session, actor=actor, workspace_id=workspace.id)
    if actor.is_local:
        st.caption(
            "On this computer you are the owner of every workspace. Members, roles and "
            "invitations matter once Social Plan is hosted with sign-in."
        )
    if not people:
        st.info("No signed-in members yet.")
        return
    for member in people:
        with st.container(border=True):
            label = member.name + (f" · {member.email}" if member.email else "")
            st.markdown(literal_markdown(label))
            st.caption(f"Role: {member.role.value} · joined {when(member.joined_at)}")
            if not is_owner:
                continue
            role_column, save_column, remove_column = st.columns([2, 1, 1])
            new_role = role_column.selectbox(
                "Role",
                ROLES,
                index=ROLES.index(member.role.value),
                key=f"settings_role_{member.user_id}",
            )
            if save_column.button("Change role", key=f"settings_role_save_{member.user_id}"):
                save(
                    lambda s, a, m=member, r=new_role: members.change_role(
                        session=s, actor=a, workspace_id=workspace.id, user_id=m.user_id, role=r
                    ),
                    "The role is changed.",
                )
            if remove_column.button("Remove", key=f"settings_remove_{member.user_id}"):
                save(
                    lambda s, a, m=member: members.remove_member(
                        session=s, actor=a, workspace_id=workspace.id, user_id=m.user_id
                    ),
                    "The member is removed.",
                )


def render_invitations(session, actor, workspace) -> None:
    st.header("Invitations", anchor=False, divider="gray")
    errors = st.session_state[ERRORS]
    with st.form("settings_invite_form", clear_on_submit=True):
        email = st.text_input("Email", key="settings_invite_email")
        field_error(errors, "email", "Email")
        role = st.selectbox("Role", ROLES, index=ROLES.index("viewer"), key="settings_invite_role")
        field_error(errors, "role", "Role")
        if st.form_submit_button("Invite", key="settings_invite"):
            save(
                lambda s, a: members.invite(
                    session=s, actor=a, workspace_id=workspace.id, email=email, role=role
                ),
                "The invitation is waiting for its invitee to sign in (valid 7 days).",
            )
    pending = members.list_invitations(session=session, actor=actor, workspace_id=workspace.id)
    if not pending:
        st.caption("No pending invitations.")
    for invitation in pending:
        text_column, revoke_column = st.columns([3, 1])
        text_column.markdown(
            literal_markdown(
                f"{invitation.email} · {invitation.role} · expires {when(invitation.expires_at)}"
            )
        )
        if revoke_column.button("Revoke", key=f"settings_revoke_invitation_{invitation.id}"):
            save(
                lambda s, a, i=invitation: members.revoke_invitation(
                    session=s, actor=a, invitation_id=i.id
                ),
                "The invitation is revoked.",
            )


def create_link(plan_id: int, label: str, expires_on) -> None:
    expires_at = datetime.combine(expires_on, time.max, tzinfo=UTC) if expires_on else None
    with db_session() as session:
        created = attempt(
            lambda: sharing.create_share_link(
                session=session,
                actor=current_actor(),
                plan_id=plan_id,
                label=label,
                expires_at=expires_at,
            ),
            ERRORS,
        )
    if created is not None:
        # Kept only until the next run shows it once; the database holds only its hash.
        st.session_state[NEW_LINK] = sharing.share_url(base_url(), created[1])
        st.rerun()
    if st.session_state[ERRORS]:
        st.rerun()


def render_share_links(session, actor, workspace) -> None:
    st.header("Share links", anchor=False, divider="gray")
    st.caption(
        "A share link opens one plan read-only, without signing in: its summary, dashboard "
        "and reviews. Anyone with the link can open it until it expires or you revoke it."
    )
    new_url = st.session_state.pop(NEW_LINK, None)
    if new_url:
        st.success("Copy the link now: it is shown only this once.", icon="🔗")
        st.code(new_url, language=None)
    errors = st.session_state[ERRORS]
    available = plans.list_plans(session=session, actor=actor, workspace_id=workspace.id)
    if available:
        names = {p.id: p.name for p in available}
        with st.form("settings_share_form", clear_on_submit=True):
            plan_id = st.selectbox(
                "Plan",
                list(names),
                format_func=names.__getitem__,
                key=f"settings_share_plan_{workspace.id}",
            )
            label = st.text_input("Label", key="settings_share_label", placeholder="for the bank")
            field_error(errors, "label", "Label")
            expires_on = st.date_input(
                "Expires on (optional)", value=None, key="settings_share_expires"
            )
            field_error(errors, "expires_at", "Expiry")
            if st.form_submit_button("Create share link", key="settings_share_create"):
                create_link(plan_id, label, expires_on)
    links = sharing.list_share_links(session=session, actor=actor, workspace_id=workspace.id)
    if not links:
        st.caption("No share links yet.")
    for link in links:
        with st.container(border=True):
            st.markdown(literal_markdown(f"{link.label or 'No label'} · {link.plan_name}"))
            st.caption(
                f"{link.status.capitalize()} · created {when(link.created_at)} · "
                f"expires {when(link.expires_at)} · last used {when(link.last_used_at)}"
            )
            if link.status == "active" and st.button(
                "Revoke", key=f"settings_revoke_link_{link.id}"
            ):
                save(
                    lambda s, a, i=link.id: sharing.revoke_share_link(
                        session=s, actor=a, share_link_id=i
                    ),
                    "The share link is revoked: it no longer opens the plan.",
                )


def delete_current(workspace_id: int, confirm: str) -> None:
    with db_session() as session:
        result = attempt(
            lambda: (
                workspaces.delete_workspace(
                    session=session,
                    actor=current_actor(),
                    workspace_id=workspace_id,
                    confirm_name=confirm,
                )
                or True
            ),
            ERRORS,
        )
    if result is not None:
        st.session_state.pop("workspace_id", None)
        st.session_state.pop("plan_id", None)
        flash("The workspace and everything in it are deleted.")
        st.rerun()
    if st.session_state[ERRORS]:
        st.rerun()


def render_delete(workspace) -> None:
    st.header("Delete the workspace", anchor=False, divider="red")
    st.warning(
        "This deletes the workspace with every plan, number, review, member, invitation and "
        "share link in it. It cannot be undone.",
        icon="⚠️",
    )
    errors = st.session_state[ERRORS]
    with st.form("settings_delete_form"):
        confirm = st.text_input(
            "Type the workspace's name to confirm", key="settings_delete_confirm"
        )
        field_error(errors, "confirm_name", "The confirmation")
        if st.form_submit_button("Delete workspace", type="primary", key="settings_delete"):
            delete_current(workspace.id, confirm)


def leave_current(workspace_id: int, name: str) -> None:
    with db_session() as session:
        result = attempt(
            lambda: (
                members.leave_workspace(
                    session=session, actor=current_actor(), workspace_id=workspace_id
                )
                or True
            ),
            ERRORS,
        )
    if result is not None:
        st.session_state.pop("workspace_id", None)
        st.session_state.pop("plan_id", None)
        flash(f"You left {name}. Its owner can invite you again.")
        st.rerun()


def render_leave(workspace) -> None:
    """Leaving is for signed-in members; the last owner is refused by the service."""
    st.header("Leave the workspace", anchor=False, divider="gray")
    st.caption(
        "You stop seeing this workspace. Nothing in it changes; an owner can invite you again."
    )
    with st.form("settings_leave_form"):
        sure = st.checkbox(
            f"Yes, take me out of {literal_markdown(workspace.name)}", key="settings_leave_sure"
        )
        if st.form_submit_button("Leave workspace", key="settings_leave"):
            if sure:
                leave_current(workspace.id, workspace.name)
            else:
                st.warning("Tick the box to confirm that you want to leave.", icon="☝️")


st.title("Settings")
show_flash()
with db_session() as session:
    actor = current_actor()
    workspace = select_workspace(session, actor)
    if workspace is None:
        st.info("There is no workspace yet. Start one on the Home page.")
        st.page_link("app_pages/home.py", label="Go to Home", icon="🏠")
        st.stop()
    role = role_in_workspace(session, actor, workspace.id)
    is_owner = role == Role.OWNER
    if not is_owner:
        st.info(
            f"Your role here is {role.value if role else 'none'}: only an owner can change "
            "these settings.",
            icon="🔒",
        )
    render_name(workspace, is_owner)
    render_members(session, actor, workspace, is_owner)
    if is_owner:
        render_invitations(session, actor, workspace)
        render_share_links(session, actor, workspace)
    st.header("X token", anchor=False, divider="gray")
    st.page_link(ACCOUNTS_PAGE, label="Manage the X token on the Accounts page", icon="🔑")
    if not actor.is_local:
        render_leave(workspace)
    if is_owner:
        render_delete(workspace)
