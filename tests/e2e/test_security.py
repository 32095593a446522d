"""Security checks in a real browser: the sign-in cookies, session fixation, XSRF, sign-out,
share tokens kept out of the server's log, and error pages that show no SQL or secrets.

The hosted test reuses test_hosting.py's instance (a mock OpenID Connect provider and a
`streamlit run` whose secrets point at it), with the server logging at debug level so that
"never in the log" is checked at the most talkative setting. The error-page test starts its
own servers from a temporary working directory holding a copy of the repo's
`.streamlit/config.toml`, so the checks run against the error settings that ship.

Figures these tests establish are written down in docs/security.md.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, BrowserContext, Page, expect

from socialplan.db import make_engine, session_scope, upgrade_database
from socialplan.sharing import hash_token
from tests.e2e import test_hosting
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
    go_to,
    streamlit_command,
    wait_for_app,
)
from tests.e2e.test_hosting import (
    LINK_LABEL,
    OWNER_EMAIL,
    OWNER_NAME,
    OWNER_SUB,
    PLAN,
    HostedServer,
    alert,
    new_context,
    sign_in,
    start_plan,
)
from tests.factories import create_workspace_with_plan

pytestmark = [
    pytest.mark.e2e,
    # Authlib and the mock provider warn about their own deprecated internals.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:authlib.*"),
    pytest.mark.filterwarnings("ignore:authlib.jose module is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The httpx module is deprecated:DeprecationWarning"),
]

# test_hosting.py's hosted instance (mock provider + hosted `streamlit run`) and its browser.
hosted_server = test_hosting.hosted_server
browser = test_hosting.browser

AUTH_COOKIE = "_streamlit_user"  # Streamlit's signed identity cookie (st.login)
TOKENS_COOKIE = "_streamlit_user_tokens"  # the provider's tokens, signed the same way
XSRF_COOKIE = "_streamlit_xsrf"
# Streamlit's auth cookies last 30 days (AUTH_COOKIE_MAX_AGE_SECONDS in Streamlit 1.67).
AUTH_COOKIE_DAYS = 30
SIGN_IN = "Sign in"
PLANTED_VALUE = "attacker-chosen-session-0000"


@pytest.fixture(autouse=True)
def _servers_log_at_debug_level(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every server these tests start logs at debug level (it inherits the environment).

    Autouse, so it is set up before the server fixtures read the environment.
    """
    monkeypatch.setenv("STREAMLIT_LOGGER_LEVEL", "debug")


# ---------------------------------------------------------------- helpers


def cookies_named(context: BrowserContext, prefix: str) -> list[dict]:
    """The browser's cookies whose name starts with `prefix` (chunks of a large one too)."""
    return [c for c in context.cookies() if c["name"].startswith(prefix)]


def the_cookie(context: BrowserContext, name: str) -> dict:
    found = [c for c in context.cookies() if c["name"] == name]
    assert len(found) == 1, f"expected one {name} cookie, found {found}"
    return found[0]


def expect_sign_in_screen(page: Page) -> None:
    """The hosted app's signed-out screen: the Sign in button and no page navigation."""
    expect(page.get_by_role("button", name=SIGN_IN, exact=True)).to_be_visible()
    wait_for_app(page)
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    expect(page.get_by_text(f"Signed in as {OWNER_NAME}", exact=True)).to_have_count(0)


def forged_identity_cookie(server: HostedServer) -> str:
    """A well-formed identity cookie for the owner, signed with a secret that is not the
    server's: what someone who knows the format but not `cookie_secret` could make."""
    from streamlit.web.server.starlette.starlette_app_utils import create_signed_value

    claims = {
        "origin": server.url,
        "is_logged_in": True,
        "iss": server.provider_url,
        "sub": OWNER_SUB,
        "email": OWNER_EMAIL,
        "name": OWNER_NAME,
    }
    signed = create_signed_value(
        "a-guessed-secret-not-the-servers", AUTH_COOKIE, json.dumps(claims)
    )
    return signed.decode()


def plant_cookie(context: BrowserContext, server: HostedServer, value: str) -> None:
    """Set the identity cookie on the app's host and path, as a planted cookie would be."""
    context.add_cookies([{"name": AUTH_COOKIE, "value": value, "url": f"{server.url}/"}])


def check_xsrf_is_enforced(context: BrowserContext, server: HostedServer) -> None:
    """A state-changing request without the XSRF header is refused before anything else.

    File upload is the HTTP endpoint that changes state; the check runs before the session
    is even looked up, so a made-up session id shows which of the two refused the request.
    """
    xsrf = the_cookie(context, XSRF_COOKIE)["value"]
    url = f"{server.url}/_stcore/upload_file/no-such-session/no-such-file"
    files = {"file": {"name": "x.csv", "mimeType": "text/csv", "buffer": b"a,b\n"}}
    without_header = context.request.put(url, multipart=files)
    assert without_header.status == 403, without_header.status
    with_header = context.request.put(url, multipart=files, headers={"X-Xsrftoken": xsrf})
    # Past the XSRF check, refused for the made-up session: 400, not 403.
    assert with_header.status == 400, with_header.status


def create_share_link(page: Page, server: HostedServer) -> str:
    """On Settings, create a share link to the plan; returns its token (shown once)."""
    go_to(page, "Settings")
    form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Create share link", exact=True)
    )
    form.get_by_label("Label", exact=True).fill(LINK_LABEL)
    form.get_by_role("button", name="Create share link", exact=True).click()
    wait_for_app(page)
    expect(alert(page, "Copy the link now: it is shown only this once.")).to_be_visible()
    url = page.get_by_test_id("stCode").inner_text().strip()
    assert url.startswith(server.url), url
    return parse_qs(urlsplit(url).query)["share"][0]


def sign_out(page: Page, server: HostedServer) -> None:
    """Sign out from the sidebar, all the way through the provider's end-session form.

    The click's run draws the sign-in screen at once, and then the browser goes on to
    Streamlit's /auth/logout (which deletes the cookies) and from there to the provider's
    end-session form: waiting for that form, rather than for the sign-in screen, is what
    proves the logout request was made.
    """
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url(f"{server.provider_url}/**")
    page.get_by_role("button", name="End session", exact=True).click()
    page.wait_for_url(f"{server.url}/**")
    expect_sign_in_screen(page)


# ---------------------------------------------------------------- hosted mode


def test_sign_in_cookies_resist_fixation_and_sign_out_clears_them(
    browser: Browser, hosted_server: HostedServer
) -> None:
    """XSRF on; planted and forged identity cookies grant nothing and are replaced at
    sign-in; the identity cookie is HttpOnly, SameSite=Lax, path /; sign-out removes it; a
    share link's token never reaches the server's log."""
    server = hosted_server
    context = new_context(browser)
    page = context.new_page()

    # Signed out: the XSRF cookie is set with the first page, and enforced.
    page.goto(server.url)
    expect_sign_in_screen(page)
    xsrf = the_cookie(context, XSRF_COOKIE)
    # Not HttpOnly by design: Streamlit's frontend reads it to send it back in a header
    # (double-submit); SameSite=Lax keeps other sites' pages from sending it.
    assert xsrf["sameSite"] == "Lax" and xsrf["path"] == "/", xsrf
    check_xsrf_is_enforced(context, server)
    assert not cookies_named(context, AUTH_COOKIE)

    # Session fixation: an identity cookie planted before sign-in, plain or forged with a
    # guessed secret, signs nobody in...
    forged = forged_identity_cookie(server)
    plant_cookie(context, server, PLANTED_VALUE)
    page.reload()
    expect_sign_in_screen(page)
    plant_cookie(context, server, forged)
    page.goto(f"{server.url}/settings")  # a deep link does not get round it either
    expect_sign_in_screen(page)

    # ...and signing in with the forged one still in the browser replaces it.
    assert the_cookie(context, AUTH_COOKIE)["value"] == forged, "the planted cookie is gone"
    sign_in(page, server, OWNER_SUB)
    expect(page.get_by_text(f"Signed in as {OWNER_NAME}", exact=True)).to_be_visible()
    identity = the_cookie(context, AUTH_COOKIE)
    assert identity["value"] not in (PLANTED_VALUE, forged)
    signed_in_cookies = cookies_named(context, AUTH_COOKIE)  # identity, tokens, any chunks
    assert {c["name"] for c in signed_in_cookies} >= {AUTH_COOKIE, TOKENS_COOKIE}
    for cookie in signed_in_cookies:
        assert cookie["httpOnly"], cookie  # no script on the page can read it
        assert cookie["sameSite"] in ("Lax", "Strict"), cookie
        assert cookie["path"] == "/", cookie
        # Plain http here, and Streamlit 1.67 never sets Secure on its auth cookies (it
        # leaves TLS to the proxy): docs/security.md has the proxy add it in production.
        assert not cookie["secure"], cookie
        days_left = (cookie["expires"] - time.time()) / 86_400
        assert 0 < days_left <= AUTH_COOKIE_DAYS, cookie

    # A share link: the token is shown once to the owner and opens the plan for a reader.
    start_plan(page)
    token = create_share_link(page, server)
    reader_context = new_context(browser)
    try:
        reader = reader_context.new_page()
        reader.goto(f"{server.url}/?share={quote(token)}")
        expect(reader.get_by_role("heading", name=PLAN, exact=True)).to_be_visible()
        wait_for_app(reader)
        assert not cookies_named(reader_context, AUTH_COOKIE), "a reader is not signed in"
    finally:
        reader_context.close()

    # Sign-out removes every identity cookie; the app asks for sign-in again, deep links too.
    sign_out(page, server)
    assert not cookies_named(context, AUTH_COOKIE), context.cookies()
    page.goto(f"{server.url}/settings")
    expect_sign_in_screen(page)

    log = squeezed(server.log_path.read_text())
    assert log, "the server wrote no log at all: nothing was checked"
    assert token not in log, "the share token is in the server's log"
    assert hash_token(token) not in log, "the share token's hash is in the server's log"
    assert identity["value"] not in log, "the identity cookie is in the server's log"


# ---------------------------------------------------------------- error pages

# Values that must never reach a page (and the secrets never the log). Made up for the test.
DATABASE_PASSWORD = "pw-0f9e8d7c-must-not-show"
SECRET_KEY = "secret-key-5a4b3c2d1e0f-must-not-show"
X_TOKEN = "AAAAAAAAAAAAAAAAAAAAAx-token-must-not-show-1234"
SECRETS_ENV = {"SOCIALPLAN_SECRET_KEY": SECRET_KEY, "SOCIALPLAN_X_BEARER_TOKEN": X_TOKEN}
CORRUPT = "corrupt-date-7d1c-must-not-show"
INVALID_LINK_TITLE = "This link is no longer valid"
# What the failing statements and their errors would show with Streamlit's default
# (client.showErrorDetails = "full"): SQL text, driver and exception names, a traceback.
LEAK_MARKERS = (
    "SELECT ",
    " FROM ",
    " WHERE ",
    "[SQL:",
    "objective.plan_id",
    "sqlalchemy",
    "psycopg",
    "OperationalError",
    "ValueError",
    "Traceback",
    'File "',
    DATABASE_PASSWORD,
    SECRET_KEY,
    X_TOKEN,
    CORRUPT,
)


ANSI_CODES = re.compile(r"\x1b\[[0-9;]*m")
# Whitespace and the frame rich draws round a traceback in the log when it is installed.
LAYOUT = re.compile(r"[\s│╭╮╰╯─❱]+")


def squeezed(log: str) -> str:
    """The log without colour codes, line wrapping or frames, so that a secret the console
    wrapped over two lines is still found."""
    return LAYOUT.sub("", ANSI_CODES.sub("", log))


@pytest.fixture
def chromium(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Browser]:
    """A chromium for tests that start their own servers; on failure, every screen and the
    servers' logs (tmp_path/*.log) are kept in tests/e2e/artifacts/."""
    reason = _missing_browser_reason()
    if reason:
        _skip_or_fail(reason)
    from playwright.sync_api import sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            if request.node.stash.get(_CALL_FAILED, False):
                folder = ARTIFACTS / request.node.name
                folder.mkdir(parents=True, exist_ok=True)
                for n, context in enumerate(launched.contexts):
                    for m, open_page in enumerate(context.pages):
                        open_page.screenshot(path=str(folder / f"screen-{n}-{m}.png"))
                for log in tmp_path.glob("*.log"):
                    shutil.copyfile(log, folder / log.name)
            launched.close()


@contextmanager
def serve(tmp_path: Path, name: str, database_url: str) -> Iterator[tuple[str, Path]]:
    """`streamlit run` in local mode with the repo's config.toml and the secrets set.

    Yields the server's address and its log file, tmp_path/`name`.log.
    """
    workdir = tmp_path / name
    (workdir / ".streamlit").mkdir(parents=True)
    shutil.copyfile(ROOT / ".streamlit" / "config.toml", workdir / ".streamlit" / "config.toml")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / f"{name}.log"
    env = {
        **os.environ,
        **SECRETS_ENV,
        "SOCIALPLAN_DATABASE_URL": database_url,
        "HOME": str(workdir),  # no ~/.streamlit of whoever runs the tests
    }
    with log_path.open("w") as log:
        process = subprocess.Popen(
            streamlit_command(port), cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        _wait_until_healthy(url, process, log_path)
        yield url, log_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def settled_page_text(page: Page, url: str) -> str:
    """Open `url`, wait for the script run to end, and return what the app holds: its
    visible text and its HTML (hidden elements count too)."""
    page.goto(url)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    page.wait_for_timeout(300)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    app = page.get_by_test_id("stApp")
    return app.inner_text() + "\n" + app.inner_html()


def assert_shows_error_without_leaks(page: Page, shown: str, where: str) -> None:
    """The page says something went wrong, and none of the leak markers is in it."""
    errors = page.get_by_test_id("stException").or_(page.get_by_test_id("stAlert"))
    assert errors.count(), f"{where}: the page shows no error at all: {shown[:500]}"
    leaked = [marker for marker in LEAK_MARKERS if marker in shown]
    assert not leaked, f"{where}: the page shows {leaked}"


def ready_database(url: str) -> sa.Engine:
    """A migrated database with one workspace and its plan."""
    engine = make_engine(url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        create_workspace_with_plan(session, name="Rosa's Bakery", plan_name="Spring plan")
    return engine


def test_error_pages_show_no_sql_data_or_secrets(chromium: Browser, tmp_path: Path) -> None:
    """Pages that fail on a corrupt row, a missing table or an unreachable database (with a
    password in its URL) show a generic message: no SQL, data, secret or traceback, and the
    secrets stay out of the server's log too. Malformed share tokens get the refusal."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()

    database_url = f"sqlite:///{tmp_path / 'broken.db'}"
    engine = ready_database(database_url)
    with serve(tmp_path, "broken-database", database_url) as (url, log_path):
        # Bad data: the plan's start is not a date, and every page of the plan reads it.
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE plan SET period_start = :bad"), {"bad": CORRUPT})
        shown = settled_page_text(page, url)
        assert_shows_error_without_leaks(page, shown, "Home, corrupt row")
        # A half-applied manual change: the row mended, the objective table gone.
        with engine.begin() as connection:
            connection.exec_driver_sql("UPDATE plan SET period_start = period_end")
            connection.exec_driver_sql("DROP TABLE objective")
        shown = settled_page_text(page, f"{url}/objectives")
        assert_shows_error_without_leaks(page, shown, "Objectives, missing table")
        # A malformed share token: the refusal page, and the token is not echoed. (AppTest
        # tries more: tests/reliability/test_security_error_pages.py.)
        token = "' OR '1'='1' --<script>alert(1)</script>"
        shown = settled_page_text(page, f"{url}/?share={quote(token)}")
        expect(page.get_by_role("heading", name=INVALID_LINK_TITLE)).to_be_visible()
        leaked = [m for m in (*LEAK_MARKERS, token) if m in shown]
        assert not leaked, f"share={token!r}: the page shows {leaked}"
        log = squeezed(log_path.read_text())
        # The page hid both errors; the log kept them for whoever runs the server.
        assert CORRUPT in log and "nosuchtable:objective" in log, "the errors were not logged"
        for secret in (SECRET_KEY, X_TOKEN):
            assert secret not in log, "a secret is in the server's log"
    engine.dispose()

    # Nothing listens on this port: the connection is refused at once.
    unreachable = (
        f"postgresql+psycopg://socialplan:{DATABASE_PASSWORD}@127.0.0.1:{_free_port()}/socialplan"
    )
    with serve(tmp_path, "unreachable", unreachable) as (url, log_path):
        shown = settled_page_text(page, f"{url}/settings")
        assert_shows_error_without_leaks(page, shown, "Settings, database unreachable")
        log = squeezed(log_path.read_text())
        assert "Connectionrefused" in log, "the connection error was not logged"
        for secret in (DATABASE_PASSWORD, SECRET_KEY, X_TOKEN):
            assert secret not in log, "a secret is in the server's log"
    context.close()
