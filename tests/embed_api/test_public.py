"""Public endpoints through FastAPI's TestClient on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from db import queries
from embed_api.main import create_app
from services.database import load_metric_catalog
from services.reporter import DbRunReporter
from services.run_analysis import report_rows


class Outbox:
    def __init__(self) -> None:
        self.codes: dict[str, str] = {}

    def __call__(self, email: str, code: str) -> None:
        self.codes[email] = code


@pytest.fixture
def api(factory):
    outbox = Outbox()
    client = TestClient(create_app(session_factory=factory, internal_token="t", secret_key="s", send_code=outbox))
    client.outbox = outbox
    return client


def sign_in(api, email: str) -> dict[str, str]:
    assert api.post("/api/auth/request-code", json={"email": email}).status_code == 200
    response = api.post("/api/auth/verify-code", json={"email": email, "code": api.outbox.codes[email.lower()]})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def own_analysis(factory, email: str) -> uuid.UUID:
    with factory.begin() as session:
        user = queries.get_user_by_email(session=session, email=email)
        return queries.create_analysis(session=session, owner_id=user.id, filename="run.mp4").id


def test_sign_in_and_wrong_code(api):
    assert api.post("/api/auth/request-code", json={"email": "x"}).status_code == 400
    assert api.post("/api/auth/request-code", json={"email": "Rider@Example.com"}).status_code == 200
    right = api.outbox.codes["rider@example.com"]
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    refused = api.post("/api/auth/verify-code", json={"email": "rider@example.com", "code": wrong})
    assert refused.status_code == 400 and refused.json()["detail"]["reason"] == "invalid_code"
    ok = api.post("/api/auth/verify-code", json={"email": "rider@example.com", "code": right})
    assert ok.status_code == 200 and ok.json()["email"] == "rider@example.com"
    assert api.get("/api/analyses").status_code == 401
    assert api.get("/api/analyses", headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_people_see_only_their_own_analyses(api, factory):
    alice, bob = sign_in(api, "alice@example.com"), sign_in(api, "bob@example.com")
    analysis_id = own_analysis(factory, "alice@example.com")
    assert [a["id"] for a in api.get("/api/analyses", headers=alice).json()] == [str(analysis_id)]
    assert api.get("/api/analyses", headers=bob).json() == []
    assert api.get(f"/api/analyses/{analysis_id}", headers=bob).status_code == 404
    assert api.delete(f"/api/analyses/{analysis_id}", headers=bob).status_code == 404
    detail = api.get(f"/api/analyses/{analysis_id}", headers=alice).json()
    assert detail["status"] == "uploading" and detail["latest_run"] is None
    assert api.get(f"/api/analyses/{analysis_id}/turns", headers=alice).status_code == 409  # no results yet
    with factory.begin() as session:
        queries.get_user_by_email(session=session, email="bob@example.com").is_admin = True
    assert api.get(f"/api/analyses/{analysis_id}", headers=bob).status_code == 200  # admins see all


def test_results_come_from_the_latest_succeeded_run(api, factory, pipeline_result):
    load_metric_catalog(factory)
    alice = sign_in(api, "carol@example.com")
    analysis_id = own_analysis(factory, "carol@example.com")
    with factory.begin() as session:
        done = queries.create_run(session=session, analysis_id=analysis_id).id
    report_rows(pipeline_result, DbRunReporter(factory, run_id=done, analysis_id=analysis_id))
    with factory.begin() as session:
        queries.set_run_status(session=session, run_id=done, status="succeeded")
        queries.create_run(session=session, analysis_id=analysis_id)  # a rerun, still queued
    detail = api.get(f"/api/analyses/{analysis_id}", headers=alice).json()
    assert detail["status"] == "queued" and detail["latest_run"]["run_number"] == 2
    assert detail["results_run_id"] == str(done)
    turns = api.get(f"/api/analyses/{analysis_id}/turns", headers=alice).json()
    assert turns["run_id"] == str(done)
    assert [s["direction"] for s in turns["segments"]] == [s.direction for s in pipeline_result.turns.segments]
    similarity = api.get(f"/api/analyses/{analysis_id}/edge-similarity", headers=alice).json()
    assert similarity["edge_similarity_run"] == pytest.approx(pipeline_result.metrics.values["edge_similarity_run"])
    scored = [t for t in similarity["turns"] if t.get("edge_similarity") is not None]
    assert scored and all(0 <= t["edge_similarity"] <= 100 for t in scored)
    assert similarity["edge_similarity_run_interval"] == pytest.approx(
        list(pipeline_result.metrics.intervals["edge_similarity_run"])
    )
    computed = {t.segment.index: t for t in pipeline_result.metrics.turns}
    for turn in scored:
        expected = list(computed[turn["segment_index"]].intervals["edge_similarity"])
        assert turn["edge_similarity_interval"] == pytest.approx(expected)
    by_index = {s["segment_index"]: s for s in turns["segments"]}  # /turns carries each turn's score too
    for turn in scored:
        segment = by_index[turn["segment_index"]]
        assert segment["edge_similarity"] == pytest.approx(turn["edge_similarity"])
        assert segment["edge_similarity_interval"] == pytest.approx(turn["edge_similarity_interval"])
    assert api.delete(f"/api/analyses/{analysis_id}", headers=alice).status_code == 204
    assert api.get(f"/api/analyses/{analysis_id}", headers=alice).status_code == 404
    with factory() as session:
        assert queries.get_run(session=session, run_id=done) is None


def test_change_email_by_link(api, factory):
    sent = {}
    api.app.state.send_email_change = sent.__setitem__
    alice = sign_in(api, "dora@example.com")
    assert api.post("/api/auth/change-email", json={"email": "not-an-email"}, headers=alice).status_code == 400
    assert api.post("/api/auth/change-email", json={"email": "dora@new.example.com"}, headers=alice).status_code == 202
    page = api.get("/api/auth/confirm-email-change", params={"token": sent["dora@new.example.com"]})
    assert page.status_code == 200 and "dora@new.example.com" in page.text
    again = api.get("/api/auth/confirm-email-change", params={"token": sent["dora@new.example.com"]})
    assert again.status_code == 400
    with factory() as session:
        assert queries.get_user_by_email(session=session, email="dora@new.example.com") is not None


def test_contact_form_is_mailed_and_rate_limited(factory):
    sent = []
    client = TestClient(create_app(session_factory=factory, internal_token="t", send_message=sent.append))
    body = {"name": "Coach", "email": "coach@example.com", "message": "Can Poser score slalom?"}
    assert client.post("/api/contact", json={**body, "email": "nope"}).status_code == 400
    assert client.post("/api/contact", json={**body, "message": "  "}).status_code == 400
    for _ in range(5):
        assert client.post("/api/contact", json=body).status_code == 202
    assert client.post("/api/contact", json=body).status_code == 429
    assert len(sent) == 5 and "Can Poser score slalom?" in sent[0].text and sent[0].to == "team@localhost"
