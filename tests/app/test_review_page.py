"""The Review page under AppTest: schedule, a review with a correction, past reviews, download."""

from datetime import date, timedelta

import pytest
import streamlit.testing.v1.app_test as app_test_module
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from socialplan import metrics
from socialplan.access import Actor
from socialplan.models import (
    Cadence,
    Metric,
    Objective,
    Plan,
    Reading,
    Review,
    ReviewCadence,
    ReviewItem,
    Revision,
    Task,
)
from socialplan.reviews import literal_markdown
from tests.app.conftest import open_page, texts
from tests.factories import create_workspace_with_plan

PAGE = "app_pages/review.py"
# The plan started 89 of its 180 days ago, so today's goal and status never depend on the date.
TODAY = date.today()
PLAN_START = TODAY - timedelta(days=89)
TARGET_DATE = PLAN_START + timedelta(days=180)
REASON = "Wedding season is busier than we thought"


def arrange_plan(engine: Engine, *, with_metric: bool = True) -> tuple[int, int | None]:
    """A plan with one objective, a task, and (unless told) one metric at 60% of the way."""
    with Session(engine, expire_on_commit=False) as session:
        _, plan = create_workspace_with_plan(
            session, period_start=PLAN_START, period_end=TARGET_DATE
        )
        objective = Objective(plan_id=plan.id, title="More cake orders")
        session.add(objective)
        session.flush()
        session.add(
            Task(objective_id=objective.id, title="Post a cake daily", cadence=Cadence.DAILY)
        )
        metric_id = None
        if with_metric:
            metric = Metric(
                objective_id=objective.id,
                name="Cake orders",
                baseline=100,
                target=200,
                target_date=TARGET_DATE,
            )
            session.add(metric)
            session.flush()
            session.add(Reading(metric_id=metric.id, day=TODAY - timedelta(days=1), value=160))
            metric_id = metric.id
        session.commit()
        return plan.id, metric_id


def stored(engine: Engine, table: type) -> list:
    with Session(engine) as session:
        return list(session.exec(select(table)))


def add_target_change(at: AppTest, metric_id: int, target: float, reason: str) -> AppTest:
    at.selectbox(key="review_change_metric").set_value(metric_id)
    at.number_input(key="review_change_target").set_value(target)
    at.text_input(key="review_change_reason").input(reason)
    return at.button(key="review_change_add").click().run()


def test_setting_the_schedule_stores_it_and_counts_the_days_to_the_next_review(app_engine):
    plan_id, _ = arrange_plan(app_engine)
    at = open_page(PAGE)
    at.selectbox(key="review_cadence_1").set_value(ReviewCadence.WEEKLY)
    at.date_input(key="review_next_on_1").set_value(TODAY + timedelta(days=6))
    at.button(key="review_schedule_save").click().run()
    assert not at.exception, at.exception
    [plan] = stored(app_engine, Plan)
    assert (plan.review_cadence, plan.next_review_on) == ("weekly", TODAY + timedelta(days=6))
    assert "Your next review is in 6 days" in texts(at)
    # The form now shows the stored schedule under the plan's new version.
    assert at.selectbox(key="review_cadence_2").value == ReviewCadence.WEEKLY


def test_holding_a_review_with_a_comment_and_a_target_change_shows_it_in_past_reviews(
    app_engine,
):
    _, metric_id = arrange_plan(app_engine)
    at = open_page(PAGE)
    assert "🟢 On track" in texts(at)
    assert [m.value for m in at.metric] == ["160", "149", "60%"]
    at.slider(key=f"review_confidence_{metric_id}").set_value(8)
    at.text_area(key=f"review_comment_{metric_id}").input("Weekend posts | work")
    at = add_target_change(at, metric_id, 250, REASON)
    assert not at.exception, at.exception
    # The form is emptied once its correction is in the list.
    assert at.text_input(key="review_change_reason").value == ""
    assert "1. Change “Cake orders”: target 250" in [t.value for t in at.text][0]
    at.text_area(key="review_summary").input("A good quarter.")
    at.button(key="review_save").click().run()
    assert not at.exception, at.exception

    [review] = stored(app_engine, Review)
    [item] = stored(app_engine, ReviewItem)
    [metric] = stored(app_engine, Metric)
    assert (review.held_on, review.summary) == (TODAY, "A good quarter.")
    assert (item.confidence, item.comment, item.status) == (8, "Weekend posts | work", "on_track")
    assert metric.target == 250
    [revision] = [r for r in stored(app_engine, Revision) if r.review_id == review.id]
    assert (revision.field, revision.reason) == ("target", REASON)

    assert f"Review of {TODAY:%d %b %Y} saved. 1 change(s) applied" in texts(at)
    items, decisions = (table.value for table in at.table)
    # Escaped for Markdown, so that the table shows the text exactly as it was typed.
    assert items.loc[0, "Comment"] == literal_markdown("Weekend posts | work")
    assert items.loc[0, "Confidence"] == literal_markdown("8/10")
    assert decisions.loc[0, "What changed"] == literal_markdown(
        "Metric “Cake orders”: target 200 → 250"
    )
    assert decisions.loc[0, "Why"] == literal_markdown(REASON)
    # The form is cleared for the next review.
    assert at.text_area(key=f"review_comment_{metric_id}").value == ""
    assert "No corrections yet" in texts(at)


class RecordingStorage(MemoryMediaFileStorage):
    """Streamlit's in-memory media storage, kept where the test can read the files back."""

    created: list["RecordingStorage"] = []

    def __init__(self, media_endpoint: str) -> None:
        super().__init__(media_endpoint)
        RecordingStorage.created.append(self)


def test_the_download_button_holds_the_review_as_markdown(app_engine, monkeypatch):
    _, metric_id = arrange_plan(app_engine)
    RecordingStorage.created = []
    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", RecordingStorage)
    at = open_page(PAGE)
    at.text_area(key=f"review_comment_{metric_id}").input("line one\nline | two")
    at.button(key="review_save").click().run()
    [review] = stored(app_engine, Review)

    button = at.download_button(key=f"review_download_{review.id}")
    media = RecordingStorage.created[-1].get_file(button.proto.url.rsplit("/", 1)[-1])
    markdown = media.content.decode()
    assert (media.filename, media.mimetype) == (f"review-{TODAY.isoformat()}.md", "text/markdown")
    assert markdown.startswith(f"# Review of 2027 H1 — {TODAY.isoformat()}\n")
    row = "| Cake orders | 160 | 149 | 60% | 🟢 On track | 5/10 | line one<br>line \\| two |"
    assert row in markdown.splitlines()


def test_a_correction_without_a_reason_is_refused_and_not_added(app_engine):
    _, metric_id = arrange_plan(app_engine)
    at = open_page(PAGE)
    at = add_target_change(at, metric_id, 250, "   ")
    assert "Reason is required — say why the plan changes." in texts(at)
    assert at.session_state["review_pending_corrections"] == []


def test_a_target_that_breaks_a_metric_rule_is_refused_and_not_added(app_engine):
    _, metric_id = arrange_plan(app_engine)
    at = open_page(PAGE)
    # Below the baseline of a number that should go up: the metrics service refuses it.
    at = add_target_change(at, metric_id, 50, "Lower the bar")
    assert not at.exception, at.exception
    assert "New target must be above the baseline" in texts(at)
    assert at.session_state["review_pending_corrections"] == []
    # What was typed stays, so it can be fixed.
    assert at.number_input(key="review_change_target").value == 50


def test_a_review_whose_correction_was_overtaken_stores_nothing(app_engine):
    _, metric_id = arrange_plan(app_engine)
    at = open_page(PAGE)
    at = add_target_change(at, metric_id, 250, "Busy season")
    with Session(app_engine) as session:
        metric = session.get(Metric, metric_id)
        metric.target, metric.version = 220, 2  # someone else saved it meanwhile
        session.commit()
    at.text_area(key=f"review_comment_{metric_id}").input("Slow month")
    at.button(key="review_save").click().run()
    assert not at.exception, at.exception
    assert "changed by someone else since you opened it" in texts(at)
    assert stored(app_engine, Review) == [] and stored(app_engine, Revision) == []
    assert [m.target for m in stored(app_engine, Metric)] == [220]
    # The typed comment is kept for another try.
    assert at.text_area(key=f"review_comment_{metric_id}").value == "Slow month"


def test_a_plan_without_metrics_points_to_the_metrics_step(app_engine):
    arrange_plan(app_engine, with_metric=False)
    at = open_page(PAGE)
    assert not at.exception, at.exception
    assert "Your plan has no metrics yet" in texts(at)
    assert [link.proto.page for link in at.get("page_link")] == ["metrics"]
    with pytest.raises(KeyError):
        at.button(key="review_save")


def test_several_corrections_can_be_added_and_one_removed_before_saving(app_engine):
    _, metric_id = arrange_plan(app_engine)
    at = open_page(PAGE)
    at = add_target_change(at, metric_id, 250, "Busy season")
    # Only the open tab of the corrections is drawn.
    assert not [w for w in at.text_input if w.key == "review_add_title"]
    at.session_state["review_corrections_tab"] = "Add a task"
    at.run()
    at.text_input(key="review_add_title").input("Film a reel of the oven")
    at.selectbox(key="review_add_cadence").set_value(Cadence.WEEKLY)
    at.text_input(key="review_add_reason").input("Videos bring orders")
    at.button(key="review_add_add").click().run()
    at.session_state["review_corrections_tab"] = "Drop a task"
    at.run()
    at.text_input(key="review_drop_reason").input("Nobody has the time")
    at.button(key="review_drop_add").click().run()
    assert len(at.session_state["review_pending_corrections"]) == 3
    at.button(key="review_remove_1").click().run()
    at.button(key="review_save").click().run()
    assert not at.exception, at.exception

    tasks = {task.title: task.status for task in stored(app_engine, Task)}
    assert tasks == {"Post a cake daily": "dropped", "Film a reel of the oven": "todo"}
    assert [m.target for m in stored(app_engine, Metric)] == [200]
    reasons = {r.reason for r in stored(app_engine, Revision) if r.review_id is not None}
    assert reasons == {"Videos bring orders", "Nobody has the time"}


def test_a_schedule_saved_after_someone_else_changed_the_plan_is_refused(app_engine):
    plan_id, _ = arrange_plan(app_engine)
    at = open_page(PAGE)
    with Session(app_engine) as session:
        plan = session.get(Plan, plan_id)
        plan.name, plan.version = "Renamed elsewhere", 2
        session.commit()
    at.selectbox(key="review_cadence_1").set_value(ReviewCadence.MONTHLY)
    at.button(key="review_schedule_save").click().run()
    assert "changed by someone else since you opened it" in texts(at)
    [plan] = stored(app_engine, Plan)
    assert (plan.review_cadence, plan.version) == (None, 2)


def test_only_the_newest_past_review_is_open_and_an_older_one_is_drawn_once_opened(app_engine):
    _, metric_id = arrange_plan(app_engine)
    at = open_page(PAGE)
    at.date_input(key="review_held_on").set_value(TODAY - timedelta(days=7)).run()
    at.text_area(key="review_summary").input("The older review.")
    at.button(key="review_save").click().run()
    at.date_input(key="review_held_on").set_value(TODAY).run()
    at.text_area(key="review_summary").input("The newer review.")
    at.button(key="review_save").click().run()
    assert not at.exception, at.exception
    older, newer = sorted(stored(app_engine, Review), key=lambda review: review.held_on)

    # A closed review is not read nor drawn: only the newest one's content is on the page.
    assert [button.key for button in at.get("download_button")] == [f"review_download_{newer.id}"]
    summaries = [text.value for text in at.text]
    assert "The newer review." in summaries and "The older review." not in summaries

    at.session_state[f"review_past_{older.id}"] = True
    at.run()
    assert not at.exception, at.exception
    assert [button.key for button in at.get("download_button")] == [
        f"review_download_{newer.id}",
        f"review_download_{older.id}",
    ]
    assert "The older review." in [text.value for text in at.text]


def test_a_reading_saved_elsewhere_changes_the_status_on_the_next_run(any_app_engine):
    # The page keeps the review sheet between runs; any save to the workspace (here from
    # another session, as another browser or an import would) moves its data version on.
    _, metric_id = arrange_plan(any_app_engine)
    at = open_page(PAGE)
    assert "🟢 On track" in texts(at)
    at.run()
    with Session(any_app_engine) as session:
        metrics.save_readings(
            session=session,
            actor=Actor.local(),
            metric_id=metric_id,
            rows=[{"day": TODAY, "value": 110, "note": ""}],
        )
    at.run()
    assert not at.exception, at.exception
    assert "🔴 Off track" in texts(at) and "🟢 On track" not in texts(at)
    assert [m.value for m in at.metric][0] == "110"


def test_a_past_review_shows_a_metric_renamed_since(any_app_engine):
    _, metric_id = arrange_plan(any_app_engine)
    at = open_page(PAGE)
    at.button(key="review_save").click().run()
    assert not at.exception, at.exception
    items = at.table[0].value
    assert items.loc[0, "Metric"] == literal_markdown("Cake orders")
    with Session(any_app_engine) as session:
        metric = session.get(Metric, metric_id)
        metrics.update_metric(
            session=session,
            actor=Actor.local(),
            metric_id=metric_id,
            metric_update={"version": metric.version, "name": "Wedding cake orders"},
        )
    at.run()
    assert not at.exception, at.exception
    assert at.table[0].value.loc[0, "Metric"] == literal_markdown("Wedding cake orders")
