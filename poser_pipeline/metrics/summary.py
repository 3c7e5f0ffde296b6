"""Per-turn and per-run metrics, with measurability, from frame series and turns."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from poser_pipeline.metrics import uncertainty
from poser_pipeline.metrics.catalog import BY_KEY, SCORE_UNIT
from poser_pipeline.metrics.edge_similarity import BEST_RUN_OF, best_consecutive_median, score_turn
from poser_pipeline.metrics.edges import shin_parallelism_deg
from poser_pipeline.metrics.reference import SnowReference, camera_vertical
from poser_pipeline.metrics.series import FrameSeries
from poser_pipeline.metrics.turns import Turn, TurnStructure, crossing_frame
from poser_pipeline.settings import PipelineSettings

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
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Per value key, its (low, high) interval (:mod:`poser_pipeline.metrics.uncertainty`)."""


@dataclass
class RunMetrics:
    turns: list[TurnMetrics]
    values: dict[str, float | None]
    measurable: bool
    reasons: list[str]
    notes: list[str]
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    noise_sd_deg: dict[str, float] = field(default_factory=dict)
    """The per-frame landmark noise the intervals were propagated from (``FrameSeries.noise_sd_deg``)."""
    reference: dict[str, object] = field(default_factory=dict)
    """What the angles were measured against (:meth:`~poser_pipeline.metrics.reference.SnowReference.summary`)."""


def _into_turn(x: np.ndarray, direction: str) -> np.ndarray:
    """Signed (+ left) angles turned into "into the turn" magnitudes."""
    return x if direction == "left" else -x


#: The angle series the turn values are computed from (attributes of :class:`FrameSeries`).
ANGLE_SERIES = ("edge_left_deg", "edge_right_deg", "inclination_deg", "angulation_deg", "counter_rotation_deg")
#: Those measured against the reference: its uncertainty moves them together (a difference of two does not move).
TILTED_SERIES = ("edge_left_deg", "edge_right_deg", "inclination_deg")
#: Turn values that carry an interval (all but the duration, which the turn structure fixes).
UNCERTAIN_TURN_KEYS = (
    "edge_similarity",
    "edge_similarity_angle_match",
    "edge_similarity_build_rate_match",
    "edge_similarity_timing_lag",
    "edge_similarity_inside_delay",
    "lag_ms",
    "mean_angle_diff_deg",
    "inside_delay_ms",
    "peak_edge_outside_deg",
    "peak_edge_inside_deg",
    "peak_inclination_deg",
    "apex_angulation_deg",
    "mean_counter_rotation_deg",
    "mean_shin_parallelism_deg",
)
UNCERTAIN_RUN_KEYS = ("edge_similarity_run", "edge_similarity_left", "edge_similarity_right")


def _checks(seg: Turn, series: FrameSeries) -> tuple[list[str], float]:
    """Why a turn cannot be scored (empty: it can), and the share of its frames with usable pose."""
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
    return reasons, valid_share


def _turn_values(
    angles: dict[str, np.ndarray], seg: Turn, start: int, apex: int, fps: float, *, score: bool
) -> dict[str, float]:
    """A turn's values from its angle series (``ANGLE_SERIES``), frames ``start``–``seg.end``, apex ``apex``.

    With ``score``, the edge similarity of the window ``start``–``apex`` too (when its edges are all known).
    """
    frames = slice(start, seg.end + 1)
    inside_is_left = seg.direction == "left"
    edge_in = _into_turn(angles["edge_left_deg" if inside_is_left else "edge_right_deg"], seg.direction)
    edge_out = _into_turn(angles["edge_right_deg" if inside_is_left else "edge_left_deg"], seg.direction)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a draw may leave a stretch all-NaN
        values = {
            "peak_edge_outside_deg": float(np.nanmax(edge_out[frames])),
            "peak_edge_inside_deg": float(np.nanmax(edge_in[frames])),
            "peak_inclination_deg": float(np.nanmax(_into_turn(angles["inclination_deg"], seg.direction)[frames])),
            "apex_angulation_deg": float(_into_turn(angles["angulation_deg"], seg.direction)[apex]),
            "mean_counter_rotation_deg": float(
                np.nanmean(-_into_turn(angles["counter_rotation_deg"], seg.direction)[frames])
            ),
            "mean_shin_parallelism_deg": float(
                np.nanmean(shin_parallelism_deg(angles["edge_left_deg"], angles["edge_right_deg"])[frames])
            ),
        }
    out_w, in_w = edge_out[start : apex + 1], edge_in[start : apex + 1]
    if score and len(out_w) >= 3 and np.isfinite(out_w).all() and np.isfinite(in_w).all():
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
    return values


def _turn_metrics(seg: Turn, series: FrameSeries, fps: float) -> TurnMetrics:
    reasons, valid_share = _checks(seg, series)
    values: dict[str, float] = {"duration_s": (seg.end - seg.start) / fps}
    measurable = not reasons
    if valid_share > 0:
        angles = {name: getattr(series, name) for name in ANGLE_SERIES}
        values.update(_turn_values(angles, seg, seg.start, seg.apex, fps, score=measurable))
        if measurable and "edge_similarity" not in values:
            measurable = False
            reasons.append("edge angles missing between the transition and the apex")
    return TurnMetrics(seg, measurable, reasons, confidence=valid_share, values=values)


def _run_scores(turn_scores: list[tuple[str, float]]) -> dict[str, float | None]:
    """The run's and each side's edge similarity from ``(direction, score)`` of its scored turns."""
    run_score, _ = best_consecutive_median([score for _, score in turn_scores])
    out: dict[str, float | None] = {"edge_similarity_run": run_score}
    for side in ("left", "right"):
        side_scores = [score for direction, score in turn_scores if direction == side]
        out[f"edge_similarity_{side}"] = float(np.median(side_scores)) if side_scores else None
    return out


def _bounded(intervals: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """Score intervals kept within 0–100 (the scale's ends), the others as they are."""
    return {
        key: (max(0.0, low), min(100.0, high)) if BY_KEY[key].unit == SCORE_UNIT else (low, high)
        for key, (low, high) in intervals.items()
    }


def _add_intervals(
    turns: list[TurnMetrics],
    series: FrameSeries,
    structure: TurnStructure,
    fps: float,
    draws: int,
    settings: PipelineSettings,
    tilt_sd_deg: float,
) -> list[dict[str, float | None]]:
    """Fill each turn's ``intervals`` by propagating the measurement noise (:mod:`.uncertainty`); the run's.

    Each draw perturbs every angle series and the turn signal, shifts the frontal angles by one draw
    of the reference's tilt (standard error ``tilt_sd_deg``), finds each turn's start (near its
    transition) and apex again, and recomputes its values; the run's scores come from the same draw
    (returned, one dict per draw).
    """
    rng = np.random.default_rng(uncertainty.SEED)
    noise = {
        name: uncertainty.low_passed_noise(
            series.noise_sd_deg.get(name, np.nan),
            np.isfinite(getattr(series, name)),
            draws,
            fps=fps,
            cutoff_hz=settings.metric_cutoff_hz,
            rng=rng,
        )
        for name in ANGLE_SERIES
    }
    signal_noise = uncertainty.low_passed_noise(
        series.noise_sd_deg.get("inclination_deg", np.nan),
        np.isfinite(structure.signal_deg),
        draws,
        fps=fps,
        cutoff_hz=settings.turn_cutoff_hz,
        rng=rng,
    )
    # its own stream: a clip read against the camera (no tilt to draw) keeps the same landmark-noise draws
    tilts = np.random.default_rng(uncertainty.SEED + 1).normal(0.0, 1.0, draws) * tilt_sd_deg
    turn_draws: list[list[dict[str, float]]] = [[] for _ in turns]
    run_draws: list[dict[str, float | None]] = []
    for k in range(draws):
        angles = {
            name: getattr(series, name) + noise[name][:, k] + (tilts[k] if name in TILTED_SERIES else 0.0)
            for name in ANGLE_SERIES
        }
        signal = structure.signal_deg + signal_noise[:, k] + tilts[k]
        scored: list[tuple[str, float]] = []
        for i, turn in enumerate(turns):
            seg = turn.segment
            if turn.confidence <= 0:
                continue
            start = seg.start
            if seg.start_transition is not None:
                t = structure.transitions[seg.start_transition]
                start = crossing_frame(signal, t.window_start, t.window_end)
            apex = uncertainty.peak_near(signal, start, seg.end, 1 if seg.direction == "left" else -1)
            values = _turn_values(angles, seg, start, apex, fps, score=turn.measurable)
            turn_draws[i].append(values)
            if turn.measurable and "edge_similarity" in values:
                scored.append((seg.direction, values["edge_similarity"]))
        run_draws.append(_run_scores(scored))
    for turn, found in zip(turns, turn_draws, strict=True):
        turn.intervals = _bounded(uncertainty.intervals_of(turn.values, found, list(UNCERTAIN_TURN_KEYS)))
    return run_draws


def summarize_run(
    series: FrameSeries,
    structure: TurnStructure,
    *,
    fps: float,
    timing_source: str = "pose",
    draws: int = uncertainty.DEFAULT_DRAWS,
    settings: PipelineSettings | None = None,
    reference: SnowReference | None = None,
) -> RunMetrics:
    """Score every turn and the run, each value with its interval. Partial and unmeasurable turns never enter a score.

    ``draws`` noise draws give the intervals (:mod:`poser_pipeline.metrics.uncertainty`); 0 gives none.
    ``reference`` is what ``series`` was measured against (:mod:`poser_pipeline.metrics.reference`):
    its uncertainty enters the intervals and its note the run's notes. Without one, the series are
    taken as read against the camera's vertical.

    ``timing_source`` ``"track"`` means turns were timed from the skier's path
    (pose mostly missing): their confidence is halved and they say so.
    """
    settings = settings or PipelineSettings()
    reference = reference or camera_vertical(len(series.valid))
    turns = [_turn_metrics(seg, series, fps) for seg in structure.segments]
    run_draws = (
        _add_intervals(turns, series, structure, fps, draws, settings, reference.tilt_uncertainty_deg) if draws else []
    )
    if timing_source == "track":
        for t in turns:
            t.confidence *= 0.5
            t.reasons.append("turn timed from the skier's path: pose mostly missing")
    scored = [t for t in turns if t.measurable and "edge_similarity" in t.values]
    complete = [t for t in turns if not t.segment.is_partial]
    notes, reasons = [reference.note] if reference.note else [], []
    values: dict[str, float | None] = {"turn_count": float(len(complete))}
    values.update(_run_scores([(t.segment.direction, t.values["edge_similarity"]) for t in scored]))
    if scored and len(scored) < BEST_RUN_OF:
        notes.append(f"edge similarity is the median of all {len(scored)} measurable turns (fewer than six)")
    durations = [t.values["duration_s"] for t in complete]
    values["mean_turn_duration_s"] = float(np.mean(durations)) if durations else None
    values["cadence_turns_per_min"] = 60.0 / float(np.mean(durations)) if durations else None
    if not structure.transitions:
        reasons.append("no turns found: a straight glide, a traverse, or no usable pose")
    elif not scored:
        reasons.append("no complete turn had enough usable pose to score")
    return RunMetrics(
        turns=turns,
        values=values,
        measurable=bool(scored),
        reasons=reasons,
        notes=notes,
        intervals=_bounded(uncertainty.intervals_of(values, run_draws, list(UNCERTAIN_RUN_KEYS))),
        noise_sd_deg={k: round(v, 2) for k, v in series.noise_sd_deg.items() if np.isfinite(v)},
        reference=reference.summary(),
    )
