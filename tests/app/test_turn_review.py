"""Turn-axis resampling, per-side bands and turn helpers (app/turn_review.py) on hand-known inputs."""

from __future__ import annotations

import numpy as np
import pytest

from app import turn_review
from app.results_view_sample import sample_result


def _segment(index: int, start: int, end: int, direction: str, *, measurable: bool = True) -> dict:
    return {
        "segment_index": index,
        "direction": direction,
        "start_frame": start,
        "end_frame": end,
        "apex_frame": (start + end) // 2,
        "measurable": measurable,
        "is_partial": False,
    }


def _sine_run(lengths: list[int], amplitude: float = 30.0) -> tuple[np.ndarray, list[dict]]:
    """Alternating left/right turns of different lengths, each one half sine (+ left, − right)."""
    values, segments, start = [], [], 0
    for i, n in enumerate(lengths):
        direction = "left" if i % 2 == 0 else "right"
        sign = 1.0 if direction == "left" else -1.0
        values.append(sign * amplitude * np.sin(np.pi * np.linspace(0.0, 1.0, n)))
        segments.append(_segment(i, start, start + n - 1, direction))
        start += n
    return np.concatenate(values), segments


def test_resampling_a_line_is_exact():
    out = turn_review.resample_to_turn(np.arange(10.0) * 2, 0, 9)
    np.testing.assert_allclose(out, np.linspace(0.0, 18.0, 101))


def test_resampling_never_extrapolates_and_needs_half_the_frames():
    values = np.array([np.nan, 1.0, 2.0, 3.0, np.nan])
    out = turn_review.resample_to_turn(values, 0, 4, n_points=5)
    assert np.isnan(out[0]) and np.isnan(out[-1])
    np.testing.assert_allclose(out[1:4], [1.0, 2.0, 3.0])
    mostly_missing = np.array([1.0, np.nan, np.nan, np.nan, 2.0])
    assert np.isnan(turn_review.resample_to_turn(mostly_missing, 0, 4)).all()
    assert np.isnan(turn_review.resample_to_turn(np.array([1.0]), 0, 0)).all()


def test_sine_turns_of_any_length_give_a_known_mean_and_zero_spread():
    values, segments = _sine_run([31, 45, 38, 52, 27])
    curves = turn_review.turn_curves(values, segments, sign="into")
    assert len(curves) == 5
    bands = turn_review.side_bands(curves)
    expected = 30.0 * np.sin(np.pi * turn_review.TURN_AXIS_PCT / 100.0)
    for side, n in (("left", 3), ("right", 2)):
        assert bands[side].n == n
        # linear interpolation of a sampled sine: within 0.3 deg of the true curve
        np.testing.assert_allclose(bands[side].mean, expected, atol=0.3)
        np.testing.assert_allclose(bands[side].spread, 0.0, atol=0.3)
    # identical sampling → exactly identical curves: no spread at all
    same_values, same_segments = _sine_run([40, 40, 40, 40])
    same = turn_review.side_bands(turn_review.turn_curves(same_values, same_segments))
    assert np.max(same["left"].spread) == pytest.approx(0.0, abs=1e-9)


def test_spread_is_the_standard_deviation_across_turns():
    values = np.concatenate([np.full(10, 10.0), np.full(10, 0.0), np.full(10, 20.0)])
    segments = [_segment(0, 0, 9, "left"), _segment(1, 10, 19, "right"), _segment(2, 20, 29, "left")]
    bands = turn_review.side_bands(turn_review.turn_curves(values, segments, sign="none"))
    np.testing.assert_allclose(bands["left"].mean, 15.0)
    np.testing.assert_allclose(bands["left"].spread, 5.0)
    np.testing.assert_allclose(bands["right"].spread, 0.0)


def test_signs_and_which_turns_enter():
    values = np.concatenate([np.full(10, 5.0), np.full(10, -5.0)])
    segments = [_segment(0, 0, 9, "left"), _segment(1, 10, 19, "right", measurable=False)]
    assert [c.segment_index for c in turn_review.turn_curves(values, segments)] == [0]
    both = turn_review.turn_curves(values, segments, measurable_only=False)
    assert [float(c.values[50]) for c in both] == [5.0, 5.0]  # into the turn: right turns flipped
    outward = turn_review.turn_curves(values, segments, sign="outward", measurable_only=False)
    assert [float(c.values[50]) for c in outward] == [-5.0, -5.0]
    assert both[1].frames[0] == 10 and both[1].frames[-1] == 19


def test_outside_and_inside_ski():
    left, right = np.arange(6.0), -np.arange(6.0)
    segments = [_segment(0, 0, 2, "left"), _segment(1, 3, 4, "right")]
    outside = turn_review.ski_edge_by_role(left, right, segments, role="outside")
    np.testing.assert_array_equal(outside[:5], [0.0, -1.0, -2.0, 3.0, 4.0])  # left turn: the right ski is outside
    assert np.isnan(outside[5])
    inside = turn_review.ski_edge_by_role(left, right, segments, role="inside")
    np.testing.assert_array_equal(inside[:5], [0.0, 1.0, 2.0, -3.0, -4.0])


def test_labels_defaults_findings_and_badges():
    segments = [_segment(0, 0, 9, "right", measurable=False), _segment(1, 10, 19, "left")]
    assert turn_review.turn_label(segments[1]) == "Turn 2 (left)"
    assert turn_review.default_turn(segments) == 1
    assert turn_review.default_turn([]) is None
    assert turn_review.finding_turns({"turns": [1, 7]}, segments) == [1]
    assert turn_review.measurability(segments[1], []) == "measurable"
    assert turn_review.measurability(segments[0], ["too small", "side view"]) == "not measurable: too small; side view"


def test_the_landing_sample_scores_its_turns():
    sample = sample_result()
    segments = sample.turns["segments"]
    assert len(segments) >= 6
    assert segments[0]["is_partial"] and not segments[0]["measurable"]
    scored = [t for t in sample.similarity["turns"] if t["edge_similarity"] is not None]
    assert len(scored) == sum(s["measurable"] for s in segments) >= 4
    # the example's inside ski is late in left turns only: its left turns score lower
    assert sample.similarity["edge_similarity_left"] < sample.similarity["edge_similarity_right"]
    assert len(sample.time_s) == len(sample.edge_left_deg)
