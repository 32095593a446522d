"""Accounts: the profiles the business follows, their numbers, syncing, imports and the X token."""

from collections.abc import Callable
from datetime import UTC, date, datetime

import streamlit as st
from sqlmodel import Session

from socialplan import accounts, credentials, imports
from socialplan.access import Actor
from socialplan.accounts import HAND_ENTRY_FIELDS, NETWORK_LABELS, AccountRow
from socialplan.errors import InvalidInput, SocialPlanError
from socialplan.metrics import ALL_OWN_ACCOUNTS
from socialplan.models import AccountKind, MetricSource, Network, Plan, Workspace
from socialplan.series import SOURCE_LABELS
from socialplan.sync import SyncProgress, describe_outcome
from socialplan.text import literal_markdown
from socialplan.ui.cache import cached_for_workspace
from socialplan.ui.context import (
    current_actor,
    db_session,
    may_edit,
    may_manage,
    select_plan,
    select_workspace,
    show_read_only_notice,
)
from socialplan.ui.feedback import attempt, field_error, flash, show_flash

HOME_PAGE = "app_pages/home.py"
NETWORKS = [network.value for network in Network]
KINDS = [AccountKind.OWN, AccountKind.COMPETITOR]
KIND_CHOICES = {AccountKind.OWN: "Ours", AccountKind.COMPETITOR: "A competitor's"}
ADD_ERRORS = "accounts_add_errors"
HAND_ERRORS = "accounts_hand_errors"
LINK_ERRORS = "accounts_link_errors"
REMOVE_ERRORS = "accounts_remove_errors"
TOKEN_ERRORS = "accounts_token_errors"
IMPORT_ERRORS = "accounts_import_errors"
IMPORT_PARSED = "accounts_import_parsed"
IMPORT_ROUND = "accounts_import_round"
NO_ACCOUNT = 0  # a selectbox shows None as "nothing chosen": "no account" is 0 on screen
ALL_OWN = 0
UPLOAD_LIMIT_MB = imports.MAX_BYTES // (1024 * 1024)
TEMPLATE_NAME = "socialplan_numbers_template.csv"


def network_label(network: str) -> str:
    """A network's name as a choice in a list."""
    label = NETWORK_LABELS.get(network, network)
    return label[0].upper() + label[1:]


def run_save(action: Callable[..., object], errors_key: str, done: str) -> object:
    """Run a service with a fresh session and the acting user; flash `done` when it worked."""
    with db_session() as session:
        result = attempt(lambda: action(session=session, actor=current_actor()), errors_key)
    if result is not None and done:
        flash(done)
    return result


def show_field_errors(errors: dict[str, str], fields: dict[str, str]) -> None:
    """The messages of several fields, each completing its label."""
    for field, label in fields.items():
        field_error(errors, field, label)


def show_plain_warning(message: str) -> None:
    """A warning that may quote a network's answer: shown exactly, never as Markdown."""
    st.warning(literal_markdown(message), icon="⚠️")


def show_plain_error(message: str) -> None:
    """An error whose text may quote the user's file or input: shown exactly, never as Markdown."""
    st.error(literal_markdown(message), icon="⚠️")


# ---------------------------------------------------------------- callbacks
# Saves run in callbacks, before the page is drawn, so a refused save shows each message
# next to its field in the very run that follows the click.


def add_account(workspace_id: int) -> None:
    """Follow the account typed in the add form; clear the form when it worked."""
    state = st.session_state
    network, text = state["accounts_add_network"], state["accounts_add_handle"]
    added = run_save(
        lambda **who: accounts.add_account(
            **who,
            workspace_id=workspace_id,
            network=network,
            text=text,
            kind=state["accounts_add_kind"],
        ),
        ADD_ERRORS,
        "",
    )
    if added is not None:
        flash(accounts.added_message(added))  # type: ignore[arg-type]
        state["accounts_add_handle"] = ""


def enter_numbers(today: date) -> None:
    """Store the hand-entry form's numbers for the chosen account and day."""
    state = st.session_state
    account_id = state.get("accounts_hand_account")
    if account_id is None:
        state[HAND_ERRORS] = {"account_id": "is required: choose the account."}
        return
    counts = {name: state.get(f"accounts_hand_{name}") for name in HAND_ENTRY_FIELDS}
    day = state["accounts_hand_day"]
    saved = run_save(
        lambda **who: accounts.enter_snapshot_by_hand(
            **who, account_id=account_id, day=day, counts=counts, today=today
        ),
        HAND_ERRORS,
        f"Saved the numbers for {day:%d %b %Y}.",
    )
    if saved is not None:
        for name in HAND_ENTRY_FIELDS:
            state[f"accounts_hand_{name}"] = None


def link_metrics(plan_id: int, versions: dict[int, int]) -> None:
    """Save which account each account metric of the plan follows."""
    state = st.session_state
    links = {
        metric_id: (state[f"accounts_link_{metric_id}"] or None, version)
        for metric_id, version in versions.items()
    }
    changed = run_save(
        lambda **who: accounts.link_accounts_to_metrics(**who, plan_id=plan_id, links=links),
        LINK_ERRORS,
        "",
    )
    if changed is not None:
        flash(
            f"Saved: {changed} metric{'s' if changed != 1 else ''} changed the account they follow."
        )


def remove_account(rows: dict[int, AccountRow]) -> None:
    """Remove the chosen account, deleting its history only when that is confirmed."""
    state = st.session_state
    row = rows.get(state.get("accounts_remove_account"))  # type: ignore[arg-type]
    if row is None:
        state[REMOVE_ERRORS] = {"account_id": "is required: choose the account to remove."}
        return
    delete = bool(state.get("accounts_remove_history"))
    if delete and not accounts.deletion_confirmed(
        row.handle, state.get("accounts_remove_confirm", "")
    ):
        state[REMOVE_ERRORS] = {
            "confirm": f"must be the account's handle, @{row.handle}, to delete its history."
        }
        return
    done = (
        f"Deleted {row.label} with all its numbers and scores."
        if delete
        else f"Removed {row.label}. Its numbers are kept: restore it under “Removed accounts”."
    )
    removed = run_save(
        lambda **who: (
            accounts.remove_account(
                **who, account_id=row.account_id, version=row.version, delete_history=delete
            )
            or "deleted"
        ),
        REMOVE_ERRORS,
        done,
    )
    if removed is not None:
        state["accounts_remove_history"] = False
        state["accounts_remove_confirm"] = ""


def restore_account(row: AccountRow) -> None:
    """Follow a removed account again."""
    run_save(
        lambda **who: accounts.restore_account(
            **who, account_id=row.account_id, version=row.version
        ),
        REMOVE_ERRORS,
        f"Restored {row.label}, with its history.",
    )


def save_token(workspace_id: int) -> None:
    """Keep the pasted X token, encrypted; the field is emptied either way."""
    state = st.session_state
    token = state.get("accounts_x_token", "")
    state["accounts_x_token"] = ""  # never left in the widget, whatever happens
    shown = run_save(
        lambda **who: credentials.set_x_token(**who, workspace_id=workspace_id, token=token),
        TOKEN_ERRORS,
        "",
    )
    if shown is not None:
        flash(f"X token saved, encrypted: {shown}.")


def clear_token(workspace_id: int) -> None:
    """Forget the workspace's X token."""
    run_save(
        lambda **who: credentials.clear_x_token(**who, workspace_id=workspace_id) or True,
        TOKEN_ERRORS,
        "X token removed. X accounts are not synced until a token is set.",
    )


def store_import(workspace_id: int, plan_id: int | None) -> None:
    """Store the previewed import; start a fresh upload when it worked."""
    state = st.session_state
    cached = state.get(IMPORT_PARSED)
    if cached is None:
        return
    parsed = cached[1]
    account_id = state.get("accounts_import_account") or None
    result = run_save(
        lambda **who: accounts.store_account_import(
            **who, workspace_id=workspace_id, account_id=account_id, parsed=parsed, plan_id=plan_id
        ),
        IMPORT_ERRORS,
        "",
    )
    if result is not None:
        flash(result.message())  # type: ignore[attr-defined]
        state.pop(IMPORT_PARSED, None)
        state[IMPORT_ROUND] = state.get(IMPORT_ROUND, 0) + 1  # a new, empty uploader


# ---------------------------------------------------------------- the accounts and syncing


def render_sync(session: Session, actor: Actor, workspace: Workspace, count: int) -> None:
    """The "Sync now" button; when pressed, one line per account as each is read."""
    pressed = st.button(
        "Sync now",
        key="accounts_sync",
        type="primary",
        disabled=count == 0,
        help="Reads every account's numbers from its network now. X reads are paid per use.",
    )
    if not pressed:
        return
    with st.status(f"Syncing {count} account{'s' if count != 1 else ''}…", expanded=True) as status:
        bar = st.progress(0.0, text="Starting…")

        def report(progress: SyncProgress) -> None:
            label = accounts.account_label(progress.account)
            if progress.outcome is None:
                done = (progress.position - 1) / progress.total
                bar.progress(
                    done, text=f"Reading {label} ({progress.position} of {progress.total})…"
                )
                return
            bar.progress(progress.position / progress.total, text=f"Read {label}.")
            icon = "✅" if progress.outcome.ok else ("⏭️" if progress.outcome.skipped else "❌")
            st.markdown(f"{icon} {literal_markdown(describe_outcome(progress.outcome))}")

        try:
            outcomes = accounts.sync_accounts(
                session=session,
                actor=actor,
                workspace_id=workspace.id,
                today=datetime.now(UTC).date(),
                on_progress=report,
            )
        except SocialPlanError as error:
            status.update(label="The sync did not run.", state="error")
            show_plain_error(str(error))
            return
        failed = outcomes and not any(outcome.ok or outcome.skipped for outcome in outcomes)
        status.update(
            label=accounts.sync_summary(outcomes),
            state="error" if failed else "complete",
            expanded=True,
        )


def render_table(rows: list[AccountRow], editable: bool) -> None:
    """The accounts with their newest numbers and a 90-day sparkline of followers."""
    if not rows:
        advice = " Add the business's own profiles below — and a competitor or two to compare with."
        st.info(f"No accounts yet.{advice if editable else ''}", icon="👋")
        return
    st.dataframe(
        accounts.overview_frame(rows),
        hide_index=True,
        width="stretch",
        key="accounts_table",
        column_config={
            "Followers": st.column_config.NumberColumn(format="localized"),
            "Posts": st.column_config.NumberColumn(
                format="localized", help="Posts in total, as the network counts them."
            ),
            "Followers, last 90 days": st.column_config.LineChartColumn(
                "Followers, last 90 days", width="medium"
            ),
            "Last sync": st.column_config.TextColumn(width="medium"),
        },
    )
    for problem in accounts.sync_problems(rows):
        show_plain_warning(problem)


def render_add(workspace: Workspace) -> None:
    """The form that follows a new account."""
    errors = st.session_state.get(ADD_ERRORS, {})
    st.session_state.setdefault("accounts_add_network", Network.BLUESKY.value)
    st.session_state.setdefault("accounts_add_handle", "")
    st.session_state.setdefault("accounts_add_kind", AccountKind.OWN)
    with st.expander("Add an account", expanded=bool(errors)), st.form("accounts_add_form"):
        st.selectbox("Network", NETWORKS, format_func=network_label, key="accounts_add_network")
        field_error(errors, "network", "Network")
        st.text_input(
            "Handle or profile address",
            key="accounts_add_handle",
            placeholder="@rosasbakery, rosa.bsky.social, @rosa@mastodon.social or https://…",
        )
        field_error(errors, "handle", "The handle")
        st.radio(
            "Whose account is it?",
            KINDS,
            format_func=KIND_CHOICES.__getitem__,
            horizontal=True,
            key="accounts_add_kind",
        )
        show_field_errors(errors, {"kind": "Whose", "person_id": "Person"})
        st.form_submit_button(
            "Add account",
            type="primary",
            key="accounts_add_submit",
            on_click=add_account,
            args=(workspace.id,),
        )


# ---------------------------------------------------------------- hand entry and links


def render_hand_entry(rows: list[AccountRow], today: date) -> None:
    """A form for typing in one account's numbers of one day."""
    errors = st.session_state.get(HAND_ERRORS, {})
    labels = {row.account_id: row.label for row in rows}
    if st.session_state.get("accounts_hand_account") not in labels:
        st.session_state["accounts_hand_account"] = next(iter(labels), None)
    st.session_state.setdefault("accounts_hand_day", today)
    with st.expander("Enter numbers by hand", expanded=bool(errors)):
        st.caption(
            "For networks Social Plan cannot read (LinkedIn, Instagram, Facebook…) or a day "
            "a sync missed. Fill in only what you know: empty boxes keep what is stored."
        )
        with st.form("accounts_hand_form"):
            st.selectbox(
                "Account", list(labels), format_func=labels.__getitem__, key="accounts_hand_account"
            )
            field_error(errors, "account_id", "Account")
            st.date_input("Day", max_value=today, key="accounts_hand_day", format="YYYY-MM-DD")
            field_error(errors, "day", "Day")
            columns = st.columns(5)
            for position, (name, label) in enumerate(HAND_ENTRY_FIELDS.items()):
                columns[position % 5].number_input(
                    label,
                    min_value=0,
                    step=1,
                    value=None,
                    format="%d",
                    key=f"accounts_hand_{name}",
                )
            show_field_errors(errors, HAND_ENTRY_FIELDS)
            field_error(errors, "counts", "The numbers")
            st.form_submit_button(
                "Save numbers",
                type="primary",
                key="accounts_hand_submit",
                on_click=enter_numbers,
                args=(today,),
            )


def render_links(session: Session, actor: Actor, plan: Plan, rows: list[AccountRow]) -> None:
    """Which own account each account metric of the plan follows."""
    own = {row.account_id: row.label for row in rows if row.kind == AccountKind.OWN}
    linkable = accounts.linkable_metrics(session=session, actor=actor, plan_id=plan.id)
    errors = st.session_state.get(LINK_ERRORS, {})
    with st.expander("Link own accounts to the plan's metrics", expanded=bool(errors)):
        if not linkable:
            st.caption(
                "This plan has no metric read from accounts yet (followers, posts per week, "
                "engagement rate or influence score). Add one on the Metrics step."
            )
            return
        if not own:
            st.caption("Add one of the business's own accounts first.")
            return
        choices = {ALL_OWN: ALL_OWN_ACCOUNTS} | own
        with st.form("accounts_link_form"):
            for metric in linkable:
                key = f"accounts_link_{metric.metric_id}"
                current = metric.account_id if metric.account_id in choices else ALL_OWN
                st.session_state.setdefault(key, current)
                st.selectbox(
                    f"{metric.name} ({SOURCE_LABELS[MetricSource(metric.source)].lower()}) · "
                    f"{metric.objective_title}",
                    list(choices),
                    format_func=choices.__getitem__,
                    key=key,
                )
            field_error(errors, "account_id", "The account")
            st.form_submit_button(
                "Save links",
                key="accounts_link_submit",
                on_click=link_metrics,
                args=(plan.id, {m.metric_id: m.version for m in linkable}),
            )


# ---------------------------------------------------------------- removing


def render_remove(rows: list[AccountRow]) -> None:
    """Remove an account (its history stays unless deleting it is confirmed)."""
    errors = st.session_state.get(REMOVE_ERRORS, {})
    by_id = {row.account_id: row for row in rows}
    with st.expander("Remove an account", expanded=bool(errors)):
        if rows:
            if st.session_state.get("accounts_remove_account") not in by_id:
                st.session_state["accounts_remove_account"] = next(iter(by_id))
            chosen = st.selectbox(
                "Account",
                list(by_id),
                format_func=lambda account_id: by_id[account_id].label,
                key="accounts_remove_account",
            )
            field_error(errors, "account_id", "Account")
            delete = st.checkbox(
                "Also delete its history (all its numbers and scores) — this cannot be undone",
                key="accounts_remove_history",
            )
            if delete:
                st.text_input(
                    f"To confirm, type the handle: @{by_id[chosen].handle}",
                    key="accounts_remove_confirm",
                )
            show_field_errors(errors, {"confirm": "The handle", "delete_history": "Deleting"})
            st.button(
                "Delete account and history" if delete else "Remove account",
                key="accounts_remove_submit",
                on_click=remove_account,
                args=(by_id,),
            )
        else:
            st.caption("No account to remove.")


def render_removed(removed: list[AccountRow], editable: bool) -> None:
    """The accounts no longer followed, each with a Restore button for editors."""
    with st.expander(f"Removed accounts ({len(removed)})"):
        for row in removed:
            name_column, button_column = st.columns([5, 1])
            name_column.text(f"{row.label} — removed on {row.removed_at:%d %b %Y}")
            if editable:
                button_column.button(
                    "Restore",
                    key=f"accounts_restore_{row.account_id}",
                    on_click=restore_account,
                    args=(row,),
                )


# ---------------------------------------------------------------- the X token


def render_x_token(session: Session, actor: Actor, workspace: Workspace) -> None:
    """Explain X's pay-per-use reads, show the token masked, and take a new one."""
    errors = st.session_state.get(TOKEN_ERRORS, {})
    with st.expander("X (Twitter) token", expanded=bool(errors)):
        st.markdown(
            "X charges for every read of its API (pay-per-use), so Social Plan needs your own "
            "X app's **Bearer Token** to sync X accounts: create an app and buy credit at "
            "developer.x.com, then paste the token here. Each sync reads as little as it can: "
            "one profile and one page of recent posts per X account."
        )
        problem = credentials.secret_key_problem()
        if problem:
            st.warning(problem, icon="🔑")
        status = credentials.x_token_status(session=session, actor=actor, workspace_id=workspace.id)
        st.text(f"This business's X token: {status}")
        if status == credentials.NOT_SET and credentials.instance_x_token():
            st.caption("Until you set one, syncs use the token this Social Plan instance provides.")
        with st.form("accounts_x_token_form"):
            st.text_input("Bearer token", type="password", key="accounts_x_token")
            field_error(errors, "token", "The token")
            st.form_submit_button(
                "Save token",
                key="accounts_x_token_submit",
                disabled=problem is not None,
                on_click=save_token,
                args=(workspace.id,),
            )
        if status != credentials.NOT_SET:
            st.button(
                "Remove the token",
                key="accounts_x_token_clear",
                on_click=clear_token,
                args=(workspace.id,),
            )


# ---------------------------------------------------------------- imports


def read_upload(upload: object, fingerprint: tuple) -> imports.ParsedImport | None:
    """The uploaded file read (once per file and settings); its problems shown, else None."""
    state = st.session_state
    cached = state.get(IMPORT_PARSED)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    state.pop(IMPORT_PARSED, None)
    state[IMPORT_ERRORS] = {}
    try:
        parsed = imports.read_import(
            upload.getvalue(),  # type: ignore[attr-defined]
            filename=upload.name,  # type: ignore[attr-defined]
            format=state["accounts_import_format"],
            followers_anchor=fingerprint[-1],
        )
    except InvalidInput as error:
        state[IMPORT_ERRORS] = error.errors
        return None
    state[IMPORT_PARSED] = (fingerprint, parsed)
    return parsed


def render_import_errors(errors: dict[str, str]) -> None:
    """An import's problems, each as a sentence; the file's quoted exactly."""
    labels = {
        "followers_anchor": "The follower count",
        "format": "The format",
        "account": "The account",
    }
    for field, message in errors.items():
        if field == "file":
            show_plain_error(message)
        else:
            show_plain_error(f"{labels.get(field, field.capitalize())} {message}")
    st.caption("Nothing was stored.")


def render_preview(parsed: imports.ParsedImport) -> None:
    """What the import will store, before anything is written."""
    shown = imports.preview(parsed)
    st.markdown(f"**Preview** — {literal_markdown(shown.summary())}")
    st.text(accounts.preview_facts(shown))
    mapped = [{"Column in the file": c.header, "Becomes": c.becomes} for c in shown.columns_mapped]
    if mapped:
        st.dataframe(mapped, hide_index=True, key="accounts_import_mapped")
    if shown.columns_ignored:
        st.text("Not imported: " + ", ".join(shown.columns_ignored))
    for note in shown.notes:
        st.info(literal_markdown(note), icon="ℹ️")
    if parsed.days:
        st.dataframe(imports.preview_table(parsed), hide_index=True, key="accounts_import_table")


def render_import(session: Session, actor: Actor, workspace: Workspace, plan: Plan | None) -> None:
    """Upload an analytics export, preview it, then store it into an account."""
    state = st.session_state
    state.setdefault(IMPORT_ROUND, 0)
    state.setdefault("accounts_import_format", imports.formats.AUTO)
    st.subheader("Import an analytics export", anchor=False)
    st.caption(
        "From X (account overview or posts), LinkedIn (followers), Meta Business Suite "
        "(Facebook and Instagram) or Social Plan's own date, metric, value file. Nothing is "
        "stored until you have seen the preview and pressed “Store this import”."
    )
    business = plan_business_metrics(session, actor, plan)
    st.download_button(
        "Download the date, metric, value template",
        data=imports.template_csv(business or ("Leads",)),
        file_name=TEMPLATE_NAME,
        mime="text/csv",
        key="accounts_template",
    )
    upload = st.file_uploader(
        f"Export file (CSV, up to {UPLOAD_LIMIT_MB} MB)",
        type=["csv", "txt", "tsv"],
        key=f"accounts_import_file_{state[IMPORT_ROUND]}",
        max_upload_size=UPLOAD_LIMIT_MB,
    )
    formats = accounts.import_format_labels()
    st.selectbox(
        "Format", list(formats), format_func=formats.__getitem__, key="accounts_import_format"
    )
    anchor_on = st.checkbox(
        "I know the follower count on one date",
        key="accounts_import_anchor_on",
        help="X's account overview export counts new follows and unfollows, not the total. "
        "Give the count on one date the file covers and Social Plan rebuilds every day's total.",
    )
    anchor = None
    if anchor_on:
        day_column, count_column = st.columns(2)
        anchor_day = day_column.date_input(
            "On this date", key="accounts_import_anchor_day", format="YYYY-MM-DD"
        )
        anchor_count = count_column.number_input(
            "Followers at the end of that day",
            min_value=0,
            step=1,
            value=None,
            format="%d",
            key="accounts_import_anchor_count",
        )
        if anchor_day is not None and anchor_count is not None:
            anchor = (anchor_day, int(anchor_count))
    if upload is None:
        state.pop(IMPORT_PARSED, None)
        return
    fingerprint = (upload.file_id, state["accounts_import_format"], anchor)
    parsed = read_upload(upload, fingerprint)
    errors = state.get(IMPORT_ERRORS, {})
    if parsed is None:
        render_import_errors(errors)
        return
    render_preview(parsed)
    choices = accounts.import_account_choices(
        session=session, actor=actor, workspace_id=workspace.id, networks=parsed.networks
    )
    if parsed.days:
        if not choices:
            where = " or ".join(NETWORK_LABELS[n] for n in parsed.networks) or "any network"
            st.warning(f"Add the account this file came from ({where}) above first.", icon="➕")
            return
        if state.get("accounts_import_account") not in choices:
            state["accounts_import_account"] = next(iter(choices))
        st.selectbox(
            "Store into the account",
            list(choices),
            format_func=choices.__getitem__,
            key="accounts_import_account",
        )
    else:
        state["accounts_import_account"] = NO_ACCOUNT
    if errors:
        render_import_errors(errors)
    st.button(
        "Store this import",
        type="primary",
        key="accounts_import_store",
        on_click=store_import,
        args=(workspace.id, plan.id if plan else None),
    )


def plan_business_metrics(session: Session, actor: Actor, plan: Plan | None) -> tuple[str, ...]:
    """The names of the plan's hand-entered metrics, for the template."""
    if plan is None:
        return ()
    return accounts.business_metric_names(session=session, actor=actor, plan_id=plan.id)


# ---------------------------------------------------------------- the page


def render_editing(
    session: Session,
    actor: Actor,
    workspace: Workspace,
    plan: Plan | None,
    rows: list[AccountRow],
    removed: list[AccountRow],
    today: date,
) -> None:
    """Everything that changes the accounts or their numbers: for editors and owners only."""
    render_add(workspace)
    if rows:
        render_hand_entry(rows, today)
        if plan is not None:
            render_links(session, actor, plan, rows)
    render_remove(rows)
    if removed:
        render_removed(removed, editable=True)
    if may_manage(session, actor, workspace):
        render_x_token(session, actor, workspace)
    else:
        st.caption("🔑 The X token for syncing X accounts is set by this workspace's owner.")
    render_import(session, actor, workspace, plan)


st.title("Accounts")
st.caption(
    "The social profiles the business follows — its own and its competitors'. Their numbers "
    "feed the plan's metrics, the influence scores and the dashboard."
)
show_flash()
with db_session() as session:
    actor = current_actor()
    workspace = select_workspace(session, actor)
    if workspace is None:
        st.info("There is no business yet. Start your plan on the Home page — it takes a minute.")
        st.page_link(HOME_PAGE, label="Go to Home", icon="🏠")
        st.stop()
    plan = select_plan(session, actor, workspace)
    editable = may_edit(session, actor, workspace)
    if editable:
        followed = accounts.list_accounts(session=session, actor=actor, workspace_id=workspace.id)
        render_sync(session, actor, workspace, len(followed))
    else:
        show_read_only_notice("this list of accounts")
    # Newest totals and 90-day sparklines: cached until the workspace's data changes (a
    # sync, an import, a hand entry); the day is in the key, as the sparklines end today.
    today = datetime.now(UTC).date()
    every_row = cached_for_workspace(
        session,
        actor,
        workspace.id,
        "account_overview",
        today,
        lambda: accounts.account_overview(
            session=session,
            actor=actor,
            workspace_id=workspace.id,
            today=today,
            include_removed=True,
        ),
    )
    rows = [row for row in every_row if row.removed_at is None]
    removed = [row for row in every_row if row.removed_at is not None]
    render_table(rows, editable)
    if editable:
        render_editing(session, actor, workspace, plan, rows, removed, date.today())
    elif removed:
        render_removed(removed, editable=False)
