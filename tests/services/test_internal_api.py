"""Internal endpoints and the HTTP reporter: a remote worker leaves exactly the rows a local one does."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select

from db import queries
from db.models import Frame, MetricValue, TurnSegment, TurnTransition
from embed_api.main import create_app
from services.database import load_metric_catalog
from services.http_reporter import HttpRunReporter
from services.reporter import DbRunReporter
from services.run_analysis import report_rows

TOKEN = "internal-test-token"
WORKER = "w1"


def new_run(factory) -> uuid.UUID:
    """A run claimed by :data:`WORKER`: every internal write needs the lease."""
    with factory.begin() as session:
        analysis = queries.create_analysis(session=session, owner_id=None, filename="clip.mp4")
        run_id = queries.create_run(session=session, analysis_id=analysis.id).id
        queries.claim_run(session=session, run_id=run_id, worker_id=WORKER, lease_seconds=3600)
        return run_id


def snapshot(factory, run_id):
    """Every reported row of a run, without ids and timestamps."""
    with factory() as session:
        frames = [
            {
                c: getattr(f, c)
                for c in (
                    "frame_index",
                    "timestamp_ms",
                    "edge_angle_left_deg",
                    "turn_phase_01",
                    "in_transition_window",
                    "track_lost",
                )
            }
            for f in session.scalars(select(Frame).where(Frame.analysis_run_id == run_id).order_by(Frame.frame_index))
        ]
        segments = [
            (s.segment_index, s.start_frame, s.end_frame, s.apex_frame, s.direction, s.is_partial, s.measurable)
            for s in session.scalars(
                select(TurnSegment).where(TurnSegment.analysis_run_id == run_id).order_by(TurnSegment.segment_index)
            )
        ]
        transitions = [
            (t.transition_index, t.window_start_frame, t.center_frame, t.window_end_frame)
            for t in session.scalars(select(TurnTransition).where(TurnTransition.analysis_run_id == run_id))
        ]
        metrics = sorted(
            ((key, mv.value, mv.measurable) for mv, key in queries.list_metric_values(session=session, run_id=run_id)),
            key=lambda m: (m[0], m[1] is None, m[1] or 0.0),
        )
        count = len(session.scalars(select(MetricValue.id).where(MetricValue.analysis_run_id == run_id)).all())
        return frames, segments, sorted(transitions), metrics, count


def test_http_reporter_writes_the_same_rows_as_the_direct_one(factory, pipeline_result):
    load_metric_catalog(factory)
    direct_run, remote_run = new_run(factory), new_run(factory)
    with factory() as session:
        analysis_id = queries.get_run(session=session, run_id=direct_run).analysis_id
    report_rows(pipeline_result, DbRunReporter(factory, run_id=direct_run, analysis_id=analysis_id, worker_id=WORKER))
    client = TestClient(create_app(session_factory=factory, internal_token=TOKEN))
    report_rows(pipeline_result, HttpRunReporter(client, token=TOKEN, run_id=remote_run, worker_id=WORKER))
    direct, remote = snapshot(factory, direct_run), snapshot(factory, remote_run)
    assert len(direct[0]) == pipeline_result.tracking.num_frames and direct[1] and direct[3]
    assert direct == remote


def test_internal_endpoints_need_the_token_and_a_real_run(factory):
    client = TestClient(create_app(session_factory=factory, internal_token=TOKEN))
    run_id = new_run(factory)
    body = {"stage": "track", "percent": 10, "message": "working"}
    assert client.put(f"/api/internal/analysis-runs/{run_id}/progress", json=body).status_code == 401
    wrong = {"X-Internal-Token": "nope"}
    assert client.put(f"/api/internal/analysis-runs/{run_id}/progress", json=body, headers=wrong).status_code == 401
    ok = {"X-Internal-Token": TOKEN, "X-Worker-Id": WORKER}
    assert client.put(f"/api/internal/analysis-runs/{run_id}/progress", json=body, headers=ok).status_code == 200
    assert client.put(f"/api/internal/analysis-runs/{uuid.uuid4()}/progress", json=body, headers=ok).status_code == 404
    bad = {"stage": "track", "percent": 150}
    assert client.put(f"/api/internal/analysis-runs/{run_id}/progress", json=bad, headers=ok).status_code == 422
    for version in ("", "v" * 65):
        bad_status = {"status": "running", "pipeline_version": version}
        response = client.put(f"/api/internal/analysis-runs/{run_id}/status", json=bad_status, headers=ok)
        assert response.status_code == 422, version
    frames = {"frames": [{"frame_index": 0, "no_such_column": 1}]}
    response = client.post(f"/api/internal/analysis-runs/{run_id}/frames/batches", json=frames, headers=ok)
    assert response.status_code == 422


def test_frame_batches_are_idempotent_and_status_mirrors(factory):
    client = TestClient(create_app(session_factory=factory, internal_token=TOKEN))
    run_id = new_run(factory)
    ok = {"X-Internal-Token": TOKEN, "X-Worker-Id": WORKER}
    batch = {"frames": [{"frame_index": i, "timestamp_ms": i * 40.0, "track_lost": False} for i in range(50)]}
    for _ in range(2):  # a retrying worker sends twice
        assert client.post(f"/api/internal/analysis-runs/{run_id}/frames/batches", json=batch, headers=ok).json() == {
            "ok": True,
            "count": 50,
        }
    status = {"status": "failed", "error": "The clip could not be read.", "error_log": "Traceback ..."}
    assert client.put(f"/api/internal/analysis-runs/{run_id}/status", json=status, headers=ok).status_code == 200
    with factory() as session:
        assert len(queries.list_frames(session=session, run_id=run_id)) == 50
        run = queries.get_run(session=session, run_id=run_id)
        analysis = queries.get_analysis(session=session, analysis_id=run.analysis_id)
        assert run.status == "failed" and analysis.status == "failed" and analysis.error_log == "Traceback ..."
        analysis_id = analysis.id
    response = client.post(f"/api/internal/analyses/{analysis_id}/reprocessings", headers=ok)
    assert response.status_code == 201 and response.json()["run_number"] == 2
    with factory() as session:
        assert queries.get_analysis(session=session, analysis_id=analysis_id).status == "queued"
    # a second request while run 2 is queued would race it: refused, and no run 3
    again = client.post(f"/api/internal/analyses/{analysis_id}/reprocessings", headers=ok)
    assert again.status_code == 409 and "queued" in again.json()["detail"]
    with factory() as session:
        assert len(queries.list_runs(session=session, analysis_id=analysis_id)) == 2
    assert client.post(f"/api/internal/analyses/{uuid.uuid4()}/reprocessings", headers=ok).status_code == 404


def test_a_queue_that_refuses_the_run_leaves_it_queued_and_the_answer_is_the_run(factory, caplog):
    """The sidecar's dispatch policy is the studio's: the committed run is the answer, the broker's error a log."""

    def broker_down(run_id: uuid.UUID) -> None:
        raise ConnectionError("broker down")

    client = TestClient(create_app(session_factory=factory, internal_token=TOKEN, dispatch=broker_down))
    run_id = new_run(factory)
    ok = {"X-Internal-Token": TOKEN, "X-Worker-Id": WORKER}
    status = {"status": "failed", "error": "The clip could not be read."}
    assert client.put(f"/api/internal/analysis-runs/{run_id}/status", json=status, headers=ok).status_code == 200
    with factory() as session:
        analysis_id = queries.get_run(session=session, run_id=run_id).analysis_id
    with caplog.at_level("ERROR", logger="services.dispatch"):
        response = client.post(f"/api/internal/analyses/{analysis_id}/reprocessings", headers=ok)
    assert response.status_code == 201, response.text
    assert "stays queued" in caplog.text and "broker down" in caplog.text
    with factory() as session:
        rerun = queries.get_run(session=session, run_id=uuid.UUID(response.json()["run_id"]))
        assert rerun.status == "queued" and rerun.run_number == 2
