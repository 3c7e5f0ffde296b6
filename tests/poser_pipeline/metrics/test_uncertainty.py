"""Intervals against the synthetic skier: they hold the noise-free value, widen with noise, repeat exactly."""

from __future__ import annotations

import re

import numpy as np
import pytest

from poser_pipeline.metrics.feedback import coaching_feedback
from poser_pipeline.metrics.summary import UNCERTAIN_RUN_KEYS, UNCERTAIN_TURN_KEYS
from tests.poser_pipeline.metrics.test_turns_and_edges import NOISY, analyse

CLEAN = {"noise_m": 0.0, "noise_px": 0.0, "drop_fraction": 0.0}


def scored(metrics):
    return {t.segment.index: t for t in metrics.turns if "edge_similarity" in t.values}


def half_widths(metrics, key="edge_similarity"):
    return [np.subtract(*t.intervals[key][::-1]) / 2 for t in scored(metrics).values()]


def test_every_scored_value_has_an_interval_around_it():
    _, series, _, metrics = analyse(seed=3, inside_delay_s=0.08, **NOISY)
    assert set(series.noise_sd_deg) >= {"edge_left_deg", "edge_right_deg", "inclination_deg"}
    assert all(0 < v < 20 for v in series.noise_sd_deg.values())
    turns = scored(metrics)
    assert len(turns) >= 4
    for turn in turns.values():
        assert set(turn.intervals) == set(UNCERTAIN_TURN_KEYS)
        for key, (low, high) in turn.intervals.items():
            assert low <= turn.values[key] <= high, key
    assert set(metrics.intervals) == {k for k in UNCERTAIN_RUN_KEYS if metrics.values[k] is not None}
    low, high = metrics.intervals["edge_similarity_run"]
    assert 0 <= low <= metrics.values["edge_similarity_run"] <= high <= 100


def test_the_same_run_gives_the_same_intervals():
    first, second = (analyse(seed=4, **NOISY)[3] for _ in range(2))
    assert [t.intervals for t in first.turns] == [t.intervals for t in second.turns]
    assert first.intervals == second.intervals


def test_intervals_widen_with_landmark_noise():
    quiet = analyse(seed=5, noise_m=0.005, noise_px=1.0, drop_fraction=0.05)
    loud = analyse(seed=5, noise_m=0.03, noise_px=3.0, drop_fraction=0.05)
    assert loud[1].noise_sd_deg["edge_left_deg"] > 2 * quiet[1].noise_sd_deg["edge_left_deg"]
    assert np.median(half_widths(loud[3], "mean_angle_diff_deg")) > 2 * np.median(
        half_widths(quiet[3], "mean_angle_diff_deg")
    )


@pytest.mark.parametrize("fault", [{}, {"inside_delay_s": 0.1}, {"left_ski_lag_s": 0.08}])
def test_intervals_hold_the_noise_free_values(fault):
    """Pooled over seeds, the noisy run's 90 % interval holds the noise-free run's value on most turns.

    The intervals are somewhat narrow (about 3 in 4 hold, docs/accuracy.md): the bar is what they reach,
    less a margin, so a change that narrows them further fails here.
    """
    held, total = 0, 0
    for seed in range(6):
        truth = scored(analyse(seed=seed, **fault, **CLEAN)[3])
        noisy = scored(analyse(seed=seed, **fault, **NOISY)[3])
        for index, turn in noisy.items():
            if index not in truth:
                continue
            for key in ("edge_similarity", "peak_edge_outside_deg", "apex_angulation_deg"):
                low, high = turn.intervals[key]
                held += low <= truth[index].values[key] <= high
                total += 1
    assert total >= 40
    assert held / total >= 0.65, f"{held} of {total}"


def test_a_finding_names_values_with_intervals():
    _, _, _, metrics = analyse(seed=11, inside_delay_s=0.15, **NOISY)
    late = next(f for f in coaching_feedback(metrics) if f.key == "inside_ski_late_left")
    assert set(late.turns) <= {e["turn"] for e in late.evidence}
    assert re.search(r"\d+ ± \d+ ms behind", late.message), late.message
    for e in late.evidence:
        low, high = e["interval"]
        assert e["metric"] == "inside_delay_ms" and low <= e["value"] <= high


def test_a_fault_as_large_as_the_noise_is_not_stated():
    """An inside ski 110 ms late against a 100 ms threshold, in noisy pose: within the noise, so nothing is said."""
    _, _, _, metrics = analyse(seed=11, inside_delay_s=0.11, noise_m=0.03, noise_px=3.0, drop_fraction=0.05)
    values = [t.values["inside_delay_ms"] for t in scored(metrics).values()]
    assert np.mean(values) > 100  # the values alone would have fired the rule
    assert not any(f.key.startswith("inside_ski_late") for f in coaching_feedback(metrics))
