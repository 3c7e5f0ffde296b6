"""Real processes for the worker tests: redis-server, the sidecar under uvicorn, a remote worker.

Helpers, not tests: each starts a real server on a free loopback port and stops it afterwards.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.ports import free_port

REPO = Path(__file__).resolve().parents[2]
TOKEN = "remote-worker-token"

#: Run a remote worker with the database layer made unimportable: any import of it fails the worker.
NO_DATABASE_LAUNCHER = (
    "import sys\n"
    "for name in ('db', 'sqlalchemy', 'psycopg', 'alembic', 'services.database', 'services.reporter'):\n"
    "    sys.modules[name] = None  # import → ImportError\n"
    "from services.remote_worker import main\n"
    "code = main()\n"
    "assert not any(m == 'db' or m.startswith(('db.', 'sqlalchemy')) for m in sys.modules if sys.modules[m]), 'db'\n"
    "raise SystemExit(code)\n"
)


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without any POSER_*/AWS_*/DATABASE_URL, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSER_", "AWS_")) and k != "DATABASE_URL"}
    return env | {"GLOG_minloglevel": "2"} | extra


def wait_for(check: Callable[[], Any], *, timeout_s: float, what: str, every_s: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every_s)
    raise AssertionError(f"timed out waiting for {what}")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def sidecar(env: Mapping[str, str], port: int, log: Path) -> Iterator[str]:
    """``uvicorn embed_api.main:app_from_settings --factory`` on ``port``; yields its base URL."""
    command = [sys.executable, "-m", "uvicorn", "embed_api.main:app_from_settings", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=REPO, env=dict(env), stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: server.poll() is not None or _answers(f"{url}/docs"), timeout_s=60, what="the sidecar")
        assert server.poll() is None, log.read_text()
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


@contextmanager
def redis_server() -> Iterator[str]:
    """Debian's redis-server on a free loopback port, without persistence; yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: run `make test`, which installs Debian's redis-server")
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )

    def up() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            return False

    try:
        wait_for(up, timeout_s=10, what="redis-server", every_s=0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


def celery_worker(env: Mapping[str, str], queues: str, log: Path) -> subprocess.Popen[bytes]:
    """``celery -A services.celery_worker worker -Q <queues>`` (solo pool, one run at a time)."""
    command = [sys.executable, "-m", "celery", "-A", "services.celery_worker", "worker", "-Q", queues]
    command += ["--pool", "solo", "--concurrency", "1", "--loglevel", "info", "--without-gossip", "--without-mingle"]
    with log.open("w") as out:
        return subprocess.Popen(command, cwd=REPO, env=dict(env), stdout=out, stderr=subprocess.STDOUT)
