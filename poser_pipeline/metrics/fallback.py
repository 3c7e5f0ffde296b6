"""A turn signal from the track alone, for clips where pose is mostly missing.

In fog or with a tiny skier BlazePose sees too few frames to follow the
inclination, but the track still shows the skier's path. Across an S-turn
the path bends one way, then the other: the lateral acceleration of the box
centre changes sign at each transition. Its sign relative to the skier's
left depends on the camera, so it is calibrated against the pose signal on
the frames where pose was seen.
"""

from __future__ import annotations

import numpy as np

from poser_pipeline.pose.smooth import butterworth_1d

#: Below this share of frames with usable pose, turns are timed from the track.
MIN_POSE_SHARE = 0.6
_PATH_CUTOFF_HZ = 1.0


def path_turn_signal(boxes_xy: np.ndarray, *, fps: float) -> np.ndarray:
    """Lateral acceleration of the box centre, in box heights / s², ``(T,)``.

    The camera is assumed to be still; a panning camera adds its own motion,
    which is why this is only a fallback.
    """
    centre_x = (boxes_xy[:, 0] + boxes_xy[:, 2]) / 2
    height = float(np.nanmedian(boxes_xy[:, 3] - boxes_xy[:, 1]))
    t = np.arange(len(centre_x))
    ok = np.isfinite(centre_x)
    if ok.sum() < 8 or not np.isfinite(height) or height <= 0:
        return np.full(len(centre_x), np.nan)
    x = np.interp(t, t[ok], centre_x[ok]) / height
    x = butterworth_1d(x, fps=fps, cutoff_hz=_PATH_CUTOFF_HZ, order=2, min_chunk=8)
    return np.gradient(np.gradient(x)) * fps * fps


def choose_turn_signal(
    pose_signal_deg: np.ndarray, boxes_xy: np.ndarray, valid: np.ndarray, *, fps: float
) -> tuple[np.ndarray, str]:
    """The signal to segment turns on, and where it came from (``"pose"`` or ``"track"``).

    With enough pose, the inclination itself. Otherwise the path signal,
    scaled (sign included) to the inclination by least squares over the
    frames where both exist; with too few such frames to calibrate, the
    path signal's sign is taken as is (a camera facing the skier).
    """
    valid = np.asarray(valid, dtype=bool) & np.isfinite(pose_signal_deg)
    if valid.mean() >= MIN_POSE_SHARE:
        return pose_signal_deg, "pose"
    path = path_turn_signal(boxes_xy, fps=fps)
    if not np.isfinite(path).any():
        return pose_signal_deg, "pose"
    both = valid & np.isfinite(path)
    if both.sum() >= 10 and np.dot(path[both], path[both]) > 0:
        scale = float(np.dot(path[both], pose_signal_deg[both]) / np.dot(path[both], path[both]))
    else:
        scale = 20.0 / max(float(np.nanpercentile(np.abs(path), 90)), 1e-9)  # ~20 deg at a typical turn
    return path * scale, "track"
