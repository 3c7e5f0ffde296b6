"""The per-frame fields a run reports, as data, and the turn-phase fields derived from its turns.

One list of names, units and meanings that ``frames.csv``, the ``frames`` table, the worker's
payloads and the studio's charts all read. Adding a per-frame series is an entry in
:data:`SERIES_FIELDS` and its computation in :mod:`poser_pipeline.metrics.series`; the table gains
the column from here (``alembic revision --autogenerate`` writes the migration).

This module imports nothing else of the pipeline, so the database layer may read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FrameField:
    """One per-frame field: its column name (unit in the name), unit and meaning for a person."""

    name: str
    unit: str
    description: str


#: Body series computed from the pose on every frame (nullable floats; NaN/empty where not measurable).
SERIES_FIELDS: tuple[FrameField, ...] = (
    FrameField("com_x_m", "m", "Centre of mass, camera x from the hips' midpoint."),
    FrameField("com_y_m", "m", "Centre of mass, camera y (down) from the hips' midpoint."),
    FrameField("com_z_m", "m", "Centre of mass, camera z (away) from the hips' midpoint."),
    FrameField("edge_angle_left_deg", "deg", "Left shin's tilt from vertical across the ski, + toward the left."),
    FrameField("edge_angle_right_deg", "deg", "Right shin's tilt from vertical across the ski, + toward the left."),
    FrameField("inclination_deg", "deg", "Tilt of the ankles-to-centre-of-mass line across the skis, + left."),
    FrameField("angulation_deg", "deg", "Tilt of the legs minus tilt of the upper body, + in a left turn."),
    FrameField("counter_rotation_deg", "deg", "Hip line to shoulder line, horizontal, + shoulders to the left."),
    FrameField("shin_parallelism_deg", "deg", "Angle between the shins across the skis, 0 = parallel."),
    FrameField("turn_signal_raw", "deg", "The signal turns are found on (the inclination, or the skier's path)."),
)

#: Where each frame lies in the run's turn structure (derived from the turns by :func:`phase_fields`).
PHASE_FIELDS: tuple[FrameField, ...] = (
    FrameField("turn_segment_id", "id", "The turn this frame belongs to (empty outside turns)."),
    FrameField("turn_transition_id", "id", "The transition window this frame lies in (empty outside windows)."),
    FrameField("turn_phase_01", "0-1", "Position in the turn: 0 at its start frame, 1 at its end frame."),
    FrameField("transition_phase_signed", "-1..1", "Position in the window: -1 start, 0 centre, +1 end."),
    FrameField("in_transition_window", "0/1", "The frame lies in a transition window."),
)

SERIES_NAMES: tuple[str, ...] = tuple(f.name for f in SERIES_FIELDS)
PHASE_NAMES: tuple[str, ...] = tuple(f.name for f in PHASE_FIELDS)
_BY_NAME = {f.name: f for f in SERIES_FIELDS + PHASE_FIELDS}


def field(name: str) -> FrameField:
    """The registered per-frame field called ``name`` (``KeyError`` for an unknown name)."""
    return _BY_NAME[name]


@dataclass(frozen=True)
class PhaseArrays:
    """The phase fields of ``T`` frames; ``segment_index``/``transition_index`` are -1 outside."""

    segment_index: np.ndarray  # (T,) int
    transition_index: np.ndarray  # (T,) int
    turn_phase_01: np.ndarray  # (T,) float, NaN outside turns
    transition_phase_signed: np.ndarray  # (T,) float, NaN outside windows
    in_transition_window: np.ndarray  # (T,) bool


def phase_fields(
    n_frames: int,
    segments: Sequence[tuple[int, int]],
    transitions: Sequence[tuple[int, int, int]],
) -> PhaseArrays:
    """Per-frame phase fields from a turn structure.

    Parameters
    ----------
    n_frames : int
        ``T``; frames of a span beyond it are ignored.
    segments : sequence of ``(start_frame, end_frame)``
        Turns in index order (inclusive frames); a later one wins on a shared frame.
    transitions : sequence of ``(window_start_frame, center_frame, window_end_frame)``
        Transition windows in index order; a later one wins on a shared frame.

    Examples
    --------
    >>> p = phase_fields(5, [(0, 2), (2, 4)], [(1, 2, 3)])
    >>> p.segment_index.tolist(), p.turn_phase_01.tolist()
    ([0, 0, 1, 1, 1], [0.0, 0.5, 0.0, 0.5, 1.0])
    >>> p.transition_phase_signed.tolist()[1:4], p.in_transition_window.tolist()
    ([-1.0, 0.0, 1.0], [False, True, True, True, False])
    """
    seg_id = np.full(n_frames, -1)
    trans_id = np.full(n_frames, -1)
    phase = np.full(n_frames, np.nan)
    trans_phase = np.full(n_frames, np.nan)
    for index, (start, end) in enumerate(segments):
        stop = min(end, n_frames - 1)
        seg_id[start : stop + 1] = index
        phase[start : stop + 1] = np.linspace(0.0, 1.0, end - start + 1)[: stop - start + 1]
    for index, (start, center, end) in enumerate(transitions):
        trans_id[start : end + 1] = index
        for f in range(start, min(end, n_frames - 1) + 1):
            if f < center:
                trans_phase[f] = -(center - f) / max(center - start, 1)
            else:
                trans_phase[f] = (f - center) / max(end - center, 1)
    return PhaseArrays(seg_id, trans_id, phase, trans_phase, trans_id >= 0)
