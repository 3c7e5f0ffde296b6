"""Coaching feedback: plain-language findings, each tied to its turns, frames and numbers.

Rules are data (:data:`RULES`): which per-turn metric to read, when it counts
as a finding, what to say and what to work on. Only measurable, complete
turns are read, and a finding needs at least two turns showing it, so one
odd turn (or an unmeasurable stretch) never becomes advice.

A side shows a fault only when the interval of its turns' mean (each turn's
interval is the measurement's noise, :mod:`poser_pipeline.metrics.uncertainty`;
the mean of ``n`` turns is ``√n`` times surer) lies wholly past the threshold:
an effect the size of the noise is not stated. Each finding lists its
evidence: the turns, their apex frames, values and intervals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from poser_pipeline.metrics.summary import RunMetrics, TurnMetrics
from poser_pipeline.metrics.uncertainty import with_uncertainty

MIN_TURNS = 2


@dataclass(frozen=True)
class TurnRule:
    """A finding read from one per-turn metric, per side (left/right turns)."""

    key: str
    metric: str
    fires: str  # "above" or "below"
    threshold: float
    message: str  # formatted with side, mean, unit, turns
    focus: str
    unit: str


RULES: tuple[TurnRule, ...] = (
    TurnRule(
        "inside_ski_late",
        "inside_delay_ms",
        "above",
        100.0,
        "Inside ski tips late in {side} turns: {mean} {unit} behind the outside ski on average (turns {turns}).",
        "Tip both skis together from the start of the turn: roll both ankles at once; "
        "drill: 'railroad tracks' on an easy slope.",
        "ms",
    ),
    TurnRule(
        "edge_mismatch",
        "mean_angle_diff_deg",
        "above",
        6.0,
        "The skis tilt differently in {side} turns: {mean} {unit} apart on average up to the apex (turns {turns}).",
        "Match the inside ski's edge to the outside ski's: lift the inside heel and tip it to the little toe; "
        "drill: 'javelin turns' then 'outside-ski-only / inside-ski-only' traverses.",
        "deg",
    ),
    TurnRule(
        "little_angulation",
        "apex_angulation_deg",
        "below",
        5.0,
        "Little angulation at the apex of {side} turns: the upper body leans with the legs "
        "({mean} {unit} on average, turns {turns}).",
        "Keep the upper body upright while the legs tip: 'hands on knees' or 'pole across the hips' drills.",
        "deg",
    ),
    TurnRule(
        "shoulders_follow",
        "mean_counter_rotation_deg",
        "below",
        3.0,
        "Shoulders turn with the skis in {side} turns ({mean} {unit} of counter-rotation, turns {turns}).",
        "Face the upper body down the hill through the turn; drill: 'pole plant to the fall line'.",
        "deg",
    ),
)


@dataclass(frozen=True)
class Finding:
    """One thing a coach would say, with the evidence behind it."""

    key: str
    message: str
    focus: str
    turns: list[int] = field(default_factory=list)
    apex_frames: list[int] = field(default_factory=list)
    values: dict[str, float] = field(default_factory=dict)
    evidence: list[dict[str, object]] = field(default_factory=list)
    """Every turn (or score) read: ``turn``, ``apex_frame``, ``metric``, ``value`` and ``interval``.

    ``turns`` are those of them that show the fault; the message's mean (± its interval) is over all.
    """

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "message": self.message,
            "focus": self.focus,
            "turns": self.turns,
            "apex_frames": self.apex_frames,
            "values": self.values,
            "evidence": self.evidence,
        }


def _past(value: float, interval: tuple[float, float] | None, threshold: float, fires: str) -> bool:
    """Whether ``value`` — all of its interval, when it has one — lies past ``threshold`` (``fires`` side).

    >>> _past(8.0, (5.0, 11.0), 6.0, "above"), _past(8.0, (6.5, 9.5), 6.0, "above"), _past(8.0, None, 6.0, "above")
    (False, True, True)
    """
    low, high = interval if interval is not None else (value, value)
    return low > threshold if fires == "above" else high < threshold


def _mean_interval(turns: list[TurnMetrics], metric: str) -> tuple[float, tuple[float, float] | None]:
    """The mean of ``metric`` over ``turns`` and its interval (``None`` if a turn has none).

    The turns' noise is independent, so the mean's interval is the turns' mean half-widths over ``√n``.

    >>> from types import SimpleNamespace as T
    >>> turns = [T(values={"x": v}, intervals={"x": (v - 4, v + 2)}) for v in (10.0, 14.0, 12.0, 12.0)]
    >>> _mean_interval(turns, "x")
    (12.0, (10.0, 13.0))
    """
    values = np.array([t.values[metric] for t in turns])
    mean = float(values.mean())
    if any(metric not in t.intervals for t in turns):
        return mean, None
    below = np.mean([v - t.intervals[metric][0] for t, v in zip(turns, values, strict=True)])
    above = np.mean([t.intervals[metric][1] - v for t, v in zip(turns, values, strict=True)])
    root_n = np.sqrt(len(turns))
    return mean, (mean - float(below / root_n), mean + float(above / root_n))


def _evidence(turn: TurnMetrics, metric: str) -> dict[str, object]:
    interval = turn.intervals.get(metric)
    return {
        "turn": turn.segment.index,
        "apex_frame": turn.segment.apex,
        "metric": metric,
        "value": turn.values[metric],
        "interval": None if interval is None else list(interval),
    }


def _measured(turns: list[TurnMetrics], side: str, metric: str) -> list[TurnMetrics]:
    return [
        t for t in turns if t.measurable and t.segment.direction == side and np.isfinite(t.values.get(metric, np.nan))
    ]


def coaching_feedback(metrics: RunMetrics) -> list[Finding]:
    """Findings for a run, most important first (rules in :data:`RULES` order, then a side comparison)."""
    findings: list[Finding] = []
    for rule in RULES:
        for side in ("left", "right"):
            turns = _measured(metrics.turns, side, rule.metric)
            hits = [t for t in turns if _past(t.values[rule.metric], None, rule.threshold, rule.fires)]
            if len(hits) < MIN_TURNS or len(hits) < len(turns) / 2:
                continue
            mean, interval = _mean_interval(turns, rule.metric)
            if not _past(mean, interval, rule.threshold, rule.fires):
                continue  # as large as the noise: not said
            ids = [t.segment.index for t in hits]
            findings.append(
                Finding(
                    key=f"{rule.key}_{side}",
                    message=rule.message.format(
                        side=side,
                        mean=with_uncertainty(mean, interval),
                        unit=rule.unit,
                        turns=", ".join(str(i + 1) for i in ids),
                    ),  # people count turns from 1 (the studio and CLI do); ``turns`` keeps the 0-based indices
                    focus=rule.focus,
                    turns=ids,
                    apex_frames=[t.segment.apex for t in hits],
                    values={rule.metric: mean},
                    evidence=[_evidence(t, rule.metric) for t in turns],  # every turn the mean is over
                )
            )
    left, right = metrics.values.get("edge_similarity_left"), metrics.values.get("edge_similarity_right")
    if left is not None and right is not None and abs(left - right) >= 10 and _apart(metrics, left, right):
        worse, better = ("left", "right") if left < right else ("right", "left")
        findings.append(
            Finding(
                key="side_imbalance",
                message=f"Your {worse} turns are less even than your {better} turns "
                f"(edge similarity {min(left, right):.0f} vs {max(left, right):.0f}).",
                focus=f"Spend more practice on {worse} turns; start them slower and match the skis early.",
                values={"edge_similarity_left": left, "edge_similarity_right": right},
                evidence=[_score_evidence(metrics, f"edge_similarity_{side}") for side in ("left", "right")],
            )
        )
    run = metrics.values.get("edge_similarity_run")
    run_low = metrics.intervals.get("edge_similarity_run", (run, run))[0] if run is not None else None
    if run is not None and run_low >= 85 and not findings:
        findings.append(
            Finding(
                key="skis_together",
                message=f"The skis work together: edge similarity {run:.0f} with no consistent fault.",
                focus="Keep it up as speed and edge angles grow.",
                values={"edge_similarity_run": run},
                evidence=[_score_evidence(metrics, "edge_similarity_run")],
            )
        )
    return findings


def _apart(metrics: RunMetrics, left: float, right: float) -> bool:
    """The two sides' intervals do not overlap (either without one: the values decide alone)."""
    left_iv, right_iv = metrics.intervals.get("edge_similarity_left"), metrics.intervals.get("edge_similarity_right")
    if left_iv is None or right_iv is None:
        return True
    return left_iv[1] < right_iv[0] if left < right else right_iv[1] < left_iv[0]


def _score_evidence(metrics: RunMetrics, key: str) -> dict[str, object]:
    interval = metrics.intervals.get(key)
    return {"metric": key, "value": metrics.values[key], "interval": None if interval is None else list(interval)}
