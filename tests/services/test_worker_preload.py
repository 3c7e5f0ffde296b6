"""A long-lived worker imports MediaPipe when it starts, not in the middle of its first analysis."""

from __future__ import annotations

import subprocess
import sys

from services import worker as worker_module
from services.storage import LocalStorage
from services.worker import LocalWorker


def test_preload_imports_mediapipe():
    code = (
        "import sys\n"
        "from poser_pipeline.pose.model import preload\n"
        "assert 'mediapipe' not in sys.modules, 'imported too early'\n"
        "preload()\n"
        "assert 'mediapipe' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_the_worker_loop_preloads_before_its_first_poll(factory, tmp_path, monkeypatch):
    events: list[str] = []
    monkeypatch.setattr(worker_module, "preload_pose", lambda: events.append("preload"))
    worker = LocalWorker(
        factory, LocalStorage(root=tmp_path, secret_key="test-secret", base_url="http://127.0.0.1:8000")
    )

    def poll_once():
        events.append("poll")
        worker.stop()

    monkeypatch.setattr(worker, "run_once", poll_once)
    worker.run_forever(poll_s=0.01)
    assert events == ["preload", "poll"]
