"""The remote-worker endpoints: claim, heartbeat, artifact uploads (one TestClient test per outcome)."""

from __future__ import annotations

import time
import uuid

import pytest
from fastapi.testclient import TestClient

from db import queries
from embed_api.main import create_app
from services.storage import LocalStorage

TOKEN = "internal-test-token"
OK = {"X-Internal-Token": TOKEN}
HOLDER = {**OK, "X-Worker-Id": "gpu-1"}  # the worker these tests claim runs as


@pytest.fixture
def storage(tmp_path):
    return LocalStorage(root=tmp_path / "storage", secret_key="test-secret", base_url="http://127.0.0.1:8000")


@pytest.fixture
def client(factory, storage):
    return TestClient(create_app(session_factory=factory, internal_token=TOKEN, storage=storage))


def queued_run(factory, storage, *, box=(10.0, 20.0, 110.0, 220.0)) -> tuple[uuid.UUID, uuid.UUID]:
    key = f"uploads/{uuid.uuid4()}/clip.mp4"
    storage.put_bytes(key, b"not really a video", content_type="video/mp4")
    with factory.begin() as session:
        analysis = queries.create_analysis(
            session=session,
            owner_id=None,
            filename="clip.mp4",
            s3_input_key=key,
            bbox_x1=box[0],
            bbox_y1=box[1],
            bbox_x2=box[2],
            bbox_y2=box[3],
            trim_start_seconds=1.0,
            trim_end_seconds=3.0,
            click_normalized_time=0.25,
        )
        return analysis.id, queries.create_run(session=session, analysis_id=analysis.id).id


def claim(client, run_id, worker_id, *, headers=OK, lease_s=30):
    body = {"worker_id": worker_id, "lease_s": lease_s}
    return client.post(f"/api/internal/analysis-runs/{run_id}/claim", json=body, headers=headers)


def test_claim_needs_the_right_token(client, factory, storage):
    _, run_id = queued_run(factory, storage)
    assert claim(client, run_id, "w1", headers={}).status_code == 401
    assert claim(client, run_id, "w1", headers={"X-Internal-Token": "wrong"}).status_code == 401
    with factory() as session:
        assert queries.get_run(session=session, run_id=run_id).status == "queued"  # refused: nothing changed
    assert claim(client, run_id, "w1").status_code == 200
    assert claim(client, uuid.uuid4(), "w1").status_code == 404


def test_claim_returns_the_input_and_a_working_clip_url(client, factory, storage):
    analysis_id, run_id = queued_run(factory, storage)
    body = claim(client, run_id, "gpu-1").json()
    assert body["analysis_id"] == str(analysis_id) and body["worker_id"] == "gpu-1"
    assert body["input"]["box"] == [10.0, 20.0, 110.0, 220.0]
    assert (body["input"]["start_s"], body["input"]["end_s"], body["input"]["at_s"]) == (1.0, 3.0, 1.5)
    assert body["input_error"] is None
    download = client.get(body["clip_url"])  # the sidecar's signed local-storage URL
    assert download.status_code == 200 and download.content == b"not really a video"
    with factory() as session:
        run = queries.get_run(session=session, run_id=run_id)
        assert run.status == "running" and run.claimed_by == "gpu-1"
        assert queries.get_analysis(session=session, analysis_id=analysis_id).status == "running"


def test_a_retried_claim_is_idempotent_and_another_worker_gets_409(client, factory, storage):
    _, run_id = queued_run(factory, storage)
    first = claim(client, run_id, "gpu-1").json()
    again = claim(client, run_id, "gpu-1").json()  # the worker's retry after a lost reply
    assert again["input"] == first["input"] and again["lease_expires_at"] >= first["lease_expires_at"]
    other = claim(client, run_id, "gpu-2")
    assert other.status_code == 409 and "gpu-1" in other.json()["detail"]
    heartbeat = {"worker_id": "gpu-2", "lease_s": 30}
    assert client.post(f"/api/internal/analysis-runs/{run_id}/heartbeat", json=heartbeat, headers=OK).status_code == 409
    heartbeat["worker_id"] = "gpu-1"
    renewed = client.post(f"/api/internal/analysis-runs/{run_id}/heartbeat", json=heartbeat, headers=OK)
    assert renewed.status_code == 200 and renewed.json()["lease_expires_at"] >= again["lease_expires_at"]


def test_an_expired_lease_fails_the_run_and_a_finished_run_cannot_be_claimed(client, factory, storage):
    _, run_id = queued_run(factory, storage)
    assert claim(client, run_id, "gpu-1", lease_s=1).status_code == 200
    time.sleep(1.2)
    refused = claim(client, run_id, "gpu-2")
    assert refused.status_code == 409 and "failed" in refused.json()["detail"]
    with factory() as session:
        assert "stopped responding" in queries.get_run(session=session, run_id=run_id).error
    assert claim(client, run_id, "gpu-1").status_code == 409  # its old holder cannot take it back either


def test_an_analysis_without_a_box_is_claimed_with_its_input_error(client, factory, storage):
    _, run_id = queued_run(factory, storage, box=(None, None, None, None))
    body = claim(client, run_id, "gpu-1").json()
    assert body["input"] is None and body["clip_url"] is None and "draw a box" in body["input_error"]


def test_artifact_uploads_are_for_the_lease_holder_and_stable(client, factory, storage):
    analysis_id, run_id = queued_run(factory, storage)
    url = f"/api/internal/analysis-runs/{run_id}/artifact-uploads"
    kinds = {"worker_id": "gpu-1", "kinds": ["overlay_video", "frames_csv"]}
    assert client.post(url, json=kinds, headers=OK).status_code == 409  # not claimed yet
    claim(client, run_id, "gpu-1")
    assert client.post(url, json=kinds, headers={}).status_code == 401
    assert client.post(url, json={**kinds, "worker_id": "gpu-2"}, headers=OK).status_code == 409
    first = client.post(url, json=kinds, headers=OK).json()["uploads"]
    second = client.post(url, json=kinds, headers=OK).json()["uploads"]
    assert (
        [u["storage_key"] for u in first]
        == [u["storage_key"] for u in second]
        == [
            f"analyses/{analysis_id}/runs/{run_id}/overlay.mp4",
            f"analyses/{analysis_id}/runs/{run_id}/frames.csv",
        ]
    )
    csv = next(u for u in first if u["kind"] == "frames_csv")
    assert csv["content_type"] == "text/csv" and csv["headers"] == {"Content-Type": "text/csv"}
    put = client.put(csv["url"], content=b"frame_index\n0\n", headers=csv["headers"])
    assert put.status_code == 200 and storage.read(csv["storage_key"]) == b"frame_index\n0\n"
    artifact = {"kind": "frames_csv", "storage_key": csv["storage_key"], "size_bytes": 14, "content_type": "text/csv"}
    for _ in range(2):  # registering twice (a retry) keeps one artifact
        assert (
            client.post(f"/api/internal/analysis-runs/{run_id}/artifacts", json=artifact, headers=HOLDER).status_code
            == 200
        )
    with factory() as session:
        assert queries.get_artifact(session=session, run_id=run_id, kind="frames_csv").size_bytes == 14
    bad = client.post(url, json={"worker_id": "gpu-1", "kinds": ["passwords"]}, headers=OK)
    assert bad.status_code == 422


def test_a_worker_that_lost_the_run_cannot_end_it(client, factory, storage):
    _, run_id = queued_run(factory, storage)
    claim(client, run_id, "gpu-1", lease_s=1)
    time.sleep(1.2)
    claim(client, run_id, "gpu-2")  # sweeps: the run fails as stale
    late = {"status": "succeeded", "num_frames": 10, "fps": 25.0}
    headers = {**OK, "X-Worker-Id": "gpu-1"}
    refused = client.put(f"/api/internal/analysis-runs/{run_id}/status", json=late, headers=headers)
    assert refused.status_code == 409 and "failed" in refused.json()["detail"]  # it learns the run is gone
    with factory() as session:
        assert queries.get_run(session=session, run_id=run_id).status == "failed"


def test_an_artifact_key_outside_the_runs_folder_is_refused(client, factory, storage):
    analysis_id, run_id = queued_run(factory, storage)
    other_analysis, _ = queued_run(factory, storage)
    assert claim(client, run_id, "gpu-1").status_code == 200
    url = f"/api/internal/analysis-runs/{run_id}/artifacts"
    base = {"kind": "overlay_video", "size_bytes": 10, "content_type": "video/mp4"}
    for key in (
        f"uploads/{other_analysis}/clip.mp4",  # another analysis's clip: would be served, then deleted
        f"analyses/{analysis_id}/runs/{uuid.uuid4()}/overlay.mp4",  # another run's folder
        f"analyses/{analysis_id}/runs/{run_id}/../../../uploads/x.mp4",
    ):
        refused = client.post(url, json={**base, "storage_key": key}, headers=HOLDER)
        assert refused.status_code == 422 and "folder" in refused.json()["detail"][0]["msg"], key
    with factory() as session:
        assert queries.get_artifact(session=session, run_id=run_id, kind="overlay_video") is None


def test_a_worker_that_lost_the_run_cannot_revive_it_or_move_its_progress(client, factory, storage):
    analysis_id, run_id = queued_run(factory, storage)
    assert claim(client, run_id, "gpu-1", lease_s=1).status_code == 200
    time.sleep(1.2)
    assert claim(client, run_id, "gpu-2").status_code == 409  # the sweep failed the lapsed run
    stale = OK | {"X-Worker-Id": "gpu-1"}
    base = f"/api/internal/analysis-runs/{run_id}"
    assert client.put(f"{base}/status", json={"status": "running"}, headers=stale).status_code == 409
    assert client.put(f"{base}/progress", json={"stage": "pose", "percent": 99}, headers=stale).status_code == 409
    key = f"analyses/{analysis_id}/runs/{run_id}/run.json"
    artifact = {"kind": "run_json", "storage_key": key, "size_bytes": 2, "content_type": "application/json"}
    assert client.post(f"{base}/artifacts", json=artifact, headers=stale).status_code == 409
    with factory() as session:
        assert queries.get_run(session=session, run_id=run_id).status == "failed"  # refused, not revived
        assert (queries.get_analysis(session=session, analysis_id=analysis_id).progress or {}).get("percent") != 99
        assert queries.get_artifact(session=session, run_id=run_id, kind="run_json") is None


def test_a_worker_may_set_only_the_statuses_its_run_can_take(client, factory, storage):
    analysis_id, run_id = queued_run(factory, storage)
    assert claim(client, run_id, "gpu-1").status_code == 200
    base = f"/api/internal/analysis-runs/{run_id}"
    unnamed = client.put(f"{base}/progress", json={"stage": "pose", "percent": 5}, headers=OK)
    assert unnamed.status_code == 422  # every write names its worker
    back = client.put(f"{base}/status", json={"status": "queued"}, headers=HOLDER)
    assert back.status_code == 409 and "queue" in back.json()["detail"]
    empty = client.put(f"{base}/status", json={"status": "succeeded"}, headers=HOLDER)
    assert empty.status_code == 409 and "outputs" in empty.json()["detail"]
    with factory() as session:
        assert queries.get_run(session=session, run_id=run_id).status == "running"
    key = f"analyses/{analysis_id}/runs/{run_id}/run.json"
    record = {"kind": "run_json", "storage_key": key, "size_bytes": 2, "content_type": "application/json"}
    assert client.post(f"{base}/artifacts", json=record, headers=HOLDER).status_code == 200
    assert client.put(f"{base}/status", json={"status": "succeeded"}, headers=HOLDER).status_code == 200
    late = client.post(f"{base}/frames/batches", json={"frames": [{"frame_index": 0}]}, headers=HOLDER)
    assert late.status_code == 409  # a finished run's rows do not change
    with factory() as session:
        assert queries.get_run(session=session, run_id=run_id).status == "succeeded"
        assert queries.list_frames(session=session, run_id=run_id) == []
