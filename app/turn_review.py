"""Turn review data, without Streamlit: curves on a 0–100 % turn axis, per-side bands, turn labels.

The results page compares left and right turns by resampling each turn's curve to the same
axis (0 % = the turn's start at the transition, 100 % = its end) and summarising each side as
mean ± spread (standard deviation across turns). Signed angles are read "into the turn" so left
and right turns overlay: + toward the turn's centre (see ``docs/metrics.md``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from poser_pipeline.metrics.frame_fields import field as frame_field

#: Points on the turn axis: 0, 1, …, 100 %.
TURN_AXIS_PCT = np.linspace(0.0, 100.0, 101)
#: A turn's curve is drawn only when at least this share of its frames has a value.
MIN_COVERAGE = 0.5
SIDES = ("left", "right")


@dataclass(frozen=True)
class MetricSpec:
    """A per-frame series the page can plot.

    ``column`` is a ``frames`` column; ``scale`` multiplies it (e.g. −1 to turn BlazePose's
    y-down into height); ``sign`` says how to read it on the turn axis: ``"into"`` flips right
    turns so + is toward the turn's centre, ``"outward"`` the opposite (counter-rotation:
    + = shoulders turned to the outside), ``"none"`` leaves it (unsigned or camera-frame values).
    """

    key: str
    label: str
    column: str
    scale: float = 1.0
    sign: str = "into"

    @property
    def unit(self) -> str:
        """The column's unit, from the pipeline's per-frame field registry."""
        return frame_field(self.column).unit


#: Body metrics over time and on the turn axis (``frames`` columns, see ``docs/metrics.md``).
BODY_METRICS: dict[str, MetricSpec] = {
    m.key: m
    for m in (
        MetricSpec("angulation", "Angulation", "angulation_deg"),
        MetricSpec("inclination", "Inclination", "inclination_deg"),
        MetricSpec("com_lateral", "COM lateral offset from the hips (camera x)", "com_x_m", sign="none"),
        MetricSpec("com_height", "COM height above the hips", "com_y_m", scale=-1.0, sign="none"),
        MetricSpec("counter_rotation", "Counter-rotation", "counter_rotation_deg", sign="outward"),
        MetricSpec("shin_parallelism", "Shin parallelism (angle between shins)", "shin_parallelism_deg", sign="none"),
    )
}


def turn_label(segment: Mapping[str, Any]) -> str:
    """``"Turn 3 (left)"``: turns are numbered from 1 for people (``segment_index`` + 1)."""
    return f"Turn {int(segment['segment_index']) + 1} ({segment['direction']})"


def resample_to_turn(values: np.ndarray, start: int, end: int, *, n_points: int = 101) -> np.ndarray:
    """One turn's stretch of a per-frame series on a 0–100 % axis.

    Parameters
    ----------
    values : (T,) float ndarray
        A per-frame series (NaN where unknown).
    start, end : int
        The turn's first and last frame (inclusive).
    n_points : int
        Points on the axis (101: every 1 %).

    Returns
    -------
    (n_points,) float ndarray
        Linear interpolation between the known frames; NaN outside the first and last known
        frame (never extrapolated), and all NaN when fewer than :data:`MIN_COVERAGE` of the
        turn's frames are known or the turn has fewer than two frames.

    Examples
    --------
    >>> resample_to_turn(np.array([0.0, 1.0, 2.0]), 0, 2, n_points=5).tolist()
    [0.0, 0.5, 1.0, 1.5, 2.0]
    """
    stretch = np.asarray(values[start : end + 1], dtype=float)
    out = np.full(n_points, np.nan)
    known = np.isfinite(stretch)
    if len(stretch) < 2 or known.sum() < 2 or known.mean() < MIN_COVERAGE:
        return out
    x_frames = np.linspace(0.0, 100.0, len(stretch))
    axis = np.linspace(0.0, 100.0, n_points)
    inside = (axis >= x_frames[known][0]) & (axis <= x_frames[known][-1])
    out[inside] = np.interp(axis[inside], x_frames[known], stretch[known])
    return out


def signed_for_turn(values: np.ndarray, direction: str, sign: str) -> np.ndarray:
    """``values`` read "into the turn" (``sign="into"``), outward, or as they are (``"none"``)."""
    if sign == "none":
        return values
    flip = (direction == "right") == (sign == "into")
    return -values if flip else values


@dataclass(frozen=True)
class TurnCurve:
    """One turn on the turn axis: ``values`` (101,) and the frame each point comes from (101,) int."""

    segment_index: int
    direction: str
    values: np.ndarray
    frames: np.ndarray


@dataclass(frozen=True)
class SideBand:
    """Mean ± spread of one side's turns on the turn axis: ``(101,)`` arrays; ``n`` turns."""

    side: str
    mean: np.ndarray
    spread: np.ndarray
    n: int


def turn_curves(
    values: np.ndarray, segments: Sequence[Mapping[str, Any]], *, sign: str = "into", measurable_only: bool = True
) -> list[TurnCurve]:
    """Every (measurable) turn's curve on the turn axis, signed per :func:`signed_for_turn`.

    Turns whose curve is all NaN (too little known) are left out.
    """
    curves = []
    for seg in segments:
        if measurable_only and not seg["measurable"]:
            continue
        start, end = int(seg["start_frame"]), int(seg["end_frame"])
        resampled = resample_to_turn(values, start, end, n_points=len(TURN_AXIS_PCT))
        if not np.isfinite(resampled).any():
            continue
        frames = np.rint(start + TURN_AXIS_PCT / 100.0 * (end - start)).astype(int)
        curves.append(
            TurnCurve(
                int(seg["segment_index"]),
                str(seg["direction"]),
                signed_for_turn(resampled, seg["direction"], sign),
                frames,
            )
        )
    return curves


def side_bands(curves: Sequence[TurnCurve]) -> dict[str, SideBand]:
    """Mean and spread (population standard deviation across turns) per side, point by point.

    A side with no curve is absent. Points known in no turn stay NaN.
    """
    bands = {}
    for side in SIDES:
        stack = np.array([c.values for c in curves if c.direction == side])
        if not len(stack):
            continue
        known = np.isfinite(stack).sum(axis=0)
        total = np.where(known > 0, np.nansum(stack, axis=0), np.nan)
        mean = total / np.maximum(known, 1)
        sq = np.where(known > 0, np.nansum((stack - mean) ** 2, axis=0), np.nan)
        bands[side] = SideBand(side, mean, np.sqrt(sq / np.maximum(known, 1)), len(stack))
    return bands


def default_turn(segments: Sequence[Mapping[str, Any]]) -> int | None:
    """The turn shown first: the first measurable one, else the first; ``None`` without turns."""
    for seg in segments:
        if seg["measurable"]:
            return int(seg["segment_index"])
    return int(segments[0]["segment_index"]) if segments else None


def finding_turns(finding: Mapping[str, Any], segments: Sequence[Mapping[str, Any]]) -> list[int]:
    """The evidence turns of a coaching finding (``turns``: segment indices) that the run has."""
    known = {int(s["segment_index"]) for s in segments}
    return [int(t) for t in finding.get("turns") or [] if int(t) in known]


def measurability(segment: Mapping[str, Any], reasons: Sequence[str]) -> str:
    """A short badge text: ``"measurable"`` or ``"not measurable: <reasons>"``."""
    if segment["measurable"]:
        return "measurable"
    why = "; ".join(reasons) or ("partial turn at a clip end" if segment.get("is_partial") else "no reason stored")
    return f"not measurable: {why}"


def ski_edge_by_role(
    left_deg: np.ndarray, right_deg: np.ndarray, segments: Sequence[Mapping[str, Any]], *, role: str = "outside"
) -> np.ndarray:
    """Per-frame edge angle of the ``"outside"`` or ``"inside"`` ski of the turn each frame is in (deg).

    In a left turn the outside ski is the right one. Frames in no turn are NaN.
    """
    out = np.full(len(left_deg), np.nan)
    for seg in segments:
        outside_is_right = seg["direction"] == "left"
        use_right = outside_is_right == (role == "outside")
        frames = slice(int(seg["start_frame"]), int(seg["end_frame"]) + 1)
        out[frames] = (right_deg if use_right else left_deg)[frames]
    return out
