"""Scratch folders of runs: one per run, named for the process that owns it, cleaned after a crash.

A run works in a temporary folder that holds the clip and every output before they are stored
(hundreds of MB for a long 1080p clip). ``TemporaryDirectory`` removes it when the run ends, but a
worker killed mid-run (``kill -9``, out of memory, a power cut) leaves it behind. The folder's name
carries the owner's process id, so the next worker on the machine removes the folders of processes
that no longer exist.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

PREFIX = "poser-run-"


def scratch_folder() -> tempfile.TemporaryDirectory[str]:
    """A run's scratch folder, removed when the ``with`` block ends."""
    return tempfile.TemporaryDirectory(prefix=f"{PREFIX}{os.getpid()}-")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def remove_abandoned(root: str | Path | None = None) -> list[Path]:
    """Delete the scratch folders under ``root`` (the system's temporary folder) whose process is gone."""
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(f"{PREFIX}*"):
        pid_text = folder.name[len(PREFIX) :].split("-", 1)[0]
        if not folder.is_dir() or not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    if removed:
        log.info("removed %d scratch folder(s) of runs whose worker died", len(removed))
    return removed
