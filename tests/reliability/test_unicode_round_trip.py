"""Unicode text comes back exactly as typed: from the database, from an export file, on a page.

Right-to-left scripts and overrides, combining marks, zero-width characters, emoji with
skin tones and joiners, and characters outside the Basic Multilingual Plane are stored
on SQLite and PostgreSQL, exported to JSON, written to a file, restored into an emptied
database and shown on the Objectives page, and are the same code points at every step.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, select

from socialplan import backup, metrics, objectives, people, tasks
from socialplan.db import make_engine
from socialplan.models import TITLE_MAX, Metric, Objective, Person, Reading, Task, Workspace
from socialplan.text import literal_markdown, unstorable_text_problem
from socialplan.workspaces import delete_workspace, start_plan
from tests.app.conftest import open_page, texts
from tests.factories import PLAN_END, PLAN_START
from tests.reliability.conftest import NASTY_PIECES, examples

HOSTILE_TITLES = [
    "מאפייה של רוזה",  # Hebrew, right to left
    "مخبز روزا 🥐",  # Arabic with an emoji
    "Cafe\u0301 Rosa",  # combining acute accent (not the precomposed é)
    "Rosa\u200dBakery\u200b",  # zero-width joiner and space inside
    "\u202eyrekab asoR",  # right-to-left override at the start
    "👩🏽\u200d🍳 Baker of the year",  # skin tone and zero-width joiner
    "𝕽𝖔𝖘𝖆 𓀀 🫶",  # outside the Basic Multilingual Plane
    "Z\u0335\u0321\u035aalgo",  # stacked combining marks
    "ﷺ ﷽",  # the widest single characters
]
# What a user can store: text without NUL or half surrogates, trimmed, within the limit.
STORABLE_TITLES = st.one_of(
    st.sampled_from(HOSTILE_TITLES),
    st.lists(
        st.one_of(st.sampled_from(NASTY_PIECES), st.text(min_size=1, max_size=6)), max_size=12
    ).map("".join),
).filter(
    lambda text: (
        text.strip() == text
        and 0 < len(text) <= TITLE_MAX
        and unstorable_text_problem(text) is None
    )
)


def build_business(session: Session, actor, text: str) -> Workspace:
    """A workspace whose every kind of user text is `text` (or holds it)."""
    workspace, plan = start_plan(
        session=session,
        actor=actor,
        business_name=text,
        plan_name=text,
        period_start=PLAN_START,
        period_end=PLAN_END,
    )
    objective = objectives.create_objective(
        session=session,
        actor=actor,
        plan_id=plan.id,
        objective_create={"title": text, "why": f"{text}\n{text}"},
    )
    metric = metrics.create_metric(
        session=session,
        actor=actor,
        objective_id=objective.id,
        metric_create={
            "name": text,
            "unit": text[:40],
            "baseline": 1,
            "target": 2,
            "target_date": PLAN_END,
        },
    )
    metrics.save_readings(
        session=session,
        actor=actor,
        metric_id=metric.id,
        rows=[{"day": date(2027, 2, 1), "value": 1.5, "note": text}],
    )
    tasks.create_task(
        session=session, actor=actor, objective_id=objective.id, task_create={"title": text}
    )
    people.create_person(
        session=session, actor=actor, workspace_id=workspace.id, person_create={"name": text}
    )
    return workspace


def texts_stored(session: Session, workspace_id: int) -> dict[str, str]:
    """Each kind of user text of the workspace, read back from the database."""
    session.expire_all()
    objective = session.exec(select(Objective)).all()
    return {
        "business": session.get(Workspace, workspace_id).name,
        "objective": objective[-1].title,
        "why": objective[-1].why,
        "metric": session.exec(select(Metric)).all()[-1].name,
        "unit": session.exec(select(Metric)).all()[-1].unit,
        "note": session.exec(select(Reading)).all()[-1].note,
        "task": session.exec(select(Task)).all()[-1].title,
        "person": session.exec(select(Person)).all()[-1].name,
    }


def expected_texts(text: str) -> dict[str, str]:
    return {
        "business": text,
        "objective": text,
        "why": f"{text}\n{text}",
        "metric": text,
        "unit": text[:40].strip(),
        "note": text,
        "task": text,
        "person": text,
    }


@examples(ci=4, full=100)
@given(STORABLE_TITLES)
def test_any_storable_text_comes_back_from_the_database_and_an_export_file_unchanged(
    session, actor, tmp_path_factory, text
):
    workspace = build_business(session, actor, text)
    assert texts_stored(session, workspace.id) == expected_texts(text)
    exported = backup.export_workspace(session=session, actor=actor, slug=workspace.slug)
    path = tmp_path_factory.mktemp("export") / "business.json"
    backup.write_export(exported, path)
    delete_workspace(session=session, actor=actor, workspace_id=workspace.id, confirm_name=text)
    restored = backup.restore_workspace(session=session, actor=actor, data=backup.read_export(path))
    assert texts_stored(session, restored.id) == expected_texts(text)
    again = backup.export_workspace(session=session, actor=actor, slug=restored.slug)
    assert json.dumps(again, ensure_ascii=False) == json.dumps(exported, ensure_ascii=False)
    delete_workspace(session=session, actor=actor, workspace_id=restored.id, confirm_name=text)


def test_the_export_file_holds_the_characters_themselves_not_escapes(session, actor, tmp_path):
    workspace = build_business(session, actor, HOSTILE_TITLES[5])
    path = tmp_path / "business.json"
    backup.write_export(
        backup.export_workspace(session=session, actor=actor, slug=workspace.slug), path
    )
    assert HOSTILE_TITLES[5] in path.read_text(encoding="utf-8")


# ---------------------------------------------------------------- on the page


@pytest.fixture
def app_engine(sqlite_url, monkeypatch):
    """The database the pages under test use (as tests/app/conftest.py sets it up)."""
    monkeypatch.setenv("SOCIALPLAN_DATABASE_URL", sqlite_url)
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture
def page_business(app_engine):
    from socialplan.access import Actor

    with Session(app_engine, expire_on_commit=False) as session:
        _, plan = start_plan(
            session=session,
            actor=Actor.local(),
            business_name="Rosa's Bakery",
            plan_name="2027 H1",
            period_start=PLAN_START,
            period_end=PLAN_END,
        )
    return plan


@pytest.mark.parametrize("title", [HOSTILE_TITLES[0], HOSTILE_TITLES[2], HOSTILE_TITLES[5]])
def test_an_objective_typed_on_the_page_is_stored_and_shown_exactly(
    app_engine, page_business, title
):
    at = open_page("app_pages/objectives.py")
    at.text_input(key="objectives_title").input(title)
    at.button(key="objectives_add_submit").click()
    at.run()
    assert not at.exception, at.exception
    with Session(app_engine) as session:
        assert [o.title for o in session.exec(select(Objective))] == [title]
    shown = texts(at)
    assert f"**1. {title}**" in shown  # the objective's card
    assert f"Objective “{title}” added" in shown  # the confirmation


def test_every_hostile_title_shows_on_the_objectives_page_as_stored(app_engine, page_business):
    from socialplan.access import Actor

    with Session(app_engine) as session:
        for title in HOSTILE_TITLES:
            objectives.create_objective(
                session=session,
                actor=Actor.local(),
                plan_id=page_business.id,
                objective_create={"title": title, "why": title},
            )
    at = open_page("app_pages/objectives.py")
    assert not at.exception, at.exception
    shown = texts(at)
    for number, title in enumerate(HOSTILE_TITLES, start=1):
        assert f"**{number}. {title}**" in shown
    assert all(title in [element.value for element in at.markdown] for title in HOSTILE_TITLES)


def test_markdown_in_a_title_is_shown_as_typed_not_rendered(app_engine, page_business):
    from socialplan.access import Actor

    title = "**Sale** <b>today</b> [50% off](https://evil.example) | # now"
    with Session(app_engine) as session:
        objectives.create_objective(
            session=session,
            actor=Actor.local(),
            plan_id=page_business.id,
            objective_create={"title": title},
        )
    at = open_page("app_pages/objectives.py")
    cards = [element.value for element in at.markdown if element.value.startswith("**1. ")]
    assert cards == [f"**1. {literal_markdown(title)}**"]
