"""Each finished run is announced to its owner exactly once, whichever path ends it.

Real parts: the database (SQLite and PostgreSQL), the sidecar's internal API over its ASGI app, and
an SMTP server (aiosmtpd) receiving the mail.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from db import queries
from db.models import AnalysisRun, utcnow
from db.queries.queue import STALE_RUN_REASON
from embed_api.main import create_app
from services import partners
from services.embed import results_token
from services.mail import SmtpMailer
from services.notify import RunNotifier
from services.run_input import artifact_key
from services.worker import LocalWorker

STUDIO, API, SECRET = "http://studio.test", "http://api.test", "notify-secret"


@pytest.fixture
def notifier(factory, smtp_server) -> RunNotifier:
    mailer = SmtpMailer(smtp_server.host, smtp_server.port, starttls=False)
    return RunNotifier(factory, mailer, public_url=STUDIO, api_url=API, secret_key=SECRET)


def _running_run(factory, *, email: str = "skier@example.com", partner_id=None, worker_id: str = "w1") -> uuid.UUID:
    with factory.begin() as session:
        user = queries.get_user_by_email(session=session, email=email) or queries.create_user(
            session=session, email=email
        )
        analysis = queries.create_analysis(
            session=session, owner_id=user.id, filename="run.mp4", status="queued", partner_id=partner_id
        )
        run = queries.create_run(session=session, analysis_id=analysis.id)
        queries.claim_run(session=session, run_id=run.id, worker_id=worker_id, lease_seconds=60)
        return run.id


def _mail(smtp_server) -> list[tuple[list[str], str, str]]:
    def text(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    return [(to, message["Subject"], text(message)) for _, to, message in smtp_server.received]


def test_a_swept_run_is_announced_failed_once_and_its_late_worker_announces_nothing(factory, notifier, smtp_server):
    run_id = _running_run(factory)
    with factory.begin() as session:  # the worker went silent: its lease lapsed
        lapsed = utcnow() - timedelta(seconds=1)
        session.execute(update(AnalysisRun).where(AnalysisRun.id == run_id).values(lease_expires_at=lapsed))
    sweeper = LocalWorker(factory, storage=None, on_finished=notifier)
    assert sweeper.sweep() == 1
    notifier(run_id, True)  # the slow worker finishes after all and believes it succeeded
    assert notifier.notify_pending() == 0
    (mail,) = _mail(smtp_server)
    assert mail[0] == ["skier@example.com"] and "ready" not in mail[1].lower()
    assert STALE_RUN_REASON in mail[2] and f"{STUDIO}/?analysis=" in mail[2]


def test_a_remote_workers_final_status_is_announced_once_through_the_sidecar(factory, notifier, smtp_server):
    run_id = _running_run(factory, worker_id="gpu-1")
    api = TestClient(create_app(session_factory=factory, internal_token="t", notify_run=notifier.notify))
    headers = {"X-Internal-Token": "t", "X-Worker-Id": "gpu-1"}
    with factory() as session:
        analysis_id = queries.get_run(session=session, run_id=run_id).analysis_id
    record = {
        "kind": "run_json",
        "storage_key": artifact_key(analysis_id, run_id, "run.json"),
        "size_bytes": 2,
        "content_type": "application/json",
    }
    assert api.post(f"/api/internal/analysis-runs/{run_id}/artifacts", json=record, headers=headers).status_code == 200
    url = f"/api/internal/analysis-runs/{run_id}/status"
    assert api.put(url, json={"status": "succeeded", "num_frames": 30, "fps": 25.0}, headers=headers).status_code == 200
    assert api.put(url, json={"status": "succeeded"}, headers=headers).status_code == 409  # a retry: it has ended
    assert notifier.notify_pending() == 0
    (mail,) = _mail(smtp_server)
    assert mail[0] == ["skier@example.com"] and "ready" in mail[1].lower()


def test_an_embed_submission_is_sent_to_its_results_page(factory, notifier, smtp_server):
    with factory.begin() as session:
        partner = partners.create_partner(session=session, name="Shop", slug="shop", allowed_domains=["shop.test"])
        partner_id = partner.id
    run_id = _running_run(factory, email="guest@example.com", partner_id=partner_id)
    with factory.begin() as session:
        queries.set_run_status(session=session, run_id=run_id, status="succeeded")
        analysis_id = queries.get_run(session=session, run_id=run_id).analysis_id
    assert notifier.notify(run_id)
    (mail,) = _mail(smtp_server)
    assert f"{API}/api/embed/results/{results_token(secret_key=SECRET, analysis_id=analysis_id)}" in mail[2]
    assert STUDIO not in mail[2]


def test_pending_runs_are_announced_but_not_old_ones_nor_unfinished_ones(factory, notifier, smtp_server):
    recent, old, running = (_running_run(factory, email=f"{n}@example.com") for n in ("recent", "old", "running"))
    with factory.begin() as session:  # ended, and the process that would have emailed crashed first
        queries.set_run_status(session=session, run_id=recent, status="failed", error="The clip could not be read.")
        queries.set_run_status(session=session, run_id=old, status="succeeded", now=utcnow() - timedelta(days=3))
    assert notifier.notify_pending() == 1
    assert notifier.notify(running) is False
    (mail,) = _mail(smtp_server)
    assert mail[0] == ["recent@example.com"] and "The clip could not be read." in mail[2]
