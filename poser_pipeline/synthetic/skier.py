"""A parametric 3D skier in BlazePose's 33-landmark layout, with known truth.

The skier links ``n_turns`` alternating turns at a fixed cadence. Each ski's
signed edge angle is set on its own (constant lag, slower build, inside-ski
delay), and the body is built from them: shins tilt by their ski's edge angle,
the upper body inclines less than the legs (angulation) and counter-rotates.
The landmarks are then seen from a camera (behind, front, side, oblique) in
BlazePose's world convention — metres, origin between the hips, x to the
image's right, y down, z away from the camera — and projected to pixels.
Options add Gaussian landmark noise, dropped frames and low-visibility stretches.

Sign convention everywhere in Poser: angles toward the **skier's left** are
positive, so a left turn has positive edge angles and inclination.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from poser_pipeline.pose.skeleton import INDEX, LANDMARK_NAMES, NUM_LANDMARKS

#: Camera yaw about the vertical: the skier's forward axis as seen by each view.
VIEWS = ("behind", "front", "side", "oblique")

SHIN_M, THIGH_M, TORSO_M, HIP_HALF_M, SHOULDER_HALF_M, STANCE_HALF_M = 0.45, 0.45, 0.55, 0.12, 0.19, 0.13


@dataclass(frozen=True)
class SkierParams:
    """Parameters of the synthetic run (angles in degrees, times in seconds)."""

    fps: float = 30.0
    n_turns: int = 6
    turn_s: float = 1.2
    lead_in_s: float = 0.6
    max_edge_deg: float = 40.0
    inclination_share: float = 0.7  # the upper body inclines this share of the legs' tilt
    counter_rotation_deg: float = 15.0
    left_ski_lag_s: float = 0.0  # constant lag of the left ski behind the right
    inside_delay_s: float = 0.0  # the inside ski starts its turn this much later
    inside_delay_turns: str = "both"  # "left", "right" or "both": which turns have the delay
    inside_build: float = 1.0  # > 1: the inside ski builds edge more slowly (power on the shape)
    straight: bool = False  # a straight glide: no turns at all
    traverse_deg: float = 0.0  # with straight: a constant edge, as in a traverse
    view: str = "behind"
    noise_m: float = 0.0
    noise_px: float = 0.0
    drop_fraction: float = 0.0
    low_visibility: tuple[tuple[float, float], ...] = ()  # (start_s, end_s) stretches
    mirror: bool = False  # reflect the whole run left<->right (skier, skis and turns)
    seed: int = 0


@dataclass
class SyntheticRun:
    """Landmarks and per-frame truth. Shapes: ``T`` frames, 33 landmarks.

    world_xyz : (T, 33, 3) m; image_xy : (T, 33, 2) px; visibility : (T, 33);
    dropped frames are NaN in all three. ``truth`` holds ``(T,)`` series:
    ``edge_left_deg``, ``edge_right_deg`` (signed, + toward the skier's left),
    ``turn_signal`` (the base edge shape), ``torso_tilt_deg`` (the upper body's lean),
    ``direction`` (+1 left, −1 right, 0 none),
    and ``transitions`` (frame indices of the true transitions).
    """

    params: SkierParams
    world_xyz: np.ndarray
    image_xy: np.ndarray
    visibility: np.ndarray
    truth: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def fps(self) -> float:
        return self.params.fps


def _base_shape(t: np.ndarray, p: SkierParams) -> np.ndarray:
    """Signed turn shape in [-1, 1]: +1 at the apex of a left turn."""
    if p.straight:
        return np.full_like(t, np.sign(p.traverse_deg) * min(1.0, abs(p.traverse_deg) / max(p.max_edge_deg, 1e-9)))
    phase = np.clip(t - p.lead_in_s, 0, None) / p.turn_s  # turns since the first transition
    shape = np.sin(np.pi * phase)
    shape[t < p.lead_in_s] = np.sin(np.pi * (t[t < p.lead_in_s] - p.lead_in_s) / p.turn_s)
    return shape


def _ski_edges(t: np.ndarray, p: SkierParams) -> tuple[np.ndarray, np.ndarray]:
    """Signed edge angles (deg) of the left and right skis."""
    base = _base_shape(t, p)
    if p.straight:
        return base * p.max_edge_deg, base * p.max_edge_deg

    def shaped(tt: np.ndarray, build: float) -> np.ndarray:
        s = _base_shape(tt, p)
        return np.sign(s) * np.abs(s) ** build * p.max_edge_deg

    direction = np.sign(base)  # +1 left turn: the left ski is the inside ski
    edges = []
    for side, lag in (("left", p.left_ski_lag_s), ("right", 0.0)):
        inside = direction > 0 if side == "left" else direction < 0
        if p.inside_delay_turns != "both":
            inside = inside & (direction == (1 if p.inside_delay_turns == "left" else -1))
        delayed = shaped(t - lag - p.inside_delay_s, p.inside_build)
        normal = shaped(t - lag, 1.0)
        edges.append(np.where(inside, delayed, normal))
    return edges[0], edges[1]


def _rotate(v: np.ndarray, axis: np.ndarray, angle: float) -> np.ndarray:
    """Rotate vector ``v`` about unit ``axis`` by ``angle`` radians (Rodrigues)."""
    return v * np.cos(angle) + np.cross(axis, v) * np.sin(angle) + axis * np.dot(axis, v) * (1 - np.cos(angle))


def _pose(edge_l: float, edge_r: float, base_deg: float, p: SkierParams) -> np.ndarray:
    """33 landmarks in the skier's frame (x = left, y = up, z = forward), metres."""
    left, up, fwd = np.eye(3)
    pts = np.zeros((NUM_LANDMARKS, 3))

    def leg(side: str, edge_deg: float, x: float) -> np.ndarray:
        e = np.radians(edge_deg)
        tilt = np.sin(e) * left + np.cos(e) * up
        ankle = x * left
        knee = ankle + SHIN_M * tilt + 0.12 * fwd
        pts[INDEX[f"{side}_ankle"]] = ankle
        pts[INDEX[f"{side}_knee"]] = knee
        pts[INDEX[f"{side}_heel"]] = ankle - 0.07 * fwd - 0.05 * up
        pts[INDEX[f"{side}_foot_index"]] = ankle + 0.18 * fwd - 0.06 * up
        return knee + THIGH_M * tilt - 0.12 * fwd

    hip_c = (leg("left", edge_l, STANCE_HALF_M) + leg("right", edge_r, -STANCE_HALF_M)) / 2
    pts[INDEX["left_hip"]] = hip_c + HIP_HALF_M * left
    pts[INDEX["right_hip"]] = hip_c - HIP_HALF_M * left
    torso_tilt = np.radians(base_deg * p.inclination_share)
    torso = np.sin(torso_tilt) * left + np.cos(torso_tilt) * up
    shoulder_c = hip_c + TORSO_M * torso
    # counter-rotation: the upper body turns toward the outside of the turn (about the torso axis)
    twist = -np.radians(p.counter_rotation_deg) * base_deg / max(p.max_edge_deg, 1e-9)
    s_axis = _rotate(left, torso, twist)
    for side, sign in (("left", 1), ("right", -1)):
        shoulder = shoulder_c + sign * SHOULDER_HALF_M * s_axis
        elbow = shoulder - 0.28 * torso + 0.12 * fwd + sign * 0.08 * s_axis
        wrist = elbow + 0.25 * fwd - 0.05 * torso
        pts[INDEX[f"{side}_shoulder"]], pts[INDEX[f"{side}_elbow"]], pts[INDEX[f"{side}_wrist"]] = (
            shoulder,
            elbow,
            wrist,
        )
        for part in ("pinky", "index", "thumb"):
            pts[INDEX[f"{side}_{part}"]] = wrist + 0.06 * fwd + sign * 0.02 * s_axis
    head = shoulder_c + 0.25 * torso
    face = head + 0.1 * fwd
    for name in ("nose", "mouth_left", "mouth_right"):
        pts[INDEX[name]] = face - (0.05 if "mouth" in name else 0.0) * torso
    for side, sign in (("left", 1), ("right", -1)):
        for part in ("eye_inner", "eye", "eye_outer"):
            pts[INDEX[f"{side}_{part}"]] = face + 0.03 * torso + sign * 0.03 * s_axis
        pts[INDEX[f"{side}_ear"]] = head + sign * 0.08 * s_axis
    pts[INDEX["mouth_left"]] += 0.025 * s_axis
    pts[INDEX["mouth_right"]] -= 0.025 * s_axis
    return pts


def _mirror(skier: np.ndarray) -> np.ndarray:
    """Reflect ``(T, 33, 3)`` skier-frame landmarks across the sagittal plane, swapping left/right labels."""
    mirrored = skier.copy()
    mirrored[..., 0] *= -1
    swap = [
        INDEX[n.replace("left_", "right_")]
        if n.startswith("left_")
        else INDEX[n.replace("right_", "left_")]
        if n.startswith("right_")
        else i
        for i, n in enumerate(LANDMARK_NAMES)
    ]
    return mirrored[:, swap]


def camera_rotation(view: str) -> np.ndarray:
    """3x3 matrix from the skier frame (left, up, forward) to BlazePose's (x right, y down, z depth)."""
    yaw = {"behind": 0.0, "front": 180.0, "side": 90.0, "oblique": 45.0}[view]
    a = np.radians(yaw)
    # behind: image right = skier's right (-left), depth = forward
    right_img = np.array([-np.cos(a), 0.0, np.sin(a)])
    depth = np.array([np.sin(a), 0.0, np.cos(a)])
    down = np.array([0.0, -1.0, 0.0])
    return np.vstack([right_img, down, depth])


def generate_run(params: SkierParams | None = None) -> SyntheticRun:
    """Render a synthetic run; see :class:`SkierParams` and :class:`SyntheticRun`."""
    p = params or SkierParams()
    rng = np.random.default_rng(p.seed)
    duration = p.lead_in_s + p.n_turns * p.turn_s + (0.0 if p.straight else p.turn_s * 0.5)
    t = np.arange(round(duration * p.fps)) / p.fps
    edge_l, edge_r = _ski_edges(t, p)
    base_deg = _base_shape(t, p) * p.max_edge_deg
    rot = camera_rotation(p.view)
    skier = np.stack([_pose(el, er, b, p) for el, er, b in zip(edge_l, edge_r, base_deg, strict=True)])
    if p.mirror:
        skier, edge_l, edge_r, base_deg = _mirror(skier), -edge_r, -edge_l, -base_deg
    hips = skier[:, [INDEX["left_hip"], INDEX["right_hip"]]].mean(axis=1, keepdims=True)
    world = (skier - hips) @ rot.T
    # perspective camera 12 m away, focal 1500 px, frame 1920x1080
    depth = world[..., 2] + 12.0
    image = np.stack([1500 * world[..., 0] / depth + 960, 1500 * world[..., 1] / depth + 540], axis=-1)
    visibility = np.full(world.shape[:2], 0.95)
    if p.noise_m:
        world = world + rng.normal(0, p.noise_m, world.shape)
    if p.noise_px:
        image = image + rng.normal(0, p.noise_px, image.shape)
    for start_s, end_s in p.low_visibility:
        visibility[(t >= start_s) & (t < end_s)] = 0.2
    dropped = rng.random(len(t)) < p.drop_fraction
    world[dropped], image[dropped], visibility[dropped] = np.nan, np.nan, np.nan

    transitions = np.array([], dtype=int)
    direction = np.zeros(len(t), dtype=int)
    if not p.straight:
        first = p.lead_in_s
        transitions = np.array([round((first + k * p.turn_s) * p.fps) for k in range(p.n_turns + 1)])
        transitions = transitions[transitions < len(t)]
        direction = np.sign(base_deg).astype(int)
    truth = {
        "t_s": t,
        "edge_left_deg": edge_l,
        "edge_right_deg": edge_r,
        "turn_signal": base_deg,
        "torso_tilt_deg": base_deg * p.inclination_share,
        "direction": direction,
        "transitions": transitions,
        "dropped": dropped,
    }
    return SyntheticRun(params=p, world_xyz=world, image_xy=image, visibility=visibility, truth=truth)
