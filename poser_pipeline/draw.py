"""Drawing the skeleton, the track box and the frame's labels onto images."""

from __future__ import annotations

import cv2
import numpy as np

from poser_pipeline.skeleton import BONES, SIDE

LEFT_BGR = (255, 160, 0)  # skier's left: blue
RIGHT_BGR = (0, 140, 255)  # skier's right: orange
MID_BGR = (240, 240, 240)
BOX_BGR = (80, 220, 80)
LOST_BGR = (40, 40, 230)


def _colour(i: int) -> tuple[int, int, int]:
    side = SIDE[i]
    return LEFT_BGR if side == "left" else RIGHT_BGR if side == "right" else MID_BGR


def draw_skeleton(image: np.ndarray, xy: np.ndarray, *, thickness: int = 2) -> None:
    """Draw bones and joints of ``(33, 2)`` pixel landmarks in place (NaN skipped)."""
    if not np.all(np.isfinite(xy[[11, 12, 23, 24]])):
        return
    pts = np.round(np.nan_to_num(xy)).astype(int)  # NaN joints are skipped below
    for a, b in BONES:
        if np.isfinite(xy[a]).all() and np.isfinite(xy[b]).all():
            colour = _colour(b) if SIDE[a] == SIDE[b] else MID_BGR
            cv2.line(image, tuple(pts[a]), tuple(pts[b]), colour, thickness, cv2.LINE_AA)
    for i in range(11, len(xy)):
        if np.isfinite(xy[i]).all():
            cv2.circle(image, tuple(pts[i]), thickness + 1, _colour(i), -1, cv2.LINE_AA)


def draw_box(image: np.ndarray, box: np.ndarray, *, lost: bool, thickness: int = 2) -> None:
    """Draw the track box: green when tracked, red and dashed-looking when lost."""
    if not np.all(np.isfinite(box)):
        return
    x1, y1, x2, y2 = (round(v) for v in box)
    cv2.rectangle(image, (x1, y1), (x2, y2), LOST_BGR if lost else BOX_BGR, thickness, cv2.LINE_AA)


def draw_label(
    image: np.ndarray, text: str, *, corner: str = "bottom-left", colour=(255, 255, 255), row: int = 0
) -> None:
    """Write ``text`` on a dark plate in a corner, sized to the image; ``row`` stacks plates inwards."""
    h, w = image.shape[:2]
    scale = max(0.4, h / 900)
    thickness = max(1, round(scale * 1.6))
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    pad = int(6 * scale) + 2
    x = pad if corner.endswith("left") else w - tw - 2 * pad
    step = row * (th + base + 3 * pad)
    y = h - base - 2 * pad - step if corner.startswith("bottom") else th + 2 * pad + step
    cv2.rectangle(image, (x - pad, y - th - pad), (x + tw + pad, y + base + pad), (20, 20, 20), -1)
    cv2.putText(image, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thickness, cv2.LINE_AA)


def draw_lost_marker(image: np.ndarray) -> None:
    """Mark a frame whose track is lost: a red border and a label."""
    h, w = image.shape[:2]
    t = max(4, h // 120)
    cv2.rectangle(image, (0, 0), (w - 1, h - 1), LOST_BGR, t)
    draw_label(image, "TRACK LOST", corner="top-right", colour=(120, 120, 255))
