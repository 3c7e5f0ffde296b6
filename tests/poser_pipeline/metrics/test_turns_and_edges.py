"""Turns, edge angles and body metrics against the synthetic skier's known truth.

The bar: world-landmark noise sigma = 2 cm and 5 % dropped frames, every camera view.
"""

from __future__ import annotations

import numpy as np
import pytest

from poser_pipeline.metrics.measure import measure_run
from poser_pipeline.synthetic.skier import VIEWS, SkierParams, generate_run

NOISY = {"noise_m": 0.02, "noise_px": 2.0, "drop_fraction": 0.05}


def analyse(**kwargs):
    run = generate_run(SkierParams(**kwargs))
    m = measure_run(run.world_xyz, ~run.truth["dropped"], fps=run.fps)
    return run, m.series, m.turns, m.metrics


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("seed", [1, 2])
def test_transitions_and_directions_exact(view, seed):
    run, _, structure, _ = analyse(view=view, seed=seed, **NOISY)
    found = np.array([t.center for t in structure.transitions])
    truth = run.truth["transitions"]
    assert len(found) == len(truth)  # precision and recall 1.0 ...
    assert np.all(np.abs(found - truth) <= 2)  # ... within 2 frames
    for seg in structure.segments:
        assert seg.direction == ("left" if run.truth["direction"][seg.apex] > 0 else "right")
    assert structure.segments[0].is_partial and structure.segments[-1].is_partial
    assert not any(s.is_partial for s in structure.segments[1:-1])


@pytest.mark.parametrize("traverse_deg", [0.0, 20.0, -25.0])
def test_no_phantom_turns_in_a_glide_or_traverse(traverse_deg):
    _, _, structure, metrics = analyse(straight=True, traverse_deg=traverse_deg, **NOISY)
    assert structure.transitions == [] and structure.segments == []
    assert not metrics.measurable and metrics.values["edge_similarity_run"] is None
    assert "no turns" in metrics.reasons[0]


@pytest.mark.parametrize("view", ["behind", "front"])
def test_edge_angle_error_within_two_degrees(view):
    run, series, _, _ = analyse(view=view, seed=3, **NOISY)
    for side in ("left", "right"):
        measured = getattr(series, f"edge_{side}_deg")
        ok = np.isfinite(measured)
        assert ok.mean() > 0.9
        assert np.mean(np.abs(measured[ok] - run.truth[f"edge_{side}_deg"][ok])) <= 2.0


def test_inclination_follows_the_turns_and_angulation_has_the_turns_sign():
    run, series, structure, _ = analyse(seed=5, **NOISY)
    signal = run.truth["turn_signal"]
    ok = np.isfinite(series.inclination_deg)
    assert np.corrcoef(series.inclination_deg[ok], signal[ok])[0, 1] > 0.97
    # the upper body inclines 70 % of the legs: angulation into the turn at every apex
    for seg in structure.segments[1:-1]:
        sign = 1 if seg.direction == "left" else -1
        assert sign * series.angulation_deg[seg.apex] > 5
        # counter-rotation: shoulders turned to the outside of the turn
        assert -sign * series.counter_rotation_deg[seg.apex] > 5


def test_phase_fields_cover_the_frames():
    _, _, structure, _ = analyse(seed=6, **NOISY)
    seg = structure.segments[2]
    phase = structure.turn_phase_01[seg.start : seg.end + 1]
    assert phase[0] == 0 and phase[-1] == 1 and np.all(np.diff(phase) > 0)
    t = structure.transitions[1]
    window = structure.transition_phase_signed[t.window_start : t.window_end + 1]
    assert window[0] == -1 and window[-1] == 1 and structure.transition_phase_signed[t.center] == 0
    assert structure.in_transition_window[t.center] and not structure.in_transition_window[seg.apex]


def test_one_turn_only_and_all_frames_lost_are_not_measurable_without_nan_crash():
    _, _, structure, metrics = analyse(n_turns=1, **NOISY)
    assert len([s for s in structure.segments if not s.is_partial]) == 1
    assert metrics.values["turn_count"] == 1
    run = generate_run(SkierParams(**NOISY))
    m = measure_run(run.world_xyz, np.zeros(len(run.world_xyz), bool), fps=run.fps)
    structure, metrics = m.turns, m.metrics
    assert structure.segments == [] and not metrics.measurable


def test_body_metrics_within_tolerance_of_truth():
    """Noise-free geometry is the truth for COM, inclination and angulation; the torso lean is set directly."""
    clean_run, clean, _, _ = analyse(seed=7)
    _, noisy, _, _ = analyse(seed=7, **NOISY)
    # the generator sets the upper body's lean: legs' tilt minus angulation must give it back
    from poser_pipeline.metrics.body import body_axes, frontal_angle_deg
    from poser_pipeline.pose.skeleton import INDEX

    world = clean_run.world_xyz
    forward, left = body_axes(world)
    mid = lambda part: (world[:, INDEX[f"left_{part}"]] + world[:, INDEX[f"right_{part}"]]) / 2  # noqa: E731
    torso = frontal_angle_deg(mid("shoulder") - mid("hip"), left, forward)
    assert np.max(np.abs(torso - clean_run.truth["torso_tilt_deg"])) < 0.5
    ok = np.isfinite(noisy.inclination_deg) & np.isfinite(clean.inclination_deg)
    assert np.mean(np.abs(noisy.inclination_deg[ok] - clean.inclination_deg[ok])) < 1.5  # deg
    assert np.mean(np.abs(noisy.angulation_deg[ok] - clean.angulation_deg[ok])) < 3.0  # deg
    com_error = np.linalg.norm(noisy.com_m[ok] - clean.com_m[ok], axis=1)
    assert np.sqrt(np.mean(com_error**2)) < 0.02  # m
