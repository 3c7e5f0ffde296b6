"""Real servers on loopback for the services tests: moto's S3 server and an aiosmtpd SMTP server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import boto3
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from moto.server import ThreadedMotoServer

from services.settings import get_settings
from services.storage.s3 import S3Storage
from tests.ports import free_port

S3_KEY_ID, S3_SECRET = "testing", "testing"
S3_REGION = "us-east-1"


@pytest.fixture
def clean_settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees another's cached settings, nor the developer's POSER_*/AWS_* environment.

    Not autouse (other modules here share this folder): modules opt in with ``pytestmark``.
    """
    for name in list(os.environ):
        if name.startswith(("POSER_", "AWS_", "SAM2_")) or name == "DATABASE_URL":
            monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server (real HTTP) on 127.0.0.1 and a free port."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_storage(s3_endpoint: str) -> S3Storage:
    """An :class:`S3Storage` on a fresh bucket of the moto server."""
    bucket = f"poser-test-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=S3_REGION,
        aws_access_key_id=S3_KEY_ID,
        aws_secret_access_key=S3_SECRET,
    ).create_bucket(Bucket=bucket)
    return S3Storage(
        bucket, region=S3_REGION, endpoint_url=s3_endpoint, access_key_id=S3_KEY_ID, secret_access_key=S3_SECRET
    )


@dataclass
class _Collector:
    """aiosmtpd handler keeping every envelope it receives."""

    received: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: _Collector

    @property
    def received(self) -> list[tuple[str, list[str], EmailMessage]]:
        return self.handler.received


SMTP_USER, SMTP_PASSWORD = "poser", "mail-secret"


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        SMTP_USER.encode(),
        SMTP_PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that collects messages.

    It offers AUTH LOGIN/PLAIN without TLS (accepting ``SMTP_USER``/``SMTP_PASSWORD``) but does not
    require it, and offers no STARTTLS.
    """
    handler = _Collector()
    port = free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, authenticator=_authenticator, auth_require_tls=False
    )
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, handler)
    finally:
        controller.stop()
