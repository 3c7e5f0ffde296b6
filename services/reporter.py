"""Where a running analysis reports to: the ``RunReporter`` interface and its database backend.

A local worker reports straight into the database (:class:`DbRunReporter`);
a remote worker reports over HTTP to the sidecar's internal endpoints with the
same payloads (``services/run_payloads.py``), so both leave the same rows.
Each call is its own short transaction, so progress is visible at once and a
crash loses at most the call in flight.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from db import queries
from db.vocabulary import RunStatus
from services.run_input import artifact_key

log = logging.getLogger(__name__)


class RunReporter(Protocol):
    """What a worker tells the system about one run."""

    def progress(self, stage: str, percent: float, message: str = "") -> None: ...

    def status(
        self,
        status: str,
        *,
        error: str | None = None,
        error_log: str | None = None,
        num_frames: int | None = None,
        fps: float | None = None,
        pipeline_version: str | None = None,
    ) -> None: ...

    def frames(self, rows: Sequence[dict[str, Any]]) -> None: ...

    def turn_structure(self, transitions: Sequence[dict[str, Any]], segments: Sequence[dict[str, Any]]) -> None: ...

    def run_metrics(self, values: Sequence[dict[str, Any]]) -> None: ...

    def segment_metrics(self, values: Sequence[dict[str, Any]]) -> None: ...

    def artifact(self, kind: str, storage_key: str, size_bytes: int, content_type: str) -> None: ...


class DbRunReporter:
    """A :class:`RunReporter` that writes to the database (local workers)."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        run_id: uuid.UUID,
        analysis_id: uuid.UUID,
        worker_id: str | None = None,
    ) -> None:
        self._factory = session_factory
        self.run_id = run_id
        self.analysis_id = analysis_id
        self.worker_id = worker_id  # set by workers: a run they lost (lease lapsed) is not overwritten

    def _lost(self, session: Session) -> bool:
        """True when a worker reports for a run it no longer holds (lease lapsed, swept, rerun)."""
        if self.worker_id is None:
            return False
        run = queries.get_run(session=session, run_id=self.run_id)
        if run is None or run.status != RunStatus.RUNNING or run.claimed_by != self.worker_id:
            log.warning("run %s is no longer held by %s: its report is dropped", self.run_id, self.worker_id)
            return True
        return False

    def _write(self, write: Callable[[Session], object]) -> None:
        """Run ``write`` in one transaction unless this worker lost the run.

        Every report goes through here, "running" and progress too: a swept run must stay failed,
        and a new run's rows and progress bar (progress lives on the analysis) are not the old
        worker's to change.
        """
        with self._factory.begin() as session:
            if not self._lost(session):
                write(session)

    def progress(self, stage: str, percent: float, message: str = "") -> None:
        self._write(
            lambda session: queries.set_progress(
                session=session, analysis_id=self.analysis_id, stage=stage, percent=percent, message=message
            )
        )

    def status(
        self,
        status: str,
        *,
        error: str | None = None,
        error_log: str | None = None,
        num_frames: int | None = None,
        fps: float | None = None,
        pipeline_version: str | None = None,
    ) -> None:
        """``error`` is the reason a person reads; ``error_log`` the technical detail (kept on the analysis).

        ``pipeline_version`` is the version of the code that runs it, sent with ``running``.
        """

        def write(session: Session) -> None:
            queries.set_run_status(
                session=session,
                run_id=self.run_id,
                status=status,
                error=error,
                num_frames=num_frames,
                fps=fps,
                pipeline_version=pipeline_version,
            )
            if error_log is not None:
                analysis = queries.get_analysis(session=session, analysis_id=self.analysis_id)
                if analysis is not None:
                    analysis.error_log = error_log

        self._write(write)

    def frames(self, rows: Sequence[dict[str, Any]]) -> None:
        self._write(lambda session: queries.upsert_frames(session=session, run_id=self.run_id, rows=rows))

    def turn_structure(self, transitions: Sequence[dict[str, Any]], segments: Sequence[dict[str, Any]]) -> None:
        self._write(
            lambda session: queries.save_turn_structure(
                session=session, run_id=self.run_id, transitions=transitions, segments=segments
            )
        )

    def run_metrics(self, values: Sequence[dict[str, Any]]) -> None:
        self._write(lambda session: queries.save_run_metrics(session=session, run_id=self.run_id, values=values))

    def segment_metrics(self, values: Sequence[dict[str, Any]]) -> None:
        self._write(lambda session: queries.save_segment_metrics(session=session, run_id=self.run_id, values=values))

    def artifact(self, kind: str, storage_key: str, size_bytes: int, content_type: str) -> None:
        """Register a stored output; ``ValueError`` for a key outside this run's folder.

        Deleting an analysis deletes its artifacts' objects, so a key pointing elsewhere (another
        analysis's clip) would expose that object and later delete it.
        """
        folder = artifact_key(self.analysis_id, self.run_id, "")
        if not storage_key.startswith(folder) or ".." in storage_key[len(folder) :]:
            raise ValueError(f"artifact key {storage_key!r} is not in this run's folder {folder}")
        self._write(
            lambda session: queries.save_artifact(
                session=session,
                run_id=self.run_id,
                kind=kind,
                storage_key=storage_key,
                size_bytes=size_bytes,
                content_type=content_type,
            )
        )
