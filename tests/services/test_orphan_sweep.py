"""Stored objects no row points to are swept; everything a row or a live run needs stays.

Real parts: the database (SQLite and PostgreSQL), local storage on disk and moto's S3 server over
HTTP, with the browser's PUT sent to the real presigned URL.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import requests

from db import queries
from db.models import utcnow
from services import uploads
from services.orphan_sweep import DEFAULT_GRACE, find_orphans, sweep_orphans
from services.run_input import artifact_key
from services.storage import LocalStorage, Storage

LIMIT_BYTES = 2 * 2**20
LATER = utcnow() + DEFAULT_GRACE + timedelta(minutes=5)  # "an hour on": every object is past the grace period


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> bytes:
    from poser_pipeline.synthetic.video import write_moving_figure_clip

    path = tmp_path_factory.mktemp("orphans") / "run.mp4"
    write_moving_figure_clip(path, fps=25.0, n_frames=20, seed=5)
    return path.read_bytes()


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "storage", "test-secret", "http://testserver")
    return request.getfixturevalue("s3_storage")


def _start_upload(factory, storage: Storage, clip: bytes, email: str) -> uploads.NewUpload:
    with factory.begin() as session:
        user = queries.get_user_by_email(session=session, email=email) or queries.create_user(
            session=session, email=email
        )
        return uploads.create_upload(
            session=session,
            storage=storage,
            user=user,
            filename="Zürich-run.mp4",
            size_bytes=len(clip),
            content_type="video/mp4",
            max_bytes=LIMIT_BYTES,
        )


def _confirmed(factory, storage: Storage, clip: bytes, email: str = "skier@example.com") -> tuple:
    new = _start_upload(factory, storage, clip, email)
    storage.put_bytes(new.storage_key, clip, content_type="video/mp4")
    info = uploads.confirm_upload(
        session_factory=factory, storage=storage, user=None, analysis_id=new.analysis_id, max_bytes=LIMIT_BYTES
    )
    return new, info["storage_key"]


def _all_keys(storage: Storage) -> set[str]:
    return {obj.key for prefix in ("uploads/", "analyses/") for obj in storage.list_objects(prefix)}


def test_a_confirmed_clip_leaves_the_reach_of_its_upload_link(factory, s3_storage, clip):
    """An S3 presigned PUT cannot be revoked: after confirm it can only write an orphan, never the checked clip."""
    new, checked_key = _confirmed(factory, s3_storage, clip)
    assert checked_key == f"analyses/{new.analysis_id}/input/Zurich-run.mp4"
    assert not s3_storage.exists(new.storage_key)
    late = requests.put(new.upload.url, data=b"not the checked clip", headers=new.upload.headers, timeout=10)
    assert late.status_code == 200  # S3 takes it: the URL is still within its lifetime
    assert s3_storage.read(checked_key) == clip
    assert find_orphans(session_factory=factory, storage=s3_storage) == []  # too fresh to judge
    assert sweep_orphans(session_factory=factory, storage=s3_storage, now=LATER) == [new.storage_key]
    assert _all_keys(s3_storage) == {checked_key}


def test_only_objects_no_row_points_to_are_swept(factory, storage, clip):
    confirmed, checked_key = _confirmed(factory, storage, clip)
    waiting = _start_upload(factory, storage, clip, "waiting@example.com")
    storage.put_bytes(waiting.storage_key, clip)  # uploaded, not yet confirmed: the browser comes back
    with factory.begin() as session:
        finished = queries.create_run(session=session, analysis_id=confirmed.analysis_id)
        queries.set_run_status(session=session, run_id=finished.id, status="succeeded")
        registered = artifact_key(confirmed.analysis_id, finished.id, "overlay.mp4")
        queries.save_artifact(
            session=session, run_id=finished.id, kind="overlay_video", storage_key=registered, size_bytes=3,
            content_type="video/mp4",
        )  # fmt: skip
        running = queries.create_run(session=session, analysis_id=confirmed.analysis_id)
        queries.set_run_status(session=session, run_id=running.id, status="running")
        finished_id, running_id = finished.id, running.id
    in_flight = artifact_key(confirmed.analysis_id, running_id, "frames.csv")  # uploaded, not registered yet
    unregistered = artifact_key(confirmed.analysis_id, finished_id, "stray.csv")  # its run ended without it
    gone = "analyses/00000000-0000-0000-0000-000000000000/runs/11111111-1111-1111-1111-111111111111/overlay.mp4"
    for key in (registered, in_flight, unregistered, gone):
        storage.put_bytes(key, b"out")

    assert sweep_orphans(session_factory=factory, storage=storage) == []  # nothing is old enough yet
    assert sorted(sweep_orphans(session_factory=factory, storage=storage, now=LATER)) == sorted([unregistered, gone])
    assert _all_keys(storage) == {checked_key, waiting.storage_key, registered, in_flight}


def test_outputs_that_arrive_after_a_delete_are_swept(factory, storage, clip):
    """A worker still computing uploads after its analysis's rows and files were deleted."""
    new, _ = _confirmed(factory, storage, clip)
    with factory.begin() as session:
        run = queries.create_run(session=session, analysis_id=new.analysis_id)
        queries.set_run_status(session=session, run_id=run.id, status="running")
        run_id = run.id
    with factory.begin() as session:
        keys = queries.delete_analysis(session=session, analysis_id=new.analysis_id)
    storage.delete(keys)
    late = artifact_key(new.analysis_id, run_id, "overlay.mp4")
    storage.put_bytes(late, b"late")
    assert sweep_orphans(session_factory=factory, storage=storage, now=LATER) == [late]
    assert _all_keys(storage) == set()
