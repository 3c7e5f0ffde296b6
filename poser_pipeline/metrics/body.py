"""Body frame, centre of mass and body angles from BlazePose world landmarks.

All inputs are ``(T, 33, 3)`` world landmarks in metres (BlazePose convention:
x image-right, y down, z depth); NaN rows are frames without pose.
"""

from __future__ import annotations

import numpy as np

from poser_pipeline.pose.skeleton import INDEX

#: Camera-vertical ("up") in BlazePose world coordinates.
UP = np.array([0.0, -1.0, 0.0])

#: Segment masses as fractions of body mass and the segment's centre of mass
#: as a fraction of its length from the proximal end — de Leva (1996),
#: "Adjustments to Zatsiorsky-Seluyanov's segment inertia parameters",
#: J. Biomech. 29(9):1223-1230, male values. Head: at the ears' midpoint;
#: trunk: from the shoulders' midpoint to the hips' midpoint.
SEGMENTS: tuple[tuple[str, str, str, float, float], ...] = (
    # name, proximal, distal, mass fraction, CoM ratio from proximal
    ("head", "left_ear", "right_ear", 0.0694, 0.5),
    ("trunk", "mid_shoulder", "mid_hip", 0.4346, 0.4486),
    ("left_upper_arm", "left_shoulder", "left_elbow", 0.0271, 0.5772),
    ("right_upper_arm", "right_shoulder", "right_elbow", 0.0271, 0.5772),
    ("left_forearm", "left_elbow", "left_wrist", 0.0162, 0.4574),
    ("right_forearm", "right_elbow", "right_wrist", 0.0162, 0.4574),
    ("left_hand", "left_wrist", "left_index", 0.0061, 0.7900),
    ("right_hand", "right_wrist", "right_index", 0.0061, 0.7900),
    ("left_thigh", "left_hip", "left_knee", 0.1416, 0.4095),
    ("right_thigh", "right_hip", "right_knee", 0.1416, 0.4095),
    ("left_shank", "left_knee", "left_ankle", 0.0433, 0.4459),
    ("right_shank", "right_knee", "right_ankle", 0.0433, 0.4459),
    ("left_foot", "left_heel", "left_foot_index", 0.0137, 0.4415),
    ("right_foot", "right_heel", "right_foot_index", 0.0137, 0.4415),
)


def _point(world: np.ndarray, name: str) -> np.ndarray:
    if name.startswith("mid_"):
        part = name[4:]
        return (world[:, INDEX[f"left_{part}"]] + world[:, INDEX[f"right_{part}"]]) / 2
    return world[:, INDEX[name]]


def centre_of_mass(world: np.ndarray) -> np.ndarray:
    """Segment-weighted centre of mass, ``(T, 3)`` m (mass fractions: :data:`SEGMENTS`)."""
    total = np.zeros((*world.shape[:1], 3))
    mass = 0.0
    for _, proximal, distal, fraction, ratio in SEGMENTS:
        a, b = _point(world, proximal), _point(world, distal)
        total += fraction * (a + ratio * (b - a))
        mass += fraction
    return total / mass


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return v / n


def _horizontal(v: np.ndarray) -> np.ndarray:
    return v - (v @ UP)[..., None] * UP


def body_axes(world: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The skier's forward and left unit axes, horizontal, ``(T, 3)`` each.

    Forward is the mean heel→toe direction of both feet (the skis' long
    axis); it does not depend on which leg BlazePose calls left, so a swap
    of left/right labels does not flip the sign of any body angle. Where the
    feet are too foreshortened to tell (< 8 cm horizontally), forward falls
    back to the normal of the hip line.
    """
    feet = (_point(world, "left_foot_index") - _point(world, "left_heel")) + (
        _point(world, "right_foot_index") - _point(world, "right_heel")
    )
    feet_h = _horizontal(feet / 2)
    hip_left = _unit(_horizontal(_point(world, "left_hip") - _point(world, "right_hip")))
    from_hips = np.cross(hip_left, UP)  # forward = left x up
    use_feet = np.linalg.norm(feet_h, axis=-1) >= 0.08
    forward = np.where(use_feet[:, None], _unit(feet_h), from_hips)
    left = _unit(np.cross(UP, forward))
    return forward, left


def frontal_angle_deg(vector_up: np.ndarray, left: np.ndarray, forward: np.ndarray) -> np.ndarray:
    """Signed tilt (deg, + toward the skier's left) from vertical of ``(T, 3)`` vectors pointing up,
    measured in the frontal plane (the plane normal to ``forward``)."""
    v = vector_up - (np.sum(vector_up * forward, axis=-1))[:, None] * forward
    return np.degrees(np.arctan2(np.sum(v * left, axis=-1), v @ UP))


def inclination_deg(world: np.ndarray, com: np.ndarray, left: np.ndarray, forward: np.ndarray) -> np.ndarray:
    """Tilt of the line from the ankles' midpoint to the centre of mass, deg (+ left)."""
    return frontal_angle_deg(com - _point(world, "mid_ankle"), left, forward)


def angulation_deg(world: np.ndarray, left: np.ndarray, forward: np.ndarray) -> np.ndarray:
    """Lower-body tilt (ankles→hips) minus upper-body tilt (hips→shoulders), deg.

    Positive in a left turn (and negative in a right turn) when the upper
    body stays more upright than the legs: angulation at the hips.
    """
    legs = frontal_angle_deg(_point(world, "mid_hip") - _point(world, "mid_ankle"), left, forward)
    torso = frontal_angle_deg(_point(world, "mid_shoulder") - _point(world, "mid_hip"), left, forward)
    return legs - torso


def counter_rotation_deg(world: np.ndarray) -> np.ndarray:
    """Horizontal angle from the hip line to the shoulder line, deg (+ shoulders turned to the left)."""
    hips = _horizontal(_point(world, "left_hip") - _point(world, "right_hip"))
    shoulders = _horizontal(_point(world, "left_shoulder") - _point(world, "right_shoulder"))
    cross = np.cross(hips, shoulders) @ UP
    return np.degrees(np.arctan2(cross, np.sum(hips * shoulders, axis=-1)))
