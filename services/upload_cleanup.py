"""Sweep abandoned uploads: analyses that never got past uploading, the box, or the emailed confirmation.

An abandoned analysis holds a clip in storage that nobody will analyse. Each waiting state gets a
grace period long enough for a person to come back (the studio resumes an ``awaiting_prompt``
analysis from My analyses), then the analysis row, its upload row and its stored objects go.
Analyses with a run (queued, running, finished) are never touched here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db import queries
from db.models import Analysis, AnalysisStatus, utcnow
from services.storage import Storage


@dataclass(frozen=True)
class GracePeriods:
    """How long an analysis may wait in each state before it counts as abandoned."""

    #: The presigned upload URL has long expired by then; the browser never finished or confirmed.
    uploading: timedelta = timedelta(hours=24)
    #: Uploaded and checked, but no box drawn: the studio offers "continue" until then.
    awaiting_prompt: timedelta = timedelta(days=7)
    #: An embed submission whose confirmation link was never opened (links expire sooner than this).
    awaiting_confirmation: timedelta = timedelta(days=3)

    def by_status(self) -> dict[str, timedelta]:
        return {
            AnalysisStatus.UPLOADING.value: self.uploading,
            AnalysisStatus.AWAITING_PROMPT.value: self.awaiting_prompt,
            AnalysisStatus.AWAITING_CONFIRMATION.value: self.awaiting_confirmation,
        }


def find_abandoned(
    *, session: Session, now: datetime | None = None, grace: GracePeriods | None = None
) -> list[uuid.UUID]:
    """Ids of analyses that have waited in a pre-run state longer than its grace period (oldest first).

    The clock is ``updated_at``: confirming an upload or submitting a box moves it, so each grace
    period counts from the last step the person took.
    """
    now = now or utcnow()
    ids: list[uuid.UUID] = []
    for status, period in (grace or GracePeriods()).by_status().items():
        ids += session.scalars(
            select(Analysis.id)
            .where(Analysis.status == status, Analysis.updated_at < now - period)
            .order_by(Analysis.updated_at)
        ).all()
    return ids


def sweep_abandoned(
    *,
    session_factory: sessionmaker[Session],
    storage: Storage,
    now: datetime | None = None,
    grace: GracePeriods | None = None,
) -> list[uuid.UUID]:
    """Delete abandoned analyses and their stored files; returns the ids deleted.

    Each analysis is deleted in its own transaction, re-checked inside it, so one that moved on
    between the scan and the delete (a late confirmation) is kept. Storage objects go only after the
    rows are committed: a crash in between leaves orphaned objects, never rows pointing at nothing.
    """
    with session_factory() as session:
        candidates = find_abandoned(session=session, now=now, grace=grace)
    deleted: list[uuid.UUID] = []
    for analysis_id in candidates:
        with session_factory.begin() as session:
            still = find_abandoned_one(session=session, analysis_id=analysis_id, now=now, grace=grace)
            keys = queries.delete_analysis(session=session, analysis_id=analysis_id) if still else None
        if keys is not None:
            storage.delete(keys)
            deleted.append(analysis_id)
    return deleted


def find_abandoned_one(
    *, session: Session, analysis_id: uuid.UUID, now: datetime | None = None, grace: GracePeriods | None = None
) -> bool:
    """Whether this one analysis is (still) abandoned, with a row lock where the database has them."""
    analysis = session.scalars(select(Analysis).where(Analysis.id == analysis_id).with_for_update()).one_or_none()
    if analysis is None:
        return False
    period = (grace or GracePeriods()).by_status().get(analysis.status)
    return period is not None and analysis.updated_at < (now or utcnow()) - period
