"""Coaching feedback: plain-language findings, each tied to its turns, frames and numbers.

Rules are data (:data:`RULES`): which per-turn metric to read, when it counts
as a finding, what to say and what to work on. Only measurable, complete
turns are read, and a finding needs at least two turns showing it, so one
odd turn (or an unmeasurable stretch) never becomes advice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from poser_pipeline.metrics.summary import RunMetrics, TurnMetrics

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
        "Inside ski tips late in {side} turns: {mean:.0f} {unit} behind the outside ski on average (turns {turns}).",
        "Tip both skis together from the start of the turn: roll both ankles at once; "
        "drill: 'railroad tracks' on an easy slope.",
        "ms",
    ),
    TurnRule(
        "edge_mismatch",
        "mean_angle_diff_deg",
        "above",
        6.0,
        "The skis tilt differently in {side} turns: {mean:.0f} {unit} apart on average up to the apex (turns {turns}).",
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
        "({mean:.0f} {unit} on average, turns {turns}).",
        "Keep the upper body upright while the legs tip: 'hands on knees' or 'pole across the hips' drills.",
        "deg",
    ),
    TurnRule(
        "shoulders_follow",
        "mean_counter_rotation_deg",
        "below",
        3.0,
        "Shoulders turn with the skis in {side} turns ({mean:.0f} {unit} of counter-rotation, turns {turns}).",
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

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "message": self.message,
            "focus": self.focus,
            "turns": self.turns,
            "apex_frames": self.apex_frames,
            "values": self.values,
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
            hits = [
                t
                for t in turns
                if (
                    t.values[rule.metric] > rule.threshold
                    if rule.fires == "above"
                    else t.values[rule.metric] < rule.threshold
                )
            ]
            if len(hits) < MIN_TURNS or len(hits) < len(turns) / 2:
                continue
            mean = float(np.mean([t.values[rule.metric] for t in hits]))
            ids = [t.segment.index for t in hits]
            findings.append(
                Finding(
                    key=f"{rule.key}_{side}",
                    message=rule.message.format(
                        side=side, mean=mean, unit=rule.unit, turns=", ".join(str(i + 1) for i in ids)
                    ),  # people count turns from 1 (the studio and CLI do); ``turns`` keeps the 0-based indices
                    focus=rule.focus,
                    turns=ids,
                    apex_frames=[t.segment.apex for t in hits],
                    values={rule.metric: mean},
                )
            )
    left, right = metrics.values.get("edge_similarity_left"), metrics.values.get("edge_similarity_right")
    if left is not None and right is not None and abs(left - right) >= 10:
        worse, better = ("left", "right") if left < right else ("right", "left")
        findings.append(
            Finding(
                key="side_imbalance",
                message=f"Your {worse} turns are less even than your {better} turns "
                f"(edge similarity {min(left, right):.0f} vs {max(left, right):.0f}).",
                focus=f"Spend more practice on {worse} turns; start them slower and match the skis early.",
                values={"edge_similarity_left": left, "edge_similarity_right": right},
            )
        )
    run = metrics.values.get("edge_similarity_run")
    if run is not None and run >= 85 and not findings:
        findings.append(
            Finding(
                key="skis_together",
                message=f"The skis work together: edge similarity {run:.0f} with no consistent fault.",
                focus="Keep it up as speed and edge angles grow.",
                values={"edge_similarity_run": run},
            )
        )
    return findings
