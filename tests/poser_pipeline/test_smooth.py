"""Smoothing: zero phase, outliers removed, never across gaps."""

from __future__ import annotations

import numpy as np
import pytest

from poser_pipeline.pose.smooth import butterworth_1d, hampel, interpolate_gaps, smooth_series, valid_runs
from poser_pipeline.settings import PipelineSettings

FPS = 30.0


def test_valid_runs_finds_each_run():
    assert valid_runs(np.array([True, True, False, True, False, False, True])) == [(0, 2), (3, 4), (6, 7)]
    assert valid_runs(np.zeros(4, dtype=bool)) == []


def test_hampel_drops_a_spike_and_keeps_a_ramp():
    x = np.linspace(0, 10, 40)
    x_spiked = x.copy()
    x_spiked[20] += 50
    cleaned = hampel(x_spiked)
    assert np.isnan(cleaned[20])
    assert np.allclose(np.delete(cleaned, 20), np.delete(x, 20))


def test_interpolate_fills_short_interior_gaps_only():
    x = np.array([0.0, 1.0, np.nan, np.nan, 4.0, np.nan, np.nan, np.nan, np.nan, 9.0, np.nan])
    filled = interpolate_gaps(x, max_gap=2)
    assert np.allclose(filled[:5], [0, 1, 2, 3, 4])
    assert np.isnan(filled[5:9]).all()  # too long
    assert np.isnan(filled[10])  # trailing: nothing to interpolate towards


def test_zero_phase_low_pass_keeps_slow_motion_in_time():
    t = np.arange(120) / FPS
    slow = np.sin(2 * np.pi * 1.0 * t)  # a 1 Hz turn rhythm
    noisy = slow + 0.1 * np.random.default_rng(0).standard_normal(len(t))
    out = smooth_series(noisy[:, None], np.ones(len(t), bool), fps=FPS, settings=PipelineSettings())[:, 0]
    inner = slice(10, -10)
    raw_error = np.sqrt(np.mean((noisy[inner] - slow[inner]) ** 2))
    # a 6 Hz cut-off at 30 fps passes ~40 % of white noise's power: error drops by ~sqrt(0.4)
    assert np.sqrt(np.mean((out[inner] - slow[inner]) ** 2)) < 0.75 * raw_error
    lag = np.argmax(np.correlate(out[inner], slow[inner], mode="full")) - (len(slow[inner]) - 1)
    assert lag == 0


def test_never_smears_across_a_lost_stretch():
    x = np.concatenate([np.zeros(30), np.full(30, 100.0)])
    valid = np.ones(60, bool)
    valid[28:34] = False  # lost around the jump: longer than the interpolation limit
    out = smooth_series(x[:, None], valid, fps=FPS, settings=PipelineSettings())[:, 0]
    assert np.isnan(out[28:34]).all()
    assert np.allclose(out[:28], 0, atol=1e-6)
    assert np.allclose(out[34:], 100, atol=1e-6)


@pytest.mark.parametrize("n_frames", [4, 40, 300])
def test_all_columns_at_once_equal_one_column_at_a_time(n_frames):
    """The vectorised smoother gives exactly the numbers of the column-by-column definition."""
    settings = PipelineSettings()
    rng = np.random.default_rng(n_frames)
    values = np.cumsum(rng.normal(size=(n_frames, 33, 3)), axis=0)
    values[rng.random(values.shape) < 0.02] += 50.0  # outliers: columns get different NaN patterns
    values[rng.random(values.shape) < 0.01] = np.nan
    valid = rng.random(n_frames) > 0.1
    valid[n_frames // 3 : n_frames // 3 + 8] = False  # a lost stretch longer than the gap limit
    expected = values.reshape(n_frames, -1).copy()
    expected[~valid] = np.nan
    for j in range(expected.shape[1]):
        column = interpolate_gaps(hampel(expected[:, j]), max_gap=settings.interp_gap_max_frames)
        expected[:, j] = butterworth_1d(
            column,
            fps=30.0,
            cutoff_hz=settings.smooth_cutoff_hz,
            order=settings.smooth_order,
            min_chunk=settings.min_chunk_frames,
        )
    smoothed = smooth_series(values, valid, fps=30.0, settings=settings)
    np.testing.assert_array_equal(smoothed, expected.reshape(values.shape))
