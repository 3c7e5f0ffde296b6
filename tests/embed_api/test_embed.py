"""Embed endpoints through FastAPI's TestClient on a real database (SQLite and PostgreSQL).

An authorisation matrix (partner × origin × results token, one assertion per cell) and the whole flow
with real parts: presigned PUT to moto's S3 server, the confirmation link read from an aiosmtpd server,
the in-process worker running the real pipeline, then status, feedback and results by token.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
from fastapi.testclient import TestClient

from db import queries
from db.models import utcnow
from embed_api.main import create_app
from services import embed, partners
from services.database import load_metric_catalog
from services.mail import SmtpMailer
from services.storage.local import LocalStorage
from services.worker import LocalWorker
from tests.services.conftest import s3_endpoint, s3_storage, smtp_server  # noqa: F401 - shared fixtures

SECRET = "embed-test-secret"
MAX_BYTES = 20 * 2**20
SHOP = "https://shop.example.com"
PROMPT = {"bbox": [10, 10, 60, 90], "trim_start_seconds": 0.0, "trim_end_seconds": 1.0, "click_normalized_time": 0}


def make_client(factory, storage, *, send_message=None, dispatched=None) -> TestClient:
    """The sidecar as ``create_app`` builds it, with ``http://api.test`` as its public URL."""
    app = create_app(
        session_factory=factory,
        internal_token="t",
        secret_key=SECRET,
        storage=storage,
        max_upload_bytes=MAX_BYTES,
        dispatch=(dispatched.append if dispatched is not None else lambda run_id: None),
    )
    app.state.api_url = "http://api.test"
    app.state.send_message = send_message or (lambda message: None)
    return TestClient(app)


def add_partner(factory, slug: str, domains=("shop.example.com", "localhost:3000"), active=True) -> None:
    with factory.begin() as session:
        partners.create_partner(session=session, name=slug.title(), slug=slug, allowed_domains=domains)
        if not active:
            partners.deactivate_partner(session=session, slug=slug)


def submit(api: TestClient, slug: str = "shop", email: str = "Skier@Example.com", origin: str = SHOP):
    body = {"email": email, "filename": "run.mp4", "size_bytes": 1000, "content_type": "video/mp4"}
    response = api.post(f"/api/embed/{slug}/submit", json=body, headers={"Origin": origin})
    assert response.status_code == 201, response.text
    return response.json()


# --- authorisation matrix -------------------------------------------------------------------------


@pytest.fixture
def matrix(factory, tmp_path):
    api = make_client(factory, LocalStorage(tmp_path / "storage", SECRET, "http://api.test"))
    add_partner(factory, "shop")
    add_partner(factory, "other", domains=("other.example.com",))
    add_partner(factory, "closed", active=False)
    mine = submit(api)
    theirs = submit(api, slug="other", origin="https://other.example.com")
    return api, mine, theirs


ORIGINS = {
    "allowed": {"Origin": SHOP},
    "allowed_port": {"Origin": "http://localhost:3000"},
    "allowed_referer_only": {"Referer": f"{SHOP}/ski/page"},
    "own_frame": {"Origin": "http://api.test"},
    "other_host": {"Origin": "https://evil.example.com"},
    "other_port": {"Origin": "http://localhost:3001"},
    "referer_other_host": {"Referer": "https://evil.example.com/shop.example.com"},
    "missing": {},
    "null": {"Origin": "null"},
}
ALLOWED = {"allowed", "allowed_port", "allowed_referer_only", "own_frame"}


def _call(api, endpoint: str, slug: str, analysis: dict, headers: dict, token: str | None = "mine"):
    """One request to an embed endpoint; ``token`` "mine" sends the analysis's own results token."""
    headers = dict(headers)
    if token is not None:
        headers["X-Results-Token"] = analysis["results_token"] if token == "mine" else token
    aid = analysis["analysis_id"]
    if endpoint == "config":
        return api.get(f"/api/embed/{slug}/config", headers=headers)
    if endpoint == "submit":
        body = {"email": "a@example.com", "filename": "a.mp4", "size_bytes": 10, "content_type": "video/mp4"}
        return api.post(f"/api/embed/{slug}/submit", json=body, headers=headers)
    if endpoint == "upload-complete":
        return api.post(
            f"/api/embed/{slug}/upload-complete", json={"analysis_id": aid, "prompt": PROMPT}, headers=headers
        )
    if endpoint in ("status", "feedback"):
        return api.get(f"/api/embed/{slug}/{endpoint}/{aid}", headers=headers)
    if endpoint == "preflight":
        return api.options(f"/api/embed/{slug}/submit", headers={**headers, "Access-Control-Request-Method": "POST"})
    raise AssertionError(endpoint)


# Status when partner and origin are fine: upload-complete fails later (the file never arrived: 400),
# feedback has no results yet (409). Those prove the request passed the partner and token checks.
PASSED = {"config": 200, "submit": 201, "upload-complete": 400, "status": 200, "feedback": 409, "preflight": 204}
ENDPOINTS = list(PASSED)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_unknown_and_inactive_partners_are_404(matrix, endpoint):
    api, mine, _ = matrix
    for slug in ("nobody", "closed"):
        response = _call(api, endpoint, slug, mine, ORIGINS["allowed"])
        assert response.status_code == 404, (slug, response.text)
        assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("origin", list(ORIGINS))
def test_origin_matrix(matrix, endpoint, origin):
    api, mine, _ = matrix
    response = _call(api, endpoint, "shop", mine, ORIGINS[origin])
    if origin in ALLOWED:
        assert response.status_code == PASSED[endpoint], response.text
        cors = ORIGINS[origin].get("Origin")  # CORS headers only echo an allowed Origin header
        assert response.headers.get("access-control-allow-origin") == cors
    else:
        assert response.status_code == 403, response.text
        assert "access-control-allow-origin" not in response.headers


def test_preflight_allows_the_results_token_header(matrix):
    api, mine, _ = matrix
    response = _call(api, "preflight", "shop", mine, ORIGINS["allowed"])
    assert response.status_code == 204
    assert "X-Results-Token" in response.headers["access-control-allow-headers"]
    assert "POST" in response.headers["access-control-allow-methods"]


@pytest.mark.parametrize("endpoint", ["upload-complete", "status", "feedback"])
def test_analysis_routes_need_that_analysis_token_and_partner(matrix, endpoint):
    api, mine, theirs = matrix
    allowed = ORIGINS["allowed"]
    assert _call(api, endpoint, "shop", mine, allowed, token=None).status_code == 404  # missing
    assert _call(api, endpoint, "shop", mine, allowed, token="garbage").status_code == 404  # malformed
    forged = f"{uuid.UUID(mine['analysis_id']).hex}.{theirs['results_token'].split('.')[1]}"
    assert _call(api, endpoint, "shop", mine, allowed, token=forged).status_code == 404  # another's signature
    assert _call(api, endpoint, "shop", mine, allowed, token=theirs["results_token"]).status_code == 404
    # the other partner's analysis, with its own valid token, through this partner: not found
    assert _call(api, endpoint, "shop", theirs, allowed).status_code == 404
    response = _call(api, endpoint, "shop", mine, allowed)
    assert response.status_code == PASSED[endpoint]
    assert response.headers["access-control-allow-origin"] == SHOP  # errors past the origin check carry CORS


def test_confirm_and_results_refuse_unknown_tokens(matrix):
    api, mine, _ = matrix
    page = api.get("/api/embed/confirm", params={"token": "not-a-token"})
    assert page.status_code == 404 and "not valid" in page.text
    assert api.get("/api/embed/confirm").status_code == 422  # no token at all
    assert api.get("/api/embed/results/garbage").status_code == 404
    tampered = mine["results_token"][:-2] + ("AA" if not mine["results_token"].endswith("AA") else "BB")
    assert api.get(f"/api/embed/results/{tampered}").status_code == 404
    ok = api.get(f"/api/embed/results/{mine['results_token']}")
    assert ok.status_code == 200 and ok.json()["status"] == "uploading" and ok.json()["feedback"] is None


def test_submit_refusals(matrix):
    api, _, _ = matrix
    base = {"email": "a@example.com", "filename": "a.mp4", "size_bytes": 10, "content_type": "video/mp4"}
    bad_email = api.post("/api/embed/shop/submit", json={**base, "email": "nope"}, headers={"Origin": SHOP})
    assert bad_email.status_code == 400 and bad_email.json()["detail"]["reason"] == "invalid_email"
    too_big = api.post("/api/embed/shop/submit", json={**base, "size_bytes": MAX_BYTES + 1}, headers={"Origin": SHOP})
    assert too_big.status_code == 400 and too_big.json()["detail"]["reason"] == "upload_refused"
    not_video = api.post(
        "/api/embed/shop/submit", json={**base, "content_type": "text/plain"}, headers={"Origin": SHOP}
    )
    assert not_video.status_code == 400
    assert api.post("/api/embed/shop/submit", json={}, headers={"Origin": SHOP}).status_code == 422


def test_widget_and_frame(matrix):
    api, _, _ = matrix
    js = api.get("/embed/widget.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"] and "Powered by" in js.text
    page = api.get("/embed/frame/shop")
    assert page.status_code == 200 and 'data-partner="shop"' in page.text
    assert page.headers["content-security-policy"] == "frame-ancestors 'self' shop.example.com localhost:3000"
    assert api.get("/embed/frame/closed").status_code == 404
    assert api.get("/embed/frame/nobody").status_code == 404


# --- the whole flow -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    from poser_pipeline.synthetic.video import write_moving_figure_clip

    path = tmp_path_factory.mktemp("embed") / "my run.mp4"
    truth = write_moving_figure_clip(path, fps=25.0, n_frames=30, seed=6)
    return path, truth


def _link_path(server, to: str) -> str:
    rcpt, message = server.received[-1][1], server.received[-1][2]
    assert rcpt == [to] and message["Subject"] == "Confirm your Poser analysis"
    text = message.get_body(("plain",)).get_content()
    url = re.search(r"http://api\.test/api/embed/confirm\?token=[\w-]+", text).group(0)
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_embed_flow_end_to_end(factory, s3_storage, smtp_server, clip):  # noqa: F811 - imported fixtures
    load_metric_catalog(factory)
    add_partner(factory, "shop")
    dispatched: list[uuid.UUID] = []
    mailer = SmtpMailer(smtp_server.host, smtp_server.port, starttls=False)
    api = make_client(factory, s3_storage, send_message=mailer.send, dispatched=dispatched)
    origin = {"Origin": SHOP}
    path, truth = clip

    config = api.get("/api/embed/shop/config", headers=origin).json()
    assert config["name"] == "Shop" and config["powered_by"] == "Poser" and config["max_upload_bytes"] == MAX_BYTES
    body = {"email": "Skier@Example.com", "filename": path.name, "size_bytes": path.stat().st_size}
    created = api.post("/api/embed/shop/submit", json={**body, "content_type": "video/mp4"}, headers=origin)
    assert created.status_code == 201, created.text
    created = created.json()
    aid, token = created["analysis_id"], created["results_token"]
    put = requests.put(
        created["upload"]["url"], data=path.read_bytes(), headers=created["upload"]["headers"], timeout=30
    )
    assert put.status_code == 200, put.text

    headers = {**origin, "X-Results-Token": token}
    prompt = {**PROMPT, "bbox": [float(v) for v in truth[0]]}
    done = api.post("/api/embed/shop/upload-complete", json={"analysis_id": aid, "prompt": prompt}, headers=headers)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "awaiting_confirmation"
    assert (done.json()["width"], done.json()["height"]) == (320, 240)
    again = api.post("/api/embed/shop/upload-complete", json={"analysis_id": aid, "prompt": prompt}, headers=headers)
    assert again.status_code == 409  # already submitted: one email, one token
    with factory() as session:
        analysis = queries.get_analysis(session=session, analysis_id=uuid.UUID(aid))
        owner = queries.get_user_by_email(session=session, email="skier@example.com")
        assert analysis.owner_id == owner.id and analysis.partner_id is not None
        assert queries.latest_run(session=session, analysis_id=analysis.id) is None  # nothing queued yet
    status = api.get(f"/api/embed/shop/status/{aid}", headers=headers).json()
    assert status["status"] == "awaiting_confirmation" and not status["confirmed"]

    link = _link_path(smtp_server, "skier@example.com")
    assert len(smtp_server.received) == 1
    for _ in range(2):  # a mail scanner's prefetch, then the skier: only a page with a button, nothing queued
        offer = api.get(link)
        assert (
            offer.status_code == 200
            and "Confirm and start the analysis" in offer.text
            and "method='post'" in offer.text
        )
        assert "frame-ancestors 'none'" in offer.headers["content-security-policy"]
    assert dispatched == [] and api.get(f"/api/embed/shop/status/{aid}", headers=headers).json()["confirmed"] is False
    waiting = api.get(f"/api/embed/results/{token}", headers={"Accept": BROWSER_ACCEPT})
    assert waiting.status_code == 200 and waiting.headers["content-type"].startswith("text/html")
    assert "open the link in the email" in waiting.text and "http-equiv='refresh'" in waiting.text
    page = api.post(link)
    assert page.status_code == 200 and "Confirmed" in page.text and f"/api/embed/results/{token}" in page.text
    assert len(dispatched) == 1
    reused = api.post(link)
    assert reused.status_code == 409 and "already used" in reused.text
    assert api.get(link).status_code == 409  # the page says so too, without a button
    assert len(dispatched) == 1
    assert api.get(f"/api/embed/shop/status/{aid}", headers=headers).json()["status"] == "queued"

    assert LocalWorker(factory, s3_storage).run_once() == dispatched[0]
    status = api.get(f"/api/embed/shop/status/{aid}", headers=headers).json()
    assert status["status"] == "succeeded" and status["results_ready"] and status["confirmed"]
    feedback = api.get(f"/api/embed/shop/feedback/{aid}", headers=headers)
    assert feedback.status_code == 200 and feedback.json()["run_id"] == str(dispatched[0])
    results = api.get(f"/api/embed/results/{token}").json()
    assert results["status"] == "succeeded" and results["feedback"]["run_id"] == str(dispatched[0])
    summary = results["feedback"]
    assert {"edge_similarity_run", "edge_similarity_left", "edge_similarity_right", "turns"} <= summary.keys()
    for value in (summary["edge_similarity_run"], *(t["edge_similarity"] for t in summary["turns"])):
        assert value is None or 0 <= value <= 100
    scored = [(t["edge_similarity"], t["edge_similarity_interval"]) for t in summary["turns"] if t["edge_similarity"]]
    if summary["edge_similarity_run"] is not None:
        scored.append((summary["edge_similarity_run"], summary["edge_similarity_run_interval"]))
    for value, (low, high) in scored:  # every score the skier reads comes with its interval, around it
        assert 0 <= low <= value <= high <= 100
    check_results_page(api, token, summary)

    # the same email again joins the same account
    second = submit(api, email="skier@example.com")
    with factory() as session:
        assert queries.get_analysis(session=session, analysis_id=uuid.UUID(second["analysis_id"])).owner_id == owner.id


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def check_results_page(api: TestClient, token: str, summary: dict) -> None:
    """The page a browser gets: the summary, one table row per turn, the overlay video (which plays from storage)."""
    page = api.get(f"/api/embed/results/{token}", headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    run = summary["edge_similarity_run"]
    assert f"{'–' if run is None else round(run)} / 100" in page.text and "refresh" not in page.text
    assert page.text.count("<tr><td>") == len(summary["turns"])
    video = re.search(r"<video [^>]*src='([^']+)'", page.text).group(1).replace("&amp;", "&")
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "frame-ancestors 'self' shop.example.com" in csp
    assert f"media-src 'self' {urlsplit(video).scheme}://{urlsplit(video).netloc}" in csp
    played = requests.get(video, timeout=30)
    assert played.status_code == 200 and played.content[4:8] == b"ftyp"
    missing = api.get("/api/embed/results/garbage", headers={"Accept": BROWSER_ACCEPT})
    assert missing.status_code == 404 and "No results here" in missing.text


def test_expired_confirmation_link_is_refused(factory, tmp_path):
    add_partner(factory, "shop")
    dispatched: list[uuid.UUID] = []
    api = make_client(factory, LocalStorage(tmp_path / "storage", SECRET, "http://api.test"), dispatched=dispatched)
    aid = uuid.UUID(submit(api)["analysis_id"])
    with factory.begin() as session:
        queries.get_analysis(session=session, analysis_id=aid).status = "awaiting_confirmation"
        stale = embed.new_confirmation_link(
            session=session, analysis_id=aid, api_url="http://api.test", now=utcnow() - timedelta(hours=24, seconds=1)
        )
        fresh = embed.new_confirmation_link(
            session=session, analysis_id=aid, api_url="http://api.test", now=utcnow() - timedelta(hours=23)
        )
    page = api.get(urlsplit(stale).path, params={"token": stale.split("token=")[1]})
    assert page.status_code == 410 and "expired" in page.text and "<button" not in page.text
    assert api.post(urlsplit(stale).path, params={"token": stale.split("token=")[1]}).status_code == 410
    assert dispatched == []
    with factory() as session:
        assert queries.latest_run(session=session, analysis_id=aid) is None
    assert api.get(urlsplit(fresh).path, params={"token": fresh.split("token=")[1]}).status_code == 200
    assert dispatched == []
    assert api.post(urlsplit(fresh).path, params={"token": fresh.split("token=")[1]}).status_code == 200
    assert len(dispatched) == 1


def test_a_refused_box_can_be_retried_and_confirmation_mail_is_rate_limited(factory, tmp_path):
    add_partner(factory, "shop")
    outbox = []
    api = make_client(
        factory, LocalStorage(tmp_path / "storage", SECRET, "http://api.test"), send_message=outbox.append
    )
    first, second = submit(api), submit(api)

    def as_if_uploaded(analysis_id: str) -> None:  # a confirmed 2 s, 320×240 upload
        with factory.begin() as session:
            analysis = queries.get_analysis(session=session, analysis_id=uuid.UUID(analysis_id))
            analysis.status, analysis.duration_s, analysis.fps, analysis.width, analysis.height = (
                "awaiting_prompt",
                2.0,
                25.0,
                320,
                240,
            )

    as_if_uploaded(first["analysis_id"])
    headers = {"Origin": SHOP, "X-Results-Token": first["results_token"]}
    url = "/api/embed/shop/upload-complete"
    outside = {**PROMPT, "bbox": [900, 900, 990, 990]}
    refused = api.post(url, json={"analysis_id": first["analysis_id"], "prompt": outside}, headers=headers)
    assert refused.status_code == 400 and refused.json()["detail"]["reason"] == "bad_prompt" and outbox == []
    ok = api.post(url, json={"analysis_id": first["analysis_id"], "prompt": PROMPT}, headers=headers)
    assert ok.status_code == 200 and ok.json()["status"] == "awaiting_confirmation"
    assert [m.to for m in outbox] == ["skier@example.com"] and "/api/embed/confirm?token=" in outbox[0].text

    with factory.begin() as session:  # four more links to the same email this hour: the limit is reached
        for _ in range(embed.LINKS_PER_EMAIL_PER_HOUR - 1):
            embed.new_confirmation_link(session=session, analysis_id=uuid.UUID(first["analysis_id"]), api_url="x")
    as_if_uploaded(second["analysis_id"])
    headers["X-Results-Token"] = second["results_token"]
    limited = api.post(url, json={"analysis_id": second["analysis_id"], "prompt": PROMPT}, headers=headers)
    assert limited.status_code == 429 and len(outbox) == 1
    with factory() as session:  # rolled back: still waiting for a box, so it can be sent again later
        assert queries.get_analysis(session=session, analysis_id=uuid.UUID(second["analysis_id"])).status == (
            "awaiting_prompt"
        )
