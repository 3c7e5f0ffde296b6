"""BlazePose's front/back ambiguity, resolved over time.

One image cannot tell a skier facing the camera from the same skier facing
away with every joint's depth mirrored and his left and right exchanged:
both project to the same picture. BlazePose picks one reading per frame,
and on skiers (goggles, helmets, skis for feet) it picks wrong for stretches
of frames, most often at the apex of a turn seen from the front. A wrong
frame reverses the skier's left and right, so his lean and the turn's
direction flip sign, and a turn is reported where there is none.

A skier's heading cannot jump by tens of degrees between two frames, so of
the two readings of each frame (as given; mirrored) :func:`resolve_facing`
keeps the sequence whose heading turns least (a two-state Viterbi path),
paying :data:`MIRROR_COST` for each frame it mirrors. The two readings of a
skier seen from the side are the same, so a path can change reading there
freely; a wrong stretch between two side views is mirrored back when it
needs a jump that a skier cannot make.

Inputs are ``(T, 33, 3)`` BlazePose world landmarks in metres (x
image-right, y down, z depth, origin between the hips); NaN rows are frames
without pose.
"""

from __future__ import annotations

import numpy as np

from poser_pipeline.pose.skeleton import INDEX, LANDMARK_NAMES

#: The fastest a skier's heading turns, deg/s (a hop turn): a change within it costs nothing.
HEADING_RATE_DEG_S = 300.0
#: Heading change past the slack, deg, that costs as much as mirroring one frame; a cost grows with
#: the square of the excess, so one jump weighs more than several frames of small changes.
HEADING_SCALE_DEG = 20.0
#: The cost of mirroring one frame, in units of a :data:`HEADING_SCALE_DEG` excess: a frame is left as
#: BlazePose gave it unless mirroring it saves more.
MIRROR_COST = 1.0

#: ``world[:, SWAP]`` exchanges every left landmark with its right twin.
SWAP = np.array(
    [
        INDEX[name.replace("left_", "right_")]
        if name.startswith("left_")
        else INDEX[name.replace("right_", "left_")]
        if name.startswith("right_")
        else INDEX[name]
        for name in LANDMARK_NAMES
    ]
)


def heading_deg(world: np.ndarray) -> np.ndarray:
    """``(T,)`` heading, deg in (−180, 180]: the skier's forward direction in the horizontal (x, z)
    plane, 0 toward image-right and −90 toward the camera; NaN without pose.

    Forward is the hips' normal and the feet's heel→toe direction together
    (their unit vectors summed), so neither a foreshortened foot nor a
    twisted hip alone decides it.
    """
    i = INDEX
    hips = world[:, i["left_hip"]] - world[:, i["right_hip"]]
    from_hips = np.stack([hips[:, 2], -hips[:, 0]], axis=1)  # (x, z) of left x up
    feet = (world[:, i["left_foot_index"]] - world[:, i["left_heel"]]) + (
        world[:, i["right_foot_index"]] - world[:, i["right_heel"]]
    )
    from_feet = feet[:, [0, 2]]
    with np.errstate(invalid="ignore", divide="ignore"):
        forward = from_hips / np.linalg.norm(from_hips, axis=1, keepdims=True)
        forward = forward + from_feet / np.maximum(np.linalg.norm(from_feet, axis=1, keepdims=True), 0.08)
    return np.degrees(np.arctan2(forward[:, 1], forward[:, 0]))


def mirror_depth(world: np.ndarray) -> np.ndarray:
    """The other reading of ``(T, 33, 3)`` world landmarks: depth mirrored about the hips, left and
    right exchanged."""
    out = np.array(world, dtype=np.float64, copy=True)[:, SWAP]
    out[..., 2] *= -1.0
    return out


def _step_cost(previous_deg: np.ndarray, current_deg: np.ndarray, slack_deg: float) -> np.ndarray:
    """Cost of each heading change ``previous -> current`` (broadcast), free up to ``slack_deg``."""
    change = np.abs((current_deg - previous_deg + 180.0) % 360.0 - 180.0)
    excess = np.maximum(change - slack_deg, 0.0)
    return (excess / HEADING_SCALE_DEG) ** 2


def resolve_facing(world_xyz: np.ndarray, valid: np.ndarray, *, fps: float, max_gap_s: float = 0.5) -> np.ndarray:
    """``(T,)`` bool: the frames whose pose BlazePose read front-to-back, to be mirrored.

    Parameters
    ----------
    world_xyz : (T, 33, 3) float ndarray, m — NaN where no pose
    valid : (T,) bool ndarray — frames with a pose to consider
    fps : float — frames per second, to turn :data:`HEADING_RATE_DEG_S` into a change per frame
    max_gap_s : float, s — the longest stretch without pose across which the heading is still
        compared; past it each stretch is resolved on its own
    """
    world_xyz = np.asarray(world_xyz, dtype=np.float64)
    mirrored = np.zeros(len(world_xyz), dtype=bool)
    as_given, flipped = heading_deg(world_xyz), heading_deg(mirror_depth(world_xyz))
    max_gap_frames = max_gap_s * fps
    frames = np.flatnonzero(np.asarray(valid, dtype=bool) & np.isfinite(as_given) & np.isfinite(flipped))
    if frames.size < 2:
        return mirrored
    readings = np.stack([as_given[frames], flipped[frames]], axis=1)  # (K, 2): 0 as given, 1 mirrored
    unary = np.array([0.0, MIRROR_COST])
    cost = unary.copy()
    back = np.zeros((len(frames), 2), dtype=np.int8)
    for k in range(1, len(frames)):
        gap = int(frames[k] - frames[k - 1])
        if gap > max_gap_frames + 1:
            step = np.zeros((2, 2))  # a new stretch: it need not join the last one's heading
        else:
            slack = HEADING_RATE_DEG_S / fps * gap
            step = _step_cost(readings[k - 1][:, None], readings[k][None, :], slack)  # (previous, current)
        total = cost[:, None] + step
        back[k] = np.argmin(total, axis=0)
        cost = total[back[k], [0, 1]] + unary
    state = int(np.argmin(cost))
    for k in range(len(frames) - 1, -1, -1):
        mirrored[frames[k]] = state == 1
        state = int(back[k, state])
    return mirrored


def apply_facing(
    world_xyz: np.ndarray, image_xy: np.ndarray, visibility: np.ndarray, mirrored: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """World landmarks, image landmarks and visibility with the ``mirrored`` frames read the other
    way: world depth mirrored; every left and right label exchanged (image landmarks keep their
    pixel positions, visibility goes with its landmark)."""
    world = np.array(world_xyz, dtype=np.float64, copy=True)
    image = np.array(image_xy, dtype=np.float64, copy=True)
    vis = np.array(visibility, dtype=np.float64, copy=True)
    world[mirrored] = mirror_depth(world_xyz[mirrored])
    image[mirrored] = image_xy[mirrored][:, SWAP]
    vis[mirrored] = visibility[mirrored][:, SWAP]
    return world, image, vis
