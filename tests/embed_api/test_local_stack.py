"""`make run`'s stack for real: the sidecar under uvicorn and worker processes, over HTTP.

Marked slow: it starts servers and runs the pipeline in other processes.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from poser_pipeline.synthetic.video import write_moving_figure_clip
from tests.ports import free_port

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def wait_for(check, *, timeout_s: float, what: str, every_s: float = 0.2):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every_s)
    raise AssertionError(f"timed out waiting for {what}")


def stack_env(tmp_path: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSER_", "AWS_")) and k != "DATABASE_URL"}
    env |= {
        "POSER_DATA_DIR": str(tmp_path / "data"),
        "POSER_API_PORT": str(port),
        "POSER_STUDIO_PORT": str(free_port()),
        "POSER_API_URL": f"http://127.0.0.1:{port}",
        "POSER_INTERNAL_TOKEN": "stack-token",
        "POSER_WORKER_LEASE_S": "3",
        "GLOG_minloglevel": "2",
    }
    return env


def latest_code(mail_log: Path, email: str) -> str:
    text = mail_log.read_text() if mail_log.exists() else ""
    blocks = [b for b in text.split("\n\n\n") if email in b]
    found = re.findall(r"\b(\d{6})\b", blocks[-1]) if blocks else []
    return found[-1] if found else ""


def sign_in(client: httpx.Client, mail_log: Path, email: str) -> dict[str, str]:
    assert client.post("/api/auth/request-code", json={"email": email}).status_code == 200
    code = wait_for(lambda: latest_code(mail_log, email), timeout_s=5, what="the code in mail.log")
    token = client.post("/api/auth/verify-code", json={"email": email, "code": code}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def submit(client: httpx.Client, auth: dict[str, str], clip: Path, box) -> str:
    new = client.post(
        "/api/analyses/create-upload",
        json={"filename": clip.name, "size_bytes": clip.stat().st_size, "content_type": "video/mp4"},
        headers=auth,
    ).json()
    put = httpx.put(new["upload"]["url"], content=clip.read_bytes(), headers=new["upload"]["headers"], timeout=30)
    assert put.status_code == 200, put.text
    prompt = {"bbox": list(box), "trim_start_seconds": 0.0, "trim_end_seconds": 1.5, "click_normalized_time": 0.0}
    confirmed = client.post(f"/api/analyses/{new['analysis_id']}/confirm-upload", json={"prompt": prompt}, headers=auth)
    assert confirmed.status_code == 200, confirmed.text
    return new["analysis_id"]


def status_of(client, auth, analysis_id) -> dict:
    return client.get(f"/api/analyses/{analysis_id}", headers=auth).json()


def test_make_run_stack_analyses_an_upload_end_to_end(tmp_path):
    port = free_port()
    clip = tmp_path / "descent.mp4"
    truth = write_moving_figure_clip(clip, fps=25.0, n_frames=40, seed=9)
    stack = subprocess.Popen(
        ["scripts/run-local.sh"],
        cwd=REPO,
        env=stack_env(tmp_path, port),
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
        wait_for(lambda: _up(client), timeout_s=60, what="the API")
        auth = sign_in(client, tmp_path / "data" / "mail.log", "stack@example.com")
        analysis_id = submit(client, auth, clip, truth[0])
        done = wait_for(
            lambda: status_of(client, auth, analysis_id)["status"] in ("succeeded", "failed"),
            timeout_s=120,
            what="the run",
            every_s=0.5,
        )
        detail = status_of(client, auth, analysis_id)
        assert done and detail["status"] == "succeeded", detail
        assert detail["progress"]["percent"] == 100
        video = client.get(f"/api/analyses/{analysis_id}/download/overlay_video", headers=auth, follow_redirects=True)
        assert video.status_code == 200 and video.content[4:8] == b"ftyp"
        assert "results are ready" in (tmp_path / "data" / "mail.log").read_text()
    finally:
        os.killpg(stack.pid, signal.SIGTERM)
        stack.wait(timeout=20)


def _up(client: httpx.Client) -> bool:
    try:
        return client.get("/docs").status_code == 200
    except httpx.TransportError:
        return False


def test_a_killed_worker_leaves_a_failed_run_and_a_rerun_succeeds(tmp_path):
    port = free_port()
    env = stack_env(tmp_path, port)
    clip = tmp_path / "long.mp4"
    truth = write_moving_figure_clip(clip, fps=25.0, n_frames=150, seed=10, width=480, height=360)
    python = sys.executable
    api = subprocess.Popen(
        [python, "-m", "uvicorn", "embed_api.main:app_from_settings", "--factory", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: list[subprocess.Popen] = []
    try:
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
        wait_for(lambda: _up(client), timeout_s=60, what="the API")
        auth = sign_in(client, tmp_path / "data" / "mail.log", "unlucky@example.com")
        analysis_id = submit(client, auth, clip, truth[0])
        workers.append(
            subprocess.Popen(
                [python, "-m", "services.worker"],
                cwd=REPO,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_for(
            lambda: status_of(client, auth, analysis_id)["status"] == "running",
            timeout_s=60,
            what="running",
            every_s=0.05,
        )
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(timeout=10)
        workers.append(
            subprocess.Popen(
                [python, "-m", "services.worker"],
                cwd=REPO,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_for(
            lambda: status_of(client, auth, analysis_id)["status"] == "failed",
            timeout_s=30,
            what="the stale run to fail",
        )
        failed = status_of(client, auth, analysis_id)["latest_run"]
        assert "stopped responding" in failed["error"]
        rerun = client.post(
            f"/api/internal/analyses/{analysis_id}/reprocessings", headers={"X-Internal-Token": "stack-token"}
        )
        assert rerun.status_code == 201
        wait_for(
            lambda: status_of(client, auth, analysis_id)["status"] == "succeeded",
            timeout_s=120,
            what="the rerun",
            every_s=0.5,
        )
        assert status_of(client, auth, analysis_id)["latest_run"]["run_number"] == 2
    finally:
        for process in [*workers, api]:
            process.kill()
            process.wait(timeout=10)
