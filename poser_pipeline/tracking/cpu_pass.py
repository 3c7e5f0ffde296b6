"""The analysis pass: decode the window once, track and pose every frame.

Tracking runs forward from the prompt frame to the window's end and
backward from the prompt to its start (re-decoding the earlier frames in
chunks), so the user may draw the box on any frame. The backward direction
runs on its own thread beside the forward one (:mod:`poser_pipeline.tracking.backward`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from poser_pipeline.errors import PoserInputError, WindowError
from poser_pipeline.pose.blazepose import BlazePoseEstimator
from poser_pipeline.pose.skeleton import NUM_LANDMARKS
from poser_pipeline.progress import ProgressFn, no_progress
from poser_pipeline.settings import PipelineSettings
from poser_pipeline.tracking.backward import BackwardThread, track_backward
from poser_pipeline.tracking.pose_guided import PoseGuidedTracker, TrackStep
from poser_pipeline.video.decode import VideoInfo, iter_window
from poser_pipeline.video.prefetch import prefetch
from poser_pipeline.video.spill import FrameSpillWriter


@dataclass
class TrackingResult:
    """Per-frame track and raw pose of the analysed window (``T`` frames).

    Attributes
    ----------
    timestamps_ms : (T,) float ndarray, ms from the clip's first frame
    boxes : (T, 4) float ndarray, pixels (x1, y1, x2, y2)
    confidence : (T,) float ndarray, 0–1
    lost : (T,) bool ndarray
    source : (T,) str ndarray — "prompt", "pose", "appearance" or "predicted"
    image_xy : (T, 33, 2) float ndarray, pixels; NaN where no pose
    world_xyz : (T, 33, 3) float ndarray, metres; NaN where no pose
    visibility : (T, 33) float ndarray, 0–1; NaN where no pose
    prompt_index : int
    mirrored : (T,) bool ndarray or None — frames whose pose was read front-to-back and has been
        read the other way (:func:`poser_pipeline.pose.facing.resolve_facing`); ``None``: not checked
    """

    timestamps_ms: np.ndarray
    boxes: np.ndarray
    confidence: np.ndarray
    lost: np.ndarray
    source: np.ndarray
    image_xy: np.ndarray
    world_xyz: np.ndarray
    visibility: np.ndarray
    prompt_index: int
    mirrored: np.ndarray | None = None

    @property
    def num_frames(self) -> int:
        return len(self.timestamps_ms)

    @property
    def has_pose(self) -> np.ndarray:
        """``(T,) bool``: frames with landmarks."""
        return ~np.isnan(self.image_xy[:, 0, 0])


class _Recorder:
    def __init__(self) -> None:
        self.steps: dict[int, TrackStep] = {}

    def to_result(self, timestamps_ms: list[float], prompt_index: int) -> TrackingResult:
        n = len(timestamps_ms)
        result = TrackingResult(
            timestamps_ms=np.asarray(timestamps_ms, dtype=np.float64),
            boxes=np.full((n, 4), np.nan),
            confidence=np.zeros(n),
            lost=np.ones(n, dtype=bool),
            source=np.full(n, "missing", dtype=object),
            image_xy=np.full((n, NUM_LANDMARKS, 2), np.nan),
            world_xyz=np.full((n, NUM_LANDMARKS, 3), np.nan),
            visibility=np.full((n, NUM_LANDMARKS), np.nan),
            prompt_index=prompt_index,
        )
        for i, step in self.steps.items():
            result.boxes[i] = step.box
            result.confidence[i] = step.confidence
            result.lost[i] = step.lost
            result.source[i] = step.source
            if step.pose is not None:
                result.image_xy[i] = step.pose.image_xy
                result.world_xyz[i] = step.pose.world_xyz
                result.visibility[i] = step.pose.visibility
        return result


def run_tracking_pass(
    info: VideoInfo,
    start_s: float,
    end_s: float,
    prompt_box: np.ndarray,
    at_s: float,
    settings: PipelineSettings,
    *,
    spill: FrameSpillWriter | None = None,
    progress: ProgressFn = no_progress,
) -> TrackingResult:
    """Track the skier through ``[start_s, end_s)`` from ``prompt_box`` at ``at_s``.

    Parameters
    ----------
    info : VideoInfo
    start_s, end_s : float
        The analysed window, seconds from the clip's start.
    prompt_box : (4,) float ndarray
        The user's box, pixels of the upright frame (already validated).
    at_s : float
        Time of the frame the box was drawn on, seconds from the clip's start.
    spill : FrameSpillWriter, optional
        Gets every decoded frame of the window, in the decode thread (the
        render reads them back instead of decoding again).
    """
    expected = max(1, round((end_s - start_s) * info.fps))
    half_frame_ms = 500.0 / max(info.fps, 1.0)
    timestamps: list[float] = []
    recorder = _Recorder()
    prompt_index = -1
    prompt_frame = None
    tracker = None
    margins = None
    backward: BackwardThread | None = None
    forward_pose = BlazePoseEstimator(settings)
    first_ms = at_s * 1000.0 - half_frame_ms

    def decoded():
        # frames before the prompt get no BGR conversion (the spill keeps them all for the render)
        for frame in iter_window(info, start_s, end_s, threads=settings.track_decode_threads):
            if spill is not None:
                spill.put(frame)
            yield frame.index, frame.timestamp_ms, frame.to_bgr() if frame.timestamp_ms >= first_ms else None

    def done() -> int:
        return len(recorder.steps) + (backward.done if backward is not None else 0)

    try:
        try:
            for index, timestamp_ms, image in prefetch(decoded()):
                timestamps.append(timestamp_ms)
                if tracker is None and image is not None:
                    prompt_index = index
                    prompt_frame = image
                    tracker = PoseGuidedTracker(prompt_frame, prompt_box, forward_pose, settings)
                    margins = tracker.margins
                    recorder.steps[index] = tracker.first
                    if prompt_index > 0 and settings.parallel_directions:
                        backward = BackwardThread(
                            info, list(timestamps), prompt_index, prompt_frame, prompt_box, margins, settings
                        )
                elif tracker is not None:
                    recorder.steps[index] = tracker.step(image)
                if backward is not None and backward.failed:
                    break  # its error is raised below; no point tracking on
                progress("track_pose", done(), expected)
        finally:
            forward_pose.close()
        if not timestamps:
            raise PoserInputError(f"{info.path.name}: no frames decoded in the window {start_s:g}–{end_s:g} s")
        if tracker is None:
            raise WindowError(
                f"the box's frame at {at_s:g} s is after the last frame of the window ({timestamps[-1] / 1000:.2f} s)"
            )
        if backward is not None:
            while not backward.wait(0.25):  # progress stays on the caller's thread
                progress("track_pose", done(), len(timestamps))
            recorder.steps.update(backward.result())
        elif prompt_index > 0:
            counted = [len(recorder.steps)]

            def count() -> None:
                counted[0] += 1
                progress("track_pose", counted[0], len(timestamps))

            recorder.steps.update(
                track_backward(
                    info, timestamps, prompt_index, prompt_frame, prompt_box, margins, settings, on_step=count
                )
            )
    finally:
        if backward is not None:
            backward.cancel()  # a no-op after success; stops it after an error or Ctrl-C
    progress("track_pose", len(timestamps), len(timestamps))
    return recorder.to_result(timestamps, prompt_index)
