"""Stage 6b — ``frames.csv``.

The columns of ``frames.csv`` are documented in ``docs/frames_csv.md``;
:func:`frames_csv_columns` is the single source of their names and order.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from poser_pipeline.metrics.frame_fields import PHASE_NAMES, SERIES_NAMES
from poser_pipeline.metrics.turns import TurnStructure
from poser_pipeline.pose.skeleton import LANDMARK_NAMES

FRAMES_CSV_VERSION = 2
_TRACK_COLUMNS = [
    "frame_index",
    "timestamp_ms",
    "box_x1_px",
    "box_y1_px",
    "box_x2_px",
    "box_y2_px",
    "track_confidence",
    "track_lost",
    "track_source",
    "pose_found",
]
#: Per-frame metric series and the turn-phase fields (the ``frames`` table's columns).
METRIC_COLUMNS = [*SERIES_NAMES, *PHASE_NAMES]


def landmark_columns(suffix: str = "") -> list[str]:
    """Per-landmark columns: image x/y (px), world x/y/z (m), visibility."""
    cols: list[str] = []
    for name in LANDMARK_NAMES:
        cols += [f"{name}_x_px{suffix}", f"{name}_y_px{suffix}"]
        cols += [f"{name}_world_x_m{suffix}", f"{name}_world_y_m{suffix}", f"{name}_world_z_m{suffix}"]
        if not suffix:
            cols.append(f"{name}_visibility")
    return cols


def frames_csv_columns() -> list[str]:
    """Every column of ``frames.csv``, in order."""
    return _TRACK_COLUMNS + METRIC_COLUMNS + landmark_columns() + landmark_columns("_smooth")


def format_number(v: float | None) -> str:
    """A CSV cell: up to 4 decimals, trailing zeros dropped, empty for None/NaN."""
    if v is None:
        return ""
    return "" if not np.isfinite(v) else f"{v:.4f}".rstrip("0").rstrip(".")


def _landmark_block(xy: np.ndarray, world: np.ndarray, visibility: np.ndarray | None) -> np.ndarray:
    """``(T, 33 * k)`` array in :func:`landmark_columns` order."""
    parts = [xy, world] if visibility is None else [xy, world, visibility[..., None]]
    return np.concatenate(parts, axis=2).reshape(len(xy), -1)


def write_frames_csv(
    path: Path,
    *,
    timestamps_ms: np.ndarray,
    boxes_xy: np.ndarray,
    confidence: np.ndarray,
    lost: np.ndarray,
    source: np.ndarray,
    image_xy: np.ndarray,
    world_xyz: np.ndarray,
    visibility: np.ndarray,
    image_xy_smooth: np.ndarray,
    world_xyz_smooth: np.ndarray,
    metric_columns: dict[str, np.ndarray],
) -> None:
    """Write one row per frame (shapes: ``(T,)``, ``(T, 4)``, ``(T, 33, 2|3)``, ``(T, 33)``).

    ``metric_columns`` maps every name in :data:`METRIC_COLUMNS` to a ``(T,)`` array.
    """
    metrics = np.column_stack([np.asarray(metric_columns[c], dtype=np.float64) for c in METRIC_COLUMNS])
    raw = _landmark_block(image_xy, world_xyz, visibility)
    smooth = _landmark_block(image_xy_smooth, world_xyz_smooth, None)
    pose_found = np.isfinite(image_xy[:, 0, 0])
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(frames_csv_columns())
        for i in range(len(timestamps_ms)):
            writer.writerow(
                [
                    i,
                    format_number(timestamps_ms[i]),
                    *map(format_number, boxes_xy[i]),
                    format_number(confidence[i]),
                    int(lost[i]),
                    source[i],
                ]
                + [int(pose_found[i])]
                + [format_number(v) for v in metrics[i]]
                + [format_number(v) for v in raw[i]]
                + [format_number(v) for v in smooth[i]]
            )


def phase_columns(turns: TurnStructure) -> dict[str, np.ndarray]:
    """The canonical phase fields as float columns (no segment / window: empty)."""
    return {
        "turn_segment_id": np.where(turns.turn_segment_id >= 0, turns.turn_segment_id, np.nan),
        "turn_transition_id": np.where(turns.turn_transition_id >= 0, turns.turn_transition_id, np.nan),
        "turn_phase_01": turns.turn_phase_01,
        "transition_phase_signed": turns.transition_phase_signed,
        "in_transition_window": turns.in_transition_window.astype(float),
    }
