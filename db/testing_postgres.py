"""A throwaway PostgreSQL server for tests and benchmarks (Debian's ``postgresql`` package).

``initdb`` refuses to run as root, so when run as root the cluster is created and started as the
``postgres`` user (``runuser -u postgres --``) in a temporary folder that user owns. The server listens
on a free loopback port with trust authentication and is stopped (``-m immediate``) and removed on exit.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

INSTALL_HINT = (
    "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: run `make test` "
    "(it installs the Debian package `postgresql`), or `apt-get install -y postgresql`; "
    "set POSER_SKIP_POSTGRES=1 to skip the PostgreSQL tests instead."
)


class PostgresUnavailableError(RuntimeError):
    """PostgreSQL cannot be started here (binaries missing); the message says how to fix it."""


def find_pg_bin() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` holding ``initdb`` and ``pg_ctl``, or None."""
    candidates = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")]
    candidates = [p for p in candidates if (p / "initdb").exists() and (p / "pg_ctl").exists()]
    if not candidates:
        return None
    return max(candidates, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_owner(cmd: list[str], user: str | None) -> list[str]:
    return ["runuser", "-u", user, "--", *cmd] if user else cmd


def _run(cmd: list[str], *, timeout: float = 60) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


@contextmanager
def postgres_server(*, durable: bool = False) -> Iterator[str]:
    """Start a PostgreSQL cluster; yield its server URL (``postgresql+psycopg://postgres@127.0.0.1:PORT``).

    With ``durable=False`` (tests) fsync is off; benchmarks pass ``durable=True`` for realistic commits.

    Raises
    ------
    PostgresUnavailableError
        When the server binaries are not installed.
    """
    pg_bin = find_pg_bin()
    if pg_bin is None:
        raise PostgresUnavailableError(INSTALL_HINT)
    user: str | None = None
    if os.geteuid() == 0:
        user = "postgres"
        try:
            pwd.getpwnam(user)
        except KeyError as exc:
            raise PostgresUnavailableError(f"running as root but there is no `postgres` user. {INSTALL_HINT}") from exc
    root = Path(tempfile.mkdtemp(prefix="poser-pg-"))
    data_dir, sock_dir = root / "data", root / "sock"
    sock_dir.mkdir()
    if user is not None:
        entry = pwd.getpwnam(user)
        for path in (root, sock_dir):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    port = _free_port()
    started = False
    try:
        _run(
            _as_owner(
                [
                    str(pg_bin / "initdb"),
                    "-D",
                    str(data_dir),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ],
                user,
            )
        )
        options = f"-p {port} -k {sock_dir} -c listen_addresses=127.0.0.1"
        if not durable:
            options += " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        _run(
            _as_owner(
                [
                    str(pg_bin / "pg_ctl"),
                    "-D",
                    str(data_dir),
                    "-o",
                    options,
                    "-l",
                    str(root / "server.log"),
                    "-w",
                    "start",
                ],
                user,
            )
        )
        started = True
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        if started:
            subprocess.run(
                _as_owner([str(pg_bin / "pg_ctl"), "-D", str(data_dir), "-m", "immediate", "-w", "stop"], user),
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(root, ignore_errors=True)


def create_database(server_url: str, name: str) -> str:
    """Create database ``name`` on the server and return its URL."""
    import psycopg

    conninfo = server_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server_url}/{name}"
