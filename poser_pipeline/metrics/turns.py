"""Turn segmentation: transitions, left/right turns and per-frame phase fields.

A transition is where the centre of mass crosses the line between the feet:
the inclination (the raw turn signal) changes sign. The signal is low-passed
(zero phase) and read with hysteresis — a new turn starts only once the
skier inclines past ``turn_min_amplitude_deg`` the other way — so noise, a
straight glide or a traverse make no phantom turns. Each transition gets a
window from where the old turn's lean falls below a third of its peak to where
the new turn's rises above a third of its peak.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from poser_pipeline.metrics.frame_fields import phase_fields
from poser_pipeline.pose.smooth import butterworth_1d
from poser_pipeline.settings import PipelineSettings


@dataclass(frozen=True)
class Transition:
    """A transition window, frame indices (``window_start <= center <= window_end``)."""

    index: int
    window_start: int
    center: int
    window_end: int


@dataclass(frozen=True)
class Turn:
    """A turn between two transitions (or a clip end, then ``is_partial``).

    ``direction`` is ``"left"`` or ``"right"`` from the skier's point of view;
    ``apex`` is the frame of peak inclination; ``start_transition`` and
    ``end_transition`` are transition indices or ``None`` at a clip end.
    """

    index: int
    start: int
    end: int
    apex: int
    direction: str
    is_partial: bool
    start_transition: int | None
    end_transition: int | None


@dataclass
class TurnStructure:
    """Transitions, turns and the per-frame phase fields (``(T,)`` arrays).

    ``turn_segment_id`` / ``turn_transition_id`` are indices into ``segments``
    / ``transitions`` or -1; ``turn_phase_01`` runs 0→1 through a turn;
    ``transition_phase_signed`` runs −1→+1 through a window (NaN outside).
    """

    transitions: list[Transition]
    segments: list[Turn]
    signal_deg: np.ndarray
    turn_segment_id: np.ndarray
    turn_transition_id: np.ndarray
    turn_phase_01: np.ndarray
    transition_phase_signed: np.ndarray
    in_transition_window: np.ndarray


def _fill(x: np.ndarray) -> np.ndarray:
    """Interpolate every NaN (edges held); all-NaN stays all-NaN."""
    ok = np.isfinite(x)
    if not ok.any():
        return x.copy()
    t = np.arange(len(x))
    return np.interp(t, t[ok], x[ok])


def crossing_frame(signal: np.ndarray, a: int, b: int) -> int:
    """Frame in ``[a, b]`` where ``signal`` is closest to zero between two opposite leans."""
    segment = np.abs(signal[a : b + 1])
    return a + int(np.argmin(segment))


def segment_turns(
    turn_signal_deg: np.ndarray, *, fps: float, settings: PipelineSettings | None = None
) -> TurnStructure:
    """Find transitions and turns in a ``(T,)`` signed inclination series (deg, + left).

    NaN frames (no pose) are bridged by interpolation before filtering.
    """
    settings = settings or PipelineSettings()
    n = len(turn_signal_deg)
    filled = _fill(np.asarray(turn_signal_deg, dtype=np.float64))
    if not np.isfinite(filled).all() or n < 3:
        return _structure([], [], np.full(n, np.nan), n)
    signal = butterworth_1d(filled, fps=fps, cutoff_hz=settings.turn_cutoff_hz, order=2, min_chunk=8)
    threshold = settings.turn_min_amplitude_deg
    min_frames = max(1, round(settings.turn_min_duration_s * fps))

    # hysteresis: runs of confident lean, then one transition between each pair of opposite runs
    lean = np.where(signal > threshold, 1, np.where(signal < -threshold, -1, 0))
    runs: list[list[int]] = []  # [sign, first, last]
    for i, s in enumerate(lean):
        if s == 0:
            continue
        if runs and runs[-1][0] == s:
            runs[-1][2] = i
        else:
            runs.append([s, i, i])
    merged: list[list[int]] = []
    for run in runs:
        if merged and merged[-1][0] == run[0]:
            merged[-1][2] = run[2]
        elif run[2] - run[1] + 1 < max(2, min_frames // 2):
            continue  # a flicker across the threshold (or a clip-edge wobble): not a turn
        else:
            merged.append(run)

    transitions: list[Transition] = []
    for k in range(1, len(merged)):
        prev, new = merged[k - 1], merged[k]
        center = crossing_frame(signal, prev[2], new[1])
        prev_peak = np.max(np.abs(signal[prev[1] : prev[2] + 1]))
        new_peak = np.max(np.abs(signal[new[1] : new[2] + 1]))
        start = center
        while start > prev[1] and abs(signal[start - 1]) < prev_peak / 3:
            start -= 1
        end = center
        while end < new[2] and abs(signal[end + 1]) < new_peak / 3:
            end += 1
        transitions.append(Transition(len(transitions), start, center, end))

    segments: list[Turn] = []
    if not transitions:  # a glide or a traverse: one lean, no turn
        return _structure([], [], signal, n)
    # segment k lies between transitions k-1 and k and belongs to lean run k: its sign is the direction
    bounds = [0] + [t.center for t in transitions] + [n - 1]
    for k in range(len(bounds) - 1):
        a, b = bounds[k], bounds[k + 1]
        b = b if k == len(bounds) - 2 else b - 1  # the transition's centre frame starts the next turn
        sign, first, last = merged[k]
        apex = first + int(np.argmax(np.abs(signal[first : last + 1])))
        is_first, is_last = k == 0, k == len(bounds) - 2
        segments.append(
            Turn(
                index=len(segments),
                start=a,
                end=b,
                apex=apex,
                direction="left" if sign > 0 else "right",
                is_partial=is_first or is_last,
                start_transition=None if is_first else k - 1,
                end_transition=None if is_last else k,
            )
        )
    return _structure(transitions, segments, signal, n)


def _structure(transitions: list[Transition], segments: list[Turn], signal: np.ndarray, n: int) -> TurnStructure:
    phases = phase_fields(
        n, [(s.start, s.end) for s in segments], [(t.window_start, t.center, t.window_end) for t in transitions]
    )
    return TurnStructure(
        transitions=transitions,
        segments=segments,
        signal_deg=signal,
        turn_segment_id=phases.segment_index,
        turn_transition_id=phases.transition_index,
        turn_phase_01=phases.turn_phase_01,
        transition_phase_signed=phases.transition_phase_signed,
        in_transition_window=phases.in_transition_window,
    )
