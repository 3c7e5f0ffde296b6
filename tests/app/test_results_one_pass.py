"""The results page reads one run in one pass: one ownership check, one run lookup, each table once."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
from sqlalchemy import event

from app import results_view_data, studio
from services import analyses, results
from services.composition import Services
from tests.app.stored_results import add_run, get_user, store_analysis, user_id


class _Statements:
    """Every SQL statement the engine runs while the block is open."""

    def __init__(self, svc: Services) -> None:
        self.engine = svc.factory.kw["bind"]
        self.seen: list[str] = []

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.seen.append(" ".join(statement.split()).lower())

    def __enter__(self) -> _Statements:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    def reading(self, table: str) -> list[str]:
        return [s for s in self.seen if s.startswith("select") and f" from {table} " in f"{s} "]


def test_the_page_reads_the_analysis_once_and_the_run_once(svc: Services):
    stored = store_analysis(svc, "anna@example.com", "slalom.mp4", (70.0, 80.0, 90.0))
    anna = get_user(svc, stored.user_id)
    with _Statements(svc) as sql:
        got = studio.load_results(svc, anna, stored.analysis_id, stored.run_id)
    assert got.run_id == stored.run_id
    assert len(sql.reading("analyses")) == 1  # the ownership check
    assert len(sql.reading("analysis_runs")) == 1  # the run lookup
    assert len(sql.reading("frames")) == 1
    assert len(sql.reading("artifacts")) == 1  # every download kind in one read
    for table in ("turn_segments", "turn_transitions", "metric_values"):
        assert len(sql.reading(table)) == 1, table
    assert len([s for s in sql.seen if s.startswith("select")]) == 7, sql.seen


def test_a_run_id_reads_that_run_even_after_a_newer_one_succeeded(svc: Services):
    stored = store_analysis(svc, "anna@example.com", "slalom.mp4", (70.0, 80.0))
    newer = add_run(svc, stored.analysis_id, (10.0, 20.0, 30.0))
    anna = get_user(svc, stored.user_id)
    first = studio.load_results(svc, anna, stored.analysis_id, stored.run_id)
    latest = studio.load_results(svc, anna, stored.analysis_id)
    assert (first.run_id, len(first.turns["segments"])) == (stored.run_id, 2)
    assert (latest.run_id, len(latest.turns["segments"])) == (newer, 3)
    assert [t["edge_similarity"] for t in first.similarity["turns"]] == [70.0, 80.0]
    review = results_view_data.load_review(svc, anna, stored.analysis_id, stored.run_id)
    assert review.run_id == stored.run_id and len(review.frame_index) == len(first.frame_index)


def test_someone_elses_run_or_another_analysiss_run_is_not_read(svc: Services):
    mine = store_analysis(svc, "anna@example.com", "mine.mp4")
    theirs = store_analysis(svc, "ben@example.com", "theirs.mp4")
    anna = get_user(svc, mine.user_id)
    with pytest.raises(analyses.NotFoundError):
        studio.load_results(svc, anna, theirs.analysis_id)
    with pytest.raises(analyses.NoResultsError):  # ben's run, asked for under anna's analysis
        studio.load_results(svc, anna, mine.analysis_id, theirs.run_id)
    failed = add_run(svc, mine.analysis_id, (), status="failed")
    with pytest.raises(analyses.NoResultsError):
        studio.load_results(svc, anna, mine.analysis_id, failed)
    with pytest.raises(analyses.NoResultsError):
        studio.load_results(svc, anna, mine.analysis_id, uuid.uuid4())


def test_series_are_the_frames_columns_asked_for_with_nan_where_unknown(svc: Services):
    stored = store_analysis(svc, "anna@example.com", "slalom.mp4", (70.0, None))
    anna = get_user(svc, stored.user_id)
    with svc.factory() as session:
        series = results.load_series(
            session=session,
            user=anna,
            analysis_id=stored.analysis_id,
            columns=["edge_angle_left_deg", "edge_angle_right_deg"],
        )
    frames = np.arange(41)
    np.testing.assert_array_equal(series.frame_index, frames)
    np.testing.assert_allclose(series.columns["edge_angle_left_deg"], 20.0 + frames % 7)
    assert np.isnan(series.columns["edge_angle_right_deg"]).all()
    assert series.videos == {}  # no artifacts stored


def test_an_admin_reads_anyones_results_and_the_overview_is_admins_only(svc: Services):
    stored = store_analysis(svc, "anna@example.com", "slalom.mp4")
    boss = get_user(svc, user_id(svc, "boss@example.com", is_admin=True))
    assert studio.load_results(svc, boss, stored.analysis_id).run_id == stored.run_id
    from app import admin

    with pytest.raises(admin.AdminOnlyError):
        admin.all_analyses(svc, get_user(svc, stored.user_id))
    rows = admin.all_analyses(svc, boss)
    assert [(r.owner_email, r.latest_run_number, r.latest_run_status) for r in rows] == [
        ("anna@example.com", 1, "succeeded")
    ]
