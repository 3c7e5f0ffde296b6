"""I420 frames (planar YUV 4:2:0, as decoders give and x264 takes) and their BGR regions.

The overlay is the scaled clip with a little ink on it (skeleton, box,
labels). Converting every whole frame to BGR to draw and back to YUV to encode
cost more than the encode itself, so the overlay stays I420 from the scaler to
the encoder: only the regions with ink (:meth:`poser_pipeline.render.draw.FrameInk.rects`)
are converted to BGR, drawn on and converted back. Pixels outside them are
the scaler's, untouched.

An I420 image here is one ``(height * 3 // 2, width) uint8`` array: the luma
plane, then the two quarter-size chroma planes (U, V) packed row after row —
OpenCV's ``COLOR_YUV2BGR_I420`` layout. Width and height are even.
"""

from __future__ import annotations

import cv2
import numpy as np

#: x0, y0, x1, y1 pixels, ends exclusive.
Rect = tuple[int, int, int, int]


def planes(i420: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views (no copies) of the Y ``(H, W)``, U and V ``(H/2, W/2)`` planes of an I420 array."""
    chroma = i420[height:].reshape(-1)
    quarter = (height // 2) * (width // 2)
    return (
        i420[:height],
        chroma[:quarter].reshape(height // 2, width // 2),
        chroma[quarter : 2 * quarter].reshape(height // 2, width // 2),
    )


def pack(y: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """One I420 array from three planes (copies)."""
    height, width = y.shape
    return np.concatenate([y.ravel(), u.ravel(), v.ravel()]).reshape(height * 3 // 2, width)


def even_rect(rect: Rect, width: int, height: int) -> Rect:
    """``rect`` grown to even corners (chroma samples cover 2x2 pixel blocks), inside the frame."""
    x0, y0, x1, y1 = rect
    return x0 - x0 % 2, y0 - y0 % 2, min(width, x1 + x1 % 2), min(height, y1 + y1 % 2)


def cut_bgr(i420: np.ndarray, width: int, height: int, rect: Rect) -> np.ndarray:
    """BGR pixels ``(y1 - y0, x1 - x0, 3) uint8`` of an even ``rect`` of an I420 image."""
    x0, y0, x1, y1 = rect
    y, u, v = planes(i420, width, height)
    cut = pack(y[y0:y1, x0:x1], u[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2], v[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2])
    return cv2.cvtColor(cut, cv2.COLOR_YUV2BGR_I420)


def paste_bgr(i420: np.ndarray, width: int, height: int, rect: Rect, bgr: np.ndarray) -> None:
    """Write BGR pixels back into an even ``rect`` of an I420 image, in place."""
    x0, y0, x1, y1 = rect
    cut_h, cut_w = y1 - y0, x1 - x0
    cy, cu, cv = planes(cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420), cut_w, cut_h)
    y, u, v = planes(i420, width, height)
    y[y0:y1, x0:x1] = cy
    u[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2] = cu
    v[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2] = cv
