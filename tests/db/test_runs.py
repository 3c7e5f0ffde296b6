"""Versioned runs: the latest run drives status, the latest succeeded run drives results; deletion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from db import queries as q
from db.models import (
    Analysis,
    AnalysisRun,
    Artifact,
    EmbedConfirmationToken,
    Frame,
    MetricValue,
    TurnSegment,
    TurnTransition,
    Upload,
)
from tests.db.helpers import frame_row, new_analysis, new_run


def test_latest_run_is_any_state_latest_succeeded_drives_results(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        analysis = new_analysis(s)
        first = new_run(s, analysis, "succeeded")
        new_run(s, analysis, "failed")
        third = new_run(s, analysis, "running")
        analysis_id = analysis.id
    with factory() as s:
        assert [r.run_number for r in q.list_runs(session=s, analysis_id=analysis_id)] == [1, 2, 3]
        latest = q.latest_run(session=s, analysis_id=analysis_id)
        assert latest is not None and latest.id == third.id and latest.status == "running"
        done = q.latest_succeeded_run(session=s, analysis_id=analysis_id)
        assert done is not None and done.id == first.id
        assert s.get(Analysis, analysis_id).status == "running"  # type: ignore[union-attr]


def test_analysis_status_mirrors_only_the_latest_run(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        analysis = new_analysis(s)
        assert analysis.status == "uploading"
        old = new_run(s, analysis, "running")
        new = new_run(s, analysis)
        assert s.get(Analysis, analysis.id).status == "queued"  # type: ignore[union-attr]
        q.set_run_status(session=s, run_id=old.id, status="failed", error="boom")
        assert s.get(Analysis, analysis.id).status == "queued"  # type: ignore[union-attr]
        q.set_run_status(session=s, run_id=new.id, status="succeeded", num_frames=10, fps=60.0)
        assert s.get(Analysis, analysis.id).status == "succeeded"  # type: ignore[union-attr]
        assert new.finished_at is not None and new.finished_at.tzinfo == UTC


def test_no_runs_reads_none(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        analysis = new_analysis(s)
        assert q.latest_run(session=s, analysis_id=analysis.id) is None
        assert q.latest_succeeded_run(session=s, analysis_id=analysis.id) is None


def test_progress_is_persisted(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        analysis_id = new_analysis(s).id
        q.set_progress(session=s, analysis_id=analysis_id, stage="pose", percent=42, message="frame 50/120")
    with factory() as s:
        assert s.get(Analysis, analysis_id).progress == {  # type: ignore[union-attr]
            "stage": "pose",
            "percent": 42.0,
            "message": "frame 50/120",
        }


def _count(s: Session, model: type) -> int:
    return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_delete_analysis_cascades_every_run_and_returns_storage_keys(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    with factory.begin() as s:
        keep = new_analysis(s)
        keep_run = new_run(s, keep)
        q.save_artifact(session=s, run_id=keep_run.id, kind="run_json", storage_key="keep/run.json")
        analysis = new_analysis(s, s3_input_key="in/clip.mp4")
        s.add(Upload(analysis_id=analysis.id, storage_key="uploads/clip.mp4", status="verified"))
        s.add(
            EmbedConfirmationToken(
                analysis_id=analysis.id, token_hash="h", expires_at=datetime.now(UTC) + timedelta(hours=1)
            )
        )
        q.upsert_metric_definitions(
            session=s,
            catalog=[{"key": "k", "name": "K", "unit": "deg", "scope": "run", "description": "", "version": 1}],
        )
        for n in range(2):
            run = new_run(s, analysis, "succeeded")
            q.upsert_frames(session=s, run_id=run.id, rows=[frame_row(i) for i in range(5)])
            q.save_turn_structure(
                session=s,
                run_id=run.id,
                transitions=[dict(transition_index=0, window_start_frame=1, center_frame=2, window_end_frame=3)],
                segments=[dict(segment_index=0, start_frame=0, end_frame=4, direction="left")],
            )
            q.save_run_metrics(session=s, run_id=run.id, values=[{"key": "k", "value": 1.0}])
            q.save_artifact(session=s, run_id=run.id, kind="overlay_video", storage_key=f"runs/{n}/overlay.mp4")
            q.save_artifact(session=s, run_id=run.id, kind="frames_csv", storage_key=f"runs/{n}/frames.csv")
        analysis_id = analysis.id
    with factory.begin() as s:
        keys = q.delete_analysis(session=s, analysis_id=analysis_id)
    assert keys == [
        "in/clip.mp4",
        "uploads/clip.mp4",
        "runs/0/frames.csv",
        "runs/0/overlay.mp4",
        "runs/1/frames.csv",
        "runs/1/overlay.mp4",
    ]
    with factory() as s:
        assert s.get(Analysis, analysis_id) is None
        assert _count(s, AnalysisRun) == 1  # the other analysis's run stays
        assert _count(s, Artifact) == 1
        for model in (Frame, TurnSegment, TurnTransition, MetricValue, Upload, EmbedConfirmationToken):
            assert _count(s, model) == 0, model
    with factory.begin() as s:
        assert q.delete_analysis(session=s, analysis_id=analysis_id) is None
