"""Abandoned uploads are swept after their grace period; anything with a run, or still in time, stays.

Real parts: the database (SQLite and PostgreSQL) and local storage on disk.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import update

from db import queries
from db.models import Analysis, Upload, utcnow
from services import upload_cleanup
from services.storage import LocalStorage
from services.upload_cleanup import GracePeriods, sweep_abandoned
from services.worker import LocalWorker


@pytest.fixture
def storage(tmp_path):
    return LocalStorage(root=tmp_path / "storage", secret_key="test-secret", base_url="http://127.0.0.1:8000")


def _analysis(factory, storage, status: str, age: timedelta, *, with_run: bool = False):
    with factory.begin() as session:
        user = queries.create_user(session=session, email=f"{status}-{age.total_seconds():.0f}@example.com")
        analysis = queries.create_analysis(session=session, owner_id=user.id, filename="clip.mp4", status=status)
        key = f"uploads/{analysis.id}/clip.mp4"
        analysis.s3_input_key = key
        session.add(Upload(analysis_id=analysis.id, storage_key=key, content_type="video/mp4", size_bytes=4))
        if with_run:
            queries.create_run(session=session, analysis_id=analysis.id)
        session.flush()
        session.execute(update(Analysis).where(Analysis.id == analysis.id).values(updated_at=utcnow() - age))
    storage.put_bytes(key, b"clip", content_type="video/mp4")
    return analysis.id, key


def test_only_analyses_past_their_grace_period_are_swept(factory, storage):
    grace = GracePeriods()
    stale_upload = _analysis(factory, storage, "uploading", grace.uploading + timedelta(minutes=1))
    fresh_upload = _analysis(factory, storage, "uploading", grace.uploading - timedelta(minutes=5))
    stale_prompt = _analysis(factory, storage, "awaiting_prompt", grace.awaiting_prompt + timedelta(hours=1))
    fresh_prompt = _analysis(factory, storage, "awaiting_prompt", timedelta(days=1))
    stale_confirm = _analysis(factory, storage, "awaiting_confirmation", grace.awaiting_confirmation * 2)
    old_finished = _analysis(factory, storage, "succeeded", timedelta(days=400), with_run=True)

    deleted = sweep_abandoned(session_factory=factory, storage=storage)

    assert set(deleted) == {stale_upload[0], stale_prompt[0], stale_confirm[0]}
    with factory() as session:
        for analysis_id, key in (stale_upload, stale_prompt, stale_confirm):
            assert session.get(Analysis, analysis_id) is None
            assert not storage.exists(key)
        for analysis_id, key in (fresh_upload, fresh_prompt, old_finished):
            assert session.get(Analysis, analysis_id) is not None
            assert storage.exists(key)
    assert sweep_abandoned(session_factory=factory, storage=storage) == []


def test_an_analysis_that_moved_on_since_the_scan_is_kept(factory, storage, monkeypatch):
    analysis_id, key = _analysis(factory, storage, "awaiting_prompt", timedelta(days=30))
    recheck = upload_cleanup.find_abandoned_one
    rechecked = []

    def submit_then_recheck(*, session, analysis_id, **kwargs):
        # the person submits their box after the scan found the analysis, before its delete
        session.get(Analysis, analysis_id).status = "queued"
        session.flush()
        rechecked.append(analysis_id)
        return recheck(session=session, analysis_id=analysis_id, **kwargs)

    monkeypatch.setattr(upload_cleanup, "find_abandoned_one", submit_then_recheck)
    assert sweep_abandoned(session_factory=factory, storage=storage) == []
    assert rechecked == [analysis_id]  # the scan did find it: the re-check is what kept it
    assert storage.exists(key)
    with factory() as session:
        assert session.get(Analysis, analysis_id).status == "queued"


def test_grace_periods_are_configurable(factory, storage):
    analysis_id, _ = _analysis(factory, storage, "uploading", timedelta(minutes=10))
    short = GracePeriods(uploading=timedelta(minutes=5))
    assert sweep_abandoned(session_factory=factory, storage=storage, grace=short) == [analysis_id]


def test_the_worker_loop_sweeps_on_start(factory, storage):
    stale_id, key = _analysis(factory, storage, "uploading", timedelta(days=2))
    worker = LocalWorker(factory, storage)
    loop = threading.Thread(target=worker.run_forever, kwargs={"poll_s": 0.05})
    loop.start()
    try:
        for _ in range(100):
            with factory() as session:
                if session.get(Analysis, stale_id) is None:
                    break
            threading.Event().wait(0.05)
    finally:
        worker.stop()
        loop.join(timeout=10)
    assert not loop.is_alive()
    with factory() as session:
        assert session.get(Analysis, stale_id) is None
    assert not storage.exists(key)
