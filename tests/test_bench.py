"""The benchmark: the small instance's shape, the floors agreeing with the app, the docs
table, and `socialplan bench` end to end. No timing is asserted: timings are the
benchmark's output (docs/benchmarks.md), not something a unit test can judge."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from socialplan import leaderboards
from socialplan.access import Actor
from socialplan.bench import data, docs, floors
from socialplan.bench.build import SCALES, _snapshot_frame, build_instance
from socialplan.bench.results import Figure, Instance
from socialplan.bench.run import throwaway_database
from socialplan.cli import main
from socialplan.db import make_engine, upgrade_database
from tests.conftest import postgres_admin_url

SMALL = SCALES["small"]
ONCE = data.Repeats(0, 1)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def built(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[tuple[Engine, Instance]]:
    """One small instance per database for the whole module (building it is the cost)."""
    if request.param == "sqlite":
        server = None
    else:
        server = postgres_admin_url()
        if not server:
            pytest.skip("PostgreSQL tests need SOCIALPLAN_TEST_POSTGRES_URL (see README)")
    with throwaway_database(server) as url:
        engine = make_engine(url)
        upgrade_database(engine)
        try:
            yield engine, build_instance(engine, "small", seed=7)
        finally:
            engine.dispose()


def count(engine: Engine, sql: str) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql(sql).scalar_one())


def context(built: tuple[Engine, Instance]) -> data.Context:
    engine, instance = built
    return data.context_for(engine, instance, engine.dialect.name, repeats=ONCE)


# ---------------------------------------------------------------- the instance


def test_small_instance_has_the_shape_of_the_full_one(built):
    engine, instance = built
    counts = instance.counts
    assert (counts["workspace"], counts["account"]) == (SMALL.workspaces, SMALL.accounts)
    assert counts["peer_group_entry"] == SMALL.group_accounts
    assert (counts["metric"], counts["review"]) == (SMALL.plan_metrics, SMALL.reviews)
    assert counts["review_item"] == SMALL.plan_metrics * SMALL.reviews
    # Most accounts have every day; a few start later. Each one's days are gapless.
    assert 0.9 * SMALL.accounts * SMALL.days < counts["snapshot"] <= SMALL.accounts * SMALL.days
    spans = pd.read_sql(
        "SELECT account_id, count(*) AS n, min(day) AS first, max(day) AS last "
        "FROM snapshot GROUP BY account_id",
        engine,
    )
    lengths = (pd.to_datetime(spans["last"]) - pd.to_datetime(spans["first"])).dt.days + 1
    assert (lengths == spans["n"]).all() and spans["n"].max() == SMALL.days
    # Every snapshot has numbers, so every one has its score; the scores are a real spread.
    assert counts["influence_score"] == counts["snapshot"]
    assert counts["business_score"] > 0
    assert count(engine, "SELECT max(score) - min(score) FROM influence_score") > 40
    # Accounts span orders of magnitude; networks without a count leave it NULL, not 0.
    assert count(engine, "SELECT max(followers) / min(followers) FROM snapshot") > 1000
    assert count(engine, "SELECT count(*) FROM snapshot WHERE quotes IS NULL") > 0
    # Eight hand-entered metrics with a reading every day.
    assert counts["reading"] == 8 * SMALL.days
    assert instance.snapshots == counts["snapshot"]


def test_the_same_seed_generates_the_same_numbers():
    def generated(seed: int) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        return _snapshot_frame(np.arange(1, 41), np.arange(40) % 6, date(2027, 1, 1), 60, rng)

    assert generated(5).equals(generated(5))
    assert not generated(5).equals(generated(6))


# ---------------------------------------------------------------- floors agree


def test_leaderboard_and_percentile_equal_their_floors(built):
    figures = data.measure_leaderboard(context(built), progress=lambda _: None)
    assert [f.key for f in figures] == ["leaderboard_group", "percentile_instance"]
    assert all(f.floor is not None and f.floor > 0 for f in figures)


def test_dashboard_data_equals_its_floor(built):
    (figure,) = data.measure_dashboard(context(built), progress=lambda _: None)
    assert figure.key == "dashboard_data" and figure.ratio_budget == 2.0


def test_recomputes_equal_their_floors_and_leave_the_instance_as_built(built):
    engine, instance = built
    before = (
        count(engine, "SELECT count(*) FROM influence_score"),
        count(engine, "SELECT count(*) FROM snapshot"),
    )
    figures = data.measure_recompute(context(built), progress=lambda _: None)
    assert [f.key for f in figures] == ["recompute_all", "recompute_day"]
    after = (
        count(engine, "SELECT count(*) FROM influence_score"),
        count(engine, "SELECT count(*) FROM snapshot"),
    )
    assert after == before


def test_a_floor_that_disagrees_is_reported(built):
    engine, _ = built
    ctx = context(built)
    with engine.connect() as connection:
        board = floors.floor_board(connection, ctx.instance.peer_group_id)
    account_id, row = next(iter(board.items()))
    board[account_id] = replace(row, rank=(row.rank or 0) + 1)
    with Session(engine) as session:
        ours = leaderboards.group_board(
            session=session,
            actor=Actor.local(),
            viewer_workspace_id=ctx.workspace_id,
            group_id=ctx.instance.peer_group_id,
            today=ctx.today,
        )
    with pytest.raises(AssertionError, match=f"account {account_id}"):
        data._check_board(ours, board)


def test_score_floor_refuses_days_with_gaps():
    daily = pd.DataFrame(
        {
            "account_id": [1, 1],
            "day": pd.to_datetime(["2027-01-01", "2027-01-03"]),
            **{name: [1.0, 1.0] for name in ("followers", "posts", "likes", "reposts",
                                              "replies", "quotes")},
        }
    )  # fmt: skip
    with pytest.raises(AssertionError, match="gapless"):
        floors.floor_score_inputs(daily)


def test_import_stores_every_day_of_the_long_file(built):
    (figure,) = data.measure_import(context(built), progress=lambda _: None)
    assert figure.key == "import_long_csv" and figure.budget == 15.0
    assert "20,000-row" in figure.label


def test_long_csv_has_the_rows_asked_for():
    text = data.long_csv(1_003, pd.Timestamp("2027-03-31").date()).decode()
    lines = text.splitlines()
    assert lines[0] == "date,metric,value" and len(lines) == 1 + 1_003
    assert lines[-1].startswith("2027-03-31,")


# ---------------------------------------------------------------- the docs table


def write_result(folder: Path, database: str, scale: str, started: str, figures: list) -> None:
    document = {
        "scale": scale,
        "database": database,
        "started_at": started,
        "load_average": {"before": [1.0, 2.0, 3.0], "after": [1.5, 2.0, 3.0]},
        "machine": {"cpu_count": 2, "python": "3.11.7", "sqlite": "3.40.1", "postgresql": "15"},
        "instance": {"accounts": 10_000, "snapshots": 7_300_000},
        "figures": [figure.to_json() for figure in figures],
    }
    name = f"{scale}-{database}-{started.replace(':', '')}.json"
    (folder / name).write_text(json.dumps(document), encoding="utf-8")


def test_docs_table_shows_the_newest_run_per_database_and_scale(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    met = Figure("leaderboard_group", "Leaderboard", "sqlite", 40.0, "ms", 100.0, 25.0, 2.0, 7)
    missed = Figure("recompute_day", "One new day", "sqlite", 2.5, "s", 2.0, 0.01, None, 7)
    skipped = Figure.skipped_for("browser_dashboard", "Dashboard drawn", "sqlite", "no chromium")
    write_result(
        results, "sqlite", "full", "2027-01-01T00:00:00+00:00", [replace(met, value=900.0)]
    )
    write_result(results, "sqlite", "full", "2027-01-02T00:00:00+00:00", [met, missed, skipped])
    write_result(results, "postgresql", "small", "2027-01-01T00:00:00+00:00", [met])
    page = tmp_path / "benchmarks.md"
    page.write_text(f"# Benchmarks\n\nProse stays.\n\n{docs.START}\nold table\n{docs.END}\nEnd.\n")

    docs.update_docs(page, results)

    text = page.read_text()
    assert text.startswith("# Benchmarks\n\nProse stays.") and text.endswith(f"{docs.END}\nEnd.\n")
    assert "old table" not in text
    assert text.index("### SQLite 3.40.1, full scale") < text.index("### PostgreSQL 15, small")
    assert "| Leaderboard | 40.0 ms | 25.0 ms | 1.60× | ≤ 100 ms and ≤ 2× floor | yes |" in text
    assert "| One new day | 2.5 s | 0.01 s | 250× | ≤ 2 s | **no** |" in text
    assert "| Dashboard drawn | — | — | — | — | skipped | no chromium |" in text
    assert "900 ms" not in text  # the older full run of SQLite is not shown
    assert "load average (1, 5, 15 min) 1.0 / 2.0 / 3.0 before" in text


def test_figure_met_needs_both_the_budget_and_the_ratio():
    figure = Figure("k", "K", "sqlite", 90.0, "ms", budget=100.0, floor=30.0, ratio_budget=2.0)
    assert figure.ratio == 3.0 and figure.met is False
    assert replace(figure, floor=50.0).met is True
    assert Figure.from_json(figure.to_json()) == figure


# ---------------------------------------------------------------- the command


def test_socialplan_bench_small_runs_end_to_end(sqlite_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SOCIALPLAN_DATABASE_URL", sqlite_url)
    output = tmp_path / "results"

    status = main(["bench", "--scale", "small", "--output", str(output), "--no-docs", "--no-app"])

    out = capsys.readouterr().out
    assert status == 0, out
    (path,) = output.glob("small-sqlite-*.json")
    document = json.loads(path.read_text())
    keys = [figure["key"] for figure in document["figures"]]
    assert keys == [
        "build",
        "leaderboard_group",
        "percentile_instance",
        "dashboard_data",
        "recompute_all",
        "recompute_day",
        "import_long_csv",
    ]
    assert document["instance"]["accounts"] == SMALL.accounts
    assert document["machine"]["cpu_count"] >= 1 and "load_average" in document
    assert "Leaderboard of the 60-account peer group" in out
    assert "sqlite:///" not in json.dumps(document)  # the throwaway path is not recorded


def test_bench_refuses_a_database_it_cannot_run_on():
    with pytest.raises(ValueError, match="SQLite or PostgreSQL"):
        with throwaway_database("mysql://somewhere/db"):
            pass
