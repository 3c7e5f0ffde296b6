"""Tracking backward in time from the prompt, on its own thread.

Forward and backward tracking share nothing but the prompt frame (read
only) and the margins learned on it, so when the prompt is not the window's
first frame the backward direction runs beside the forward one. Each
direction is a chain (the pose of one frame places the next crop) that keeps
about one core busy; two chains fill two cores. Results do not depend on the
timing: each direction has its own tracker and BlazePose models.
"""

from __future__ import annotations

import threading

import numpy as np

from poser_pipeline.pose.blazepose import BlazePoseEstimator
from poser_pipeline.settings import PipelineSettings
from poser_pipeline.tracking.pose_guided import PoseGuidedTracker, TrackStep
from poser_pipeline.video.decode import VideoInfo, iter_window_reversed
from poser_pipeline.video.prefetch import prefetch


def track_backward(
    info: VideoInfo,
    timestamps_ms: list[float],
    prompt_index: int,
    prompt_frame: np.ndarray,
    prompt_box: np.ndarray,
    margins: np.ndarray,
    settings: PipelineSettings,
    *,
    stop: threading.Event | None = None,
    on_step=None,
) -> dict[int, TrackStep]:
    """Track window frames ``prompt_index - 1`` down to 0; their steps by frame index.

    Parameters
    ----------
    timestamps_ms : list of float
        Times of window frames ``0 … prompt_index`` at least, ms.
    prompt_frame : (H, W, 3) uint8 ndarray
        The prompt frame, upright BGR (not modified).
    margins : (4,) float ndarray
        Margins learned by the forward tracker on the prompt frame.
    stop : threading.Event, optional
        Checked before each frame; when set, returns what was tracked so far.
    on_step : callable, optional
        Called with no argument after each frame (progress counting).
    """
    steps: dict[int, TrackStep] = {}
    pose = BlazePoseEstimator(settings)
    try:
        tracker = PoseGuidedTracker(prompt_frame, prompt_box, pose, settings, margins=margins)
        frames = prefetch(
            iter_window_reversed(info, timestamps_ms, prompt_index, threads=settings.track_decode_threads)
        )
        try:
            for index, image in frames:
                if stop is not None and stop.is_set():
                    break
                steps[index] = tracker.step(image)
                if on_step is not None:
                    on_step()
        finally:
            frames.close()  # stops the decode thread now, also on an error or a stop
    finally:
        pose.close()
    return steps


class BackwardThread:
    """:func:`track_backward` on a daemon thread, with a stop flag and its error kept for the caller.

    ``done`` counts the frames tracked so far (read from the caller's thread
    for progress: an int read is atomic under the GIL).
    """

    def __init__(self, *args, **kwargs) -> None:
        self.done = 0
        self._stop = threading.Event()
        self._steps: dict[int, TrackStep] = {}
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=args, kwargs=kwargs, name="poser-track-backward", daemon=True
        )
        self._thread.start()

    def _count(self) -> None:
        self.done += 1

    def _run(self, *args, **kwargs) -> None:
        try:
            self._steps = track_backward(*args, stop=self._stop, on_step=self._count, **kwargs)
        except BaseException as exc:  # re-raised by result() in the caller's thread
            self._error = exc

    @property
    def failed(self) -> bool:
        return self._error is not None

    def wait(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s``; ``True`` when the thread has finished."""
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def result(self) -> dict[int, TrackStep]:
        """The steps, once finished; re-raises the thread's error."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._steps

    def cancel(self, timeout_s: float = 30.0) -> None:
        """Ask the thread to stop and wait for it (one pose call at most, normally milliseconds)."""
        self._stop.set()
        self._thread.join(timeout_s)
