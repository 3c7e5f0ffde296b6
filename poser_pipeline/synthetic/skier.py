"""A parametric 3D skier in BlazePose's 33-landmark layout, with known truth.

The skier links ``n_turns`` alternating turns at a fixed cadence. Each ski's
signed edge angle is set on its own (constant lag, slower build, inside-ski
delay), and the body is built from them: shins tilt by their ski's edge angle,
the upper body inclines less than the legs (angulation) and counter-rotates.
The landmarks are then seen from a camera (behind, front, side, oblique) in
BlazePose's world convention — metres, origin between the hips, x to the
image's right, y down, z away from the camera — and projected to pixels.
Options add Gaussian landmark noise, dropped frames and low-visibility stretches.

The camera can also roll (fixed, or drifting over the clip), pitch (look down), pan
(its yaw sweeps as it follows the skier) and zoom (the focal length ramps), and the snow
can have a side slope. The skier is built in the snow's frame, so edge angles and the
lean stay relative to the snow; the slope tilts the whole skier against gravity, and the
camera's roll and pitch tilt everything against the image. ``truth["reference_tilt_deg"]``
is what these add to any frontal angle read against the camera's vertical. Every camera
motion turns the camera about the skier's hips at a fixed 12 m, so the skier stays centred
(a follow camera). With all of these at their defaults the output is bit-identical to the
fixed-camera generator.

Sign convention everywhere in Poser: angles toward the **skier's left** are
positive, so a left turn has positive edge angles and inclination.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from poser_pipeline.pose.skeleton import INDEX, LANDMARK_NAMES, NUM_LANDMARKS

#: Camera yaw about the vertical: the skier's forward axis as seen by each view.
VIEWS = ("behind", "front", "side", "oblique")
_VIEW_YAW_DEG = {"behind": 0.0, "front": 180.0, "side": 90.0, "oblique": 45.0}

SHIN_M, THIGH_M, TORSO_M, HIP_HALF_M, SHOULDER_HALF_M, STANCE_HALF_M = 0.45, 0.45, 0.55, 0.12, 0.19, 0.13


@dataclass(frozen=True)
class SkierParams:
    """Parameters of the synthetic run (angles in degrees, times in seconds).

    Camera and slope (all 0 / 1.0 by default: a level, fixed camera on flat snow):

    - ``camera_roll_deg``: roll about the optical axis; + = the camera turned clockwise as
      its operator sees it, so the scene appears rotated counter-clockwise in the image.
    - ``camera_roll_drift_deg``: the roll ramps linearly over the clip, from
      ``camera_roll_deg - drift / 2`` at the first frame to ``camera_roll_deg + drift / 2``
      at the last (a handheld camera that rolls as it follows).
    - ``camera_pitch_deg``: the camera looks down by this much (about its x axis).
    - ``pan_deg``: the camera's yaw sweeps linearly from ``-pan / 2`` to ``+pan / 2`` about
      the view's yaw over the clip, so the view direction changes per frame.
    - ``zoom``: the focal length ramps linearly from 1500 px to ``1500 * zoom`` px over the
      clip (image landmarks only; world landmarks are metric and do not change).
    - ``heading_swing_deg``: the skier's heading (about the vertical) follows his turns, across
      the fall line by this much at each transition and along it at each apex, as a real
      skier's skis do; the camera keeps its direction, so the skier turns in the image.
    - ``side_slope_deg``: the snow tilts about the skier's forward axis; + = the snow's
      normal leans toward the skier's left. The skier (edges, lean) is built relative to the
      snow, so the slope rotates the whole skier against gravity; truth edges are unchanged.
    """

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
    camera_roll_deg: float = 0.0  # + = camera turned clockwise: the scene looks rotated counter-clockwise
    camera_roll_drift_deg: float = 0.0  # roll ramps from roll - drift/2 to roll + drift/2 over the clip
    camera_pitch_deg: float = 0.0  # + = the camera looks down
    side_slope_deg: float = 0.0  # + = the snow's normal leans toward the skier's left
    pan_deg: float = 0.0  # yaw sweeps from -pan/2 to +pan/2 about the view's yaw over the clip
    zoom: float = 1.0  # focal length ramps from 1500 px to 1500 * zoom px over the clip
    heading_swing_deg: float = 0.0  # the skier's heading swings ± this about the fall line with each turn


@dataclass
class SyntheticRun:
    """Landmarks and per-frame truth. Shapes: ``T`` frames, 33 landmarks.

    world_xyz : (T, 33, 3) m; image_xy : (T, 33, 2) px; visibility : (T, 33);
    dropped frames are NaN in all three. ``truth`` holds ``(T,)`` series:
    ``edge_left_deg``, ``edge_right_deg`` (signed, + toward the skier's left),
    ``turn_signal`` (the base edge shape), ``torso_tilt_deg`` (the upper body's lean),
    ``direction`` (+1 left, −1 right, 0 none),
    ``camera_roll_deg`` (the camera's roll per frame, sign as in :class:`SkierParams`),
    ``reference_tilt_deg`` (see :func:`reference_tilt_deg`: the snow normal's tilt from the
    camera's vertical in the skier's frontal plane, + toward the skier's left — what reading
    frontal angles against the camera's vertical adds to the true, snow-relative ones),
    ``focal_px`` (the focal length per frame), ``heading_deg`` (the skier's heading from the fall line,
    + toward his left; see :func:`skier_heading_deg`), ``dropped`` (bool, the dropped frames),
    and ``transitions`` (frame indices of the true transitions). Edge, turn and torso truth
    stay relative to the snow whatever the slope or camera.
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


def skier_heading_deg(t: np.ndarray, p: SkierParams) -> np.ndarray:
    """(T,) deg: the skier's heading from the fall line about the vertical, + toward his left.

    A turn to the left turns him left, fastest at its apex (where the edges peak), so the
    heading is the integral of the turn shape: ``-swing * cos(pi * phase)``, across the fall
    line (± ``heading_swing_deg``) at each transition and down it at each apex.
    """
    if p.straight or not p.heading_swing_deg:
        return np.zeros_like(t)
    heading = -p.heading_swing_deg * np.cos(np.pi * (t - p.lead_in_s) / p.turn_s)
    return -heading if p.mirror else heading


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
    """3x3 matrix from the skier frame (left, up, forward) to BlazePose's (x right, y down, z depth).

    The level, fixed camera on flat snow; :func:`camera_rotations` adds roll, pitch, pan and slope.
    """
    yaw = _VIEW_YAW_DEG[view]
    a = np.radians(yaw)
    # behind: image right = skier's right (-left), depth = forward
    right_img = np.array([-np.cos(a), 0.0, np.sin(a)])
    depth = np.array([np.sin(a), 0.0, np.cos(a)])
    down = np.array([0.0, -1.0, 0.0])
    return np.vstack([right_img, down, depth])


def _about_z(angle_rad: np.ndarray) -> np.ndarray:
    """(T, 3, 3) rotations about the third axis, taking the second axis toward the first by ``angle_rad``.

    Used twice: in the skier frame (left, up, forward) it tilts up toward the skier's left (the
    slope); in the camera frame (right, down, depth) it gives the axes of a camera rolled
    clockwise as its operator sees it (its right axis turns toward the old down).
    """
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    zero, one = np.zeros_like(c), np.ones_like(c)
    return np.stack([np.stack([c, s, zero], -1), np.stack([-s, c, zero], -1), np.stack([zero, zero, one], -1)], -2)


def camera_rotations(
    view: str,
    roll_deg: float | np.ndarray = 0.0,
    pitch_deg: float | np.ndarray = 0.0,
    pan_deg: float | np.ndarray = 0.0,
    slope_deg: float | np.ndarray = 0.0,
) -> np.ndarray:
    """(T, 3, 3) matrices from the skier's snow frame (left, up, forward) to BlazePose's camera axes.

    ``R = R_roll @ R_pitch @ R_yaw(view's yaw + pan) @ R_slope``: the slope turns the snow
    frame to gravity's (up toward the skier's left by ``slope_deg``), the yaw is about gravity's
    vertical, then the camera looks down by ``pitch_deg`` and rolls by ``roll_deg`` (+ = turned
    clockwise as its operator sees it). Each angle (degrees) is a scalar or a ``(T,)`` per-frame
    array; they broadcast, and ``T = 1`` when all are scalars. With all of them 0 every matrix
    equals :func:`camera_rotation`'s.
    """
    roll, pitch, pan, slope = np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(v, dtype=float)) for v in (roll_deg, pitch_deg, pan_deg, slope_deg))
    )
    a = np.radians(_VIEW_YAW_DEG[view] + pan)
    zero, one = np.zeros_like(a), np.ones_like(a)
    # rows as in camera_rotation: image right, image down, depth, each in gravity's (left, up, forward)
    yaw = np.stack(
        [
            np.stack([-np.cos(a), zero, np.sin(a)], -1),
            np.stack([zero, -one, zero], -1),
            np.stack([np.sin(a), zero, np.cos(a)], -1),
        ],
        -2,
    )
    b = np.radians(pitch)
    cb, sb = np.cos(b), np.sin(b)
    # looking down: the optical axis turns toward the old image-down (+y), so level scenery rises in the image
    look_down = np.stack(
        [np.stack([one, zero, zero], -1), np.stack([zero, cb, -sb], -1), np.stack([zero, sb, cb], -1)], -2
    )
    return _about_z(np.radians(roll)) @ look_down @ yaw @ _about_z(np.radians(slope))


def reference_tilt_deg(rotations: np.ndarray) -> np.ndarray:
    """(T,) deg: the snow normal's tilt from the camera's vertical, in the skier's frontal plane.

    ``rotations`` is ``(T, 3, 3)`` from :func:`camera_rotations`. The snow normal (the snow
    frame's up) and the skier's forward axis are mapped to camera axes; the camera's up
    ``(0, -1, 0)`` is projected onto the plane normal to forward, and the normal's signed angle
    from it is measured in that plane, + toward the skier's left (the plane's left is
    ``up x forward``, as in the skier frame, so it agrees with the mapped left axis). A frontal
    angle read against the camera's vertical is then the true, snow-relative angle plus this.
    NaN where forward is (nearly) the camera's vertical, so the frontal plane holds no vertical.
    """
    normal, forward = rotations[:, :, 1], rotations[:, :, 2]  # R @ up, R @ forward
    cam_up = np.array([0.0, -1.0, 0.0])
    up = cam_up - (forward @ cam_up)[:, None] * forward
    norm = np.linalg.norm(up, axis=1, keepdims=True)
    up = np.where(norm > 1e-9, up / np.where(norm > 1e-9, norm, 1.0), np.nan)
    left = np.cross(up, forward)
    return np.degrees(np.arctan2(np.sum(normal * left, axis=1), np.sum(normal * up, axis=1)))


def generate_run(params: SkierParams | None = None) -> SyntheticRun:
    """Render a synthetic run; see :class:`SkierParams` and :class:`SyntheticRun`."""
    p = params or SkierParams()
    rng = np.random.default_rng(p.seed)
    duration = p.lead_in_s + p.n_turns * p.turn_s + (0.0 if p.straight else p.turn_s * 0.5)
    t = np.arange(round(duration * p.fps)) / p.fps
    edge_l, edge_r = _ski_edges(t, p)
    base_deg = _base_shape(t, p) * p.max_edge_deg
    ramp = np.linspace(0.0, 1.0, len(t))  # 0 at the first frame, 1 at the last
    roll_deg = p.camera_roll_deg + p.camera_roll_drift_deg * (ramp - 0.5)
    heading = skier_heading_deg(t, p)
    # the skier turning left by h is, to a camera that follows him, the camera's yaw turning by -h
    yaw_deg = p.pan_deg * (ramp - 0.5) - heading
    rots = camera_rotations(p.view, roll_deg, p.camera_pitch_deg, yaw_deg, p.side_slope_deg)
    rots = np.broadcast_to(rots, (len(t), 3, 3))
    skier = np.stack([_pose(el, er, b, p) for el, er, b in zip(edge_l, edge_r, base_deg, strict=True)])
    if p.mirror:
        skier, edge_l, edge_r, base_deg = _mirror(skier), -edge_r, -edge_l, -base_deg
    hips = skier[:, [INDEX["left_hip"], INDEX["right_hip"]]].mean(axis=1, keepdims=True)
    turning = (p.camera_roll_deg, p.camera_roll_drift_deg, p.camera_pitch_deg, p.pan_deg, p.side_slope_deg)
    camera_moves = any((*turning, p.heading_swing_deg))
    if camera_moves:
        world = np.einsum("tij,tkj->tki", rots, skier - hips)
    else:
        # the fixed matrix, multiplied as it always was, so default runs stay bit-identical
        world = (skier - hips) @ camera_rotation(p.view).T
    # perspective camera 12 m away, focal 1500 px (ramped by zoom), frame 1920x1080
    focal = 1500 if p.zoom == 1.0 else np.linspace(1500.0, 1500.0 * p.zoom, len(t))[:, None]
    depth = world[..., 2] + 12.0
    image = np.stack([focal * world[..., 0] / depth + 960, focal * world[..., 1] / depth + 540], axis=-1)
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
        "camera_roll_deg": roll_deg,
        "reference_tilt_deg": reference_tilt_deg(rots),
        "heading_deg": heading,
        "focal_px": np.broadcast_to(np.asarray(focal, dtype=float).ravel(), (len(t),)).copy(),
    }
    return SyntheticRun(params=p, world_xyz=world, image_xy=image, visibility=visibility, truth=truth)
