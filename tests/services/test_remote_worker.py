"""A remote worker with no database end to end: real sidecar (uvicorn), real DB, real storage, real clip.

The worker runs in its own process with the database layer made unimportable and no
``DATABASE_URL``; it must leave exactly the rows the in-process database path leaves.
"""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from db import queries
from poser_pipeline import PIPELINE_VERSION
from poser_pipeline.synthetic.video import write_moving_figure_clip
from services.database import open_database
from services.settings import PoserSettings
from services.storage import make_storage
from services.worker import LocalWorker
from tests.ports import free_port
from tests.services.conftest import S3_KEY_ID, S3_REGION, S3_SECRET
from tests.services.stack_helpers import NO_DATABASE_LAUNCHER, REPO, TOKEN, clean_env, sidecar
from tests.services.test_internal_api import snapshot

pytestmark = pytest.mark.usefixtures("clean_settings_env")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("clips") / "descent.mp4"
    truth = write_moving_figure_clip(path, fps=25.0, n_frames=30, seed=4)
    return path, truth[0]


def storage_env(kind: str, request: pytest.FixtureRequest) -> dict[str, str]:
    if kind == "local":
        return {"POSER_STORAGE": "local"}
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = request.getfixturevalue("s3_storage").bucket
    return {
        "POSER_STORAGE": "s3",
        "POSER_S3_BUCKET": bucket,
        "POSER_S3_ENDPOINT_URL": endpoint,
        "POSER_S3_REGION": S3_REGION,
        "AWS_ACCESS_KEY_ID": S3_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": S3_SECRET,
    }


def queue(factory, storage, clip, box) -> uuid.UUID:
    key = f"uploads/{uuid.uuid4()}/{clip.name}"
    storage.put_file(key, clip, content_type="video/mp4")
    with factory.begin() as session:
        analysis = queries.create_analysis(
            session=session,
            owner_id=None,
            filename=clip.name,
            s3_input_key=key,
            bbox_x1=box[0],
            bbox_y1=box[1],
            bbox_x2=box[2],
            bbox_y2=box[3],
            trim_start_seconds=0.0,
            trim_end_seconds=1.2,
            click_normalized_time=0.0,
            status="queued",
        )
        return queries.create_run(session=session, analysis_id=analysis.id).id


@pytest.mark.parametrize("storage_kind", ["local", "s3"])
def test_remote_worker_without_a_database_leaves_the_same_rows(storage_kind, clip, tmp_path, request):
    port = free_port()
    url = f"sqlite:///{tmp_path / 'poser.db'}"
    server_env = clean_env(
        DATABASE_URL=url,
        POSER_DATA_DIR=str(tmp_path / "sidecar-data"),
        POSER_API_URL=f"http://127.0.0.1:{port}",
        POSER_INTERNAL_TOKEN=TOKEN,
        **storage_env(storage_kind, request),
    )
    settings = PoserSettings(**{k.lower().removeprefix("poser_"): v for k, v in server_env.items() if k.isupper()})
    storage = make_storage(settings)
    factory = open_database(url)
    path, box = clip
    direct_run, remote_run = queue(factory, storage, path, box), queue(factory, storage, path, box)
    assert LocalWorker(factory, storage).run_named(direct_run)

    worker_data = tmp_path / "worker-data"
    worker_env = clean_env(
        POSER_WORKER_MODE="remote",
        POSER_API_URL=f"http://127.0.0.1:{port}",
        POSER_INTERNAL_TOKEN=TOKEN,
        POSER_DATA_DIR=str(worker_data),
        POSER_TRACKER="cpu",
    )
    with sidecar(server_env, port, tmp_path / "sidecar.log"):
        worker = subprocess.run(
            [sys.executable, "-c", NO_DATABASE_LAUNCHER, str(remote_run)],
            cwd=REPO,
            env=worker_env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert worker.returncode == 0, worker.stderr[-3000:]
        again = subprocess.run(  # the run is finished: a second worker is refused (409) and says so
            [sys.executable, "-m", "services.remote_worker", str(remote_run)],
            cwd=REPO,
            env=worker_env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert again.returncode == 1 and "skipped" in again.stderr
    assert not (worker_data / "poser.db").exists()

    with factory() as session:
        direct, remote = (queries.get_run(session=session, run_id=r) for r in (direct_run, remote_run))
        assert direct.status == remote.status == "succeeded", remote.error
        assert remote.claimed_by.split(":")[1] != direct.claimed_by.split(":")[1]  # another process did it
        assert (remote.num_frames, remote.fps) == (direct.num_frames, direct.fps)
        assert remote.pipeline_version == direct.pipeline_version == PIPELINE_VERSION
        assert queries.get_analysis(session=session, analysis_id=remote.analysis_id).progress["percent"] == 100
        for kind in ("overlay_video", "centred_video", "frames_csv", "turns_csv", "metrics_csv", "run_json"):
            artifact = queries.get_artifact(session=session, run_id=remote_run, kind=kind)
            assert artifact.storage_key.startswith(f"analyses/{remote.analysis_id}/runs/{remote_run}/")
            assert storage.size(artifact.storage_key) == artifact.size_bytes > 0
        csv_keys = [
            queries.get_artifact(session=session, run_id=r, kind="frames_csv").storage_key
            for r in (direct_run, remote_run)
        ]
    assert storage.read(csv_keys[0]) == storage.read(csv_keys[1])
    rows_direct, rows_remote = snapshot(factory, direct_run), snapshot(factory, remote_run)
    assert len(rows_direct[0]) == 30 and rows_direct == rows_remote
