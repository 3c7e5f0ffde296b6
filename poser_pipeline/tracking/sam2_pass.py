"""The analysis pass with the SAM2 backend: SAM2 tracks, then BlazePose per frame.

:func:`run_sam2_tracking_pass` is the SAM2 counterpart of
:func:`poser_pipeline.tracking.cpu_pass.run_tracking_pass` and returns the same
:class:`~poser_pipeline.tracking.cpu_pass.TrackingResult`, so smoothing, metrics,
rendering and export are unchanged. The window is decoded twice: once for
SAM2 (frames downscaled to its input as they arrive), once for pose on the
full-resolution frames inside SAM2's boxes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from poser_pipeline.errors import PoserInputError, WindowError
from poser_pipeline.pose.blazepose import BlazePoseEstimator
from poser_pipeline.pose.skeleton import NUM_LANDMARKS
from poser_pipeline.progress import ProgressFn, no_progress
from poser_pipeline.settings import PipelineSettings
from poser_pipeline.tracking.cpu_pass import TrackingResult
from poser_pipeline.tracking.sam2_tracker import Sam2Config, Sam2Track, downscale_frames, track_with_sam2
from poser_pipeline.video.decode import VideoInfo, iter_window
from poser_pipeline.video.prefetch import prefetch


def prompt_index_for(timestamps_ms: list[float], at_s: float, fps: float) -> int:
    """The first frame at or after ``at_s`` (within half a frame), as the CPU pass picks it."""
    first_ms = at_s * 1000.0 - 500.0 / max(fps, 1.0)
    for index, t in enumerate(timestamps_ms):
        if t >= first_ms:
            return index
    return -1


def run_sam2_track(
    info: VideoInfo,
    start_s: float,
    end_s: float,
    prompt_box: np.ndarray,
    at_s: float,
    predictor: Any,
    *,
    config: Sam2Config | None = None,
    progress: ProgressFn = no_progress,
) -> tuple[list[float], Sam2Track]:
    """Decode ``[start_s, end_s)`` once, downscaled, and track it with SAM2 from the box at ``at_s``.

    The prompt frame is picked as :func:`~poser_pipeline.tracking.cpu_pass.run_tracking_pass` picks it.

    Returns the window's frame times (ms) and SAM2's track.
    """
    timestamps: list[float] = []

    def frames():
        for frame in iter_window(info, start_s, end_s):
            timestamps.append(frame.timestamp_ms)
            yield frame.to_bgr()

    expected = max(1, round((end_s - start_s) * info.fps))
    store = downscale_frames(prefetch(frames()), predictor, config=config, progress=progress, expected_frames=expected)
    if not timestamps:
        raise PoserInputError(f"{info.path.name}: no frames decoded in the window {start_s:g}–{end_s:g} s")
    prompt_index = prompt_index_for(timestamps, at_s, info.fps)
    if prompt_index < 0:
        raise WindowError(
            f"the box's frame at {at_s:g} s is after the last frame of the window ({timestamps[-1] / 1000:.2f} s)"
        )
    track = track_with_sam2(store, prompt_index, prompt_box, predictor, config=config, progress=progress)
    return timestamps, track


def run_pose_on_track(
    info: VideoInfo,
    start_s: float,
    end_s: float,
    timestamps_ms: list[float],
    track: Sam2Track,
    settings: PipelineSettings,
    *,
    progress: ProgressFn = no_progress,
) -> TrackingResult:
    """Decode the window once more and run BlazePose in each frame's SAM2 box.

    Lost frames get no pose (NaN landmarks), and BlazePose's video mode is
    reset after them so it does not latch onto whatever the held box shows.
    """
    n = track.num_frames
    result = TrackingResult(
        timestamps_ms=np.asarray(timestamps_ms, dtype=np.float64),
        boxes=track.boxes.astype(np.float64, copy=True),
        confidence=track.confidence.astype(np.float64, copy=True),
        lost=track.lost.astype(bool, copy=True),
        source=track.source.copy(),
        image_xy=np.full((n, NUM_LANDMARKS, 2), np.nan),
        world_xyz=np.full((n, NUM_LANDMARKS, 3), np.nan),
        visibility=np.full((n, NUM_LANDMARKS), np.nan),
        prompt_index=track.prompt_index,
    )
    estimator = BlazePoseEstimator(settings)
    seen = 0
    try:
        for frame in prefetch(iter_window(info, start_s, end_s)):
            i = frame.index
            if i >= n:
                break
            seen += 1
            if result.lost[i]:
                estimator.reset()
            else:
                pose = estimator.estimate(frame.to_bgr(), result.boxes[i])
                if pose is not None:
                    result.image_xy[i] = pose.image_xy
                    result.world_xyz[i] = pose.world_xyz
                    result.visibility[i] = pose.visibility
            progress("pose", seen, n)
    finally:
        estimator.close()
    if seen != n:
        raise RuntimeError(f"decoded {seen} frames for a track of {n}")
    return result


def run_sam2_tracking_pass(
    info: VideoInfo,
    start_s: float,
    end_s: float,
    prompt_box: np.ndarray,
    at_s: float,
    settings: PipelineSettings,
    predictor: Any,
    *,
    config: Sam2Config | None = None,
    progress: ProgressFn = no_progress,
) -> TrackingResult:
    """SAM2 track + BlazePose per frame: a drop-in for :func:`~poser_pipeline.tracking.cpu_pass.run_tracking_pass`."""
    timestamps, track = run_sam2_track(
        info, start_s, end_s, prompt_box, at_s, predictor, config=config, progress=progress
    )
    return run_pose_on_track(info, start_s, end_s, timestamps, track, settings, progress=progress)
