"""Coaching feedback: each finding comes from the fault that was put in, with its evidence."""

from __future__ import annotations

import numpy as np

from poser_pipeline.metrics.feedback import coaching_feedback
from poser_pipeline.metrics.measure import measure_run
from poser_pipeline.synthetic.skier import SkierParams, generate_run
from tests.poser_pipeline.metrics.test_turns_and_edges import NOISY, analyse


def keys(findings) -> set[str]:
    return {f.key for f in findings}


def test_clean_run_gets_praise_only():
    _, _, _, metrics = analyse(seed=11, **NOISY)
    assert keys(coaching_feedback(metrics)) == {"skis_together"}


def test_late_inside_ski_is_named_with_turns_frames_and_milliseconds():
    _, _, structure, metrics = analyse(seed=11, inside_delay_s=0.15, **NOISY)
    findings = {f.key: f for f in coaching_feedback(metrics)}
    assert {"inside_ski_late_left", "inside_ski_late_right"} <= set(findings)
    late_left = findings["inside_ski_late_left"]
    assert "ms behind the outside ski" in late_left.message
    assert 100 <= late_left.values["inside_delay_ms"] <= 220
    left_turns = [s for s in structure.segments if s.direction == "left" and not s.is_partial]
    assert late_left.turns == [s.index for s in left_turns]
    assert late_left.apex_frames == [s.apex for s in left_turns]
    assert "little_angulation_left" not in findings


def test_banking_without_angulation_or_counter_rotation():
    _, _, _, metrics = analyse(seed=12, inclination_share=1.0, counter_rotation_deg=0.0, **NOISY)
    found = keys(coaching_feedback(metrics))
    assert {"little_angulation_left", "little_angulation_right", "shoulders_follow_left"} <= found
    assert not any(k.startswith("inside_ski_late") for k in found)


def test_one_sided_fault_gives_a_side_imbalance():
    _, _, _, metrics = analyse(seed=13, inside_delay_s=0.15, inside_delay_turns="left", **NOISY)
    findings = {f.key: f for f in coaching_feedback(metrics)}
    assert "side_imbalance" in findings and "left turns are less even" in findings["side_imbalance"].message
    assert "inside_ski_late_left" in findings and "inside_ski_late_right" not in findings


def test_no_findings_from_unmeasurable_turns():
    """Low visibility through the middle turns: those turns are not measurable and give no advice."""
    run = generate_run(SkierParams(inside_delay_s=0.15, low_visibility=((0.5, 9.0),), **NOISY))
    usable = ~run.truth["dropped"] & (np.nan_to_num(run.visibility[:, 11:29].mean(axis=1)) >= 0.5)
    metrics = measure_run(run.world_xyz, usable, fps=run.fps).metrics
    assert not metrics.measurable
    assert coaching_feedback(metrics) == []
