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

from poser_pipeline.video.decode import upright
from poser_pipeline.video.i420 import pack
from poser_pipeline.video.swscale import reformat, to_bgr24

#: Pixel formats cut before conversion; others convert whole (see module docstring).
_CUTTABLE_FORMATS = ("yuv420p", "yuvj420p")


def _quarter_turns(rotation_deg: int) -> int:
    return (rotation_deg // 90) % 4


def scaled_i420(frame: av.VideoFrame, rotation_deg: int, width: int, height: int) -> np.ndarray:
    """The upright frame resized to ``width`` x ``height`` px (even), as one I420 array.

    Returns ``(height * 3 // 2, width) uint8``: Y, then U and V (see
    :mod:`poser_pipeline.video.i420`), limited-range BT.601. Any input format is
    scaled and converted in one swscale pass (area filter), without a BGR step.
    """
    stored = scaled_frame(frame, rotation_deg, width, height)
    return upright_i420(tuple(_plane(stored, i) for i in range(3)), rotation_deg)


def scaled_frame(frame: av.VideoFrame, rotation_deg: int, width: int, height: int) -> av.VideoFrame:
    """The scaler's yuv420p output for :func:`scaled_i420`, still as stored (not rotated upright)."""
    turns = _quarter_turns(rotation_deg)
    stored_w, stored_h = (height, width) if turns % 2 else (width, height)
    return reformat(
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
    )


def upright_i420(planes_yuv: tuple[np.ndarray, np.ndarray, np.ndarray], rotation_deg: int) -> np.ndarray:
    """One upright I420 array (a copy) from the Y, U, V planes of a stored frame."""
    turns = _quarter_turns(rotation_deg)
    return pack(*(np.rot90(plane, k=turns) for plane in planes_yuv))


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


def is_cuttable(frame: av.VideoFrame) -> bool:
    """Whether regions of ``frame`` convert exactly from a cut of its YUV planes (see module docstring)."""
    return frame.format.name in _CUTTABLE_FORMATS and not frame.width % 2 and not frame.height % 2


def cut_bounds(
    rect: tuple[int, int, int, int], rotation_deg: int, width: int, height: int
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Where the upright ``rect`` lies in the stored frame, and the even-cornered cut that holds it.

    ``width`` x ``height`` px is the stored frame's size. Returns ``(stored, cut)``,
    both (x0, y0, x1, y1) px of the stored frame, ends exclusive: the cut has
    even corners (inside the frame), so its chroma samples cover whole 2x2 blocks.
    """
    stored = _stored_rect(rect, _quarter_turns(rotation_deg), width, height)
    sx0, sy0, sx1, sy1 = stored
    cut = sx0 - sx0 % 2, sy0 - sy0 % 2, min(width, sx1 + sx1 % 2), min(height, sy1 + sy1 % 2)
    return stored, cut


def cut_to_bgr(
    planes_yuv: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    pixel_format: str,
    colorspace: int,
    stored: tuple[int, ...],
    cut: tuple[int, ...],
    rotation_deg: int,
) -> np.ndarray:
    """Upright BGR of ``stored`` from the Y, U, V pixels of ``cut`` (as :func:`cut_bounds` gives them).

    ``planes_yuv`` are ``(cut rows, cut cols)`` luma and the two half-size
    chroma arrays; ``colorspace`` is the decoded frame's (its conversion matrix).
    """
    ax0, ay0, ax1, ay1 = cut
    sx0, sy0, sx1, sy1 = stored
    packed = np.concatenate([plane.ravel() for plane in planes_yuv])
    frame = av.VideoFrame.from_ndarray(packed.reshape((ay1 - ay0) * 3 // 2, ax1 - ax0), format=pixel_format)
    frame.colorspace = colorspace  # the same conversion matrix as the whole frame's
    bgr = to_bgr24(frame, "region")[sy0 - ay0 : sy1 - ay0, sx0 - ax0 : sx1 - ax0]
    return upright(bgr, rotation_deg)


def region_bgr(frame: av.VideoFrame, rotation_deg: int, rect: tuple[int, int, int, int]) -> np.ndarray:
    """Upright BGR pixels of ``rect`` (x0, y0, x1, y1 px, ends exclusive, inside the upright frame).

    Equals ``upright(frame.to_ndarray(format="bgr24"), rotation_deg)[y0:y1, x0:x1]``
    but converts only a slightly larger region cut on even coordinates.

    Returns
    -------
    (y1 - y0, x1 - x0, 3) uint8 ndarray
    """
    x0, y0, x1, y1 = rect
    if not is_cuttable(frame):
        return upright(to_bgr24(frame), rotation_deg)[y0:y1, x0:x1]
    stored, cut = cut_bounds(rect, rotation_deg, frame.width, frame.height)
    ax0, ay0, ax1, ay1 = cut
    luma = _plane(frame, 0)[ay0:ay1, ax0:ax1]
    chroma_u, chroma_v = (_plane(frame, i)[ay0 // 2 : ay1 // 2, ax0 // 2 : ax1 // 2] for i in (1, 2))
    return cut_to_bgr(
        (luma, chroma_u, chroma_v),
        pixel_format=frame.format.name,
        colorspace=frame.colorspace,
        stored=stored,
        cut=cut,
        rotation_deg=rotation_deg,
    )
