"""What a run works on: its input as read from the analysis row, and where its outputs are stored.

Shared by the worker body (:mod:`services.run_analysis`), the database path
(:mod:`services.db_run_io`) and the sidecar's claim endpoint (:mod:`services.remote_runs`).
No database imports: remote GPU workers import it too.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from poser_pipeline.errors import PoserInputError


@dataclass(frozen=True)
class RunInput:
    """What the pipeline needs from an analysis row (read once, before the long work)."""

    analysis_id: uuid.UUID
    input_key: str
    filename: str
    box: tuple[float, float, float, float]
    start_s: float | None
    end_s: float | None
    at_s: float | None

    @classmethod
    def from_analysis(cls, analysis: Any) -> RunInput:
        if not analysis.s3_input_key:
            raise PoserInputError("this analysis has no uploaded video")
        box = (analysis.bbox_x1, analysis.bbox_y1, analysis.bbox_x2, analysis.bbox_y2)
        if any(v is None for v in box):
            raise PoserInputError("no skier was picked: draw a box around the skier first")
        start, end = analysis.trim_start_seconds, analysis.trim_end_seconds
        at = None
        if analysis.click_normalized_time is not None:
            first = start or 0.0
            last = end if end is not None else first
            at = first + analysis.click_normalized_time * (last - first)
        return cls(analysis.id, analysis.s3_input_key, analysis.filename or "clip.mp4", box, start, end, at)


def input_key(analysis_id: uuid.UUID, filename: str) -> str:
    """Storage key of an analysis's checked clip (``filename`` already key-safe).

    Not the upload's key: a presigned upload URL cannot be revoked, so the checked clip moves out
    of its reach and a late PUT can only write an orphan, which the storage sweep removes.
    """
    return f"analyses/{analysis_id}/input/{filename}"


def artifact_key(analysis_id: uuid.UUID, run_id: uuid.UUID, filename: str) -> str:
    """Storage key of one run output."""
    return f"analyses/{analysis_id}/runs/{run_id}/{filename}"
