"""Per-turn and per-run metrics, with measurability, from frame series and turns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from poser_pipeline.metrics.edge_similarity import best_consecutive_median, score_turn
from poser_pipeline.metrics.series import FrameSeries
from poser_pipeline.metrics.turns import Turn, TurnStructure

#: A turn is measurable when at least this share of its frames had usable pose.
MIN_VALID_SHARE = 0.7
#: Hip-to-ankle length, px, below which the skier is too small for edge angles.
MIN_LEG_PX = 25.0


@dataclass
class TurnMetrics:
    """One turn: its segment, whether it can be scored (and why not), and its metric values."""

    segment: Turn
    measurable: bool
    reasons: list[str]
    confidence: float
    values: dict[str, float] = field(default_factory=dict)


@dataclass
class RunMetrics:
    turns: list[TurnMetrics]
    values: dict[str, float | None]
    measurable: bool
    reasons: list[str]
    notes: list[str]


def _into_turn(x: np.ndarray, direction: str) -> np.ndarray:
    """Signed (+ left) angles turned into "into the turn" magnitudes."""
    return x if direction == "left" else -x


def _turn_metrics(seg: Turn, series: FrameSeries, fps: float) -> TurnMetrics:
    frames = slice(seg.start, seg.end + 1)
    valid_share = float(np.mean(series.valid[frames]))
    reasons = []
    if seg.is_partial:
        reasons.append("partial turn at a clip end")
    if valid_share < MIN_VALID_SHARE:
        reasons.append(f"pose usable on only {valid_share:.0%} of its frames")
    window_frames = slice(seg.start, seg.apex + 1)
    facing = series.skis_face_camera[window_frames][series.valid[window_frames]]
    if facing.size and facing.mean() < 0.5:
        reasons.append("the camera sees the skis from the side here: their edging cannot be measured")
    legs = series.leg_length_px[frames]
    if np.isfinite(legs).any() and np.nanmedian(legs) < MIN_LEG_PX:
        reasons.append(f"the skier is too small in the frame ({np.nanmedian(legs):.0f} px from hip to ankle)")
    values: dict[str, float] = {"duration_s": (seg.end - seg.start) / fps}
    measurable = not reasons
    if valid_share > 0:
        inside_is_left = seg.direction == "left"
        edge_in = _into_turn(series.edge_left_deg if inside_is_left else series.edge_right_deg, seg.direction)
        edge_out = _into_turn(series.edge_right_deg if inside_is_left else series.edge_left_deg, seg.direction)
        values["peak_edge_outside_deg"] = float(np.nanmax(edge_out[frames]))
        values["peak_edge_inside_deg"] = float(np.nanmax(edge_in[frames]))
        values["peak_inclination_deg"] = float(np.nanmax(_into_turn(series.inclination_deg, seg.direction)[frames]))
        values["apex_angulation_deg"] = float(_into_turn(series.angulation_deg, seg.direction)[seg.apex])
        values["mean_counter_rotation_deg"] = float(
            np.nanmean(-_into_turn(series.counter_rotation_deg, seg.direction)[frames])
        )
        values["mean_shin_parallelism_deg"] = float(np.nanmean(series.shin_parallelism_deg[frames]))
        window = slice(seg.start, seg.apex + 1)
        out_w, in_w = edge_out[window], edge_in[window]
        if measurable and len(out_w) >= 3 and np.isfinite(out_w).all() and np.isfinite(in_w).all():
            s = score_turn(out_w, in_w, fps=fps)
            values.update(
                edge_similarity=s.score,
                edge_similarity_angle_match=s.angle_match,
                edge_similarity_build_rate_match=s.build_rate_match,
                edge_similarity_timing_lag=s.timing_lag,
                edge_similarity_inside_delay=s.inside_delay,
                lag_ms=s.lag_ms,
                mean_angle_diff_deg=s.mean_angle_diff_deg,
                inside_delay_ms=s.inside_delay_ms,
            )
        elif measurable:
            measurable = False
            reasons.append("edge angles missing between the transition and the apex")
    return TurnMetrics(seg, measurable, reasons, confidence=valid_share, values=values)


def summarize_run(
    series: FrameSeries, structure: TurnStructure, *, fps: float, timing_source: str = "pose"
) -> RunMetrics:
    """Score every turn and the run. Partial and unmeasurable turns never enter a score.

    ``timing_source`` ``"track"`` means turns were timed from the skier's path
    (pose mostly missing): their confidence is halved and they say so.
    """
    turns = [_turn_metrics(seg, series, fps) for seg in structure.segments]
    if timing_source == "track":
        for t in turns:
            t.confidence *= 0.5
            t.reasons.append("turn timed from the skier's path: pose mostly missing")
    scored = [t for t in turns if t.measurable and "edge_similarity" in t.values]
    complete = [t for t in turns if not t.segment.is_partial]
    notes, reasons = [], []
    values: dict[str, float | None] = {"turn_count": float(len(complete))}
    run_score, used = best_consecutive_median([t.values["edge_similarity"] for t in scored])
    values["edge_similarity_run"] = run_score
    if scored and used < 6:
        notes.append(f"edge similarity is the median of all {used} measurable turns (fewer than six)")
    for side in ("left", "right"):
        side_scores = [t.values["edge_similarity"] for t in scored if t.segment.direction == side]
        values[f"edge_similarity_{side}"] = float(np.median(side_scores)) if side_scores else None
    durations = [t.values["duration_s"] for t in complete]
    values["mean_turn_duration_s"] = float(np.mean(durations)) if durations else None
    values["cadence_turns_per_min"] = 60.0 / float(np.mean(durations)) if durations else None
    if not structure.transitions:
        reasons.append("no turns found: a straight glide, a traverse, or no usable pose")
    elif not scored:
        reasons.append("no complete turn had enough usable pose to score")
    return RunMetrics(turns=turns, values=values, measurable=bool(scored), reasons=reasons, notes=notes)
