"""The queue: claims, leases, heartbeats."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.models import AnalysisRun, RunStatus, utcnow
from db.queries.runs import _mirror_status

log = logging.getLogger(__name__)

#: Why a run whose worker went silent failed, in words for the person who asked for it.
STALE_RUN_REASON = "The analysis stopped: the computer running it stopped responding. Please try again."


def claim_next_queued_run(
    *, session: Session, worker_id: str, lease_seconds: float, now: datetime | None = None
) -> AnalysisRun | None:
    """Atomically take the oldest queued run: it becomes ``running``, claimed by ``worker_id``.

    PostgreSQL locks the candidate with ``SELECT … FOR UPDATE SKIP LOCKED`` (concurrent workers pass
    over it); on every engine the claim is a conditional ``UPDATE … WHERE status = 'queued'`` checked by
    its row count, so a run is never claimed twice. Returns the claimed run, or None when none is queued.
    The claim holds once the caller commits.
    """
    now = now or utcnow()
    postgres = session.get_bind().dialect.name == "postgresql"
    query = (
        select(AnalysisRun.id)
        .where(AnalysisRun.status == RunStatus.QUEUED.value)
        .order_by(AnalysisRun.created_at, AnalysisRun.id)
    )
    query = query.limit(1).with_for_update(skip_locked=True) if postgres else query.limit(20)
    for run_id in session.scalars(query).all():
        run = claim_run(session=session, run_id=run_id, worker_id=worker_id, lease_seconds=lease_seconds, now=now)
        if run is not None:
            return run
    return None


def claim_run(
    *, session: Session, run_id: uuid.UUID, worker_id: str, lease_seconds: float, now: datetime | None = None
) -> AnalysisRun | None:
    """Atomically take one given run if it is still queued (a queue message names it); else None.

    The conditional ``UPDATE … WHERE status = 'queued'`` checked by its row count makes a run claimed
    once, however many messages or workers ask for it.
    """
    now = now or utcnow()
    result = session.execute(
        update(AnalysisRun)
        .where(AnalysisRun.id == run_id, AnalysisRun.status == RunStatus.QUEUED.value)
        .values(
            status=RunStatus.RUNNING.value,
            claimed_by=worker_id,
            started_at=now,
            heartbeat_at=now,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    run = session.execute(
        select(AnalysisRun).where(AnalysisRun.id == run_id).execution_options(populate_existing=True)
    ).scalar_one()
    _mirror_status(session, run.analysis_id)
    return run


def heartbeat(
    *, session: Session, run_id: uuid.UUID, worker_id: str, lease_seconds: float, now: datetime | None = None
) -> bool:
    """Renew the lease of a running run held by ``worker_id``.

    Returns False when the worker no longer holds it (failed as stale, finished, or claimed by another):
    the worker should stop and not write results.
    """
    now = now or utcnow()
    result = session.execute(
        update(AnalysisRun)
        .where(
            AnalysisRun.id == run_id,
            AnalysisRun.claimed_by == worker_id,
            AnalysisRun.status == RunStatus.RUNNING.value,
        )
        .values(heartbeat_at=now, lease_expires_at=now + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def find_expired_leases(*, session: Session, now: datetime | None = None) -> list[AnalysisRun]:
    """Running runs whose lease has expired (their worker stopped heartbeating)."""
    now = now or utcnow()
    return list(
        session.scalars(
            select(AnalysisRun)
            .where(AnalysisRun.status == RunStatus.RUNNING.value, AnalysisRun.lease_expires_at < now)
            .order_by(AnalysisRun.lease_expires_at)
        )
    )


def fail_stale_runs(*, session: Session, now: datetime | None = None) -> list[AnalysisRun]:
    """Fail every running run whose lease expired, with a reason in ``error``; returns those runs."""
    now = now or utcnow()
    failed: list[AnalysisRun] = []
    for run in find_expired_leases(session=session, now=now):
        worker, lease_expired_at, heartbeat_at = run.claimed_by, run.lease_expires_at, run.heartbeat_at
        result = session.execute(
            update(AnalysisRun)
            .where(
                AnalysisRun.id == run.id,
                AnalysisRun.status == RunStatus.RUNNING.value,
                AnalysisRun.lease_expires_at < now,
            )
            .values(status=RunStatus.FAILED.value, error=STALE_RUN_REASON, finished_at=now, lease_expires_at=None)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            # The error is read by the skier (studio, email): the worker's name and times go to the log.
            log.warning(
                "run %s failed: worker %r stopped reporting (lease expired at %s, last heartbeat %s)",
                run.id,
                worker,
                lease_expired_at,
                heartbeat_at,
            )
            session.refresh(run)
            _mirror_status(session, run.analysis_id)
            failed.append(run)
    return failed
