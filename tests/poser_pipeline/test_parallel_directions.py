"""Backward tracking on its own thread: same result as one after the other, errors and Ctrl-C stop it."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pytest

from poser_pipeline.settings import PipelineSettings
from poser_pipeline.synthetic.video import write_moving_figure_clip
from poser_pipeline.tracking import backward
from poser_pipeline.tracking.cpu_pass import TrackingResult, run_tracking_pass
from poser_pipeline.video.decode import probe_video
from tests.shared_clips import SHARED_CLIPS, load_clip

FPS = 25.0
_OUR_THREADS = ("poser-track-backward", "poser-prefetch", "poser-pose-warm")


def _our_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(_OUR_THREADS)]


def _assert_same(a: TrackingResult, b: TrackingResult) -> None:
    for field in dataclasses.fields(TrackingResult):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, np.ndarray) and x.dtype != object:
            np.testing.assert_array_equal(x, y, err_msg=field.name)
        else:
            assert np.all(x == y), field.name


@pytest.fixture(scope="module")
def figure_clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("parallel") / "figure.mp4"
    truth = write_moving_figure_clip(path, fps=FPS, n_frames=50, seed=3)
    return path, truth


def _track(path, box, at_s, *, parallel: bool, end_s: float | None = None, progress=None) -> TrackingResult:
    info = probe_video(path)
    settings = PipelineSettings(parallel_directions=parallel)
    kwargs = {} if progress is None else {"progress": progress}
    return run_tracking_pass(info, 0.0, end_s or info.duration_s, box, at_s, settings, **kwargs)


def test_parallel_equals_sequential_on_a_synthetic_clip(figure_clip):
    path, truth = figure_clip
    calls = []
    parallel = _track(path, truth[30], 30 / FPS, parallel=True, progress=lambda *a: calls.append(a))
    _assert_same(parallel, _track(path, truth[30], 30 / FPS, parallel=False))
    assert calls[-1] == ("track_pose", 50, 50) and all(c[1] <= c[2] for c in calls)
    assert not _our_threads()


@pytest.mark.skipif(not (SHARED_CLIPS / "overlay.mp4").is_file(), reason="needs ../shared/clips")
def test_parallel_equals_sequential_with_pose_on_a_real_clip():
    clip = load_clip("overlay.mp4")
    at = 30 / clip.fps
    parallel = _track(clip.path, clip.boxes[30], at, parallel=True, end_s=2.0)
    assert parallel.has_pose[:30].mean() > 0.9  # backward really posed
    _assert_same(parallel, _track(clip.path, clip.boxes[30], at, parallel=False, end_s=2.0))
    assert not _our_threads()


def test_a_backward_error_reaches_the_caller_and_leaves_no_thread(figure_clip, monkeypatch):
    path, truth = figure_clip

    def failing(*args, **kwargs):
        raise OSError("disk gone while re-decoding")
        yield  # pragma: no cover - makes this a generator

    monkeypatch.setattr(backward, "iter_window_reversed", failing)
    with pytest.raises(OSError, match="disk gone"):
        _track(path, truth[30], 30 / FPS, parallel=True)
    assert not _our_threads()


def test_ctrl_c_in_the_forward_loop_stops_the_backward_thread(figure_clip):
    path, truth = figure_clip

    raised = []

    def interrupt(stage, done, total):
        if "poser-track-backward" in _our_threads():  # Ctrl-C while both directions run
            raised.append(done)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _track(path, truth[30], 30 / FPS, parallel=True, progress=interrupt)
    assert raised
    assert not _our_threads()
