"""Per-frame metric series: the ``frames`` table's metric columns.

Computed from (already smoothed) world landmarks, then low-passed once more
at ``metric_cutoff_hz``: turns last around a second, so angle changes faster
than a few hertz are landmark noise, not technique.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from poser_pipeline.metrics.body import (
    angulation_deg,
    body_axes,
    centre_of_mass,
    counter_rotation_deg,
    inclination_deg,
)
from poser_pipeline.metrics.edges import edge_angles_deg, shin_parallelism_deg
from poser_pipeline.pose.skeleton import INDEX
from poser_pipeline.pose.smooth import smooth_series
from poser_pipeline.settings import PipelineSettings


@dataclass
class FrameSeries:
    """``(T,)`` series (``com_m`` is ``(T, 3)``), NaN where pose was not usable."""

    com_m: np.ndarray
    edge_left_deg: np.ndarray
    edge_right_deg: np.ndarray
    inclination_deg: np.ndarray
    angulation_deg: np.ndarray
    counter_rotation_deg: np.ndarray
    shin_parallelism_deg: np.ndarray
    valid: np.ndarray
    forward_depth_cosine: np.ndarray
    """Cosine between the skis' direction and the camera's depth axis: +1 skiing away, −1 toward it."""
    leg_length_px: np.ndarray
    noise_sd_deg: dict[str, float] = field(default_factory=dict)
    """Per angle series (attribute name): the landmark noise of one frame, deg (:func:`noise_sd`)."""

    @property
    def skis_face_camera(self) -> np.ndarray:
        """``(T,)`` bool: the skis point within 60° of the camera's axis, so their tilt across is seen."""
        return np.abs(self.forward_depth_cosine) >= MIN_FORWARD_DEPTH_COSINE

    @property
    def turn_signal_raw(self) -> np.ndarray:
        """The raw turn signal: inclination (centre of mass vs. the feet), deg, + left."""
        return self.inclination_deg

    def columns(self) -> dict[str, np.ndarray]:
        """The ``frames`` table's metric columns, by name."""
        return {
            "com_x_m": self.com_m[:, 0],
            "com_y_m": self.com_m[:, 1],
            "com_z_m": self.com_m[:, 2],
            "edge_angle_left_deg": self.edge_left_deg,
            "edge_angle_right_deg": self.edge_right_deg,
            "inclination_deg": self.inclination_deg,
            "angulation_deg": self.angulation_deg,
            "counter_rotation_deg": self.counter_rotation_deg,
            "shin_parallelism_deg": self.shin_parallelism_deg,
            "turn_signal_raw": self.turn_signal_raw,
        }


#: The skis must point within 60° of the camera's axis (toward or away) for their tilt across
#: to be seen: from the side, edging happens in depth, where BlazePose is weakest.
MIN_FORWARD_DEPTH_COSINE = 0.5


def compute_frame_series(
    world_xyz: np.ndarray,
    valid: np.ndarray,
    *,
    fps: float,
    settings: PipelineSettings | None = None,
    image_xy: np.ndarray | None = None,
) -> FrameSeries:
    """Body metrics for every frame.

    Parameters
    ----------
    world_xyz : (T, 33, 3) float ndarray, m (BlazePose world landmarks, NaN where none)
    valid : (T,) bool ndarray
        Frames whose pose may be used (tracked, landmarks visible).
    fps : float
    image_xy : (T, 33, 2) float ndarray, px, optional
        Image landmarks, for the skier's size in the frame (``leg_length_px``).
    """
    settings = settings or PipelineSettings()
    valid = np.asarray(valid, dtype=bool) & np.isfinite(world_xyz).all(axis=(1, 2))
    world = np.where(valid[:, None, None], world_xyz, np.nan)
    world = smooth_series(world, valid, fps=fps, settings=settings)
    forward, left = body_axes(world)
    # the skis' direction changes slowly: smooth it hard so foot-landmark noise does not tilt the frontal plane
    forward = smooth_series(forward, valid, fps=fps, settings=settings, cutoff_hz=settings.metric_cutoff_hz)
    forward /= np.linalg.norm(forward, axis=1, keepdims=True)
    left = np.cross(np.array([0.0, -1.0, 0.0]), forward)
    com = centre_of_mass(world)
    edge_l, edge_r = edge_angles_deg(world, left, forward)

    def low_pass(x: np.ndarray) -> np.ndarray:
        return smooth_series(x, valid, fps=fps, settings=settings, cutoff_hz=settings.metric_cutoff_hz)

    edge_l, edge_r = low_pass(edge_l), low_pass(edge_r)
    angles = {
        "edge_left_deg": edge_l,
        "edge_right_deg": edge_r,
        "inclination_deg": low_pass(inclination_deg(world, com, left, forward)),
        "angulation_deg": low_pass(angulation_deg(world, left, forward)),
        "counter_rotation_deg": low_pass(counter_rotation_deg(world)),
    }
    # the same angles from the unsmoothed landmarks: their scatter around the series is the noise
    raw_world = np.where(valid[:, None, None], world_xyz, np.nan)
    raw_edge_l, raw_edge_r = edge_angles_deg(raw_world, left, forward)
    raw = {
        "edge_left_deg": raw_edge_l,
        "edge_right_deg": raw_edge_r,
        "inclination_deg": inclination_deg(raw_world, centre_of_mass(raw_world), left, forward),
        "angulation_deg": angulation_deg(raw_world, left, forward),
        "counter_rotation_deg": counter_rotation_deg(raw_world),
    }
    return FrameSeries(
        com_m=com,
        **angles,
        shin_parallelism_deg=shin_parallelism_deg(edge_l, edge_r),
        valid=valid,
        forward_depth_cosine=forward[:, 2],
        leg_length_px=_leg_length_px(image_xy, valid) if image_xy is not None else np.full(len(valid), np.nan),
        noise_sd_deg={name: noise_sd(raw[name], angles[name]) for name in angles},
    )


def noise_sd(raw: np.ndarray, smoothed: np.ndarray) -> float:
    """Robust spread (1.4826 × MAD) of a raw ``(T,)`` series around its smoothed version; NaN if < 3 frames.

    What the smoothing removed is almost all landmark noise (turns are slow), so this is the noise of one
    frame's measurement (in the series' unit).
    """
    residual = np.asarray(raw, dtype=np.float64) - np.asarray(smoothed, dtype=np.float64)
    residual = residual[np.isfinite(residual)]
    if len(residual) < 3:
        return float("nan")
    return float(1.4826 * np.median(np.abs(residual - np.median(residual))))


def _leg_length_px(image_xy: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Mean hip-to-ankle length in pixels per frame (NaN where not valid)."""
    hips = image_xy[:, [INDEX["left_hip"], INDEX["right_hip"]]]
    ankles = image_xy[:, [INDEX["left_ankle"], INDEX["right_ankle"]]]
    length = np.linalg.norm(hips - ankles, axis=2).mean(axis=1)
    return np.where(valid, length, np.nan)
