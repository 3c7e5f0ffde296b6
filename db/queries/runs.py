"""Analyses and runs: creation, status (mirrored onto the analysis), progress and deletion."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from db.models import Analysis, AnalysisRun, AnalysisStatus, Artifact, RunStatus, Upload, utcnow
from db.queries._common import TERMINAL_RUN_STATUSES


def create_analysis(*, session: Session, owner_id: uuid.UUID | None, **fields: Any) -> Analysis:
    """Insert an analysis (``status`` defaults to ``uploading``); ``fields`` are column values."""
    analysis = Analysis(owner_id=owner_id, **fields)
    session.add(analysis)
    session.flush()
    return analysis


def list_analyses(*, session: Session, owner_id: uuid.UUID | None = None) -> list[Analysis]:
    """Analyses newest first: one owner's, or every analysis when ``owner_id`` is None (admins)."""
    query = select(Analysis).order_by(Analysis.created_at.desc(), Analysis.id)
    if owner_id is not None:
        query = query.where(Analysis.owner_id == owner_id)
    return list(session.scalars(query))


def get_analysis(*, session: Session, analysis_id: uuid.UUID) -> Analysis | None:
    return session.get(Analysis, analysis_id)


def set_progress(
    *, session: Session, analysis_id: uuid.UUID, stage: str, percent: float, message: str = ""
) -> Analysis | None:
    """Persist the analysis's progress ``{"stage", "percent", "message"}`` (percent 0–100)."""
    analysis = session.get(Analysis, analysis_id)
    if analysis is None:
        return None
    analysis.progress = {"stage": stage, "percent": float(percent), "message": message}
    session.flush()
    return analysis


def create_run(*, session: Session, analysis_id: uuid.UUID, pipeline_version: str | None = None) -> AnalysisRun:
    """Queue a new run of the analysis (the next ``run_number``); earlier runs are kept.

    The analysis's status becomes ``queued``, mirroring its new latest run.
    """
    # Serialise concurrent reruns of one analysis (PostgreSQL row lock; SQLite already holds the write lock).
    session.execute(select(Analysis.id).where(Analysis.id == analysis_id).with_for_update())
    last = session.scalar(select(func.max(AnalysisRun.run_number)).where(AnalysisRun.analysis_id == analysis_id))
    run = AnalysisRun(
        analysis_id=analysis_id,
        run_number=(last or 0) + 1,
        status=RunStatus.QUEUED.value,
        pipeline_version=pipeline_version,
    )
    session.add(run)
    session.flush()
    _mirror_status(session, analysis_id)
    return run


def get_run(*, session: Session, run_id: uuid.UUID) -> AnalysisRun | None:
    return session.get(AnalysisRun, run_id)


def latest_run(*, session: Session, analysis_id: uuid.UUID) -> AnalysisRun | None:
    """The analysis's most recent run in any state (what its status shows), or None."""
    return session.scalar(
        select(AnalysisRun)
        .where(AnalysisRun.analysis_id == analysis_id)
        .order_by(AnalysisRun.run_number.desc())
        .limit(1)
    )


def latest_succeeded_run(*, session: Session, analysis_id: uuid.UUID) -> AnalysisRun | None:
    """The most recent succeeded run (where results are read from), or None."""
    return session.scalar(
        select(AnalysisRun)
        .where(AnalysisRun.analysis_id == analysis_id, AnalysisRun.status == RunStatus.SUCCEEDED.value)
        .order_by(AnalysisRun.run_number.desc())
        .limit(1)
    )


def list_runs(*, session: Session, analysis_id: uuid.UUID) -> list[AnalysisRun]:
    """All runs of the analysis, oldest first."""
    return list(
        session.scalars(
            select(AnalysisRun).where(AnalysisRun.analysis_id == analysis_id).order_by(AnalysisRun.run_number)
        )
    )


def list_runs_of(*, session: Session, analysis_ids: list[uuid.UUID], status: str | None = None) -> list[AnalysisRun]:
    """The runs of several analyses (only those in ``status`` if given), newest run number first."""
    query = select(AnalysisRun).where(AnalysisRun.analysis_id.in_(analysis_ids))
    if status is not None:
        query = query.where(AnalysisRun.status == status)
    return list(session.scalars(query.order_by(AnalysisRun.run_number.desc())))


def latest_runs(*, session: Session) -> dict[uuid.UUID, AnalysisRun]:
    """Every analysis's most recent run (any state), by analysis id, in one query."""
    newest = (
        select(AnalysisRun.analysis_id, func.max(AnalysisRun.run_number).label("n"))
        .group_by(AnalysisRun.analysis_id)
        .subquery()
    )
    joined = select(AnalysisRun).join(
        newest, (AnalysisRun.analysis_id == newest.c.analysis_id) & (AnalysisRun.run_number == newest.c.n)
    )
    return {run.analysis_id: run for run in session.scalars(joined)}


def list_awaiting_prompt(*, session: Session, owner_id: uuid.UUID) -> list[tuple[Analysis, str]]:
    """The owner's analyses still waiting for a box, most recently updated first, each with its checked clip's key."""
    rows = session.scalars(
        select(Analysis)
        .where(Analysis.owner_id == owner_id, Analysis.status == AnalysisStatus.AWAITING_PROMPT.value)
        .where(Analysis.s3_input_key.is_not(None))
        .order_by(Analysis.updated_at.desc())
    ).all()
    return [(analysis, analysis.s3_input_key) for analysis in rows]


def _mirror_status(session: Session, analysis_id: uuid.UUID) -> None:
    """Copy the latest run's status onto ``analyses.status``."""
    latest = latest_run(session=session, analysis_id=analysis_id)
    if latest is not None:
        session.execute(
            update(Analysis)
            .where(Analysis.id == analysis_id)
            .values(status=latest.status, updated_at=utcnow())
            .execution_options(synchronize_session="fetch")
        )


def set_run_status(
    *,
    session: Session,
    run_id: uuid.UUID,
    status: RunStatus | str,
    error: str | None = None,
    num_frames: int | None = None,
    fps: float | None = None,
    pipeline_version: str | None = None,
    now: datetime | None = None,
) -> AnalysisRun | None:
    """Move a run to ``status`` and mirror it onto the analysis if it is the latest run.

    ``running`` sets ``started_at`` (once); ``succeeded``/``failed`` set ``finished_at`` and release the
    lease. ``error`` (for failures), ``num_frames``, ``fps`` and ``pipeline_version`` are stored when given.
    """
    status = RunStatus(status)
    now = now or utcnow()
    run = session.get(AnalysisRun, run_id)
    if run is None:
        return None
    run.status = status.value
    if status == RunStatus.RUNNING and run.started_at is None:
        run.started_at = now
    if status in TERMINAL_RUN_STATUSES:
        run.finished_at = now
        run.lease_expires_at = None
    if error is not None:
        run.error = error
    if num_frames is not None:
        run.num_frames = num_frames
    if pipeline_version is not None:
        run.pipeline_version = pipeline_version
    if fps is not None:
        run.fps = fps
    session.flush()
    _mirror_status(session, run.analysis_id)
    return run


def delete_analysis(*, session: Session, analysis_id: uuid.UUID) -> list[str] | None:
    """Delete the analysis and, by cascade, its uploads, runs, frames, turns, metrics and artifacts.

    Returns
    -------
    list of str or None
        The storage keys the caller must delete from storage once the transaction commits (input,
        uploads, every run's artifacts; no duplicates), or None when there is no such analysis.
    """
    analysis = session.get(Analysis, analysis_id)
    if analysis is None:
        return None
    keys: list[str] = []
    if analysis.s3_input_key:
        keys.append(analysis.s3_input_key)
    keys += session.scalars(select(Upload.storage_key).where(Upload.analysis_id == analysis_id))
    keys += session.scalars(
        select(Artifact.storage_key)
        .join(AnalysisRun, Artifact.analysis_run_id == AnalysisRun.id)
        .where(AnalysisRun.analysis_id == analysis_id)
        .order_by(AnalysisRun.run_number, Artifact.kind)
    )
    session.expunge(analysis)
    session.execute(delete(Analysis).where(Analysis.id == analysis_id).execution_options(synchronize_session=False))
    return list(dict.fromkeys(keys))


def claim_run_notification(*, session: Session, run_id: uuid.UUID, now: datetime | None = None) -> AnalysisRun | None:
    """Mark a finished run as announced and return it, or ``None`` when it is not finished or already was.

    One conditional UPDATE: of several processes announcing the same run (its worker, the sidecar,
    a sweep), exactly one gets the row.
    """
    result = session.execute(
        update(AnalysisRun)
        .where(
            AnalysisRun.id == run_id,
            AnalysisRun.notified_at.is_(None),
            AnalysisRun.status.in_([s.value for s in TERMINAL_RUN_STATUSES]),
        )
        .values(notified_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    run = session.get(AnalysisRun, run_id)
    session.refresh(run)
    return run


def unannounced_finished_runs(*, session: Session, finished_since: datetime) -> list[uuid.UUID]:
    """Ids of runs that ended after ``finished_since`` and were never announced, oldest first."""
    return list(
        session.scalars(
            select(AnalysisRun.id)
            .where(
                AnalysisRun.notified_at.is_(None),
                AnalysisRun.status.in_([s.value for s in TERMINAL_RUN_STATUSES]),
                AnalysisRun.finished_at >= finished_since,
            )
            .order_by(AnalysisRun.finished_at)
        )
    )
