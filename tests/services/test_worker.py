"""The local worker end to end: a queued run → the real pipeline → rows, artifacts, status.

Real parts: the database (SQLite and PostgreSQL), local storage on disk, real video files.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db import queries
from db.models import Artifact, Frame, MetricValue
from poser_pipeline import PIPELINE_VERSION
from poser_pipeline.synthetic.video import write_moving_figure_clip
from services.database import load_metric_catalog
from services.reporter import DbRunReporter
from services.run_analysis import execute_run
from services.storage import LocalStorage
from services.worker import LocalWorker
from tests.shared_clips import SHARED_CLIPS, available, load_clip


@pytest.fixture
def storage(tmp_path):
    return LocalStorage(root=tmp_path / "storage", secret_key="test-secret", base_url="http://127.0.0.1:8000")


@pytest.fixture(autouse=True)
def catalog(factory):
    load_metric_catalog(factory)


def queue_analysis(factory, storage, clip: Path, box, **fields) -> tuple[uuid.UUID, uuid.UUID]:
    key = f"uploads/{uuid.uuid4()}/{clip.name}"
    storage.put_file(key, clip, content_type="video/mp4")
    with factory.begin() as session:
        user = queries.create_user(session=session, email=f"{uuid.uuid4().hex[:8]}@example.com")
        analysis = queries.create_analysis(
            session=session,
            owner_id=user.id,
            filename=clip.name,
            s3_input_key=key,
            bbox_x1=box[0],
            bbox_y1=box[1],
            bbox_x2=box[2],
            bbox_y2=box[3],
            status="queued",
            **fields,
        )
        run = queries.create_run(session=session, analysis_id=analysis.id)
        return analysis.id, run.id


@pytest.fixture(scope="module")
def figure_clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("clips") / "figure.mp4"
    truth = write_moving_figure_clip(path, fps=25.0, n_frames=30, seed=2)
    return path, truth


def count(factory, model, run_id) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(model.analysis_run_id == run_id))


def test_worker_runs_a_queued_analysis_to_success(factory, storage, figure_clip):
    clip, truth = figure_clip
    analysis_id, run_id = queue_analysis(factory, storage, clip, truth[0])
    finished = []
    worker = LocalWorker(factory, storage, lease_s=30, on_finished=lambda rid, ok: finished.append((rid, ok)))
    assert worker.run_once() == run_id
    assert worker.run_once() is None  # queue empty now
    assert finished == [(run_id, True)]
    with factory() as session:
        run = queries.get_run(session=session, run_id=run_id)
        analysis = queries.get_analysis(session=session, analysis_id=analysis_id)
        assert run.status == "succeeded" and run.num_frames == 30 and run.fps == pytest.approx(25.0)
        assert run.pipeline_version == PIPELINE_VERSION
        assert analysis.status == "succeeded"
        assert analysis.progress["percent"] == 100
        assert queries.latest_succeeded_run(session=session, analysis_id=analysis_id).id == run_id
    assert count(factory, Frame, run_id) == 30
    assert count(factory, Artifact, run_id) == 6
    assert count(factory, MetricValue, run_id) > 0
    with factory() as session:
        for kind in ("overlay_video", "frames_csv", "run_json"):
            artifact = queries.get_artifact(session=session, run_id=run_id, kind=kind)
            assert storage.exists(artifact.storage_key) and storage.size(artifact.storage_key) == artifact.size_bytes


def test_a_bad_upload_fails_with_a_reason_and_a_log(factory, storage, tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n" * 20)
    analysis_id, run_id = queue_analysis(factory, storage, text, (10, 10, 50, 90))
    LocalWorker(factory, storage).run_once()
    with factory() as session:
        run = queries.get_run(session=session, run_id=run_id)
        analysis = queries.get_analysis(session=session, analysis_id=analysis_id)
        assert run.status == "failed" and "not a video" in run.error
        assert analysis.status == "failed" and analysis.error_log
    assert count(factory, Frame, run_id) == 0 and count(factory, Artifact, run_id) == 0


def test_no_box_fails_before_any_work(factory, storage, figure_clip):
    clip, _ = figure_clip
    _, run_id = queue_analysis(factory, storage, clip, (None, None, None, None))
    LocalWorker(factory, storage).run_once()
    with factory() as session:
        assert "draw a box" in queries.get_run(session=session, run_id=run_id).error


def test_rerun_is_a_new_run_and_results_follow_the_latest_success(factory, storage, figure_clip):
    clip, truth = figure_clip
    analysis_id, first = queue_analysis(factory, storage, clip, truth[0])
    worker = LocalWorker(factory, storage)
    worker.run_once()
    with factory.begin() as session:
        second = queries.create_run(session=session, analysis_id=analysis_id).id
        assert queries.get_analysis(session=session, analysis_id=analysis_id).status == "queued"
        assert queries.latest_succeeded_run(session=session, analysis_id=analysis_id).id == first
    worker.run_once()
    with factory() as session:
        assert queries.latest_succeeded_run(session=session, analysis_id=analysis_id).id == second
        assert len(queries.list_runs(session=session, analysis_id=analysis_id)) == 2
    assert count(factory, Frame, first) == count(factory, Frame, second) == 30


@pytest.mark.slow
@pytest.mark.skipif(not available(), reason="../shared/clips is not here")
def test_real_clip_writes_turns_and_turn_metrics(factory, storage):
    clip = load_clip("v_Skiing_g24_c01.gif")
    analysis_id, run_id = queue_analysis(factory, storage, SHARED_CLIPS / "v_Skiing_g24_c01.gif", clip.prompt_box)
    result = execute_run(
        run_id=run_id,
        session_factory=factory,
        storage=storage,
        reporter=DbRunReporter(factory, run_id=run_id, analysis_id=analysis_id),
    )
    assert result is not None
    with factory() as session:
        segments = queries.list_turn_segments(session=session, run_id=run_id)
        assert [s.direction for s in segments] == [s.direction for s in result.turns.segments]
        frames = queries.list_frames(session=session, run_id=run_id)
        in_turn = [f for f in frames if f.turn_segment_id is not None]
        assert len(in_turn) > 0.9 * len(frames)
        assert any(f.edge_angle_left_deg is not None for f in frames)


def test_a_worker_that_lost_its_lease_does_not_overwrite_the_failed_run(factory, storage, figure_clip):
    """The sweep failed the run while its worker was slow: that worker's late 'succeeded' is dropped."""
    clip, truth = figure_clip
    _, run_id = queue_analysis(factory, storage, clip, truth[0])
    with factory.begin() as session:
        queries.claim_next_queued_run(session=session, worker_id="slow-worker", lease_seconds=0.01)
    import time

    time.sleep(0.05)
    with factory.begin() as session:
        assert [r.id for r in queries.fail_stale_runs(session=session)] == [run_id]
        analysis_id = queries.get_run(session=session, run_id=run_id).analysis_id
    DbRunReporter(factory, run_id=run_id, analysis_id=analysis_id, worker_id="slow-worker").status("succeeded")
    with factory() as session:
        run = queries.get_run(session=session, run_id=run_id)
        assert run.status == "failed" and "stopped responding" in run.error
