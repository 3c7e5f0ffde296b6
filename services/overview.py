"""What the admin page lists: every analysis with its owner and latest run, and one analysis's run history.

Admins only: each function checks :func:`services.admins.require_admin` itself, so a page's own check is
not the only guard.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from db import queries
from db.models import User
from services.admins import require_admin
from services.analyses import NotFoundError


@dataclass(frozen=True)
class AnalysisRow:
    """One analysis of anyone's, with its latest run."""

    id: uuid.UUID
    owner_email: str  # "" for an embed analysis without an account
    filename: str
    status: str
    created_at: datetime
    latest_run_number: int | None
    latest_run_status: str | None
    error: str | None  # the latest run's, else the analysis's error log


@dataclass(frozen=True)
class RunRow:
    """One run in an analysis's history."""

    id: uuid.UUID
    run_number: int
    status: str
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    worker: str | None  # the claiming worker's id
    pipeline_version: str | None
    num_frames: int | None


def all_analyses(*, session: Session, user: User | None) -> list[AnalysisRow]:
    """Every analysis, newest first, with owner email and latest run (three queries, however many rows)."""
    require_admin(user)
    emails = queries.user_emails(session=session)
    latest = queries.latest_runs(session=session)
    rows = []
    for a in queries.list_analyses(session=session, owner_id=None):
        run = latest.get(a.id)
        rows.append(
            AnalysisRow(
                id=a.id,
                owner_email=emails.get(a.owner_id, "") if a.owner_id else "",
                filename=a.filename or "",
                status=a.status,
                created_at=a.created_at,
                latest_run_number=run.run_number if run else None,
                latest_run_status=run.status if run else None,
                error=(run.error if run and run.error else None) or a.error_log,
            )
        )
    return rows


def run_history(*, session: Session, user: User | None, analysis_id: uuid.UUID) -> list[RunRow]:
    """Every run of one analysis, oldest first (``NotFoundError`` if there is no such analysis)."""
    require_admin(user)
    if queries.get_analysis(session=session, analysis_id=analysis_id) is None:
        raise NotFoundError(f"no analysis {analysis_id}")
    return [
        RunRow(
            id=r.id,
            run_number=r.run_number,
            status=r.status,
            error=r.error,
            created_at=r.created_at,
            started_at=r.started_at,
            finished_at=r.finished_at,
            worker=r.claimed_by,
            pipeline_version=r.pipeline_version,
            num_frames=r.num_frames,
        )
        for r in queries.list_runs(session=session, analysis_id=analysis_id)
    ]
