"""Upright BGR pixels of a decoded frame without converting all of it.

Converting a 1080p frame to BGR costs more than decoding it, and the renderer
needs only a downscaled overlay and a small region for the centred replay. So
the overlay is scaled by FFmpeg's swscale straight to I420, never BGR
(:func:`scaled_i420`), and a region is cut from the YUV planes before
conversion (:func:`region_bgr`). For 8-bit
yuv420p — what phones and cameras write — swscale's unscaled converter
works pixel by pixel with each chroma sample covering a 2x2 block, so a
region cut on even coordinates converts to exactly the pixels of the full
conversion (``tests/poser_pipeline/test_frame_pixels.py`` checks all four
rotations). Other formats (GIF, 10-bit) fall back to the full conversion.
"""

from __future__ import annotations

import av
import numpy as np

from poser_pipeline.decode import upright
from poser_pipeline.i420 import pack, planes
from poser_pipeline.swscale import reformat, to_bgr24

#: Pixel formats cut before conversion; others convert whole (see module docstring).
_CUTTABLE_FORMATS = ("yuv420p", "yuvj420p")


def _quarter_turns(rotation_deg: int) -> int:
    return (rotation_deg // 90) % 4


def scaled_i420(frame: av.VideoFrame, rotation_deg: int, width: int, height: int) -> np.ndarray:
    """The upright frame resized to ``width`` x ``height`` px (even), as one I420 array.

    Returns ``(height * 3 // 2, width) uint8``: Y, then U and V (see
    :mod:`poser_pipeline.i420`), limited-range BT.601. Any input format is
    scaled and converted in one swscale pass (area filter), without a BGR step.
    """
    turns = _quarter_turns(rotation_deg)
    stored_w, stored_h = (height, width) if turns % 2 else (width, height)
    stored = reformat(
        frame,
        "overlay",
        width=stored_w,
        height=stored_h,
        format="yuv420p",
        interpolation="AREA",
        # what x264 gets is written untagged, which players read as limited-range BT.601 — and the
        # inked regions and the replay are converted so too: full-range or BT.709 sources are converted
        dst_colorspace="ITU601",
        dst_color_range="MPEG",
    ).to_ndarray()
    if turns == 0:
        return stored
    y, u, v = planes(stored, stored_w, stored_h)
    return pack(*(np.rot90(plane, k=turns) for plane in (y, u, v)))


def _stored_rect(rect: tuple[int, int, int, int], turns: int, stored_w: int, stored_h: int) -> tuple[int, ...]:
    """The stored-frame rectangle whose ``np.rot90(…, turns)`` is the upright ``rect``.

    ``rect`` and the result are (x0, y0, x1, y1), ends exclusive, pixels.
    ``np.rot90(A, 1)[i, j] == A[j, W - 1 - i]`` and its powers give the four cases.
    """
    x0, y0, x1, y1 = rect
    if turns == 0:
        return x0, y0, x1, y1
    if turns == 1:
        return stored_w - y1, x0, stored_w - y0, x1
    if turns == 2:
        return stored_w - x1, stored_h - y1, stored_w - x0, stored_h - y0
    return y0, stored_h - x1, y1, stored_h - x0


def _plane(frame: av.VideoFrame, index: int) -> np.ndarray:
    """A view (no copy) of one plane, ``(rows, cols) uint8`` without the line padding."""
    plane = frame.planes[index]
    return np.frombuffer(plane, dtype=np.uint8).reshape(plane.height, plane.line_size)[:, : plane.width]


def region_bgr(frame: av.VideoFrame, rotation_deg: int, rect: tuple[int, int, int, int]) -> np.ndarray:
    """Upright BGR pixels of ``rect`` (x0, y0, x1, y1 px, ends exclusive, inside the upright frame).

    Equals ``upright(frame.to_ndarray(format="bgr24"), rotation_deg)[y0:y1, x0:x1]``
    but converts only a slightly larger region cut on even coordinates.

    Returns
    -------
    (y1 - y0, x1 - x0, 3) uint8 ndarray
    """
    x0, y0, x1, y1 = rect
    turns = _quarter_turns(rotation_deg)
    fmt = frame.format.name
    if fmt not in _CUTTABLE_FORMATS or frame.width % 2 or frame.height % 2:
        return upright(to_bgr24(frame), rotation_deg)[y0:y1, x0:x1]
    sx0, sy0, sx1, sy1 = _stored_rect(rect, turns, frame.width, frame.height)
    # even corners and sizes: each chroma sample then covers whole 2x2 blocks of the cut
    ax0, ay0 = sx0 - sx0 % 2, sy0 - sy0 % 2
    ax1, ay1 = min(frame.width, sx1 + sx1 % 2), min(frame.height, sy1 + sy1 % 2)
    luma = _plane(frame, 0)[ay0:ay1, ax0:ax1]
    chroma = [_plane(frame, i)[ay0 // 2 : ay1 // 2, ax0 // 2 : ax1 // 2] for i in (1, 2)]
    packed = np.concatenate([luma.ravel(), chroma[0].ravel(), chroma[1].ravel()])
    cut = av.VideoFrame.from_ndarray(packed.reshape((ay1 - ay0) * 3 // 2, ax1 - ax0), format=fmt)
    cut.colorspace = frame.colorspace  # the same conversion matrix as the whole frame's
    stored = to_bgr24(cut, "region")[sy0 - ay0 : sy1 - ay0, sx0 - ax0 : sx1 - ax0]
    return upright(stored, rotation_deg)
