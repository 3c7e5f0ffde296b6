"""Single frames of stored clips and videos for the pages, and the "is there a person in this box" check.

The pages show a frame where the person draws the box, check the box before the run is queued, and
step through a stored overlay frame by frame; each decodes from the keyframe before the asked time
(one GOP, never the whole clip). Paths are local files (``Services.local_path`` of a storage key).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import numpy as np

from poser_pipeline.tracking.prompt_check import CHECK_FRAMES, person_in_box
from poser_pipeline.video.decode import DecodedFrame, iter_window, probe_video


class NoFrameError(LookupError):
    """The video has no frame at the asked time (empty, or cut short)."""


def _frames_from(path: Path, t_s: float, *, half_frame_s: float = 0.0) -> Iterator[DecodedFrame]:
    """The frames from the one shown at ``t_s`` s on; ``t_s`` is clamped into the video."""
    info = probe_video(path)
    t = min(max(float(t_s), 0.0), max(info.duration_s - max(half_frame_s, 1e-3), 0.0))
    return iter_window(info, max(t - half_frame_s, 0.0), info.duration_s + 1.0)


def _rgb(frame: DecodedFrame) -> np.ndarray:
    return np.ascontiguousarray(frame.to_bgr()[:, :, ::-1])


def frame_at(path: Path, t_s: float) -> np.ndarray:
    """The upright frame shown at ``t_s`` seconds from the clip's start, ``(H, W, 3) uint8`` RGB."""
    for frame in _frames_from(path, t_s):
        return _rgb(frame)
    raise NoFrameError(f"no frame at {float(t_s):.2f} s")


def nearest_frame(path: Path, t_s: float, fps: float) -> np.ndarray:
    """The upright frame nearest ``t_s`` seconds from a video's first frame, ``(H, W, 3) uint8`` RGB.

    Half a frame (at ``fps``, else the video's own rate) is taken off first, so a time that falls
    between two frames shows the nearer one.
    """
    rate = fps or probe_video(path).fps or 30.0
    for frame in _frames_from(path, t_s, half_frame_s=0.5 / rate):
        return _rgb(frame)
    raise NoFrameError(f"no frame at {float(t_s):.2f} s")


def box_holds_a_person(path: Path, t_s: float, box_px: tuple[float, float, float, float]) -> bool:
    """Whether the tracker's first look finds a person in ``box_px`` (x1, y1, x2, y2 frame px) at ``t_s``
    or a few frames later."""
    frames = (frame.to_bgr() for frame in islice(_frames_from(path, t_s), CHECK_FRAMES))
    return person_in_box(frames, np.asarray(box_px, dtype=np.float64))
