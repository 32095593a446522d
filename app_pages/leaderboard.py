"""Leaderboard: influence scores ranked in peer groups, against competitors and in the team."""

from dataclasses import replace
from datetime import date

import streamlit as st

from socialplan import leaderboards, peers
from socialplan.accounts import account_label
from socialplan.charts import with_arrow_tables
from socialplan.leaderboard_charts import histogram_chart, history_chart, parts_chart
from socialplan.leaderboards import Board
from socialplan.models import Workspace
from socialplan.peers import GroupMembership
from socialplan.scoring import PART_LABELS
from socialplan.ui.context import (
    current_actor,
    db_session,
    may_edit,
    may_manage,
    select_workspace,
    show_read_only_notice,
)
from socialplan.ui.feedback import attempt, field_error, flash, show_flash
from socialplan.ui.score_headline import plain

HOME_PAGE = "app_pages/home.py"
CREATE_ERRORS = "leaderboard_create_errors"
JOIN_ERRORS = "leaderboard_join_errors"
ENTRY_ERRORS = "leaderboard_entry_errors"
TAB_KEY = "leaderboard_tab"
SORT_LABELS = {
    "rank": "Rank",
    "score": "Score",
    "change_30d": "30-day change",
    "name": "Account name",
    "business": "Business",
    "network": "Network",
    "progress": "Plan on track",
}
for key in (CREATE_ERRORS, JOIN_ERRORS, ENTRY_ERRORS):
    st.session_state.setdefault(key, {})


def entries_key(workspace_id: int, group_id: int) -> str:
    """The key of a business's "accounts on this board" choice (per business and group)."""
    return f"leaderboard_entries_{workspace_id}_{group_id}"


def share_key(workspace_id: int, group_id: int) -> str:
    """The key of a business's "share our plan progress" toggle (per business and group)."""
    return f"leaderboard_share_{workspace_id}_{group_id}"


# ---------------------------------------------------------------- actions (run before redraw)


def create_group(workspace_id: int) -> None:
    state = st.session_state
    with db_session() as session:
        group = attempt(
            lambda: peers.create_group(
                session=session,
                actor=current_actor(),
                workspace_id=workspace_id,
                name=state["leaderboard_group_name"],
                description=state["leaderboard_group_description"],
            ),
            CREATE_ERRORS,
        )
    if group is not None:
        state["leaderboard_group"] = group.id
        state["leaderboard_group_name"] = state["leaderboard_group_description"] = ""
        flash(
            f"Created “{group.name}”. Its invite code is {group.invite_code}: hand it to the "
            "businesses you want in the group."
        )


def join_group(workspace_id: int) -> None:
    state = st.session_state
    with db_session() as session:
        group = attempt(
            lambda: peers.join_group(
                session=session,
                actor=current_actor(),
                workspace_id=workspace_id,
                code=state["leaderboard_code"],
            ),
            JOIN_ERRORS,
        )
    if group is not None:
        state["leaderboard_group"] = group.id
        state["leaderboard_code"] = ""
        flash(
            f"You joined “{group.name}”. Choose below which of your accounts to enter: "
            "nothing is shared until you do."
        )


def save_sharing(workspace_id: int, group_id: int) -> None:
    state = st.session_state
    with db_session() as session:
        saved = attempt(
            lambda: peers.update_sharing(
                session=session,
                actor=current_actor(),
                workspace_id=workspace_id,
                group_id=group_id,
                account_ids=state[entries_key(workspace_id, group_id)],
                share_progress=state[share_key(workspace_id, group_id)],
            ),
            ENTRY_ERRORS,
        )
    if saved is not None:
        flash(f"Saved: {len(saved)} of your accounts on the board.")


def leave_group(workspace_id: int, group: GroupMembership) -> None:
    with db_session() as session:
        left = attempt(
            lambda: (
                peers.leave_group(
                    session=session,
                    actor=current_actor(),
                    workspace_id=workspace_id,
                    group_id=group.group.id,
                )
                or True
            ),
            ENTRY_ERRORS,
        )
    if left:
        # Forget the form's state, so joining again starts from nothing entered.
        for key in (
            "leaderboard_group",
            entries_key(workspace_id, group.group.id),
            share_key(workspace_id, group.group.id),
        ):
            st.session_state.pop(key, None)
        flash(f"You left “{group.group.name}”: your accounts are off its board.")


def remove_member(workspace_id: int, group_id: int, member_id: int, name: str) -> None:
    with db_session() as session:
        removed = attempt(
            lambda: (
                peers.remove_member(
                    session=session,
                    actor=current_actor(),
                    workspace_id=workspace_id,
                    group_id=group_id,
                    member_workspace_id=member_id,
                )
                or True
            ),
            ENTRY_ERRORS,
        )
    if removed:
        flash(f"Removed “{name}” from the group.")


# ---------------------------------------------------------------- drawing


def render_create_and_join(workspace: Workspace) -> None:
    create_column, join_column = st.columns(2, gap="large")
    with create_column, st.form("leaderboard_create", clear_on_submit=False):
        st.markdown("**Create a group**")
        errors = st.session_state[CREATE_ERRORS]
        st.text_input("Name", key="leaderboard_group_name", placeholder="Main Street")
        field_error(errors, "name", "Name")
        st.text_area(
            "Description",
            key="leaderboard_group_description",
            placeholder="The shops of Main Street comparing notes.",
        )
        field_error(errors, "description", "Description")
        st.form_submit_button(
            "Create the group", on_click=create_group, args=(workspace.id,), type="primary"
        )
    with join_column, st.form("leaderboard_join"):
        st.markdown("**Join a group**")
        st.text_input("Invite code", key="leaderboard_code", placeholder="ABCD2345", max_chars=20)
        field_error(st.session_state[JOIN_ERRORS], "code", "The code")
        st.form_submit_button("Join", on_click=join_group, args=(workspace.id,))


def render_board(board: Board, key: str) -> None:
    """The board as a sortable table, own rows ticked in "Yours", with its notes."""
    if not board.rows:
        st.info(board.empty_note or leaderboards.NO_SCORES_YET, icon="ℹ️")
        return
    if board.empty_note:
        st.info(board.empty_note, icon="ℹ️")
    keys = [k for k in leaderboards.SORT_KEYS if k != "progress" or board.shows_progress]
    sort_key = st.selectbox(
        "Sort by", keys, format_func=SORT_LABELS.__getitem__, key=f"{key}_sort", width=220
    )
    rows = leaderboards.sort_rows(board.rows, sort_key)
    # A plain frame: your rows are the ones ticked in "Yours". Highlighting them through a
    # pandas Styler cost a third of a second a run on a board of a thousand rows.
    frame = leaderboards.board_table(replace(board, rows=tuple(rows)))
    config = {
        "Rank": st.column_config.NumberColumn(format="%d", width="small"),
        "Score": st.column_config.NumberColumn(format="%d", width="small"),
        "30-day change": st.column_config.NumberColumn(format="%+d"),
        "Account": st.column_config.TextColumn(width="medium"),
        "Last 90 days": st.column_config.LineChartColumn(
            help="The daily score over the last 90 days, scaled to its own range."
        ),
        "Plan on track": st.column_config.ProgressColumn(
            min_value=0.0,
            max_value=1.0,
            format="percent",
            help="Share of the plan's metrics on track",
        ),
        "Yours": st.column_config.CheckboxColumn(width="small"),
    }
    for label in PART_LABELS.values():
        config[label] = st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="%.2f")
    st.dataframe(frame, column_config=config, hide_index=True, key=key)
    for note in (board.percentile_note, board.note):
        if note:
            st.caption(plain(note))


def render_detail(board: Board, workspace_id: int, key: str) -> None:
    """One account of the board explained: history with goal, parts with weights, the lever."""
    rows = [row for row in board.rows if row.score is not None]
    if not rows:
        return
    own_first = sorted(rows, key=lambda row: not row.is_own)
    names = {row.account_id: f"{row.handle_label} · {row.business}" for row in rows}
    st.subheader("An account's score explained", anchor=False)
    account_id = st.selectbox(
        "Account",
        [row.account_id for row in own_first],
        format_func=names.__getitem__,
        key=f"{key}_{workspace_id}_account",
    )
    with db_session() as session:
        detail = leaderboards.account_detail(
            session=session,
            actor=current_actor(),
            viewer_workspace_id=workspace_id,
            account_id=account_id,
            today=date.today(),
        )
    score_column, lever_column = st.columns([1, 2])
    score_column.metric("Score", detail.score, help=f"On {detail.day:%d %b %Y}")
    if detail.goal_text:
        score_column.caption(detail.goal_text)
    if detail.standing:
        score_column.caption(detail.standing)
    lever_column.info(f"The one change that would raise it most: {detail.lever}", icon="💡")
    history_column, parts_column = st.columns(2)
    with history_column:
        st.vega_lite_chart(
            spec=with_arrow_tables(history_chart(detail)), width="stretch", key=f"{key}_history"
        )
    with parts_column:
        st.vega_lite_chart(
            spec=with_arrow_tables(parts_chart(detail)), width="stretch", key=f"{key}_parts"
        )
        st.caption(
            "Each part with its weight: dark, the points it earns; light, the points it "
            "could earn. The longest light stretch is where the score can grow most."
        )
    with st.expander("How this score is worked out"):
        st.markdown("\n".join(f"- {line}" for line in detail.explanation))


def render_sharing_read_only(membership: GroupMembership, labels: dict[int, str]) -> None:
    """What this business shares with the group, for a reader who cannot change it."""
    entered = [labels[i] for i in sorted(membership.entered_account_ids) if i in labels]
    st.text(
        "Your accounts on this board: "
        + (", ".join(entered) if entered else "none")
        + "\nPlan progress shared with the group: "
        + ("yes" if membership.member.share_progress else "no")
    )


def render_sharing_form(
    workspace: Workspace, membership: GroupMembership, labels: dict[int, str]
) -> None:
    """The form choosing which accounts are on the board and whether progress is shared."""
    entries = entries_key(workspace.id, membership.group.id)
    share = share_key(workspace.id, membership.group.id)
    st.session_state.setdefault(entries, sorted(membership.entered_account_ids & set(labels)))
    st.session_state.setdefault(share, membership.member.share_progress)
    with st.form(f"leaderboard_sharing_{workspace.id}_{membership.group.id}"):
        st.multiselect(
            "Your accounts on this board",
            list(labels),
            format_func=labels.__getitem__,
            key=entries,
            placeholder="None: nothing of yours is shown",
            help="Only the accounts you choose appear on the board; nothing is shared by default.",
        )
        field_error(st.session_state[ENTRY_ERRORS], "account_ids", "Accounts")
        st.toggle("Share our plan progress (the share of our metrics on track)", key=share)
        st.form_submit_button(
            "Save what we share",
            on_click=save_sharing,
            args=(workspace.id, membership.group.id),
        )


def render_membership(workspace: Workspace, membership: GroupMembership, editable: bool) -> None:
    """One group: its code, what this business shares, the board, the histogram, members."""
    st.subheader(membership.group.name, anchor=False)
    if membership.group.description:
        st.text(membership.group.description)
    if editable:
        # The code lets other businesses in: handing it out is an editor's call.
        st.caption("Invite code — hand it to the businesses you want in the group:")
        st.code(membership.group.invite_code, language=None)
    with db_session() as session:
        own = peers.enterable_accounts(
            session=session, actor=current_actor(), workspace_id=workspace.id
        )
    labels = {account.id: account_label(account) for account in own}
    if editable:
        render_sharing_form(workspace, membership, labels)
    else:
        render_sharing_read_only(membership, labels)
    with db_session() as session:
        board = leaderboards.group_board(
            session=session,
            actor=current_actor(),
            viewer_workspace_id=workspace.id,
            group_id=membership.group.id,
            today=date.today(),
        )
    render_board(board, "leaderboard_group_board")
    if board.population:
        st.vega_lite_chart(
            spec=with_arrow_tables(histogram_chart(board)),
            width="stretch",
            key="leaderboard_histogram",
        )
        if not board.own_scores:
            st.caption("Enter one of your accounts to see where you are on the histogram.")
    render_detail(board, workspace.id, "leaderboard_group_detail")
    render_members(workspace, membership, editable)
    if editable:
        render_leave(workspace, membership)


def render_members(workspace: Workspace, membership: GroupMembership, editable: bool) -> None:
    """The group's members, for the business that created it; its owner may remove one."""
    if not membership.is_creator:
        return
    # Drawn only while open: a group of hundreds of businesses is a row, a text and a button
    # each, which took most of the page's time on every rerun while nobody looked at them.
    # A fixed label: the expander's identity includes it, so it stays open after a removal.
    section = st.expander(
        "Members",
        key=f"leaderboard_members_{membership.group.id}",
        on_change="rerun",
    )
    if section.open:
        with section, db_session() as session:
            removable = editable and may_manage(session, current_actor(), workspace)
            members = peers.list_members(
                session=session,
                actor=current_actor(),
                workspace_id=workspace.id,
                group_id=membership.group.id,
            )
            for member in members:
                name_column, button_column = st.columns([4, 1])
                name_column.text(f"{member.name} · {member.entries} accounts entered")
                if removable and not member.is_creator:
                    button_column.button(
                        "Remove",
                        key=f"leaderboard_remove_{membership.group.id}_{member.workspace_id}",
                        on_click=remove_member,
                        args=(workspace.id, membership.group.id, member.workspace_id, member.name),
                    )


def render_leave(workspace: Workspace, membership: GroupMembership) -> None:
    """The way out of the group, behind a popover that says what leaving does."""
    with st.popover("Leave this group"):
        st.write("Your accounts leave the board at once. You can join again with the code.")
        st.button(
            "Leave the group",
            key=f"leaderboard_leave_{membership.group.id}",
            on_click=leave_group,
            args=(workspace.id, membership),
        )


def render_peer_groups(workspace: Workspace, editable: bool) -> None:
    with db_session() as session:
        memberships = peers.list_memberships(
            session=session, actor=current_actor(), workspace_id=workspace.id
        )
    if not memberships:
        advice = (
            " Create one and hand its invite code to the businesses you want to compare "
            "with, or join one with the code you were given."
        )
        st.info(f"Your business is in no peer group yet.{advice if editable else ''}", icon="ℹ️")
        if editable:
            render_create_and_join(workspace)
        return
    by_id = {membership.group.id: membership for membership in memberships}
    if st.session_state.get("leaderboard_group") not in by_id:
        st.session_state["leaderboard_group"] = memberships[0].group.id
    if len(memberships) > 1:
        st.selectbox(
            "Group", list(by_id), format_func=lambda g: by_id[g].group.name, key="leaderboard_group"
        )
    render_membership(workspace, by_id[st.session_state["leaderboard_group"]], editable)
    if editable:
        # Its two forms are drawn only while it is open, as the member list.
        another = st.expander(
            "Create or join another group", key="leaderboard_another_group", on_change="rerun"
        )
        if another.open:
            with another:
                render_create_and_join(workspace)


def render_competitors(workspace: Workspace) -> None:
    with db_session() as session:
        board = leaderboards.competitor_board(
            session=session, actor=current_actor(), workspace_id=workspace.id
        )
    st.caption(
        "Your own accounts against the competitors you follow. Only your business sees this."
    )
    render_board(board, "leaderboard_competitor_board")
    render_detail(board, workspace.id, "leaderboard_competitor_detail")


def render_team(workspace: Workspace) -> None:
    with db_session() as session:
        board = leaderboards.team_board(
            session=session, actor=current_actor(), workspace_id=workspace.id, today=date.today()
        )
    st.caption(
        "The team's personal accounts, for a team that sets score goals per person: set one "
        "on the Metrics step with “Influence score” of that account."
    )
    render_board(board, "leaderboard_team_board")
    render_detail(board, workspace.id, "leaderboard_team_detail")


st.title("Leaderboard")
show_flash()
with db_session() as session:
    actor = current_actor()
    workspace = select_workspace(session, actor)
    editable = workspace is not None and may_edit(session, actor, workspace)
if workspace is None:
    st.info("There is no business yet. Start your plan on the Home page — it takes a minute.")
    st.page_link(HOME_PAGE, label="Go to Home", icon="🏠")
    st.stop()
if not editable:
    show_read_only_notice("what this business shares with its peer groups")

# A tab switch reruns the page and only the open tab is drawn: each tab holds a board of up
# to a thousand rows with its charts, too much to build three times a run.
peer_tab, competitor_tab, team_tab = st.tabs(
    ["Peer groups", "Competitors", "Team"], key=TAB_KEY, on_change="rerun"
)
if peer_tab.open:
    with peer_tab:
        render_peer_groups(workspace, editable)
if competitor_tab.open:
    with competitor_tab:
        render_competitors(workspace)
if team_tab.open:
    with team_tab:
        render_team(workspace)
