"""BlazePose's inference threads: same landmarks for any count; the warm retry model leaks nothing."""

from __future__ import annotations

import threading

import av
import numpy as np
import pytest

from poser_pipeline.pose.blazepose import BlazePoseEstimator
from poser_pipeline.pose.model import WarmBuild, new_pose_model
from poser_pipeline.settings import PipelineSettings
from tests.shared_clips import SHARED_CLIPS, load_clip


def _warm_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "poser-pose-warm"]


def test_thread_count_must_be_positive():
    with pytest.raises(ValueError, match="num_threads"):
        new_pose_model(static=True, num_threads=0)


@pytest.mark.skipif(not (SHARED_CLIPS / "overlay.mp4").is_file(), reason="needs ../shared/clips")
def test_landmarks_are_identical_for_one_and_two_threads():
    clip = load_clip("overlay.mp4")
    with av.open(str(clip.path)) as container:
        frames = [f.to_ndarray(format="bgr24") for _, f in zip(range(6), container.decode(video=0), strict=False)]
    results = {}
    for threads in (1, 2):
        estimator = BlazePoseEstimator(PipelineSettings(pose_threads=threads))
        try:
            poses = [estimator.estimate(frame, clip.prompt_box) for frame in frames]
        finally:
            estimator.close()
        assert all(p is not None for p in poses)
        results[threads] = np.stack([np.hstack([p.image_xy.ravel(), p.world_xyz.ravel(), p.visibility]) for p in poses])
    np.testing.assert_array_equal(results[1], results[2])
    assert not _warm_threads()


class _FakeModel:
    def __init__(self) -> None:
        self.calls = 0
        self.closed = False

    def process(self, image: np.ndarray) -> None:
        self.calls += 1

    def close(self) -> None:
        self.closed = True


def test_warm_build_returns_a_model_that_ran_once():
    build = WarmBuild(_FakeModel, np.zeros((8, 8, 3), np.uint8))
    model = build.result()
    assert model.calls == 1 and not model.closed
    assert not _warm_threads()


def test_warm_build_error_reaches_the_caller():
    def broken():
        raise RuntimeError("graph failed to start")

    build = WarmBuild(broken, np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(RuntimeError, match="graph failed to start"):
        build.result()
    build.discard()  # nothing to close, returns
    assert not _warm_threads()


def test_an_unused_warm_model_is_closed_with_the_estimator():
    made: list[_FakeModel] = []

    def fake_new_model(*, static: bool) -> _FakeModel:
        made.append(_FakeModel())
        return made[-1]

    estimator = BlazePoseEstimator(PipelineSettings())
    estimator._new_model = fake_new_model  # no mediapipe: only the model lifecycle is under test
    estimator._build_retry_ahead()  # as the first estimate() does
    estimator._build_retry_ahead()  # a second call builds nothing more
    estimator.close()
    assert len(made) == 1 and made[0].closed and made[0].calls == 1
    assert not _warm_threads()
