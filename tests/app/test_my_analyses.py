"""My analyses: the list, rerun (a new queued run handed to the queue), delete with confirmation."""

from __future__ import annotations

import dataclasses
import logging
import uuid

import pytest

from app import sharing, studio
from db import queries
from db.models import ShareLink
from services.composition import Services
from tests.app.conftest import signed_in_app
from tests.app.stored_results import add_run, get_user, store_analysis, user_id
from tests.app.test_studio import reopen, texts


def _page(svc: Services, email: str):
    return signed_in_app(svc, email).switch_page("app/pages/my_analyses.py").run()


def test_the_list_shows_clip_status_and_score_and_only_ones_own(svc: Services):
    store_analysis(svc, "anna@example.com", "slalom.mp4", (60.0, 70.0, 80.0))
    failed = store_analysis(svc, "anna@example.com", "crash.mp4")
    add_run(svc, failed.analysis_id, (), status="failed")
    store_analysis(svc, "ben@example.com", "ben.mp4")
    user_id(svc, "ben@example.com", is_admin=True)  # an admin's own list is their own too
    at = _page(svc, "anna@example.com")
    assert not at.exception
    shown = texts(at)
    assert "slalom.mp4" in shown and "crash.mp4" in shown and "ben.mp4" not in shown
    assert "70" in shown and "failed" in shown
    ben = _page(svc, "ben@example.com")
    assert "ben.mp4" in texts(ben) and "slalom.mp4" not in texts(ben)


def test_rerun_queues_a_new_run_and_opens_its_progress(svc: Services):
    stored = store_analysis(svc, "anna@example.com", "slalom.mp4")
    at = _page(svc, "anna@example.com")
    at.button(key=f"rerun-{stored.analysis_id.hex}").click().run()
    assert not at.exception
    assert at.title[0].value == "Progress"
    with svc.factory() as session:
        runs = queries.list_runs(session=session, analysis_id=stored.analysis_id)
    assert [(r.run_number, r.status) for r in runs] == [(1, "succeeded"), (2, "queued")]
    at = reopen(at, "app/pages/my_analyses.py")
    assert "queued" in texts(at)
    assert at.button(key=f"rerun-{stored.analysis_id.hex}").disabled is True  # not until it finishes


def test_rerun_hands_the_committed_run_to_the_queue_and_survives_a_broken_broker(svc: Services, caplog):
    stored = store_analysis(svc, "anna@example.com", "slalom.mp4")
    anna = get_user(svc, stored.user_id)
    sent: list[uuid.UUID] = []

    def dispatch(run_id: uuid.UUID) -> None:
        with svc.factory() as session:  # the row is committed before the queue hears of it
            assert queries.get_run(session=session, run_id=run_id).status == "queued"
        sent.append(run_id)

    run_id = studio.rerun(dataclasses.replace(svc, dispatch=dispatch), anna, stored.analysis_id)
    assert sent == [run_id]
    with pytest.raises(studio.RerunError, match="queued"):
        studio.rerun(svc, anna, stored.analysis_id)

    def broken(run_id: uuid.UUID) -> None:
        raise ConnectionError("broker down")

    with svc.factory.begin() as session:
        queries.set_run_status(session=session, run_id=run_id, status="failed", error="x")
    with caplog.at_level(logging.ERROR, logger="services.dispatch"):
        third = studio.rerun(dataclasses.replace(svc, dispatch=broken), anna, stored.analysis_id)
    assert "stays queued" in caplog.text
    with svc.factory() as session:
        assert queries.latest_run(session=session, analysis_id=stored.analysis_id).id == third


def test_delete_asks_first_keep_it_cancels_and_yes_removes_rows_files_and_links(svc: Services):
    stored = store_analysis(svc, "anna@example.com", "slalom.mp4")
    anna = get_user(svc, stored.user_id)
    url = sharing.create_link(svc, anna, stored.analysis_id)
    with svc.factory() as session:
        input_key = queries.get_analysis(session=session, analysis_id=stored.analysis_id).s3_input_key
    svc.storage.put_bytes(input_key, b"clip", content_type="video/mp4")
    key = stored.analysis_id.hex
    at = _page(svc, "anna@example.com")
    at.button(key=f"delete-{key}").click().run()
    assert "cannot be undone" in texts(at)
    at.button(key=f"cancel-delete-{key}").click().run()
    assert "cannot be undone" not in texts(at) and "slalom.mp4" in texts(at)

    at.button(key=f"delete-{key}").click().run()
    at.button(key=f"confirm-delete-{key}").click().run()
    assert not at.exception
    assert "No analyses yet" in texts(at)
    with svc.factory() as session:
        assert queries.get_analysis(session=session, analysis_id=stored.analysis_id) is None
        assert session.query(ShareLink).count() == 0
    assert not svc.storage.exists(input_key)
    assert sharing.resolve(svc, url.rsplit("=", 1)[1]) is None
