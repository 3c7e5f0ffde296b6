"""A pipeline result as the rows a run reports: frames, turn structure, metrics.

The same payloads go to the database directly (local worker) or over HTTP to
the internal endpoints (remote worker), so both write exactly the same rows.
Values are plain JSON types; NaN becomes ``None``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from poser_pipeline.analyze import AnalysisResult

#: Artifact kind → (output file, content type).
ARTIFACT_FILES: dict[str, tuple[str, str]] = {
    "overlay_video": ("overlay.mp4", "video/mp4"),
    "centred_video": ("centred.mp4", "video/mp4"),
    "frames_csv": ("frames.csv", "text/csv"),
    "turns_csv": ("turns.csv", "text/csv"),
    "metrics_csv": ("metrics.csv", "text/csv"),
    "run_json": ("run.json", "application/json"),
}


def _num(value: Any) -> float | None:
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


def frame_rows(result: AnalysisResult) -> list[dict[str, Any]]:
    """One dict per frame with the ``frames`` table's input columns (phase fields are derived there)."""
    tracking = result.tracking
    columns = result.series.columns()
    rows = []
    for i in range(tracking.num_frames):
        box = tracking.boxes[i]
        row: dict[str, Any] = {
            "frame_index": i,
            "timestamp_ms": _num(tracking.timestamps_ms[i]),
            "box_x1_px": _num(box[0]),
            "box_y1_px": _num(box[1]),
            "box_x2_px": _num(box[2]),
            "box_y2_px": _num(box[3]),
            "track_confidence": _num(tracking.confidence[i]),
            "track_lost": bool(tracking.lost[i]),
        }
        row.update({name: _num(values[i]) for name, values in columns.items()})
        rows.append(row)
    return rows


def turn_structure(result: AnalysisResult) -> dict[str, list[dict[str, Any]]]:
    """``{"transitions": [...], "segments": [...]}`` for ``save_turn_structure``."""
    measurable = {t.segment.index: t for t in result.metrics.turns}
    return {
        "transitions": [
            {
                "transition_index": t.index,
                "window_start_frame": t.window_start,
                "center_frame": t.center,
                "window_end_frame": t.window_end,
            }
            for t in result.turns.transitions
        ],
        "segments": [
            {
                "segment_index": s.index,
                "start_frame": s.start,
                "end_frame": s.end,
                "apex_frame": s.apex,
                "direction": s.direction,
                "is_partial": s.is_partial,
                "confidence": _num(measurable[s.index].confidence),
                "measurable": measurable[s.index].measurable,
                "start_transition_index": s.start_transition,
                "end_transition_index": s.end_transition,
            }
            for s in result.turns.segments
        ],
    }


def run_metric_values(result: AnalysisResult) -> list[dict[str, Any]]:
    """Run-level metric values (``key``, ``value``, ``measurable``, ``details``)."""
    notes = result.metrics.reasons + result.metrics.notes
    return [
        {
            "key": key,
            "value": None if value is None else _num(value),
            "measurable": value is not None,
            "details": _details(notes=notes, interval=result.metrics.intervals.get(key)),
        }
        for key, value in result.metrics.values.items()
    ]


def _details(*, interval: tuple[float, float] | None, **lists: list[str]) -> dict[str, Any] | None:
    """A metric value's ``details``: the non-empty lists given and its ``interval`` ([low, high]) if any."""
    details: dict[str, Any] = {name: items for name, items in lists.items() if items}
    if interval is not None:
        details["interval"] = [_num(interval[0]), _num(interval[1])]
    return details or None


def segment_metric_values(result: AnalysisResult) -> list[dict[str, Any]]:
    """Turn-level metric values (``key``, ``segment_index``, ``value``, ``measurable``, ``details``)."""
    rows = []
    for turn in result.metrics.turns:
        for key, value in turn.values.items():
            rows.append(
                {
                    "key": key,
                    "segment_index": turn.segment.index,
                    "value": _num(value),
                    "measurable": turn.measurable and bool(np.isfinite(value)),
                    "details": _details(reasons=turn.reasons, interval=turn.intervals.get(key)),
                }
            )
    return rows
