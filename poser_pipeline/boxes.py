"""Axis-aligned boxes: ``(4,) float`` arrays of x1, y1, x2, y2 in pixels."""

from __future__ import annotations

import numpy as np

from poser_pipeline.errors import PoserInputError

#: Smallest side of a prompt box, px: a skier smaller than this has no pose to find.
MIN_BOX_SIDE_PX = 4


def parse_box(text: str) -> np.ndarray:
    """Parse ``"x1,y1,x2,y2"`` into a ``(4,)`` float array."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError as exc:
        raise PoserInputError(f"--box {text!r} is not four numbers x1,y1,x2,y2") from exc
    if len(values) != 4 or not np.all(np.isfinite(values)):
        raise PoserInputError(f"--box {text!r} is not four numbers x1,y1,x2,y2")
    return np.array(values, dtype=np.float64)


def validate_prompt_box(box: np.ndarray, width: int, height: int) -> np.ndarray:
    """Check a user's box against the upright frame and clip it to the frame.

    Raises
    ------
    PoserInputError
        For a box with no area, one under :data:`MIN_BOX_SIDE_PX` on a side, or one that lies
        (mostly) outside the frame.
    """
    x1, y1, x2, y2 = (float(v) for v in box)
    if x2 <= x1 or y2 <= y1:
        raise PoserInputError(f"the box {x1:g},{y1:g},{x2:g},{y2:g} has no area: give x1<x2 and y1<y2")
    if min(x2 - x1, y2 - y1) < MIN_BOX_SIDE_PX:
        raise PoserInputError(
            f"the box is {x2 - x1:.0f}x{y2 - y1:.0f} px: too small to hold a skier; draw it around the whole skier"
        )
    clipped = clip_box(box, width, height)
    inside = area(clipped)
    if min(clipped[2] - clipped[0], clipped[3] - clipped[1]) < MIN_BOX_SIDE_PX or inside < 0.25 * area(box):
        raise PoserInputError(
            f"the box {x1:g},{y1:g},{x2:g},{y2:g} lies outside the {width}x{height} frame "
            "(boxes are in pixels of the upright frame)"
        )
    return clipped


def clip_box(box: np.ndarray, width: int, height: int) -> np.ndarray:
    return np.array(
        [np.clip(box[0], 0, width), np.clip(box[1], 0, height), np.clip(box[2], 0, width), np.clip(box[3], 0, height)],
        dtype=np.float64,
    )


def area(box: np.ndarray) -> float:
    return float(max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1]))


def centre(box: np.ndarray) -> np.ndarray:
    return np.array([(box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0])


def size(box: np.ndarray) -> np.ndarray:
    return np.array([box[2] - box[0], box[3] - box[1]])


def diagonal(box: np.ndarray) -> float:
    return float(np.hypot(*size(box)))


def from_centre_size(c: np.ndarray, s: np.ndarray) -> np.ndarray:
    return np.array([c[0] - s[0] / 2, c[1] - s[1] / 2, c[0] + s[0] / 2, c[1] + s[1] / 2], dtype=np.float64)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two boxes, 0–1."""
    inter = area(np.array([max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])]))
    union = area(a) + area(b) - inter
    return inter / union if union > 0 else 0.0
