"""Edge angle of each ski from the shin's lateral tilt.

The edge angle is the tilt of the shin (ankle→knee) from vertical, measured
in the plane across the ski (normal to the heel→toe direction), signed + when
the knee is to the skier's left of the ankle. It is what tips the ski on edge:
the boot holds the shin and the ski together.
"""

from __future__ import annotations

import numpy as np

from poser_pipeline.metrics.body import frontal_angle_deg
from poser_pipeline.pose.skeleton import INDEX


def edge_angles_deg(world: np.ndarray, left: np.ndarray, forward: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Signed edge angles of the left and right skis, ``(T,)`` deg each (+ toward the skier's left).

    Parameters
    ----------
    world : (T, 33, 3) float ndarray, m
    left, forward : (T, 3) float ndarray
        The skier's horizontal axes (:func:`poser_pipeline.metrics.body.body_axes`).
    """
    result = []
    for side in ("left", "right"):
        shin_up = world[:, INDEX[f"{side}_knee"]] - world[:, INDEX[f"{side}_ankle"]]
        result.append(frontal_angle_deg(shin_up, left, forward))
    return result[0], result[1]


def shin_parallelism_deg(edge_left_deg: np.ndarray, edge_right_deg: np.ndarray) -> np.ndarray:
    """Angle between the two shins across the skis, deg: 0 = parallel."""
    return np.abs(edge_left_deg - edge_right_deg)
