"""The skier's outline from contrast against the snow around them.

When pose fails (fog, a tiny or blurred skier) the appearance tracker still
gives a centre but not a size. Snow is the one background every ski clip
shares: pixels that differ clearly from the snow ringing the box, joined to
the box's centre, outline the skier — body, skis and all.
"""

from __future__ import annotations

import cv2
import numpy as np

from poser_pipeline import boxes

_WORK_HEIGHT_PX = 96  # the search region is resized so the box is about this tall
_MAX_FOREGROUND_SHARE = 0.55  # beyond this the "background" is not snow


def contrast_box(frame_bgr: np.ndarray, anchor: np.ndarray, *, search_scale: float = 1.6) -> np.ndarray | None:
    """Box around the high-contrast blob at the centre of ``anchor``.

    Parameters
    ----------
    frame_bgr : (H, W, 3) uint8 ndarray
    anchor : (4,) float ndarray
        Expected box, pixels (x1, y1, x2, y2); the blob must touch its middle.
    search_scale : float
        Side of the searched region as a multiple of the anchor's size.

    Returns
    -------
    (4,) float ndarray or None
        The blob's box in frame pixels, or ``None`` when the region has no
        clear snow background or no blob at its centre.
    """
    height, width = frame_bgr.shape[:2]
    region = boxes.clip_box(
        boxes.from_centre_size(boxes.centre(anchor), boxes.size(anchor) * search_scale), width, height
    )
    x0, y0, x1, y1 = (round(v) for v in region)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    k = _WORK_HEIGHT_PX * search_scale / max(boxes.size(anchor)[1], 1.0)
    patch = cv2.resize(frame_bgr[y0:y1, x0:x1], None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(patch, cv2.COLOR_BGR2LAB).astype(np.float32)
    ring = np.concatenate(
        [lab[:3].reshape(-1, 3), lab[-3:].reshape(-1, 3), lab[:, :3].reshape(-1, 3), lab[:, -3:].reshape(-1, 3)]
    )
    background = np.median(ring, axis=0)
    distance = np.linalg.norm(lab - background, axis=2)
    spread = np.median(np.linalg.norm(ring - background, axis=1))
    # half the strongest contrast: the blob's edge at half maximum, so blur and
    # compression halos around the skier do not inflate the box
    threshold = max(10.0, 3.0 * spread, 0.35 * float(np.percentile(distance, 99)))
    mask = (distance > threshold).astype(np.uint8)
    if mask.mean() > _MAX_FOREGROUND_SHARE:
        return None
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    _count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    ph, pw = mask.shape
    core = labels[int(ph * 0.35) : int(ph * 0.65), int(pw * 0.35) : int(pw * 0.65)]
    ids = [i for i in np.unique(core) if i != 0 and stats[i, cv2.CC_STAT_AREA] >= 20]
    if not ids:
        return None
    xs = np.concatenate(
        [[stats[i, cv2.CC_STAT_LEFT], stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH]] for i in ids]
    )
    ys = np.concatenate(
        [[stats[i, cv2.CC_STAT_TOP], stats[i, cv2.CC_STAT_TOP] + stats[i, cv2.CC_STAT_HEIGHT]] for i in ids]
    )
    return np.array([x0 + xs.min() / k, y0 + ys.min() / k, x0 + xs.max() / k, y0 + ys.max() / k])
