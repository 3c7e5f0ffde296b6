"""Upkeep without a local worker: stale runs failed, abandoned uploads swept (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from db import queries
from db.models import Analysis, AnalysisRun, utcnow
from services.housekeeping import Housekeeper, tidy
from tests.services.test_upload_cleanup import _analysis, storage  # noqa: F401 (fixture)


def _stale_run(factory) -> tuple:
    with factory.begin() as session:
        user = queries.create_user(session=session, email="gpu@example.com")
        analysis = queries.create_analysis(session=session, owner_id=user.id, filename="c.mp4", status="queued")
        run = queries.create_run(session=session, analysis_id=analysis.id)
        queries.claim_run(session=session, run_id=run.id, worker_id="gpu-1", lease_seconds=60)
        session.execute(
            update(AnalysisRun).where(AnalysisRun.id == run.id).values(lease_expires_at=utcnow() - timedelta(minutes=5))
        )
        return analysis.id, run.id


def test_one_round_fails_silent_runs_and_sweeps_abandoned_uploads(factory, storage):  # noqa: F811
    _, run_id = _stale_run(factory)
    abandoned, key = _analysis(factory, storage, "uploading", timedelta(days=2))
    assert tidy(factory, storage) == (1, 1)
    with factory() as session:
        run = queries.get_run(session=session, run_id=run_id)
        assert run.status == "failed" and "stopped responding" in run.error
        assert session.get(Analysis, abandoned) is None
    assert not storage.exists(key)
    assert tidy(factory, storage) == (0, 0)


def test_the_housekeeper_tidies_on_start_and_stops(factory, storage):  # noqa: F811
    _, run_id = _stale_run(factory)
    keeper = Housekeeper(factory, storage, every_s=0.05).start()
    try:
        for _ in range(100):
            with factory() as session:
                if queries.get_run(session=session, run_id=run_id).status == "failed":
                    break
            keeper._stop.wait(0.05)
    finally:
        keeper.stop()
    assert not keeper._thread.is_alive()
    with factory() as session:
        assert queries.get_run(session=session, run_id=run_id).status == "failed"


def test_the_sidecar_keeps_house_only_with_the_distributed_queue(tmp_path, monkeypatch, clean_settings_env):
    from embed_api.main import app_from_settings
    from services.settings import get_settings

    monkeypatch.setenv("POSER_DATA_DIR", str(tmp_path))
    assert not hasattr(app_from_settings().state, "housekeeper")  # the local worker does it
    monkeypatch.setenv("POSER_QUEUE", "celery")
    monkeypatch.setenv("POSER_BROKER_URL", "redis://127.0.0.1:1/0")  # never contacted here
    get_settings.cache_clear()
    app = app_from_settings()
    try:
        assert app.state.housekeeper._thread.is_alive()
    finally:
        app.state.housekeeper.stop()
