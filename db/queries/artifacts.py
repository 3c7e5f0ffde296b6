"""Artifacts: the files a run produced, recorded by kind and storage key."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Artifact


def save_artifact(
    *,
    session: Session,
    run_id: uuid.UUID,
    kind: str,
    storage_key: str,
    size_bytes: int | None = None,
    content_type: str | None = None,
) -> Artifact:
    """Record (or replace) the run's artifact of ``kind``; returns the row."""
    artifact = session.scalar(select(Artifact).where(Artifact.analysis_run_id == run_id, Artifact.kind == kind))
    if artifact is None:
        artifact = Artifact(analysis_run_id=run_id, kind=kind, storage_key=storage_key)
        session.add(artifact)
    artifact.storage_key = storage_key
    artifact.size_bytes = size_bytes
    artifact.content_type = content_type
    session.flush()
    return artifact


def get_artifact(*, session: Session, run_id: uuid.UUID, kind: str) -> Artifact | None:
    return session.scalar(select(Artifact).where(Artifact.analysis_run_id == run_id, Artifact.kind == kind))


def list_artifacts(*, session: Session, run_id: uuid.UUID) -> dict[str, Artifact]:
    """Every artifact of the run, by kind."""
    return {a.kind: a for a in session.scalars(select(Artifact).where(Artifact.analysis_run_id == run_id))}
