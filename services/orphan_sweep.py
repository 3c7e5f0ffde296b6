"""Sweep stored objects that no row points to: late uploads, outputs of deleted analyses.

Rows are the truth; storage can hold more than they know. A presigned S3 upload URL cannot be
revoked, so a PUT after its analysis was confirmed or deleted still stores a file; a worker that
was computing while its analysis was deleted uploads outputs after the rows are gone; a crash
between a committed delete and the storage delete leaves the objects. Each is found here by
listing the two key folders and comparing with the database.

An object is live when it is

- the upload of an analysis still ``uploading`` (the browser's PUT lands there),
- an analysis's checked clip (``analyses.s3_input_key``),
- a registered artifact, or any object in the folder of a run still queued or running
  (its outputs are uploaded before they are registered).

Anything else older than ``grace`` goes. The grace period outlasts a presigned URL and the time
between an output's upload and its row, so nothing in flight is taken.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Analysis, AnalysisRun, AnalysisStatus, Artifact, RunStatus, Upload, utcnow
from services.storage import Storage
from services.uploads import UPLOAD_PREFIX

log = logging.getLogger(__name__)

ANALYSES_PREFIX = "analyses/"
#: Longer than an upload link lives (15 min) and than a run takes from uploading outputs to registering them.
DEFAULT_GRACE = timedelta(hours=1)


def live_keys(*, session: Session) -> tuple[set[str], set[str]]:
    """``(keys, run folders)`` the database points to; every object under a run folder is live."""
    keys: set[str] = set(
        session.scalars(
            select(Upload.storage_key)
            .join(Analysis, Analysis.id == Upload.analysis_id)
            .where(Analysis.status == AnalysisStatus.UPLOADING.value)
        )
    )
    keys |= set(session.scalars(select(Analysis.s3_input_key).where(Analysis.s3_input_key.is_not(None))))
    keys |= set(session.scalars(select(Artifact.storage_key)))
    active = session.execute(
        select(AnalysisRun.analysis_id, AnalysisRun.id).where(
            AnalysisRun.status.in_([RunStatus.QUEUED.value, RunStatus.RUNNING.value])
        )
    ).all()
    return keys, {_run_folder(analysis_id, run_id) for analysis_id, run_id in active}


def _run_folder(analysis_id: uuid.UUID, run_id: uuid.UUID) -> str:
    return f"{ANALYSES_PREFIX}{analysis_id}/runs/{run_id}/"


def _folder_of(key: str) -> str:
    """``analyses/<a>/runs/<r>/`` for a run output's key, else ``""``."""
    parts = key.split("/")
    return "/".join(parts[:4]) + "/" if len(parts) > 4 and parts[2] == "runs" else ""


def find_orphans(
    *,
    session_factory: sessionmaker[Session],
    storage: Storage,
    now: datetime | None = None,
    grace: timedelta = DEFAULT_GRACE,
) -> list[str]:
    """Keys of stored objects no row points to, written more than ``grace`` ago (sorted)."""
    cutoff = (now or utcnow()) - grace
    # List first, then read the rows: an object written after the listing is not seen, and a row
    # committed before the read is, so a live object is never judged against an older snapshot.
    listed = [obj for prefix in (UPLOAD_PREFIX, ANALYSES_PREFIX) for obj in storage.list_objects(prefix)]
    with session_factory() as session:
        keys, run_folders = live_keys(session=session)
    return sorted(
        obj.key
        for obj in listed
        if obj.key not in keys and obj.modified_at < cutoff and _folder_of(obj.key) not in run_folders
    )


def sweep_orphans(
    *,
    session_factory: sessionmaker[Session],
    storage: Storage,
    now: datetime | None = None,
    grace: timedelta = DEFAULT_GRACE,
) -> list[str]:
    """Delete the objects :func:`find_orphans` finds; returns their keys."""
    orphans = find_orphans(session_factory=session_factory, storage=storage, now=now, grace=grace)
    if orphans:
        storage.delete(orphans)
        log.info("swept %d stored object(s) no row points to", len(orphans))
    return orphans
