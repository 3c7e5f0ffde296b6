"""Celery + a real Redis server (Debian's redis-server, started here): the same runs, a distributed queue."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from db import queries
from poser_pipeline import PIPELINE_VERSION
from services.database import load_metric_catalog
from services.dispatch import make_dispatcher
from services.settings import get_settings
from services.storage import make_storage
from tests.ports import free_port

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def redis_url():
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: run `make test`, which installs Debian's redis-server")
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


def wait_status(factory, run_id, wanted, timeout_s=120.0) -> str:
    deadline = time.monotonic() + timeout_s
    status = ""
    while time.monotonic() < deadline:
        with factory() as session:
            status = queries.get_run(session=session, run_id=run_id).status
        if status in wanted:
            return status
        time.sleep(0.3)
    raise AssertionError(f"run stayed {status!r}")


def test_celery_worker_runs_dispatched_runs_once(factory, redis_url, tmp_path, monkeypatch):
    load_metric_catalog(factory)
    url = factory.kw["bind"].url.render_as_string(hide_password=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSER_") and k != "DATABASE_URL"}
    env |= {
        "POSER_QUEUE": "celery",
        "POSER_BROKER_URL": redis_url,
        "POSER_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": url,
        "GLOG_minloglevel": "2",
    }
    for name, value in env.items():
        if name.startswith("POSER_") or name == "DATABASE_URL":
            monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    settings = get_settings()
    storage = make_storage(settings)

    from poser_pipeline.synthetic.video import write_moving_figure_clip

    clip = tmp_path / "clip.mp4"
    truth = write_moving_figure_clip(clip, fps=25.0, n_frames=30, seed=12)
    key = f"uploads/{uuid.uuid4()}/clip.mp4"
    storage.put_file(key, clip, content_type="video/mp4")
    with factory.begin() as session:
        analysis = queries.create_analysis(
            session=session,
            owner_id=None,
            filename="clip.mp4",
            s3_input_key=key,
            bbox_x1=truth[0][0],
            bbox_y1=truth[0][1],
            bbox_x2=truth[0][2],
            bbox_y2=truth[0][3],
        )
        run_id = queries.create_run(session=session, analysis_id=analysis.id).id
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "services.celery_worker",
            "worker",
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "--loglevel",
            "warning",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        dispatch = make_dispatcher(settings)
        dispatch(run_id)
        dispatch(run_id)  # a duplicated message: the run is claimed once, the copy is skipped
        assert wait_status(factory, run_id, {"succeeded", "failed"}) == "succeeded"
        time.sleep(1.0)  # let the duplicate be consumed
        with factory() as session:
            runs = queries.list_runs(session=session, analysis_id=analysis.id)
            assert len(runs) == 1 and runs[0].status == "succeeded"
            assert runs[0].pipeline_version == PIPELINE_VERSION
            assert len(queries.list_frames(session=session, run_id=run_id)) == 30
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        get_settings.cache_clear()
