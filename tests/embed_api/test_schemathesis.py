"""Property-based requests from the sidecar's own OpenAPI schema (schemathesis), on a real SQLite database.

Every operation gets a bounded, derandomised set of generated requests, sent with a signed-in
user's bearer token, an allowed partner ``Origin`` and the internal token, so the handlers run past
their checks. Each response must not be a 5xx and must match the schema (body, content type,
headers). Undocumented status codes (401/403/404/409…) are not failures here: the authorisation
matrix pins those.
"""

from __future__ import annotations

import time
import uuid

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from db import queries
from db.engine import make_engine, make_session_factory, migrate
from embed_api.main import create_app
from services import partners
from services.storage.local import LocalStorage

CODES: dict[str, str] = {}
HEADERS: dict[str, str] = {}
#: Real ids substituted into generated paths (random ones would only ever meet 404).
IDS: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    folder = tmp_path_factory.mktemp("schemathesis")
    url = f"sqlite:///{folder / 'poser.db'}"
    migrate(url)
    factory = make_session_factory(make_engine(url))
    with factory.begin() as session:
        partners.create_partner(session=session, name="Shop", slug="shop", allowed_domains=["shop.example.com"])
    app = create_app(
        session_factory=factory,
        internal_token="internal",
        secret_key="s",
        send_code=CODES.__setitem__,
        storage=LocalStorage(folder / "storage", "s", "http://testserver"),
        send_message=lambda message: None,
        embed_submissions_per_client_per_hour=10_000,
        send_email_change=lambda email, token: None,
    )
    client = TestClient(app)
    client.post("/api/auth/request-code", json={"email": "fuzz@example.com"})
    token = client.post("/api/auth/verify-code", json={"email": "fuzz@example.com", "code": CODES["fuzz@example.com"]})
    HEADERS.update(
        {
            "Authorization": f"Bearer {token.json()['token']}",
            "Origin": "https://shop.example.com",
            "X-Internal-Token": "internal",
        }
    )
    created = client.post(
        "/api/analyses/create-upload",
        json={"filename": "a.mp4", "size_bytes": 10, "content_type": "video/mp4"},
        headers={"Authorization": HEADERS["Authorization"]},
    ).json()
    with factory.begin() as session:
        run = queries.create_run(session=session, analysis_id=uuid.UUID(created["analysis_id"]))
        IDS.update({"analysis_id": created["analysis_id"], "run_id": str(run.id), "partner_slug": "shop"})
    return schemathesis.openapi.from_asgi("/openapi.json", app)


SETTINGS = settings(
    max_examples=20, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck), database=None
)


CHECKS = [
    checks.not_a_server_error,
    checks.response_schema_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
]


def _exercise(operation) -> None:
    """Up to ``SETTINGS.max_examples`` generated requests to one operation, each validated."""

    @SETTINGS
    @given(case=operation.as_strategy())
    def run(case) -> None:
        for name in set(case.path_parameters or {}) & set(IDS):
            if case.method != "DELETE":  # deleting the shared analysis would leave later operations only 404s
                case.path_parameters[name] = IDS[name]
        case.call_and_validate(headers={**(case.headers or {}), **HEADERS}, checks=CHECKS)

    run()


def test_the_api_honours_its_schema(api_schema):
    failures: dict[str, str] = {}
    took: dict[str, float] = {}  # seconds per operation, shown when the test fails
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:
        t0 = time.monotonic()
        try:
            _exercise(operation)
        except (Exception, BaseExceptionGroup) as exc:
            failures[operation.label] = f"{type(exc).__name__}: {str(exc)[:1500]}"
        took[operation.label] = round(time.monotonic() - t0, 2)
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items()) + f"\n\nseconds: {took}"
