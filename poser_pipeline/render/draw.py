"""Drawing the skeleton, the track box and the frame's labels onto images."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from poser_pipeline.pose.skeleton import BONES, SIDE
from poser_pipeline.video.i420 import Rect, cut_bgr, even_rect, paste_bgr

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


_FONT = cv2.FONT_HERSHEY_SIMPLEX


@dataclass(frozen=True)
class LabelLayout:
    """Where a corner label goes in a frame: its dark plate ``(x0, y0, x1, y1)`` px and its text."""

    plate: Rect
    text_origin: tuple[int, int]
    scale: float
    thickness: int


def label_layout(width: int, height: int, text: str, *, corner: str, row: int) -> LabelLayout:
    """Lay out ``text`` on a plate in a ``corner`` of a ``width`` x ``height`` px frame, sized to the frame."""
    scale = max(0.4, height / 900)
    thickness = max(1, round(scale * 1.6))
    (tw, th), base = cv2.getTextSize(text, _FONT, scale, thickness)
    pad = int(6 * scale) + 2
    x = pad if corner.endswith("left") else width - tw - 2 * pad
    step = row * (th + base + 3 * pad)
    y = height - base - 2 * pad - step if corner.startswith("bottom") else th + 2 * pad + step
    return LabelLayout((x - pad, y - th - pad, x + tw + pad, y + base + pad), (x, y), scale, thickness)


def draw_label(
    image: np.ndarray,
    text: str,
    *,
    corner: str = "bottom-left",
    colour=(255, 255, 255),
    row: int = 0,
    frame_size: tuple[int, int] | None = None,
    origin: tuple[int, int] = (0, 0),
) -> None:
    """Write ``text`` on a dark plate in a corner, sized to the frame; ``row`` stacks plates inwards.

    ``image`` shows the frame (``frame_size`` = width, height px; default the
    image's own) from ``origin`` px on, so a label can be drawn into a region.
    """
    h, w = image.shape[:2]
    width, height = frame_size or (w, h)
    layout = label_layout(width, height, text, corner=corner, row=row)
    ox, oy = origin
    x0, y0, x1, y1 = layout.plate
    cv2.rectangle(image, (x0 - ox, y0 - oy), (x1 - ox, y1 - oy), (20, 20, 20), -1)
    tx, ty = layout.text_origin
    cv2.putText(image, text, (tx - ox, ty - oy), _FONT, layout.scale, colour, layout.thickness, cv2.LINE_AA)


def draw_lost_marker(image: np.ndarray) -> None:
    """Mark a frame whose track is lost: a red border and a label."""
    h, w = image.shape[:2]
    t = max(4, h // 120)
    cv2.rectangle(image, (0, 0), (w - 1, h - 1), LOST_BGR, t)
    draw_label(image, "TRACK LOST", corner="top-right", colour=(120, 120, 255))


@dataclass(frozen=True)
class FrameInk:
    """Everything a video draws on one frame, in pixels of that (output) frame.

    Attributes
    ----------
    landmarks_xy : (33, 2) float ndarray, pixels; NaN where none
    box : (4,) float ndarray or None
        The track box (x1, y1, x2, y2 px); ``None`` draws none.
    lost : bool
        Red box, red border and a "TRACK LOST" label.
    labels : tuple of str
        Top-left labels, the first on the top row.
    """

    landmarks_xy: np.ndarray
    box: np.ndarray | None
    lost: bool
    labels: tuple[str, ...]

    def draw(self, image: np.ndarray) -> None:
        """Draw on the whole ``image`` (the frame), in place."""
        draw_skeleton(image, self.landmarks_xy)
        if self.box is not None:
            draw_box(image, self.box, lost=self.lost)
        for row, text in enumerate(self.labels):
            if text:
                draw_label(image, text, corner="top-left", row=row)
        if self.lost:
            draw_lost_marker(image)

    def draw_region(self, image: np.ndarray, origin: tuple[int, int], frame_size: tuple[int, int]) -> None:
        """Draw onto ``image``, the frame's pixels from ``origin`` (x, y px) on; OpenCV clips what falls outside.

        Pixel for pixel the same as :meth:`draw` on the whole frame, for a region
        that holds all of the ink of the :meth:`rects` it intersects and an ``origin``
        of even coordinates (coordinates are rounded half to even, so an odd shift
        could move a point that lies exactly on a half pixel).
        """
        shift = np.asarray(origin, dtype=np.float64)
        draw_skeleton(image, self.landmarks_xy - shift)
        if self.box is not None:
            draw_box(image, self.box - np.tile(shift, 2), lost=self.lost)
        for row, text in enumerate(self.labels):
            if text:
                draw_label(image, text, corner="top-left", row=row, frame_size=frame_size, origin=origin)

    def rects(self, width: int, height: int) -> list[Rect]:
        """Regions of a ``width`` x ``height`` frame that hold all the ink (overlapping ones merged).

        A lost frame's border touches every edge: its one region is the frame.
        """
        if self.lost:
            return [(0, 0, width, height)]
        rects = []
        figure = [self.landmarks_xy[np.isfinite(self.landmarks_xy).all(axis=1)]]
        if self.box is not None and np.isfinite(self.box).all():
            figure.append(self.box.reshape(2, 2))
        points = np.concatenate(figure)
        if len(points):
            lo, hi = points.min(axis=0) - _INK_MARGIN_PX, points.max(axis=0) + _INK_MARGIN_PX
            rects.append((int(np.floor(lo[0])), int(np.floor(lo[1])), int(np.ceil(hi[0])), int(np.ceil(hi[1]))))
        for row, text in enumerate(self.labels):
            if text:
                x0, y0, x1, y1 = label_layout(width, height, text, corner="top-left", row=row).plate
                rects.append((x0 - _INK_MARGIN_PX, y0 - _INK_MARGIN_PX, x1 + _INK_MARGIN_PX, y1 + _INK_MARGIN_PX))
        return merge_rects([r for r in (clip_rect(r, width, height) for r in rects) if r is not None])


#: Ink reaches this far past its points: line half-width, joint discs, anti-aliasing.
_INK_MARGIN_PX = 6


def clip_rect(rect: Rect, width: int, height: int) -> Rect | None:
    """``rect`` inside the frame, or ``None`` when nothing of it is."""
    x0, y0, x1, y1 = max(rect[0], 0), max(rect[1], 0), min(rect[2], width), min(rect[3], height)
    return (x0, y0, x1, y1) if x0 < x1 and y0 < y1 else None


def merge_rects(rects: list[Rect]) -> list[Rect]:
    """Merge overlapping rectangles into their bounding rectangles until none overlap."""
    merged = list(rects)
    changed = True
    while changed:
        changed = False
        for i in range(len(merged)):
            for j in range(i + 1, len(merged)):
                a, b = merged[i], merged[j]
                if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                    merged[i] = (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
                    del merged[j]
                    changed = True
                    break
            if changed:
                break
    return merged


def draw_ink(i420: np.ndarray, width: int, height: int, ink: FrameInk) -> None:
    """Draw ``ink`` on an I420 image in place, converting only the regions it touches."""
    # grown to even corners, then merged again: two regions meeting at an odd edge would overlap by 2 px
    for rect in merge_rects([even_rect(r, width, height) for r in ink.rects(width, height)]):
        if rect == (0, 0, width, height):
            bgr = cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420)
            ink.draw(bgr)
        else:
            bgr = cut_bgr(i420, width, height, rect)
            ink.draw_region(bgr, rect[:2], (width, height))
        paste_bgr(i420, width, height, rect, bgr)
