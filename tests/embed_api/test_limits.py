"""Rate limits on widget submissions (per client address, per partner) and the JSON body-size limit."""

from __future__ import annotations

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from db.models import Analysis
from embed_api.body_limit import BodyLimit
from embed_api.main import create_app
from services import partners
from services.rate_limit import RateLimiter, client_address
from services.storage.local import LocalStorage

SHOP = {"Origin": "https://shop.example.com"}
BODY = {"email": "skier@example.com", "filename": "run.mp4", "size_bytes": 1000, "content_type": "video/mp4"}


def _client(factory, tmp_path, **limits) -> TestClient:
    app = create_app(
        session_factory=factory,
        internal_token="t",
        secret_key="s",
        storage=LocalStorage(tmp_path / "storage", "s", "http://testserver"),
        **limits,
    )
    with factory.begin() as session:
        for slug in ("shop", "other"):
            partners.create_partner(session=session, name=slug, slug=slug, allowed_domains=[f"{slug}.example.com"])
    return TestClient(app)


def _analyses(factory) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(Analysis))


def test_submissions_are_limited_per_client_address(factory, tmp_path):
    api = _client(factory, tmp_path, embed_submissions_per_client_per_hour=3)
    for _ in range(3):
        assert api.post("/api/embed/shop/submit", json=BODY, headers=SHOP).status_code == 201
    refused = api.post("/api/embed/shop/submit", json=BODY, headers=SHOP)
    assert refused.status_code == 429 and refused.json()["detail"]["reason"] == "rate_limited"
    assert "from your network" in refused.json()["detail"]["message"]
    assert refused.headers["access-control-allow-origin"] == SHOP["Origin"]  # the widget can read why
    other = api.post("/api/embed/other/submit", json=BODY, headers={"Origin": "https://other.example.com"})
    assert other.status_code == 429  # the same address through another partner: still this address
    assert _analyses(factory) == 3


def test_submissions_are_limited_per_partner(factory, tmp_path):
    api = _client(factory, tmp_path, embed_submissions_per_partner_per_hour=2)
    for _ in range(2):
        assert api.post("/api/embed/shop/submit", json=BODY, headers=SHOP).status_code == 201
    refused = api.post("/api/embed/shop/submit", json=BODY, headers=SHOP)
    assert refused.status_code == 429 and "This site has sent too many clips" in refused.json()["detail"]["message"]
    other = api.post("/api/embed/other/submit", json=BODY, headers={"Origin": "https://other.example.com"})
    assert other.status_code == 201  # another partner has its own quota
    assert _analyses(factory) == 3


def test_rate_limiter_window_slides():
    limiter = RateLimiter(limit=2, window_s=10)
    assert [limiter.hit("a", now=t) for t in (0, 1, 2)] == [True, True, False]
    assert limiter.hit("b", now=2)  # keys are separate
    assert limiter.hit("a", now=10.5) and not limiter.hit("a", now=10.6)  # the first hit left the window


@pytest.mark.parametrize(
    ("path", "origin"),
    [("/api/embed/shop/submit", SHOP), ("/api/contact", {}), ("/api/auth/request-code", {})],
)
def test_large_json_bodies_are_refused_with_413(factory, tmp_path, path, origin):
    api = _client(factory, tmp_path, max_json_body_bytes=2048)
    big = {**BODY, "message": "x" * 4000, "name": "n"}
    declared = api.post(path, json=big, headers=origin)
    assert declared.status_code == 413, declared.text
    assert "larger than 2048 bytes" in declared.json()["detail"]

    def chunks():  # no Content-Length: counted as it arrives
        yield b'{"email": "skier@example.com", "message": "'
        for _ in range(10):
            yield b"x" * 400
        yield b'"}'

    streamed = api.post(path, content=chunks(), headers={**origin, "Content-Type": "application/json"})
    assert streamed.status_code == 413, streamed.text
    assert _analyses(factory) == 0
    assert api.post(path, json={**BODY, "message": "hello"}, headers=origin).status_code < 300  # small ones pass


def test_internal_bodies_have_their_own_larger_cap_even_without_a_token():
    """FastAPI reads a body before the token check runs: the cap protects the sidecar from anyone."""
    inner = FastAPI()

    @inner.post("/api/internal/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    inner.add_middleware(BodyLimit, limit=100, internal_limit=1000)
    api = TestClient(inner)
    assert api.post("/api/internal/echo", content=b"x" * 900).json() == {"bytes": 900}  # over the JSON cap: fine
    refused = api.post("/api/internal/echo", content=b"x" * 1001)
    assert refused.status_code == 413 and "1000 bytes" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("peer", "header", "key"),
    [
        ("127.0.0.1", "203.0.113.7", "203.0.113.7"),  # behind the local proxy: the header names the client
        ("10.0.0.5", " 198.51.100.2 ", "198.51.100.2"),
        ("81.2.69.160", "1.2.3.4", "81.2.69.160"),  # a client on the internet cannot pick its own key
        ("127.0.0.1", "not-an-ip", "127.0.0.1"),
        ("127.0.0.1", None, "127.0.0.1"),
        (object(), "1.2.3.4", "unknown"),
    ],
)
def test_the_rate_limit_key_believes_x_real_ip_only_from_a_proxy(peer, header, key):
    assert client_address(peer, header) == key
