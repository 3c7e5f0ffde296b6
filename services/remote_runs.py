"""The sidecar's side of remote workers: leases over HTTP and presigned URLs for a run's files.

A remote worker has no database credentials. It claims a run here (the same
atomic conditional update a local worker uses), gets the run's input and a
presigned GET URL of the clip, renews its lease, and asks for presigned PUT URLs
for its artifacts. Every call is safe to retry: a worker re-claiming a run it
already holds gets the same answer and a renewed lease, and artifact keys are
fixed per run and kind.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from db import queries
from db.models import utcnow
from db.vocabulary import RunStatus
from poser_pipeline.errors import PoserInputError
from services import run_payloads
from services.run_input import RunInput, artifact_key
from services.storage import Storage

#: Presigned URLs given to workers live this long, seconds: a download starts at once, uploads follow a run.
WORKER_URL_EXPIRES_S = 3600
#: Largest artifact a worker may upload through a local-storage URL, bytes.
ARTIFACT_MAX_BYTES = 2 * 1024**3


class RunUnavailableError(Exception):
    """The run exists but this worker may not work on it (another holds it, or it has ended)."""


@dataclass(frozen=True)
class Claim:
    """What a worker gets when it holds a run's lease."""

    run_id: uuid.UUID
    analysis_id: uuid.UUID
    worker_id: str
    lease_expires_at: datetime | None
    spec: RunInput | None
    input_error: str | None
    clip_url: str | None


def _sweep(factory: sessionmaker[Session]) -> None:
    """Fail runs whose worker stopped heartbeating (remote-only deployments have no local sweeper)."""
    with factory.begin() as session:
        queries.fail_stale_runs(session=session)


def _refusal(run: Any, worker_id: str) -> str:
    if run.status == RunStatus.RUNNING:
        return (
            f"run {run.id} is held by worker {run.claimed_by!r} until {run.lease_expires_at:%Y-%m-%d %H:%M:%S}Z"
            if run.lease_expires_at is not None
            else f"run {run.id} is held by worker {run.claimed_by!r}"
        )
    return f"run {run.id} is {run.status}, not queued: {worker_id!r} cannot take it"


def claim(
    factory: sessionmaker[Session], storage: Storage, *, run_id: uuid.UUID, worker_id: str, lease_s: float
) -> Claim:
    """Take ``run_id`` for ``worker_id`` (or renew it when that worker already holds it).

    Raises ``LookupError`` for an unknown run and :class:`RunUnavailableError` when another worker holds
    a live lease or the run has ended. An analysis that cannot be analysed (no box, no upload) is still
    claimed, with ``input_error`` set: the worker reports the failure as a local worker would.
    """
    _sweep(factory)
    with factory.begin() as session:
        run = queries.get_run(session=session, run_id=run_id)
        if run is None:
            raise LookupError(f"no analysis run {run_id}")
        if run.status == RunStatus.QUEUED:
            run = queries.claim_run(session=session, run_id=run_id, worker_id=worker_id, lease_seconds=lease_s)
        elif run.status == RunStatus.RUNNING and run.claimed_by == worker_id:  # a retried claim: same answer
            queries.heartbeat(session=session, run_id=run_id, worker_id=worker_id, lease_seconds=lease_s)
            session.refresh(run)
        else:
            raise RunUnavailableError(_refusal(run, worker_id))
        if run is None:  # another worker won the race between our read and our update
            raise RunUnavailableError(f"run {run_id} was just taken by another worker")
        analysis = queries.get_analysis(session=session, analysis_id=run.analysis_id)
        spec, error = None, None
        try:
            spec = RunInput.from_analysis(analysis)
        except PoserInputError as exc:
            error = str(exc)
        claimed = Claim(run.id, run.analysis_id, worker_id, run.lease_expires_at, spec, error, None)
    if spec is None:
        return claimed
    url = storage.presign_download(spec.input_key, expires_s=WORKER_URL_EXPIRES_S)
    return replace(claimed, clip_url=url)


def renew(factory: sessionmaker[Session], *, run_id: uuid.UUID, worker_id: str, lease_s: float) -> datetime | None:
    """Renew ``worker_id``'s lease on ``run_id``; the new expiry. Raises like :func:`claim` when not held."""
    _sweep(factory)
    with factory.begin() as session:
        run = queries.get_run(session=session, run_id=run_id)
        if run is None:
            raise LookupError(f"no analysis run {run_id}")
        if not queries.heartbeat(session=session, run_id=run_id, worker_id=worker_id, lease_seconds=lease_s):
            raise RunUnavailableError(_refusal(run, worker_id))
        session.refresh(run)
        return run.lease_expires_at


@dataclass(frozen=True)
class UploadTarget:
    """Where a worker PUTs one artifact: exactly ``method url`` with ``headers``."""

    kind: str
    storage_key: str
    content_type: str
    url: str
    method: str
    headers: dict[str, str]
    expires_at: int


def check_holder(session: Session, *, run_id: uuid.UUID, worker_id: str, now: datetime | None = None) -> Any:
    """The run, if ``worker_id`` holds its live lease: every write a remote worker makes checks this first.

    Raises ``LookupError`` for an unknown run and :class:`RunUnavailableError` when the run is not
    running, is held by another worker, or its lease lapsed (the sweep will fail it).
    """
    run = queries.get_run(session=session, run_id=run_id)
    if run is None:
        raise LookupError(f"no analysis run {run_id}")
    if run.status != RunStatus.RUNNING or run.claimed_by != worker_id:
        raise RunUnavailableError(_refusal(run, worker_id))
    if run.lease_expires_at is not None and run.lease_expires_at < (now or utcnow()):
        raise RunUnavailableError(f"the lease of {worker_id!r} on run {run_id} lapsed: stop working on it")
    return run


def check_status_change(session: Session, *, run: Any, status: str) -> None:
    """Refuse a status a worker may not set: the queue is not theirs, and success needs the run's record."""
    if status == RunStatus.QUEUED:
        raise RunUnavailableError("a worker cannot put a run back in the queue")
    if status == RunStatus.SUCCEEDED and queries.get_artifact(session=session, run_id=run.id, kind="run_json") is None:
        raise RunUnavailableError("a run cannot succeed without its outputs: register its artifacts first")


def artifact_uploads(
    factory: sessionmaker[Session], storage: Storage, *, run_id: uuid.UUID, worker_id: str, kinds: list[str]
) -> list[UploadTarget]:
    """Presigned PUT URLs for the run's artifacts (keys fixed per run and kind), for the lease holder only."""
    with factory() as session:
        run = queries.get_run(session=session, run_id=run_id)
        if run is None:
            raise LookupError(f"no analysis run {run_id}")
        if run.status != RunStatus.RUNNING or run.claimed_by != worker_id:
            raise RunUnavailableError(_refusal(run, worker_id))
        analysis_id = run.analysis_id
    targets = []
    for kind in kinds:
        filename, content_type = run_payloads.ARTIFACT_FILES[kind]
        key = artifact_key(analysis_id, run_id, filename)
        upload = storage.presign_upload(
            key, content_type=content_type, max_bytes=ARTIFACT_MAX_BYTES, expires_s=WORKER_URL_EXPIRES_S
        )
        targets.append(
            UploadTarget(kind, key, content_type, upload.url, upload.method, dict(upload.headers), upload.expires_at)
        )
    return targets
