"""The analysed window's frames as the render reads them, from the frame spill or a second decode.

Both sources give, per frame, the whole frame scaled to the overlay's size in I420 and any
region of the upright frame in BGR, and give the same pixels: the render has one path and
does not know which it reads. :func:`window_frames` picks the spill when the tracking pass
kept one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import av
import numpy as np

from poser_pipeline.video.decode import VideoInfo, iter_window
from poser_pipeline.video.pixels import region_bgr, scaled_i420
from poser_pipeline.video.spill import FrameSpill

Rect = tuple[int, int, int, int]
"""x0, y0, x1, y1 px in the upright frame, ends exclusive."""


class SourceFrame(Protocol):
    """One frame of the window: its index from 0 and presentation time (ms)."""

    index: int
    timestamp_ms: float

    def overlay_i420(self) -> np.ndarray:
        """The upright frame at the overlay's size, ``(h * 3 // 2, w) uint8`` I420."""
        ...

    def region_bgr(self, rect: Rect) -> np.ndarray:
        """Upright BGR pixels of ``rect``, ``(y1 - y0, x1 - x0, 3) uint8``."""
        ...


class FrameSource(Protocol):
    """The window's frames in order; where they come from, for ``run.json``."""

    origin: str  # "spill" | "decode"

    def frames(self) -> Iterator[SourceFrame]: ...


class _DecodedFrame:
    def __init__(self, frame: av.VideoFrame, index: int, timestamp_ms: float, rotation_deg: int, wh: tuple[int, int]):
        self._frame, self.index, self.timestamp_ms = frame, index, timestamp_ms
        self._rotation_deg, self._wh = rotation_deg, wh

    def overlay_i420(self) -> np.ndarray:
        return scaled_i420(self._frame, self._rotation_deg, *self._wh)

    def region_bgr(self, rect: Rect) -> np.ndarray:
        return region_bgr(self._frame, self._rotation_deg, rect)


class DecodedWindow:
    """The window decoded again, at most ``num_frames`` frames (those the track has)."""

    origin = "decode"

    def __init__(
        self, info: VideoInfo, start_s: float, end_s: float, *, overlay_wh: tuple[int, int], num_frames: int
    ) -> None:
        self._info, self._start_s, self._end_s = info, start_s, end_s
        self._overlay_wh, self._num_frames = overlay_wh, num_frames

    def frames(self) -> Iterator[SourceFrame]:
        for frame in iter_window(self._info, self._start_s, self._end_s):
            if frame.index >= self._num_frames:
                return
            yield _DecodedFrame(
                frame.av_frame, frame.index, frame.timestamp_ms, self._info.rotation_deg, self._overlay_wh
            )


class _SpilledFrame:
    def __init__(self, spill: FrameSpill, index: int) -> None:
        self._spill, self.index, self.timestamp_ms = spill, index, spill.timestamps_ms[index]

    def overlay_i420(self) -> np.ndarray:
        return self._spill.overlay_i420(self.index)

    def region_bgr(self, rect: Rect) -> np.ndarray:
        return self._spill.region_bgr(self.index, rect)


class SpilledWindow:
    """The frames the tracking pass kept on disk (the same pixels as a decode, without decoding)."""

    origin = "spill"

    def __init__(self, spill: FrameSpill, *, num_frames: int) -> None:
        if spill.num_frames != num_frames:
            raise ValueError(f"the frame spill holds {spill.num_frames} frames, the track {num_frames}")
        self._spill = spill

    def frames(self) -> Iterator[SourceFrame]:
        for i in range(self._spill.num_frames):
            yield _SpilledFrame(self._spill, i)


def window_frames(
    info: VideoInfo,
    start_s: float,
    end_s: float,
    *,
    overlay_wh: tuple[int, int],
    num_frames: int,
    spill: FrameSpill | None,
) -> FrameSource:
    """The spill's frames when there is one, else the window decoded again."""
    if spill is not None:
        return SpilledWindow(spill, num_frames=num_frames)
    return DecodedWindow(info, start_s, end_s, overlay_wh=overlay_wh, num_frames=num_frames)
