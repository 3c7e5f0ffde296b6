"""Edge similarity: how alike the two skis tilt through a turn, 0–100.

Scored per turn over the window from the turn's start (the transition) to
its apex, from four sub-scores (each 0–100, documented in docs/metrics.md):

a. **angle match** — mean absolute difference of the two skis' edge angles;
   100 at 0°, 0 at ``ANGLE_ZERO_DEG``.
b. **build-rate match** — edge gained per second over the first half of the
   window (the early build, where technique differs) by each ski;
   100 × slower / faster.
c. **timing lag** — the shift (ms) that best aligns the two skis' edge
   curves; 100 at 0 ms, 0 at ``LAG_ZERO_MS``.
d. **inside-ski delay** — how much later the inside ski reaches half of its
   apex edge than the outside ski; 100 at ≤ 0 ms, 0 at ``DELAY_ZERO_MS``.

Differences below what pose can measure — ``ANGLE_TOLERANCE_DEG`` and
``TIME_TOLERANCE_MS`` (about one frame) — count as none, so measurement
noise alone does not cost points. The turn score is the weighted mean
(``WEIGHTS``). Per side: the median of
that side's complete turns. Per run: over every run of six consecutive
complete turns, the highest median (all complete turns if fewer than six).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ANGLE_ZERO_DEG = 15.0
ANGLE_TOLERANCE_DEG = 2.0
TIME_TOLERANCE_MS = 40.0
LAG_ZERO_MS = 250.0
DELAY_ZERO_MS = 300.0
WEIGHTS = {"angle_match": 0.3, "build_rate_match": 0.2, "timing_lag": 0.25, "inside_delay": 0.25}
BEST_RUN_OF = 6


@dataclass(frozen=True)
class TurnEdgeScore:
    """Edge similarity of one turn and its parts (scores 0–100, raw values with units)."""

    score: float
    angle_match: float
    build_rate_match: float
    timing_lag: float
    inside_delay: float
    mean_angle_diff_deg: float
    build_rate_outside_deg_s: float
    build_rate_inside_deg_s: float
    lag_ms: float
    inside_delay_ms: float


def _ramp(value: float, tolerance: float, zero_at: float) -> float:
    """100 up to ``tolerance``, falling linearly to 0 at ``zero_at``."""
    return 100 * float(np.clip(1 - (value - tolerance) / (zero_at - tolerance), 0.0, 1.0))


def _half_rise_s(edge: np.ndarray, fps: float) -> float:
    """Time (s) from the window start until ``edge`` first reaches half its final (apex) value."""
    target = edge[-1] / 2
    above = np.flatnonzero(edge >= target)
    if len(above) == 0:
        return len(edge) / fps
    i = above[0]
    if i == 0:
        return 0.0
    frac = (target - edge[i - 1]) / max(edge[i] - edge[i - 1], 1e-9)  # sub-frame interpolation
    return (i - 1 + frac) / fps


def _best_lag_s(outside: np.ndarray, inside: np.ndarray, fps: float, max_lag_s: float = 0.5) -> float:
    """Shift (s, + = inside later) that minimises the mean squared difference of the two curves."""
    max_lag = max(1, round(max_lag_s * fps))
    best, best_err = 0.0, np.inf
    for lag in range(-max_lag, max_lag + 1):
        if len(outside) - abs(lag) < max(3, len(outside) // 2):
            continue  # too little overlap to compare
        a = outside[max(0, -lag) : len(outside) - max(0, lag)]
        b = inside[max(0, lag) : len(inside) - max(0, -lag)]
        err = float(np.mean((a - b) ** 2))
        if err < best_err - 1e-12:
            best, best_err = lag / fps, err
    return best


def score_turn(outside_deg: np.ndarray, inside_deg: np.ndarray, *, fps: float) -> TurnEdgeScore:
    """Edge similarity of one turn from its skis' edge angles over transition → apex.

    Parameters
    ----------
    outside_deg, inside_deg : (N,) float ndarray
        Edge angle magnitudes into the turn (deg, ≥ 0 when edged into the turn).
    fps : float
    """
    outside = np.asarray(outside_deg, dtype=np.float64)
    inside = np.asarray(inside_deg, dtype=np.float64)
    mid = max(1, (len(outside) - 1) // 2)
    diff = float(np.mean(np.abs(outside - inside)))
    rate_out = (outside[mid] - outside[0]) * fps / mid
    rate_in = (inside[mid] - inside[0]) * fps / mid
    fast, slow = max(abs(rate_out), abs(rate_in)), min(abs(rate_out), abs(rate_in))
    lag_ms = 1000 * _best_lag_s(outside, inside, fps)
    delay_ms = 1000 * (_half_rise_s(inside, fps) - _half_rise_s(outside, fps))
    parts = {
        "angle_match": _ramp(diff, ANGLE_TOLERANCE_DEG, ANGLE_ZERO_DEG),
        "build_rate_match": 100 * (slow / fast if fast > 1e-6 else 1.0),
        "timing_lag": _ramp(abs(lag_ms), TIME_TOLERANCE_MS, LAG_ZERO_MS),
        "inside_delay": _ramp(delay_ms, TIME_TOLERANCE_MS, DELAY_ZERO_MS),
    }
    score = sum(WEIGHTS[k] * v for k, v in parts.items())
    return TurnEdgeScore(
        score=score,
        **parts,
        mean_angle_diff_deg=diff,
        build_rate_outside_deg_s=rate_out,
        build_rate_inside_deg_s=rate_in,
        lag_ms=lag_ms,
        inside_delay_ms=delay_ms,
    )


def best_consecutive_median(scores: list[float], *, run_of: int = BEST_RUN_OF) -> tuple[float | None, int]:
    """Highest median over windows of ``run_of`` consecutive scores; the window size used.

    With fewer scores than ``run_of``, the median of all (and their count).
    """
    if not scores:
        return None, 0
    if len(scores) < run_of:
        return float(np.median(scores)), len(scores)
    return max(float(np.median(scores[i : i + run_of])) for i in range(len(scores) - run_of + 1)), run_of
