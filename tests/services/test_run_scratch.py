"""A killed worker's scratch folder is removed by the next worker; a live one's is kept.

Real parts: the filesystem and real processes (one started and killed with SIGKILL).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from services import run_scratch


def test_a_killed_workers_scratch_is_removed_and_a_live_ones_kept(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    child.send_signal(signal.SIGKILL)
    child.wait()
    dead = tmp_path / f"{run_scratch.PREFIX}{child.pid}-abc123"
    (dead / "out").mkdir(parents=True)
    (dead / "out" / "overlay.mp4").write_bytes(b"\0" * 1024)
    live = tmp_path / f"{run_scratch.PREFIX}{os.getpid()}-def456"
    live.mkdir()
    other = tmp_path / "poser-confirm-xyz"  # not a run's scratch
    other.mkdir()
    assert run_scratch.remove_abandoned(tmp_path) == [dead]
    assert not dead.exists() and live.exists() and other.exists()


def test_a_runs_scratch_folder_names_its_process_and_goes_with_the_run():
    with run_scratch.scratch_folder() as folder:
        assert os.path.basename(folder).startswith(f"{run_scratch.PREFIX}{os.getpid()}-")
        assert os.path.isdir(folder)
        removed = run_scratch.remove_abandoned(os.path.dirname(folder))  # another worker's round meanwhile
        assert os.path.isdir(folder) and all(str(p) != folder for p in removed)
    assert not os.path.exists(folder)
