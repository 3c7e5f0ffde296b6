"""The authorisation matrix of ``access_matrix.py``, one request per cell, on a real app and database.

Each cell starts from the same state (see the data module); refused cells also check that no row of
any table changed. The last tests keep ``docs/embed.md`` and the app's route list in step with the table.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from db import queries
from db.models import Base
from embed_api.main import create_app
from services import embed, partners
from services.run_input import artifact_key
from services.storage.local import LocalStorage
from tests.embed_api import access_matrix
from tests.embed_api.access_matrix import REFUSED, SECTIONS

SECRET, TOKEN = "matrix-secret", "internal-token"
SHOP = "https://shop.example.com"
DOC = Path(__file__).resolve().parents[2] / "docs" / "embed.md"
PROMPT = {"bbox": [10, 10, 200, 200], "trim_start_seconds": 0.0, "trim_end_seconds": 1.0, "click_normalized_time": 0}
UPLOAD = {"filename": "run.mp4", "size_bytes": 1000, "content_type": "video/mp4"}


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> bytes:
    from poser_pipeline.synthetic.video import write_moving_figure_clip

    path = tmp_path_factory.mktemp("matrix") / "run.mp4"
    write_moving_figure_clip(path, fps=25.0, n_frames=30, seed=3)
    return path.read_bytes()


@dataclass
class World:
    api: TestClient
    alice: dict[str, str]
    bob: dict[str, str]
    analysis_id: str
    mine: dict[str, Any]
    theirs: dict[str, Any]
    confirm_token: str
    run_id: uuid.UUID
    finished_analysis: uuid.UUID
    run_folder: str  # where the run's artifact keys must lie


def _sign_in(api: TestClient, codes: dict[str, str], email: str) -> dict[str, str]:
    api.post("/api/auth/request-code", json={"email": email})
    token = api.post("/api/auth/verify-code", json={"email": email, "code": codes[email]}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def _put(api: TestClient, upload: dict[str, Any], data: bytes) -> None:
    response = api.put(upload["url"], content=data, headers={**upload["headers"], "Content-Type": "video/mp4"})
    assert response.status_code == 200, response.text


@pytest.fixture
def world(factory, tmp_path, clip) -> World:
    codes: dict[str, str] = {}
    app = create_app(
        session_factory=factory,
        internal_token=TOKEN,
        secret_key=SECRET,
        send_code=codes.__setitem__,
        storage=LocalStorage(tmp_path / "storage", SECRET, "http://testserver"),
        send_message=lambda message: None,
    )
    api = TestClient(app)
    alice, bob = _sign_in(api, codes, "alice@example.com"), _sign_in(api, codes, "bob@example.com")
    created = api.post("/api/analyses/create-upload", json={**UPLOAD, "size_bytes": len(clip)}, headers=alice).json()
    _put(api, created["upload"], clip)
    with factory.begin() as session:
        partners.create_partner(session=session, name="Shop", slug="shop", allowed_domains=["shop.example.com"])
        partners.create_partner(session=session, name="Other", slug="other", allowed_domains=["other.example.com"])
    body = {**UPLOAD, "email": "skier@example.com", "size_bytes": len(clip)}
    mine = api.post("/api/embed/shop/submit", json=body, headers={"Origin": SHOP}).json()
    _put(api, mine["upload"], clip)
    theirs = api.post("/api/embed/other/submit", json=body, headers={"Origin": "https://other.example.com"}).json()
    waiting = api.post("/api/embed/shop/submit", json=body, headers={"Origin": SHOP}).json()
    with factory.begin() as session:
        analysis = queries.get_analysis(session=session, analysis_id=uuid.UUID(waiting["analysis_id"]))
        analysis.status = "awaiting_confirmation"
        link = embed.new_confirmation_link(session=session, analysis_id=analysis.id, api_url="http://testserver")
        carol = queries.create_user(session=session, email="carol@example.com")
        carol_analysis = queries.create_analysis(session=session, owner_id=carol.id, filename="c.mp4").id
        run_id = queries.create_run(session=session, analysis_id=carol_analysis).id
        queries.claim_run(session=session, run_id=run_id, worker_id="w1", lease_seconds=3600)  # writes need the lease
        finished = queries.create_analysis(session=session, owner_id=carol.id, filename="done.mp4").id
        queries.create_run(session=session, analysis_id=finished).status = "failed"
        queries.get_analysis(session=session, analysis_id=finished).status = "failed"  # finished: rerunnable
    folder = artifact_key(carol_analysis, run_id, "")
    return World(
        api, alice, bob, created["analysis_id"], mine, theirs, link.split("token=")[1], run_id, finished, folder
    )


# --- one request per cell -------------------------------------------------------------------------


def _public(w: World, method: str, path: str, column: str) -> tuple[str, str, dict[str, Any]]:
    headers = {"anonymous": {}, "another user": w.bob, "owner": w.alice}[column]
    url = path.replace("{analysis_id}", w.analysis_id).replace("{artifact_kind}", "overlay_video")
    bodies = {
        "/api/auth/request-code": {"email": "new@example.com"},
        "/api/auth/verify-code": {"email": "nobody@example.com", "code": "123456"},
        "/api/contact": {"email": "fan@example.com", "message": "hello"},
        "/api/auth/change-email": {"email": "moved@example.com"},
        "/api/analyses/create-upload": UPLOAD,
        f"/api/analyses/{w.analysis_id}/confirm-upload": {},
        f"/api/analyses/{w.analysis_id}/prompt": PROMPT,
    }
    kwargs: dict[str, Any] = {"headers": headers}
    if url in bodies:
        kwargs["json"] = bodies[url]
    if url.endswith("confirm-email-change"):
        kwargs["params"] = {"token": "not-a-token"}
    return method, url, kwargs


def _embed(w: World, method: str, path: str, column: str) -> tuple[str, str, dict[str, Any]]:
    origin = {"other origin": {"Origin": "https://evil.example.com"}, "no origin": {}}.get(column, {"Origin": SHOP})
    token = {"another analysis's token": w.theirs["results_token"], "no token": None}.get(
        column, w.mine["results_token"]
    )
    headers = {**origin, **({"X-Results-Token": token} if token else {})}
    url = path.replace("{partner_slug}", "shop").replace("{analysis_id}", w.mine["analysis_id"])
    kwargs: dict[str, Any] = {"headers": headers}
    if method == "OPTIONS":
        headers["Access-Control-Request-Method"] = "POST"
    elif url.endswith("/submit"):
        kwargs["json"] = {**UPLOAD, "email": "skier2@example.com"}
    elif url.endswith("/upload-complete"):
        kwargs["json"] = {"analysis_id": w.mine["analysis_id"], "prompt": PROMPT}
    return method, url, kwargs


def _links(w: World, method: str, path: str, column: str) -> tuple[str, str, dict[str, Any]]:
    if path.endswith("{token}"):
        token = {"right token": w.mine["results_token"], "wrong token": "not-a-token", "no token": ""}[column]
        return method, path.replace("{token}", token), {}
    params = {"right token": {"token": w.confirm_token}, "wrong token": {"token": "not-a-token"}}.get(column, {})
    return method, path, {"params": params}


def _internal(w: World, method: str, path: str, column: str) -> tuple[str, str, dict[str, Any]]:
    headers = {"right token": {"X-Internal-Token": TOKEN}, "wrong token": {"X-Internal-Token": "guess"}}.get(column, {})
    headers = {**headers, "X-Worker-Id": "w1"}
    unknown_run = any(path.endswith(s) for s in ("/claim", "/heartbeat", "/artifact-uploads"))
    url = path.replace("{run_id}", str(uuid.uuid4() if unknown_run else w.run_id))
    url = url.replace("{analysis_id}", str(w.finished_analysis))
    artifact = {
        "kind": "run_json",
        "storage_key": f"{w.run_folder}run.json",
        "size_bytes": 2,
        "content_type": "application/json",
    }
    bodies = {
        "/claim": {"worker_id": "w1"},
        "/heartbeat": {"worker_id": "w1"},
        "/artifact-uploads": {"worker_id": "w1", "kinds": ["run_json"]},
        "/progress": {"stage": "pose", "percent": 10},
        "/status": {"status": "running"},
        "/frames/batches": {"frames": []},
        "/turn-structure": {"transitions": [], "segments": []},
        "/metrics/run": {"values": []},
        "/metrics/segments": {"values": []},
        "/artifacts": artifact,
    }
    body = next((b for suffix, b in bodies.items() if url.endswith(suffix)), None)
    return method, url, {"headers": headers, **({"json": body} if body is not None else {})}


BUILDERS = dict(zip((s.title for s in SECTIONS), (_public, _embed, _links, _internal), strict=True))


def _snapshot(factory) -> dict[str, list[tuple]]:
    """Every row of every table (the test database is small)."""
    with factory() as session:
        return {
            t.name: sorted(tuple(map(str, row)) for row in session.execute(select(t)))
            for t in Base.metadata.sorted_tables
        }


@pytest.mark.parametrize(
    ("section", "endpoint", "column", "expected"),
    access_matrix.cells(),
    ids=[f"{endpoint} [{column}]" for _, endpoint, column, _ in access_matrix.cells()],
)
def test_access_matrix(world, factory, section, endpoint, column, expected):
    method, path = endpoint.split(" ", 1)
    method, url, kwargs = BUILDERS[section](world, method, path, column)
    before = _snapshot(factory) if expected in REFUSED else None
    response = world.api.request(method, url, **kwargs)
    assert response.status_code == expected, response.text
    if before is not None:
        assert _snapshot(factory) == before, "a refused request changed the database"


# --- the table stays true to the app and the doc --------------------------------------------------

START, END = "<!-- access-matrix:start -->", "<!-- access-matrix:end -->"


def test_the_doc_shows_this_matrix():
    text = DOC.read_text(encoding="utf-8")
    assert START in text and END in text, f"docs/embed.md needs the {START} … {END} block"
    shown = text.split(START, 1)[1].split(END, 1)[0].strip("\n") + "\n"
    assert shown == access_matrix.render(), "docs/embed.md is stale: paste `python -m tests.embed_api.access_matrix`"


def test_every_public_embed_and_internal_route_has_a_row():
    app = create_app(session_factory=None, internal_token=TOKEN)  # type: ignore[arg-type] (schema only)
    routes = {
        f"{method.upper()} {path}"
        for path, operations in app.openapi()["paths"].items()
        for method in operations
        if path.startswith("/api/") and not path.startswith("/api/storage/")
    }
    rows = {row.endpoint for section in SECTIONS for row in section.rows}
    assert routes - rows == set(), "routes without a row in tests/embed_api/access_matrix.py"
    assert {r for r in rows if not r.startswith("OPTIONS")} - routes == set(), "rows for routes that are gone"
