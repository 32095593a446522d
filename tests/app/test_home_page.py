"""Home: start a plan, explore the demo, and see where the plan stands."""

from datetime import date

from sqlmodel import Session, select

from socialplan.models import Plan, Workspace
from tests.app.conftest import open_page, texts


def fill_start_form(at, business="Rosa's Bakery", plan="2027 H1", start=None, end=None):
    at.text_input(key="home_business").input(business)
    at.text_input(key="home_plan_name").input(plan)
    at.date_input(key="home_period_start").set_value(start or date(2027, 1, 1))
    at.date_input(key="home_period_end").set_value(end or date(2027, 6, 30))
    return at.button(key="FormSubmitter:home_start-Start my plan").click().run()


def test_an_empty_database_offers_to_start_a_plan_or_explore_the_demo(app_engine):
    at = open_page()
    assert "Start my plan" in texts(at)
    assert at.button(key="home_demo").label == "Explore the demo"


def test_start_my_plan_creates_the_business_and_its_plan(app_engine):
    at = fill_start_form(open_page())
    assert not at.exception
    with Session(app_engine) as session:
        workspace = session.exec(select(Workspace)).one()
        plan = session.exec(select(Plan)).one()
    assert (workspace.name, plan.name, plan.period_end) == (
        "Rosa's Bakery",
        "2027 H1",
        date(2027, 6, 30),
    )
    assert "Your plan “2027 H1” is ready" in texts(at)
    assert [bar.proto.text for bar in at.get("progress")] == ["0 of 5 steps complete"]
    assert "Next: step 1, Objectives" in texts(at)


def test_an_end_before_the_start_is_refused_next_to_the_field_and_saves_nothing(app_engine):
    at = fill_start_form(open_page(), start=date(2027, 6, 1), end=date(2027, 1, 1))
    assert "Period end must be after the period start." in texts(at)
    assert "Nothing was saved" in texts(at)
    with Session(app_engine) as session:
        assert session.exec(select(Workspace)).all() == []


def test_empty_names_are_refused_and_save_nothing(app_engine):
    at = fill_start_form(open_page(), business=" ", plan="")
    page_text = texts(at)
    assert "Business name is required." in page_text
    assert "Plan name is required." in page_text
    with Session(app_engine) as session:
        assert session.exec(select(Workspace)).all() == []


def test_explore_the_demo_loads_a_complete_plan(app_engine):
    at = open_page()
    at.button(key="home_demo").click().run()
    assert not at.exception
    page_text = texts(at)
    assert "Crumb & Co. Bakery" in page_text
    assert "Your plan is complete" in page_text
    assert [bar.proto.text for bar in at.get("progress")] == ["5 of 5 steps complete"]
    with Session(app_engine) as session:
        assert "demo" in session.exec(select(Workspace.slug)).all()
