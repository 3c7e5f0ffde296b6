"""Queue routing with a real Redis broker: analyses go to the ``gpu`` queue when GPU workers are configured.

A ``-Q cpu`` worker never takes a ``gpu`` message; a ``-Q gpu`` worker in remote mode (no database,
only the sidecar's URL, the internal token and the broker) runs it end to end through the sidecar.
"""

from __future__ import annotations

import os
import uuid

import pytest
import redis

from db import queries
from services.celery_queue import tracker_for_queues
from services.composition import pipeline_settings
from services.database import open_database
from services.dispatch import make_dispatcher
from services.settings import PoserSettings
from services.storage import LocalStorage
from tests.ports import free_port
from tests.services.stack_helpers import TOKEN, celery_worker, clean_env, redis_server, sidecar, wait_for

pytestmark = pytest.mark.usefixtures("clean_settings_env")


def test_a_gpu_worker_defaults_to_sam2_unless_the_tracker_is_set(monkeypatch):
    assert tracker_for_queues(["cpu"], PoserSettings()) == "auto"
    assert tracker_for_queues(["gpu"], PoserSettings()) == "sam2"
    assert tracker_for_queues(["gpu"], PoserSettings(tracker="cpu")) == "cpu"
    assert tracker_for_queues(["gpu"], PoserSettings(tracker="auto")) == "auto"  # said explicitly: kept
    monkeypatch.setenv("POSER_TRACKER", "cpu")
    assert tracker_for_queues(["fast-gpu"], PoserSettings(gpu_queue="fast-gpu")) == "cpu"
    monkeypatch.delenv("POSER_TRACKER")
    # The choice reaches the pipeline as settings: nothing is written to the environment.
    settings = PoserSettings(gpu_queue="fast-gpu")
    assert pipeline_settings(settings, tracker=tracker_for_queues(["fast-gpu"], settings)).tracker == "sam2"
    assert "POSER_TRACKER" not in os.environ


def test_settings_pick_the_queue():
    assert PoserSettings(queue="celery", broker_url="redis://x").analysis_queue == "cpu"
    assert PoserSettings(queue="celery", broker_url="redis://x", gpu_workers=True).analysis_queue == "gpu"
    with pytest.raises(ValueError, match="POSER_INTERNAL_TOKEN"):
        PoserSettings(worker_mode="remote")


def run_status(factory, run_id: uuid.UUID) -> str:
    with factory() as session:
        return queries.get_run(session=session, run_id=run_id).status


def queue_run(factory, storage, clip, box) -> uuid.UUID:
    key = f"uploads/{uuid.uuid4()}/clip.mp4"
    storage.put_file(key, clip, content_type="video/mp4")
    with factory.begin() as session:
        analysis = queries.create_analysis(
            session=session,
            owner_id=None,
            filename="clip.mp4",
            s3_input_key=key,
            bbox_x1=box[0],
            bbox_y1=box[1],
            bbox_x2=box[2],
            bbox_y2=box[3],
            status="queued",
        )
        return queries.create_run(session=session, analysis_id=analysis.id).id


def test_gpu_routed_runs_wait_for_a_gpu_worker(tmp_path):
    from poser_pipeline.synthetic.video import write_moving_figure_clip

    clip = tmp_path / "clip.mp4"
    box = write_moving_figure_clip(clip, fps=25.0, n_frames=20, seed=7)[0]
    port, data = free_port(), tmp_path / "data"
    url = f"sqlite:///{tmp_path / 'poser.db'}"
    factory = open_database(url)
    storage = LocalStorage(root=data / "storage", secret_key="route-secret", base_url=f"http://127.0.0.1:{port}")
    gpu_run, cpu_run = queue_run(factory, storage, clip, box), queue_run(factory, storage, clip, box)
    workers = []
    with redis_server() as broker:
        common = {"POSER_QUEUE": "celery", "POSER_BROKER_URL": broker, "POSER_INTERNAL_TOKEN": TOKEN}
        common |= {"POSER_SECRET_KEY": "route-secret", "POSER_API_URL": f"http://127.0.0.1:{port}"}
        make_dispatcher(
            PoserSettings(**{k.lower().removeprefix("poser_"): v for k, v in common.items()}, gpu_workers=True)
        )(gpu_run)
        make_dispatcher(PoserSettings(**{k.lower().removeprefix("poser_"): v for k, v in common.items()}))(cpu_run)
        queues = redis.Redis.from_url(broker)
        assert (queues.llen("gpu"), queues.llen("cpu")) == (1, 1)
        server_env = clean_env(DATABASE_URL=url, POSER_DATA_DIR=str(data), **common)
        try:
            workers.append(celery_worker(server_env | {"POSER_TRACKER": "cpu"}, "cpu", tmp_path / "cpu.log"))
            # The cpu worker is up and consuming once it finished its own run; the gpu message is untouched.
            wait_for(lambda: run_status(factory, cpu_run) in ("succeeded", "failed"), timeout_s=120, what="cpu run")
            assert run_status(factory, cpu_run) == "succeeded"
            assert run_status(factory, gpu_run) == "queued" and queues.llen("gpu") == 1

            with sidecar(server_env, port, tmp_path / "sidecar.log"):
                remote_env = clean_env(POSER_WORKER_MODE="remote", POSER_TRACKER="cpu", **common)
                remote_env["POSER_DATA_DIR"] = str(tmp_path / "gpu-data")
                workers.append(celery_worker(remote_env, "gpu", tmp_path / "gpu.log"))
                wait_for(lambda: run_status(factory, gpu_run) in ("succeeded", "failed"), timeout_s=120, what="gpu run")
                assert run_status(factory, gpu_run) == "succeeded", (tmp_path / "gpu.log").read_text()[-3000:]
                assert queues.llen("gpu") == 0
                assert "tracker cpu, mode remote" in (tmp_path / "gpu.log").read_text()
            assert not (tmp_path / "gpu-data" / "poser.db").exists()  # the gpu worker never opened a database

            sam2 = {k: v for k, v in remote_env.items() if k != "POSER_TRACKER"}
            workers.append(celery_worker(sam2, "gpu", tmp_path / "sam2.log"))
            wait_for(lambda: "tracker sam2" in (tmp_path / "sam2.log").read_text(), timeout_s=60, what="sam2 log")
        finally:
            for worker in workers:
                worker.terminate()
                worker.wait(timeout=20)
    with factory() as session:
        gpu, cpu = (queries.get_run(session=session, run_id=r) for r in (gpu_run, cpu_run))
        assert gpu.claimed_by != cpu.claimed_by and gpu.num_frames == cpu.num_frames == 20
