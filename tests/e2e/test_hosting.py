"""Hosting in a real browser: the real sign-in flow, two businesses, an invitation, and a
share link opened signed out.

Each test starts its own hosted instance: a local OpenID Connect provider
(oidc-provider-mock, on a thread in this process) and a `streamlit run` from a temporary
working directory whose `.streamlit/secrets.toml` holds an `[auth]` section pointing at that
provider, on PostgreSQL when SOCIALPLAN_TEST_POSTGRES_URL is set (always in CI). The repo's
own `.streamlit/` is never written to. Everything listens on localhost only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.e2e.conftest import (
    _CALL_FAILED,
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    TIMEOUT_MS,
    _free_port,
    _missing_browser_reason,
    _skip_or_fail,
    _wait_until_healthy,
    choose,
    fill_date,
    go_to,
    streamlit_command,
    wait_for_app,
)

pytestmark = [
    pytest.mark.e2e,
    # Authlib and the mock provider warn about their own deprecated internals.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:authlib.*"),
    pytest.mark.filterwarnings("ignore:authlib.jose module is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The httpx module is deprecated:DeprecationWarning"),
]

BUSINESS = "Harbour Bikes"
PLAN = "Spring plan"
VIEWER_BUSINESS = "Ledger & Sons"
VIEWER_PLAN = "Autumn plan"
LINK_LABEL = "for the bank"
OWNER_SUB = "owner-0001"
OWNER_EMAIL = "olivia@harbour.example"
OWNER_NAME = "Olivia Owner"
VIEWER_SUB = "viewer-0002"
VIEWER_EMAIL = "victor@bank.example"
VIEWER_NAME = "Victor Viewer"
INVALID_TITLE = "This link is no longer valid"
READ_ONLY_NOTICE = "👁 You can read this plan; your role here is viewer, so only editors change it."
SHARED_VIEWS = {"Summary": "home", "Dashboard": "dashboard", "Review": "review"}


# ---------------------------------------------------------------- helpers


def alert(page: Page, text: str) -> Locator:
    """A message box (success, info, warning, error) showing exactly `text`."""
    return page.get_by_test_id("stAlert").get_by_text(text, exact=True)


def new_context(browser: Browser) -> BrowserContext:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    # The provider's login form links a stylesheet on a CDN: no internet here, so refuse at
    # once anything that is not on this machine.
    context.route(
        lambda url: urlsplit(url).hostname not in {"127.0.0.1", "localhost"},
        lambda route: route.abort(),
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


def start_plan(page: Page, business: str = BUSINESS, plan: str = PLAN) -> None:
    """On the Home page of a user with no workspace: Start my plan."""
    expect(page.get_by_role("heading", name="Welcome to Social Plan", exact=True)).to_be_visible()
    form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Start my plan", exact=True)
    )
    form.get_by_label("Business name", exact=True).fill(business)
    form.get_by_label("Plan name", exact=True).fill(plan)
    fill_date(page, form, "Period start", date.today())
    form.get_by_role("button", name="Start my plan", exact=True).click()
    wait_for_app(page)
    expect(
        alert(page, f"Your plan “{plan}” is ready. Step 1: write your objectives.")
    ).to_be_visible()
    expect(page.get_by_role("heading", name=business, exact=True)).to_be_visible()


def share_link_box(page: Page) -> Locator:
    """The Settings page's box of the one share link made here."""
    return (
        page.get_by_test_id("stVerticalBlock")
        .filter(has=page.get_by_text(f"{LINK_LABEL} · {PLAN}", exact=True))
        .last  # the innermost block holding the label: the link's own bordered box
    )


def expect_no_edit_widgets(page: Page) -> None:
    """Nothing on the page takes input: no field, no button, no form, no sidebar pages."""
    main = page.get_by_test_id("stMain")
    for selector in ("input", "textarea", "button", "[data-testid='stForm']"):
        expect(main.locator(selector)).to_have_count(0)
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)


def open_shared_view(reader: Page, label: str, heading_text: str, token: str) -> None:
    """Follow one of the shared page's links; the address keeps the token and the view, so
    a reload shows the same view again."""
    reader.get_by_test_id("stPageLink").get_by_role("link", name=label).click()
    expect(reader.get_by_text(heading_text, exact=True)).to_be_visible()
    wait_for_app(reader)
    query = parse_qs(urlsplit(reader.url).query)
    assert query.get("share") == [token], reader.url
    assert query.get("view") == [SHARED_VIEWS[label]], reader.url
    expect(reader.get_by_role("heading", name=PLAN, exact=True)).to_be_visible()
    expect_no_edit_widgets(reader)


# ---------------------------------------------------------------- sign-in (hosted mode)


@dataclass
class HostedServer:
    url: str
    provider_url: str
    log_path: Path


@pytest.fixture
def hosted_server(tmp_path: Path, hosted_database_url: str) -> Iterator[HostedServer]:
    """A mock OpenID Connect provider and a `streamlit run` whose secrets point at it."""
    reason = _missing_browser_reason()
    if reason:
        _skip_or_fail(reason)
    try:
        import authlib  # noqa: F401  (st.login needs it)
        from oidc_provider_mock import User, run_server_in_thread
    except ImportError as error:
        _skip_or_fail(f"{error.name} is not installed (pip install Authlib oidc-provider-mock)")

    users = [
        User(
            sub=OWNER_SUB,
            claims={"email": OWNER_EMAIL, "email_verified": True, "name": OWNER_NAME},
        ),
        User(
            sub=VIEWER_SUB,
            claims={"email": VIEWER_EMAIL, "email_verified": True, "name": VIEWER_NAME},
        ),
    ]
    with run_server_in_thread(port=_free_port(), user_claims=users) as provider:
        provider_url = f"http://localhost:{provider.server_port}"
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        workdir = tmp_path / "hosted"
        (workdir / ".streamlit").mkdir(parents=True)
        shutil.copyfile(ROOT / ".streamlit" / "config.toml", workdir / ".streamlit" / "config.toml")
        (workdir / ".streamlit" / "secrets.toml").write_text(
            "[auth]\n"
            f'redirect_uri = "{url}/oauth2callback"\n'
            'cookie_secret = "e2e-cookie-secret-not-for-production-0123456789"\n'
            'client_id = "social-plan-e2e"\n'
            'client_secret = "social-plan-e2e-secret"\n'
            f'server_metadata_url = "{provider_url}/.well-known/openid-configuration"\n'
        )
        log_path = tmp_path / "streamlit-hosted.log"
        env = {
            **os.environ,
            "SOCIALPLAN_DATABASE_URL": hosted_database_url,
            # No ~/.streamlit/secrets.toml of whoever runs the tests: only this one.
            "HOME": str(workdir),
        }
        command = streamlit_command(port)
        with log_path.open("w") as log:
            process = subprocess.Popen(
                command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            _wait_until_healthy(url, process, log_path)
            yield HostedServer(url=url, provider_url=provider_url, log_path=log_path)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def browser(hosted_server: HostedServer, request: pytest.FixtureRequest) -> Iterator[Browser]:
    """A chromium; on failure, every open page's screen and the server's log are kept."""
    from playwright.sync_api import sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            if request.node.stash.get(_CALL_FAILED, False):
                folder = ARTIFACTS / request.node.name
                folder.mkdir(parents=True, exist_ok=True)
                for n, context in enumerate(browser.contexts):
                    for m, open_page in enumerate(context.pages):
                        try:
                            open_page.screenshot(
                                path=str(folder / f"screen-{n}-{m}.png"), full_page=True
                            )
                        except Exception as error:
                            (folder / f"screen-{n}-{m}-error.txt").write_text(repr(error))
                shutil.copyfile(hosted_server.log_path, folder / "streamlit.log")
            browser.close()


def sign_in(page: Page, server: HostedServer, subject: str) -> None:
    """From the sign-in screen, through the provider's form, back into the app."""
    page.goto(server.url)
    expect(page.get_by_role("heading", name="Social Plan", exact=True)).to_be_visible()
    wait_for_app(page)
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    page.get_by_role("button", name="Sign in", exact=True).click()
    # The provider's own form: type the subject (user id) and authorize.
    page.wait_for_url(f"{server.provider_url}/**")
    page.locator("input[name=sub]").fill(subject)
    page.get_by_role("button", name="Authorize", exact=True).click()
    page.wait_for_url(f"{server.url}/**")
    page.get_by_test_id("stSidebarNav").wait_for()
    wait_for_app(page)


def test_sign_in_invite_accept_and_viewer_sees_read_only_pages_then_sign_out(
    browser: Browser, hosted_server: HostedServer
) -> None:
    """Owner signs in, starts a plan, invites a viewer; the viewer accepts, reads, signs out."""
    owner_context = new_context(browser)
    viewer_context = new_context(browser)
    owner = owner_context.new_page()
    viewer = viewer_context.new_page()

    # The owner signs in and starts a plan: a workspace of their own.
    sign_in(owner, hosted_server, OWNER_SUB)
    sidebar = owner.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text(f"Signed in as {OWNER_NAME}", exact=True)).to_be_visible()
    start_plan(owner)

    # Settings: invite the viewer by email, as a viewer.
    go_to(owner, "Settings")
    form = owner.get_by_test_id("stForm").filter(
        has=owner.get_by_role("button", name="Invite", exact=True)
    )
    form.get_by_label("Email", exact=True).fill(VIEWER_EMAIL)
    choose(owner, form, "Role", "viewer")
    form.get_by_role("button", name="Invite", exact=True).click()
    wait_for_app(owner)
    expect(
        alert(owner, "The invitation is waiting for its invitee to sign in (valid 7 days).")
    ).to_be_visible()
    expect(owner.get_by_text(f"{VIEWER_EMAIL} · viewer · expires", exact=False)).to_be_visible()

    # The second user signs in with that email and first starts a plan for their own
    # business; the invitation waits in the sidebar.
    sign_in(viewer, hosted_server, VIEWER_SUB)
    viewer_sidebar = viewer.get_by_test_id("stSidebar")
    expect(viewer_sidebar.get_by_text(f"Signed in as {VIEWER_NAME}", exact=True)).to_be_visible()
    start_plan(viewer, VIEWER_BUSINESS, VIEWER_PLAN)
    invitation = (
        viewer_sidebar.get_by_test_id("stVerticalBlock")
        .filter(has=viewer.get_by_text(f"join {BUSINESS} as viewer", exact=False))
        .last  # the innermost block: the invitation's own bordered box
    )
    expect(invitation).to_contain_text(f"Invitation from {OWNER_NAME}")
    invitation.get_by_role("button", name="Accept", exact=True).click()
    wait_for_app(viewer)
    expect(viewer.get_by_role("heading", name=BUSINESS, exact=True)).to_be_visible()
    expect(viewer_sidebar.get_by_role("button", name="Accept", exact=True)).to_have_count(0)
    expect(viewer.get_by_text("0 of 5 steps complete", exact=True)).to_be_visible()

    # The owner's plan is readable but offers the viewer nothing to change.
    go_to(viewer, "Dashboard")
    go_to(viewer, "Review")
    go_to(viewer, "Objectives")
    expect(viewer.get_by_text(READ_ONLY_NOTICE, exact=True)).to_be_visible()
    expect(viewer.get_by_role("button", name="Add objective", exact=True)).to_have_count(0)
    expect(viewer.get_by_test_id("stMain").locator("input, textarea")).to_have_count(0)

    # Their own business, one switch away in the sidebar, is theirs to edit.
    choose(viewer, viewer_sidebar, "Business", VIEWER_BUSINESS)
    wait_for_app(viewer)
    title = "Open a second workshop"
    form = viewer.get_by_test_id("stForm").filter(
        has=viewer.get_by_role("button", name="Add objective", exact=True)
    )
    form.get_by_label("Objective", exact=True).fill(title)
    form.get_by_label("Why it matters", exact=True).fill("Saturdays are full.")
    form.get_by_role("button", name="Add objective", exact=True).click()
    wait_for_app(viewer)
    expect(viewer.get_by_text(f"1. {title}", exact=True)).to_be_visible()
    choose(viewer, viewer_sidebar, "Business", BUSINESS)
    wait_for_app(viewer)
    expect(viewer.get_by_text(f"1. {title}", exact=True)).to_have_count(0)

    # Settings is read-only for a viewer: no invitations, share links or delete.
    go_to(viewer, "Settings")
    expect(
        alert(viewer, "Your role here is viewer: only an owner can change these settings.")
    ).to_be_visible()
    for button in ("Rename", "Invite", "Create share link", "Delete workspace"):
        expect(viewer.get_by_role("button", name=button, exact=True)).to_have_count(0)
    # Neither business sees the other's objective.
    go_to(owner, "Objectives")
    expect(owner.get_by_text(f"1. {title}", exact=True)).to_have_count(0)
    expect(owner.get_by_test_id("stSidebar").get_by_text(VIEWER_BUSINESS)).to_have_count(0)

    # The viewer signs out: the browser goes through Streamlit's /auth/logout (which deletes
    # the sign-in cookies) to the provider's end-session form and back to the sign-in screen,
    # which a reload keeps.
    viewer_sidebar.get_by_role("button", name="Sign out", exact=True).click()
    viewer.wait_for_url(f"{hosted_server.provider_url}/**")
    viewer.get_by_role("button", name="End session", exact=True).click()
    viewer.wait_for_url(f"{hosted_server.url}/**")
    sign_in_button = viewer.get_by_role("button", name="Sign in", exact=True)
    expect(sign_in_button).to_be_visible()
    viewer.reload()
    expect(sign_in_button).to_be_visible()
    expect(viewer.get_by_test_id("stSidebarNav")).to_have_count(0)
    expect(viewer_sidebar.get_by_text(f"Signed in as {VIEWER_NAME}", exact=True)).to_have_count(0)


# ---------------------------------------------------------------- share link


def test_share_link_works_signed_out_until_revoked(
    browser: Browser, hosted_server: HostedServer
) -> None:
    """The owner makes a share link; a fresh browser reads the plan with it until revoked."""
    page = new_context(browser).new_page()
    sign_in(page, hosted_server, OWNER_SUB)
    start_plan(page)

    # Settings: a share link, shown once.
    go_to(page, "Settings")
    form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Create share link", exact=True)
    )
    form.get_by_label("Label", exact=True).fill(LINK_LABEL)
    form.get_by_role("button", name="Create share link", exact=True).click()
    wait_for_app(page)
    expect(alert(page, "Copy the link now: it is shown only this once.")).to_be_visible()
    url = page.get_by_test_id("stCode").inner_text().strip()
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == hosted_server.url, url
    token = parse_qs(parts.query)["share"][0]
    assert len(token) >= 43, "a share token has at least 256 bits"
    expect(share_link_box(page).get_by_text("Active · created", exact=False)).to_be_visible()

    # A fresh browser context (no session, no cookies) opens it.
    context = new_context(browser)
    try:
        reader = context.new_page()
        reader.goto(url)
        expect(reader.get_by_role("heading", name=PLAN, exact=True)).to_be_visible()
        wait_for_app(reader)
        expect(
            reader.get_by_text("A read-only view of this plan, shared with you by its owner.")
        ).to_be_visible()
        expect(reader.get_by_text("0 of 5 steps complete", exact=True)).to_be_visible()
        expect_no_edit_widgets(reader)

        open_shared_view(reader, "Dashboard", "This plan has no metrics yet.", token)
        # A reload (or a bookmark) of a view opens that view again, still read-only.
        reader.reload()
        expect(reader.get_by_text("This plan has no metrics yet.", exact=True)).to_be_visible()
        wait_for_app(reader)
        expect_no_edit_widgets(reader)
        open_shared_view(reader, "Review", "No review has been held on this plan yet.", token)
        open_shared_view(reader, "Summary", "0 of 5 steps complete", token)
        assert token not in reader.get_by_test_id("stApp").inner_text()

        # The owner revokes it on the Settings page.
        page.reload()
        page.get_by_role("heading", name="Settings", exact=True).wait_for()
        wait_for_app(page)
        share_link_box(page).get_by_role("button", name="Revoke", exact=True).click()
        wait_for_app(page)
        expect(
            alert(page, "The share link is revoked: it no longer opens the plan.")
        ).to_be_visible()
        expect(share_link_box(page).get_by_text("Revoked · created", exact=False)).to_be_visible()

        # The reader reloads: refused, and the plan is gone from the screen.
        reader.reload()
        expect(reader.get_by_role("heading", name=INVALID_TITLE, exact=True)).to_be_visible()
        wait_for_app(reader)
        expect(
            reader.get_by_text(
                "This link is no longer valid. Ask whoever sent it for a new one.", exact=True
            )
        ).to_be_visible()
        expect(reader.get_by_role("heading", name=PLAN, exact=True)).to_have_count(0)
        expect(reader.get_by_test_id("stPageLink")).to_have_count(0)
    finally:
        context.close()
