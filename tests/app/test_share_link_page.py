"""A share link under AppTest: the plan read-only, its token kept on links, refusals alike."""

from datetime import date, timedelta
from urllib.parse import parse_qs

from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from socialplan import sharing
from socialplan.access import Actor
from socialplan.models import Metric, Objective, Reading, ShareLink
from tests.app.conftest import APP, texts
from tests.factories import create_workspace_with_plan

EDIT_WIDGETS = ("text_input", "text_area", "number_input", "date_input", "selectbox", "button")


def arrange(engine, *, expires_in: timedelta | None = None) -> tuple[int, str]:
    """A plan with one charted metric, another workspace, and a share link to the plan."""
    today = date.today()
    with Session(engine, expire_on_commit=False) as session:
        _, plan = create_workspace_with_plan(
            session, period_start=today - timedelta(days=60), period_end=today + timedelta(120)
        )
        create_workspace_with_plan(session, name="Other Business", plan_name="Secret plan")
        objective = Objective(plan_id=plan.id, title="Sell more custom cakes", position=0)
        session.add(objective)
        session.flush()
        metric = Metric(
            objective_id=objective.id,
            name="Cake orders",
            baseline=10,
            target=40,
            target_date=today + timedelta(days=60),
        )
        session.add(metric)
        session.flush()
        session.add_all(
            Reading(metric_id=metric.id, day=today - timedelta(days=ago), value=value)
            for ago, value in ((30, 18), (1, 26))
        )
        session.commit()
        link, token = sharing.create_share_link(
            session=session,
            actor=Actor.local(),
            plan_id=plan.id,
            label="for the bank",
            expires_at=None,
        )
        if expires_in is not None:
            # Backdate the expiry past now, as if the link had simply run out.
            link.expires_at = sharing.utcnow() + expires_in
            session.add(link)
            session.commit()
        return link.id, token


def open_shared(token: str, view: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params["share"] = token
    if view:
        at.query_params["view"] = view
    at.run()
    return at


def links(at: AppTest) -> list[dict]:
    return [
        {"label": link.proto.label, "query": parse_qs(link.proto.query_string)}
        for link in at.get("page_link")
    ]


def assert_refused(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert at.title[0].value == "This link is no longer valid"
    assert sharing.INVALID_LINK in texts(at)
    assert "Rosa" not in texts(at) and "2027" not in texts(at)
    assert not at.get("page_link")


def test_a_valid_link_shows_the_plan_read_only_with_the_token_on_every_link(app_engine):
    _, token = arrange(app_engine)

    at = open_shared(token)

    assert not at.exception, at.exception
    assert at.title[0].value == "2027 H1"
    assert "read-only" in texts(at)
    for kind in EDIT_WIDGETS:
        assert not at.get(kind), kind
    assert [link["label"] for link in links(at)] == ["Summary", "Dashboard", "Review"]
    for link in links(at):
        assert link["query"]["share"] == [token]
    # No other workspace's data, and the token is never shown as text.
    assert "Other Business" not in texts(at) and "Secret plan" not in texts(at)
    assert token not in texts(at)
    assert not at.sidebar.selectbox


def test_the_dashboard_view_charts_the_plans_metrics(app_engine):
    _, token = arrange(app_engine)

    at = open_shared(token, "dashboard")

    assert not at.exception, at.exception
    assert "Sell more custom cakes" in texts(at)
    assert len(at.get("vega_lite_chart")) == 1
    for kind in EDIT_WIDGETS:
        assert not at.get(kind), kind


def test_the_review_view_says_when_no_review_was_held(app_engine):
    _, token = arrange(app_engine)

    at = open_shared(token, "review")

    assert not at.exception, at.exception
    assert "No review has been held on this plan yet." in texts(at)


def test_a_revoked_link_shows_the_refusal_page(app_engine):
    link_id, token = arrange(app_engine)
    with Session(app_engine) as session:
        sharing.revoke_share_link(session=session, actor=Actor.local(), share_link_id=link_id)

    assert_refused(open_shared(token))


def test_an_expired_link_shows_the_same_refusal_page(app_engine):
    _, token = arrange(app_engine, expires_in=timedelta(seconds=-1))

    assert_refused(open_shared(token))


def test_a_wrong_token_shows_the_same_refusal_page(app_engine):
    arrange(app_engine)

    assert_refused(open_shared("not-a-real-token"))


def test_only_the_hash_is_stored(app_engine):
    link_id, token = arrange(app_engine)
    with Session(app_engine) as session:
        assert session.get(ShareLink, link_id).token_hash == sharing.hash_token(token)


def test_the_view_is_written_back_to_the_address_so_a_reload_keeps_it(app_engine):
    _, token = arrange(app_engine)

    at = open_shared(token, "dashboard")

    assert not at.exception, at.exception
    assert at.query_params["view"] == "dashboard"
    assert at.query_params["share"] == token


def test_an_unknown_view_falls_back_to_the_summary(app_engine):
    _, token = arrange(app_engine)

    at = open_shared(token, "settings")

    assert not at.exception, at.exception
    assert at.query_params["view"] == "home"
    assert "1. Objectives" in texts(at)
