"""Execute one claimed run: fetch the clip, run the pipeline, store artifacts, report rows.

Used by every worker (local thread, local process, Celery task, remote GPU
worker). One body, :func:`execute`, does the work; where the input comes from
and where artifacts go is a :class:`RunIO` (the database and storage for local
workers, :mod:`services.db_run_io`; presigned URLs over HTTP for remote ones,
:mod:`services.http_run_io`), and rows go to a ``RunReporter``. It never raises
for a failed analysis: the run ends ``failed`` with a reason a person can act
on, and the technical detail goes to the analysis's ``error_log``.

This module imports no database code (not even ``db.vocabulary``), so a remote worker
without the database layer can use it; its statuses are the ``RunStatus`` values as strings.
"""

from __future__ import annotations

import logging
import time
import traceback
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from poser_pipeline import PIPELINE_VERSION
from poser_pipeline.analyze import AnalysisResult, analyze
from poser_pipeline.errors import PoserInputError
from poser_pipeline.progress import STAGE_LABELS
from poser_pipeline.settings import PipelineSettings
from services import run_payloads
from services.run_input import RunInput
from services.run_scratch import scratch_folder

if TYPE_CHECKING:  # services.reporter imports the database layer; remote workers have none
    from sqlalchemy.orm import Session, sessionmaker

    from services.reporter import RunReporter
    from services.storage import Storage

log = logging.getLogger(__name__)

FRAME_BATCH = 500
INTERNAL_ERROR = "Something went wrong on our side while analysing this clip. We have the details; please try again."
#: The part of the progress bar the pipeline fills, percent (before it: fetching the clip; after: storing).
_PIPELINE_SPAN = (5.0, 92.0)


class _ThrottledProgress:
    """Turns the pipeline's per-frame callbacks into a progress write at most every ``interval_s``.

    The percentage is the pipeline's overall fraction (declared stages and weights per backend, see
    :mod:`poser_pipeline.progress`) mapped onto :data:`_PIPELINE_SPAN`: it never goes back.
    """

    def __init__(self, reporter: RunReporter, interval_s: float) -> None:
        self._reporter, self._interval = reporter, interval_s
        self._last_stage, self._last_at = "", 0.0

    def __call__(self, stage: str, done: int, total: int, overall: float) -> None:
        now = time.monotonic()
        if stage == self._last_stage and now - self._last_at < self._interval and done < total:
            return
        lo, hi = _PIPELINE_SPAN
        self._reporter.progress(stage, round(lo + (hi - lo) * overall, 1), STAGE_LABELS.get(stage, stage))
        self._last_stage, self._last_at = stage, now


class RunIO(Protocol):
    """Where one run's input comes from and where its output files go."""

    def load_input(self) -> RunInput:
        """The run's input; raises :class:`PoserInputError` with a reason a person reads when unusable."""
        ...

    def download_clip(self, spec: RunInput, dest: Path) -> None:
        """Write the uploaded clip to ``dest``."""
        ...

    def upload_artifacts(self, files: Mapping[str, tuple[Path, str]]) -> dict[str, str]:
        """Store ``{kind: (path, content_type)}``; returns ``{kind: storage key}``."""
        ...


def store_artifacts(result: AnalysisResult, *, io: RunIO, reporter: RunReporter) -> None:
    """Upload each output file through ``io`` and record it as the run's artifact."""
    files = {
        kind: (result.out_dir / filename, content_type)
        for kind, (filename, content_type) in run_payloads.ARTIFACT_FILES.items()
    }
    keys = io.upload_artifacts(files)
    for kind, (path, content_type) in files.items():
        reporter.artifact(kind, keys[kind], path.stat().st_size, content_type)


def report_rows(result: AnalysisResult, reporter: RunReporter) -> None:
    """Report frames (in batches), then turn structure, then metrics — the seed worker's order."""
    rows = run_payloads.frame_rows(result)
    for start in range(0, len(rows), FRAME_BATCH):
        reporter.frames(rows[start : start + FRAME_BATCH])
    structure = run_payloads.turn_structure(result)
    reporter.turn_structure(structure["transitions"], structure["segments"])
    reporter.run_metrics(run_payloads.run_metric_values(result))
    reporter.segment_metrics(run_payloads.segment_metric_values(result))


def execute(
    io: RunIO,
    reporter: RunReporter,
    *,
    run_id: uuid.UUID,
    settings: PipelineSettings | None = None,
    progress_interval_s: float = 1.0,
) -> AnalysisResult | None:
    """Run the pipeline for one claimed run and report everything; the result, or ``None`` on failure."""
    try:
        spec = io.load_input()
    except PoserInputError as exc:
        reporter.status("failed", error=str(exc), pipeline_version=PIPELINE_VERSION)
        return None
    reporter.status("running", pipeline_version=PIPELINE_VERSION)
    reporter.progress("download", 1.0, "Fetching your video")
    try:
        with scratch_folder() as tmp:
            clip = Path(tmp) / f"input{Path(spec.filename).suffix or '.mp4'}"
            io.download_clip(spec, clip)
            result = analyze(
                clip,
                spec.box,
                Path(tmp) / "out",
                at_s=spec.at_s,
                start_s=spec.start_s,
                end_s=spec.end_s,
                settings=settings,
                progress=_ThrottledProgress(reporter, progress_interval_s),
            )
            reporter.progress("store", 95.0, "Saving results")
            store_artifacts(result, io=io, reporter=reporter)
            report_rows(result, reporter)
    except PoserInputError as exc:
        reporter.status("failed", error=str(exc), error_log=str(exc))
        return None
    except Exception as exc:  # any bug or outage: a failed run with a reason, never a stuck one
        log.exception("run %s failed", run_id)
        reporter.status(
            "failed", error=INTERNAL_ERROR, error_log=f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"
        )
        return None
    # progress first: once the run is finished, a worker's reports for it are no longer taken
    reporter.progress("done", 100.0, "Analysis ready")
    reporter.status("succeeded", num_frames=result.run["num_frames"], fps=result.info.fps)
    return result


def execute_run(
    *,
    run_id: uuid.UUID,
    session_factory: sessionmaker[Session],
    storage: Storage,
    reporter: RunReporter,
    settings: PipelineSettings | None = None,
    progress_interval_s: float = 1.0,
) -> AnalysisResult | None:
    """:func:`execute` with the input read from the database and artifacts written to ``storage``."""
    from services.db_run_io import DbRunIO

    io = DbRunIO(session_factory, storage, run_id=run_id)
    return execute(io, reporter, run_id=run_id, settings=settings, progress_interval_s=progress_interval_s)
