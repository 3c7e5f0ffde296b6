"""Contrast enhancement of a pose crop, for fog, flat light and soft small skiers.

In fog the skier differs from the snow by a few grey levels and their outline is soft, and
BlazePose's person detector finds nobody. Stretching the crop's levels to the full range and
sharpening its edges gives the detector back the contrast it was trained on. The enhancement is a
last try, used only where the plain crops found nobody: on clear footage it would change nothing for
the better and it moves landmarks (``docs/accuracy.md``, "Fog, flat light and noise").

Chosen on the fogged, flattened and noisy versions of the dev clips (``benchmarks.perturb``), against
contrast-limited adaptive histogram equalisation (CLAHE) and against either step alone: on the fogged
UCF101 clip, on crops 2.2 times the labelled box, pose was found on 3 of its 14 labelled frames
plain, 4 with CLAHE, 9 with the stretch, 7 with sharpening and 13 with both.
"""

from __future__ import annotations

import cv2
import numpy as np

#: The levels stretched to 0 and 255: the crop's 1st and 99th percentiles (a few specks of
#: shadow or glare do not limit the stretch).
STRETCH_PERCENTILES = (1.0, 99.0)
#: Unsharp mask: the crop plus ``UNSHARP_AMOUNT`` times its difference from a Gaussian blur of
#: ``UNSHARP_SIGMA_PX`` (pixels of the crop as BlazePose reads it, 384 px a side by default).
UNSHARP_SIGMA_PX = 3.0
UNSHARP_AMOUNT = 1.0


def luminance_sd(crop_bgr: np.ndarray) -> float:
    """Standard deviation of the crop's luminance (BT.601 grey), levels of 0–255.

    >>> luminance_sd(np.full((8, 8, 3), 128, np.uint8))
    0.0
    """
    return float(cv2.cvtColor(crop_bgr, cv2.COLOR_BGR2GRAY).std())


def stretch_levels(crop_bgr: np.ndarray) -> np.ndarray:
    """The crop's levels mapped linearly from its :data:`STRETCH_PERCENTILES` to 0–255 (all channels alike).

    >>> stretch_levels(np.array([[[100, 100, 100], [110, 110, 110]]], np.uint8)).tolist()
    [[[0, 0, 0], [255, 255, 255]]]
    """
    low, high = np.percentile(crop_bgr, STRETCH_PERCENTILES)
    gain = 255.0 / max(float(high - low), 1.0)
    return np.clip((crop_bgr.astype(np.float32) - low) * gain, 0, 255).astype(np.uint8)


def enhance(crop_bgr: np.ndarray) -> np.ndarray:
    """The crop with its levels stretched, then sharpened: ``(H, W, 3)`` uint8 BGR, same shape."""
    stretched = stretch_levels(crop_bgr)
    blurred = cv2.GaussianBlur(stretched, (0, 0), UNSHARP_SIGMA_PX)
    return cv2.addWeighted(stretched, 1.0 + UNSHARP_AMOUNT, blurred, -UNSHARP_AMOUNT, 0)
