"""The accuracy harness: pure scoring on hand-made cases, and one real clip end to end."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from benchmarks.evaluate import main
from benchmarks.scoring import direction_accuracy, match_transitions, tracking_scores, transition_scores
from tests.shared_clips import SHARED_CLIPS, available


def test_transitions_match_one_to_one_within_tolerance():
    labelled = [(30, 3), (60, 5)]
    assert match_transitions([31, 33, 64, 90], labelled) == [(30, 31), (60, 64)]
    scores = transition_scores([31, 33, 64, 90], labelled)
    assert scores["precision"] == 0.5 and scores["recall"] == 1.0
    assert scores["f1"] == pytest.approx(2 / 3)
    assert scores["mean_timing_error_frames"] == 2.5
    assert transition_scores([], labelled)["precision"] is None  # cannot be computed: null, not 0


def test_tracking_scores_count_a_switch():
    reference = {0: np.array([0, 0, 10, 10.0]), 10: np.array([0, 0, 10, 10.0]), 20: None}
    tracked = np.zeros((21, 4))
    tracked[:] = [0, 0, 10, 10]
    tracked[10] = [50, 50, 60, 60]  # jumped to something else
    scores = tracking_scores(tracked, reference)
    assert scores == {"iou50_share": 0.5, "mean_iou": 0.5, "switches": 1}


def test_direction_accuracy_reads_the_turn_at_the_labelled_middle():
    segments = [
        {"start_frame": 0, "end_frame": 40, "direction": "right"},
        {"start_frame": 41, "end_frame": 90, "direction": "left"},
    ]
    labels = [
        {"start_frame": 0, "end_frame": 45, "direction": "right"},
        {"start_frame": 45, "end_frame": 90, "direction": "right"},
    ]
    assert direction_accuracy(segments, labels) == 0.5


@pytest.mark.slow
@pytest.mark.skipif(not available(), reason="../shared/clips is not here")
def test_harness_reports_a_real_clip_completely(tmp_path, capsys):
    folder = tmp_path / "clips"
    folder.mkdir()
    for name in ("v_Skiing_g24_c01.gif", "v_Skiing_g24_c01.gif.labels.json"):
        shutil.copy(SHARED_CLIPS / name, folder / name)
    (folder / "broken.mp4").write_bytes(b"not a video")
    (folder / "broken.mp4.labels.json").write_text(
        json.dumps({"file": "broken.mp4", "prompt": {"frame": 0, "box": [0, 0, 9, 9]}})
    )
    assert main([str(folder), "--out", str(tmp_path / "report.json")]) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    rows = {r["file"]: r for r in report["clips"]}
    assert rows["broken.mp4"]["error"]  # a failed clip is a row, not a crash
    gif = rows["v_Skiing_g24_c01.gif"]
    assert gif["error"] is None
    assert gif["tracking"]["iou50_share"] >= 0.8 and gif["tracking"]["switches"] == 0
    assert gif["turns"]["recall"] == 1.0
    assert gif["speed"]["fps"] > 0 and gif["speed"]["peak_rss_mb"] > 0
    assert set(report["overall"]) == {"tracking", "pose", "turns", "speed"}
    assert "overall" in capsys.readouterr().out


def test_settings_overrides_are_typed_and_unknown_names_refused():
    import doctest

    from benchmarks import evaluate

    assert doctest.testmod(evaluate).failed == 0
    with pytest.raises(ValueError, match="no pipeline setting 'pose_thread'"):
        evaluate.parse_settings(["pose_thread=2"])
    assert evaluate.parse_settings(["pose_enhanced_crop_scales="]) == {"pose_enhanced_crop_scales": ()}
