"""Edge similarity: identical skis score high, each perturbation lowers its own sub-score."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from poser_pipeline.metrics.edge_similarity import best_consecutive_median, score_turn
from tests.poser_pipeline.metrics.test_turns_and_edges import NOISY, analyse

FPS = 30.0


def _curves(delay_s=0.0, lag_s=0.0, build=1.0, scale=1.0):
    t = np.arange(19) / FPS
    outside = 40 * np.sin(np.pi * t / 1.2)
    shifted = np.clip(t - delay_s - lag_s, 0, None)
    inside = scale * 40 * np.sin(np.pi * shifted / 1.2) ** build
    return outside, inside


def test_identical_skis_score_full_marks():
    assert score_turn(*_curves(), fps=FPS).score == pytest.approx(100)


@pytest.mark.parametrize(
    ("kwargs_seq", "part"),
    [
        ([{"scale": s} for s in (1.0, 0.85, 0.7, 0.55)], "angle_match"),
        ([{"build": b} for b in (1.0, 1.5, 2.0, 3.0)], "build_rate_match"),
        ([{"lag_s": s} for s in (0.0, 0.1, 0.17, 0.25)], "timing_lag"),
        ([{"delay_s": s} for s in (0.0, 0.1, 0.17, 0.25)], "inside_delay"),
    ],
)
def test_each_sub_score_falls_monotonically_with_its_perturbation(kwargs_seq, part):
    values = [getattr(score_turn(*_curves(**kw), fps=FPS), part) for kw in kwargs_seq]
    assert all(a >= b for a, b in itertools.pairwise(values)), values
    assert values[0] - values[-1] > 20, values


def test_run_score_is_the_best_six_turn_median():
    scores = [50, 60, 90, 91, 92, 93, 94, 95, 40]
    assert best_consecutive_median(scores) == (92.5, 6)  # turns 3-8: 90..95
    assert best_consecutive_median([70, 80, 90]) == (80.0, 3)
    assert best_consecutive_median([]) == (None, 0)


@pytest.mark.parametrize("view", ["behind", "front", "oblique"])
def test_synthetic_runs_identical_vs_late_inside_ski(view):
    _, _, _, same = analyse(view=view, seed=8, **NOISY)
    _, _, _, late = analyse(view=view, seed=8, inside_delay_s=0.15, **NOISY)
    assert same.values["edge_similarity_run"] >= 95
    assert same.values["edge_similarity_run"] - late.values["edge_similarity_run"] >= 15
    late_turns = [t for t in late.turns if t.measurable]
    assert np.median([t.values["inside_delay_ms"] for t in late_turns]) == pytest.approx(150, abs=50)


def test_mirrored_run_swaps_left_and_right():
    _, _, _, plain = analyse(seed=9, left_ski_lag_s=0.1)
    _, _, _, mirrored = analyse(seed=9, left_ski_lag_s=0.1, mirror=True)
    # a lagging left ski is the inside ski of left turns: those suffer; mirrored, the right turns do
    assert plain.values["edge_similarity_left"] == pytest.approx(mirrored.values["edge_similarity_right"], abs=3)
    assert plain.values["edge_similarity_right"] == pytest.approx(mirrored.values["edge_similarity_left"], abs=3)


def test_side_view_and_tiny_skier_are_not_measurable():
    """From the side the skis' tilt lies in depth; a tiny skier gives no reliable shins: say so, score nothing."""
    _, _, _, side = analyse(view="side", seed=8, **NOISY)
    assert not side.measurable and side.values["edge_similarity_run"] is None
    assert all("from the side" in " ".join(t.reasons) for t in side.turns if not t.segment.is_partial)

    from poser_pipeline.metrics.measure import measure_run
    from poser_pipeline.synthetic.skier import SkierParams, generate_run

    run = generate_run(SkierParams(seed=8, **NOISY))
    tiny = (run.image_xy - 960) * 0.15 + 960  # the same skier ~17 px from hip to ankle
    metrics = measure_run(run.world_xyz, ~run.truth["dropped"], fps=run.fps, image_xy=tiny).metrics
    assert not metrics.measurable
    assert any("too small" in r for t in metrics.turns for r in t.reasons)
