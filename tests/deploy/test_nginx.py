"""deploy/nginx/poser.conf.template in front of a real sidecar and a real studio, with Debian's nginx.

nginx runs as the current user on a free loopback port, with its prefix, pid, logs and temp
folders under the test's tmp folder (``daemon off``, killed afterwards).
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from string import Template

import httpx
import pytest

from tests.ports import free_port
from tests.services.stack_helpers import REPO, TOKEN, clean_env, sidecar, wait_for

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TEMPLATE = REPO / "deploy" / "nginx" / "poser.conf.template"
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455


def render_template(listen: str, studio: str, api: str) -> str:
    """The template as the nginx image's envsubst renders it (only these three variables)."""
    values = {"NGINX_PORT": listen, "POSER_STUDIO_UPSTREAM": studio, "POSER_API_UPSTREAM": api}
    return Template(TEMPLATE.read_text()).safe_substitute(values)


def nginx_conf(prefix: Path, server_block: Path) -> str:
    """A whole nginx.conf around the server block, every path under ``prefix``."""
    temp = {name: prefix / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(parents=True, exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""  # as root, workers would otherwise drop to nobody
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {prefix / 'nginx.pid'};\n"
        f"error_log {prefix / 'error.log'} warn;\n"
        "events { worker_connections 64; }\n"
        "http {\n"
        f"  access_log {prefix / 'access.log'};\n"
        f"  client_body_temp_path {temp['client_body']};\n  proxy_temp_path {temp['proxy']};\n"
        f"  fastcgi_temp_path {temp['fastcgi']};\n  uwsgi_temp_path {temp['uwsgi']};\n"
        f"  scgi_temp_path {temp['scgi']};\n"
        f"  include {server_block};\n"
        "}\n"
    )


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture
def studio(tmp_path: Path) -> Iterator[int]:
    """``streamlit run streamlit_app.py`` on a free loopback port; yields the port."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true"]
    command += ["--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"]
    env = clean_env(POSER_DATA_DIR=str(tmp_path / "data"))
    log = tmp_path / "streamlit.log"
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(
            lambda: server.poll() is not None or _healthy(f"http://127.0.0.1:{port}/_stcore/health"),
            timeout_s=60,
            what="the studio",
        )
        assert server.poll() is None, log.read_text()
        yield port
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture
def proxy(tmp_path: Path, studio: int) -> Iterator[str]:
    """nginx with the deploy template in front of the studio and a sidecar; yields nginx's URL."""
    if not Path(NGINX).exists():
        pytest.fail("nginx is not installed: run `make test`, which installs Debian's nginx")
    api_port, port = free_port(), free_port()
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    server_block = prefix / "poser.conf"
    server_block.write_text(render_template(f"127.0.0.1:{port}", f"127.0.0.1:{studio}", f"127.0.0.1:{api_port}"))
    (prefix / "nginx.conf").write_text(nginx_conf(prefix, server_block))
    env = clean_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'poser.db'}",
        POSER_DATA_DIR=str(tmp_path / "data"),
        POSER_INTERNAL_TOKEN=TOKEN,
        POSER_API_URL=f"http://127.0.0.1:{port}",
    )
    check = subprocess.run([NGINX, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")], capture_output=True)
    assert check.returncode == 0, check.stderr.decode()
    with sidecar(env, api_port, tmp_path / "sidecar.log"):
        nginx = subprocess.Popen(
            [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: nginx.poll() is not None or _healthy(f"{url}/_stcore/health"), timeout_s=20, what="nginx")
            assert nginx.poll() is None, (prefix / "error.log").read_text()
            yield url
        finally:
            nginx.terminate()
            nginx.wait(timeout=20)


def websocket_handshake(url: str, path: str) -> tuple[str, dict[str, str], str]:
    """An RFC 6455 opening handshake over a raw socket: (status line, headers, the key sent)."""
    host, port = url.removeprefix("http://").split(":")
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request.encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
    return head[0], {k.lower(): v for k, v in headers.items()}, key


def test_nginx_serves_the_studio_and_the_sidecar_on_one_origin(proxy: str):
    with httpx.Client(base_url=proxy, timeout=10) as client:
        api = client.get("/api/analyses")  # the sidecar: no session → its JSON 401
        assert api.status_code == 401 and api.headers["content-type"] == "application/json"
        assert "detail" in api.json()
        internal = client.post(f"/api/internal/analysis-runs/{'0' * 32}/claim", json={"worker_id": "w"})
        assert internal.status_code == 401  # reachable for remote workers, guarded by the token
        widget = client.get("/embed/widget.js")
        assert widget.status_code == 200 and "javascript" in widget.headers["content-type"] and widget.text
        assert client.get("/openapi.json").json()["info"]["title"] == "Poser API"
        studio = client.get("/")
        assert studio.status_code == 200 and "text/html" in studio.headers["content-type"]
        assert '<div id="root"' in studio.text  # Streamlit's page shell
    status, headers, key = websocket_handshake(proxy, "/_stcore/stream")
    assert status.split(" ")[1] == "101", status
    accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
    assert headers["upgrade"].lower() == "websocket" and headers["sec-websocket-accept"] == accept
