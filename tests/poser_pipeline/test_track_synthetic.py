"""The CPU tracker on synthetic clips with a known path and a crossing distractor."""

from __future__ import annotations

import numpy as np
import pytest

from poser_pipeline import boxes
from poser_pipeline.settings import PipelineSettings
from poser_pipeline.synthetic.video import write_moving_figure_clip
from poser_pipeline.tracking.cpu_pass import run_tracking_pass
from poser_pipeline.video.decode import probe_video

FPS = 25.0


@pytest.fixture(scope="module", params=[0, 1])
def figure_clip(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("synthetic") / f"figure_{request.param}.mp4"
    truth = write_moving_figure_clip(path, fps=FPS, n_frames=60, seed=request.param)
    return path, truth


@pytest.mark.parametrize("prompt_index", [0, 30, 59])
def test_follows_known_path_past_distractor(figure_clip, prompt_index):
    """Forward and backward from any prompt frame: IoU >= 0.7 on >= 95 % of frames, no switch."""
    path, truth = figure_clip
    info = probe_video(path)
    result = run_tracking_pass(info, 0.0, info.duration_s, truth[prompt_index], prompt_index / FPS, PipelineSettings())
    assert result.num_frames == len(truth)
    assert result.prompt_index == prompt_index
    ious = np.array([boxes.iou(a, b) for a, b in zip(result.boxes, truth, strict=True)])
    assert np.mean(ious >= 0.7) >= 0.95, np.round(ious, 2)
    assert ious.min() > 0.3, "the track switched to the distractor"
    assert not result.lost.any()


def test_no_person_still_tracks_and_says_so(figure_clip):
    """A clip with no person: the track holds, pose is empty and marked missing (NaN), not invented."""
    path, truth = figure_clip
    info = probe_video(path)
    result = run_tracking_pass(info, 0.0, info.duration_s, truth[0], 0.0, PipelineSettings())
    assert not result.has_pose.any()
    assert np.isnan(result.world_xyz).all()
