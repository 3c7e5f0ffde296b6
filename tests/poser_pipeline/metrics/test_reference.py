"""Angles against the snow: a rolled, rolling or pitched camera and a sideways slope, with known truth.

The synthetic skier (:mod:`poser_pipeline.synthetic.skier`) is filmed by a camera that rolls ±20°,
rolls through the clip, pitches, and by a level camera on a slope tilted ±15° sideways; the bar is
the issue's: edge-angle MAE ≤ 3°, left/right bias of the outside ski's peak edge ≤ 2°, transitions
within 2 frames, directions right — behind, in front of and oblique to the skier.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.metrics_accuracy import CAMERA_CONDITIONS, directions_right, edge_mae_deg, side_bias_deg, timing_errors
from poser_pipeline.metrics.measure import measure_run
from poser_pipeline.metrics.reference import roll_back
from poser_pipeline.metrics.summary import summarize_run
from poser_pipeline.metrics.turns import segment_turns
from poser_pipeline.settings import PipelineSettings
from poser_pipeline.synthetic.skier import SkierParams, generate_run

NOISY = {"noise_m": 0.02, "noise_px": 2.0}
AGAINST_CAMERA = PipelineSettings(level_to_snow=False)


def measured(settings: PipelineSettings | None = None, **kwargs):
    run = generate_run(SkierParams(**NOISY, **kwargs))
    return run, measure_run(run.world_xyz, ~run.truth["dropped"], fps=run.fps, settings=settings)


@pytest.mark.parametrize("view", ["behind", "front", "oblique"])
@pytest.mark.parametrize("condition", [c for c in CAMERA_CONDITIONS if c != "level"])
def test_angles_and_turns_are_read_against_the_snow(view, condition):
    errors, biases = [], []
    for seed in (1, 2, 3):  # the goals are on the mean: one run's few turns each side also carry noise
        run, m = measured(view=view, seed=seed, **CAMERA_CONDITIONS[condition])
        assert m.reference.evidence == "lean_symmetry"
        timing = timing_errors(run, m)
        assert len(m.turns.transitions) == len(timing) and max(timing) <= 2
        assert all(directions_right(run, m))
        errors.append(edge_mae_deg(run, m))
        biases.append(side_bias_deg(m))
    assert np.mean(errors) <= 3.0 and max(errors) <= 3.5
    assert abs(np.mean(biases)) <= 2.0


@pytest.mark.parametrize("view", ["behind", "front"])
def test_against_the_camera_a_roll_reads_as_edging(view):
    """The same clip read against the camera's vertical: the roll shows up as a left/right difference."""
    run, m = measured(AGAINST_CAMERA, view=view, seed=2, camera_roll_deg=20.0)
    assert m.reference.evidence == "none"
    assert edge_mae_deg(run, m) > 15.0 and abs(side_bias_deg(m)) > 30.0


@pytest.mark.parametrize("view", ["behind", "front", "oblique"])
def test_the_estimated_roll_is_the_cameras(view):
    run, m = measured(view=view, seed=4, camera_roll_deg=10.0, camera_roll_drift_deg=20.0)
    truth = run.truth["camera_roll_deg"]
    assert np.max(np.abs(m.reference.roll_deg - truth)) <= 1.5  # followed frame by frame, 0° → 20°
    assert m.reference.pairs == 5 and 0 < m.reference.tilt_uncertainty_deg < 1.0


def test_a_level_camera_is_left_level():
    run, m = measured(view="behind", seed=3)
    _, against_camera = measured(AGAINST_CAMERA, view="behind", seed=3)
    assert np.max(np.abs(m.reference.roll_deg)) < 1.0
    assert abs(edge_mae_deg(run, m) - edge_mae_deg(run, against_camera)) < 0.2


@pytest.mark.parametrize("traverse_deg", [0.0, 20.0])
def test_without_opposite_turns_nothing_is_levelled_and_the_run_says_so(traverse_deg):
    """A traverse's lean is not a camera roll: with no pair of opposite turns there is no evidence."""
    _, m = measured(view="behind", straight=True, traverse_deg=traverse_deg, camera_roll_deg=10.0)
    assert m.reference.evidence == "none" and not m.reference.roll_deg.any()
    assert any("against the camera's vertical" in note for note in m.metrics.notes)
    assert m.metrics.reference["evidence"] == "none" and m.metrics.reference["note"]


def test_the_reference_uncertainty_widens_the_absolute_angles_intervals():
    run, m = measured(view="behind", seed=5)
    wide = type(m.reference)(m.reference.roll_deg, "lean_symmetry", 1, tilt_uncertainty_deg=4.0)
    loose = summarize_run(m.series, m.turns, fps=run.fps, reference=wide)

    def widths(metrics, key):
        return [t.intervals[key][1] - t.intervals[key][0] for t in metrics.turns if key in t.intervals]

    assert np.mean(widths(loose, "peak_edge_outside_deg")) > np.mean(widths(m.metrics, "peak_edge_outside_deg")) + 3
    # angulation is a difference of two tilts: the reference does not move it
    assert np.mean(widths(loose, "apex_angulation_deg")) == pytest.approx(
        np.mean(widths(m.metrics, "apex_angulation_deg")), abs=0.5
    )


def test_roll_back_undoes_a_roll_of_the_landmarks():
    run = generate_run(SkierParams(view="behind", camera_roll_deg=12.0))
    level = generate_run(SkierParams(view="behind"))
    assert np.allclose(roll_back(run.world_xyz, np.full(len(run.world_xyz), 12.0)), level.world_xyz, atol=1e-9)
    assert segment_turns(np.zeros(10), fps=30.0).transitions == []
