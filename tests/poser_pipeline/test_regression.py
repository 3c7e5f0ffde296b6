"""Regression guard: the shared clips' outputs against their references in tests/references/.

A change that moves these numbers must update the references deliberately
(``python -m benchmarks.references ../shared/clips``) and say why in the commit.
Tolerances: turn boundaries ±2 frames, edge similarity ±5 points, shares ±0.03.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.references import REFERENCES, summarize_outputs
from tests.shared_clips import CLIP_NAMES

pytestmark = pytest.mark.slow


def _close(a: float | None, b: float | None, tolerance: float) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= tolerance)


@pytest.mark.parametrize("name", CLIP_NAMES)
def test_outputs_match_the_reference(shared_clip_runs, name):
    reference = json.loads((Path(REFERENCES) / f"{name}.json").read_text())
    current = summarize_outputs(shared_clip_runs[name].out_dir)
    assert current["num_frames"] == reference["num_frames"]
    assert _close(current["tracked_share"], reference["tracked_share"], 0.03)
    assert _close(current["pose_share"], reference["pose_share"], 0.03)
    assert len(current["turns"]) == len(reference["turns"]), (current["turns"], reference["turns"])
    for now, ref in zip(current["turns"], reference["turns"], strict=True):
        assert now["direction"] == ref["direction"] and now["is_partial"] == ref["is_partial"]
        assert abs(now["start_frame"] - ref["start_frame"]) <= 2 and abs(now["end_frame"] - ref["end_frame"]) <= 2
        assert _close(now["edge_similarity"], ref["edge_similarity"], 5.0)
    assert _close(current["edge_similarity_run"], reference["edge_similarity_run"], 5.0)
    assert current["feedback"] == reference["feedback"]
