"""The synthetic skier's moving camera (roll, drift, pitch, pan, zoom) and side slope.

Fast, no video: everything is checked on the generator's arrays. Signs: angles toward the
skier's left are +; ``camera_roll_deg`` + = the camera turned clockwise as its operator sees
it; ``side_slope_deg`` + = the snow's normal leans toward the skier's left.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from poser_pipeline.pose.skeleton import INDEX
from poser_pipeline.synthetic.skier import (
    VIEWS,
    SkierParams,
    camera_rotation,
    camera_rotations,
    generate_run,
)

NEW_DEFAULTS = dict(
    camera_roll_deg=0.0,
    camera_roll_drift_deg=0.0,
    camera_pitch_deg=0.0,
    side_slope_deg=0.0,
    pan_deg=0.0,
    zoom=1.0,
)


def _mid(world: np.ndarray, part: str) -> np.ndarray:
    return (world[:, INDEX[f"left_{part}"]] + world[:, INDEX[f"right_{part}"]]) / 2


def _torso_vs_camera_up(world: np.ndarray, left_x: float) -> np.ndarray:
    """(T,) deg: hip-mid -> shoulder-mid against camera up (0, -1, 0) in the image plane (x, y).

    Valid where the skier's forward axis is the camera's depth (behind or front, no pitch or pan);
    ``left_x`` is the sign of x toward the skier's left: -1 behind (image-left), +1 front.
    """
    v = _mid(world, "shoulder") - _mid(world, "hip")
    return np.degrees(np.arctan2(left_x * v[:, 0], -v[:, 1]))


@pytest.mark.parametrize(
    "base",
    [
        SkierParams(),
        SkierParams(view="front", mirror=True),
        SkierParams(view="oblique", noise_m=0.01, noise_px=1.5, drop_fraction=0.1, seed=4),
        SkierParams(view="side", mirror=True, noise_m=0.02, seed=2),
    ],
    ids=["behind", "front-mirror", "oblique-noise", "side-mirror-noise"],
)
def test_defaults_unchanged(base: SkierParams) -> None:
    """New parameters written out at their defaults give the very same run as leaving them out."""
    plain = generate_run(base)
    explicit = generate_run(dataclasses.replace(base, **NEW_DEFAULTS))
    for name in ("world_xyz", "image_xy", "visibility"):
        assert np.array_equal(getattr(plain, name), getattr(explicit, name), equal_nan=True), name
    assert plain.truth.keys() == explicit.truth.keys()
    for key, value in plain.truth.items():
        assert np.array_equal(value, explicit.truth[key]), key
    n = len(plain.truth["t_s"])
    assert np.array_equal(plain.truth["camera_roll_deg"], np.zeros(n))
    assert np.array_equal(plain.truth["reference_tilt_deg"], np.zeros(n))
    assert np.array_equal(plain.truth["focal_px"], np.full(n, 1500.0))


@pytest.mark.parametrize("view", VIEWS)
def test_camera_rotations_at_defaults_match_the_fixed_matrix(view: str) -> None:
    rots = camera_rotations(view)
    assert rots.shape == (1, 3, 3)
    assert np.array_equal(rots[0], camera_rotation(view))
    per_frame = camera_rotations(view, roll_deg=np.zeros(5), pan_deg=np.zeros(5))
    assert per_frame.shape == (5, 3, 3)
    assert np.array_equal(per_frame, np.broadcast_to(camera_rotation(view), (5, 3, 3)))


def test_per_frame_path_agrees_with_the_fixed_path() -> None:
    """A vanishing slope takes the per-frame code path; it must land on the fixed-camera run."""
    fixed = generate_run(SkierParams(view="oblique", mirror=True))
    moving = generate_run(SkierParams(view="oblique", mirror=True, side_slope_deg=1e-12))
    assert np.allclose(fixed.world_xyz, moving.world_xyz, atol=1e-12)
    assert np.allclose(fixed.image_xy, moving.image_xy, atol=1e-9)


@pytest.mark.parametrize("mirror", [False, True])
@pytest.mark.parametrize("drift", [0.0, 10.0])
def test_roll_adds_reference_tilt_to_frontal_angles(mirror: bool, drift: float) -> None:
    """Behind, a camera rolled clockwise makes the torso read more toward the skier's left (image-left)."""
    run = generate_run(SkierParams(camera_roll_deg=15.0, camera_roll_drift_deg=drift, mirror=mirror))
    measured = _torso_vs_camera_up(run.world_xyz, left_x=-1.0)
    expected = run.truth["torso_tilt_deg"] + run.truth["reference_tilt_deg"]
    assert np.max(np.abs(measured - expected)) < 0.5
    # behind and level, the whole roll shows up in the frontal plane
    assert np.allclose(run.truth["reference_tilt_deg"], run.truth["camera_roll_deg"], atol=1e-9)
    # the same roll seen from the front tilts the scene toward the skier's right
    front = generate_run(SkierParams(view="front", camera_roll_deg=15.0, mirror=mirror))
    assert np.allclose(front.truth["reference_tilt_deg"], -15.0, atol=1e-9)
    measured = _torso_vs_camera_up(front.world_xyz, left_x=1.0)
    assert np.max(np.abs(measured - (front.truth["torso_tilt_deg"] - 15.0))) < 0.5


def test_roll_drift_is_linear_with_the_stated_endpoints() -> None:
    run = generate_run(SkierParams(camera_roll_deg=5.0, camera_roll_drift_deg=8.0))
    roll = run.truth["camera_roll_deg"]
    assert roll.shape == run.truth["t_s"].shape
    assert roll[0] == pytest.approx(1.0, abs=1e-12) and roll[-1] == pytest.approx(9.0, abs=1e-12)
    assert np.allclose(np.diff(roll), 8.0 / (len(roll) - 1), atol=1e-12)
    assert np.allclose(roll, np.linspace(1.0, 9.0, len(roll)), atol=1e-12)


def test_zoom_scales_the_image_not_the_world() -> None:
    flat = generate_run(SkierParams(view="oblique"))
    zoomed = generate_run(SkierParams(view="oblique", zoom=2.0))
    assert np.array_equal(flat.world_xyz, zoomed.world_xyz)
    focal = zoomed.truth["focal_px"]
    assert focal[0] == 1500.0 and focal[-1] == 3000.0
    assert np.allclose(np.diff(focal), np.diff(focal)[0])
    centre = np.array([960.0, 540.0])
    ok = np.abs(flat.image_xy - centre) > 1.0  # stay clear of points on the centre lines
    scale = (zoomed.image_xy - centre)[ok] / (flat.image_xy - centre)[ok]
    assert np.allclose(scale, np.broadcast_to((focal / 1500.0)[:, None, None], ok.shape)[ok])
    assert np.allclose(zoomed.image_xy[0], flat.image_xy[0])
    assert not np.allclose(zoomed.image_xy[-1], flat.image_xy[-1])


@pytest.mark.parametrize(("view", "left_x"), [("behind", -1.0), ("front", 1.0)])
def test_side_slope_tilts_the_reference_toward_the_skiers_left(view: str, left_x: float) -> None:
    """The slope lives in the skier's frame: +10 reads +10 (toward the skier's left) from either side."""
    flat = generate_run(SkierParams(view=view))
    sloped = generate_run(SkierParams(view=view, side_slope_deg=10.0))
    assert np.allclose(sloped.truth["reference_tilt_deg"], 10.0, atol=1e-9)
    assert np.allclose(sloped.truth["camera_roll_deg"], 0.0)
    # the skier is built on the snow: edges and lean are unchanged, relative to the snow
    for key in ("edge_left_deg", "edge_right_deg", "torso_tilt_deg", "turn_signal"):
        assert np.array_equal(flat.truth[key], sloped.truth[key]), key
    # against gravity (the camera's level vertical) the whole skier leans 10 deg more to its left
    measured = _torso_vs_camera_up(sloped.world_xyz, left_x=left_x)
    assert np.max(np.abs(measured - (sloped.truth["torso_tilt_deg"] + 10.0))) < 0.5
    # so does each shin: it reads its edge angle plus the slope
    for side in ("left", "right"):
        shin = sloped.world_xyz[:, INDEX[f"{side}_knee"]] - sloped.world_xyz[:, INDEX[f"{side}_ankle"]]
        angle = np.degrees(np.arctan2(left_x * shin[:, 0], -shin[:, 1]))
        assert np.max(np.abs(angle - (sloped.truth[f"edge_{side}_deg"] + 10.0))) < 0.5


def test_pan_turns_the_view_per_frame_but_not_the_truth() -> None:
    flat = generate_run(SkierParams())
    panned = generate_run(SkierParams(pan_deg=40.0))
    for key in ("edge_left_deg", "edge_right_deg", "torso_tilt_deg", "turn_signal", "reference_tilt_deg"):
        assert np.allclose(flat.truth[key], panned.truth[key], atol=1e-9), key
    n = len(flat.truth["t_s"])
    moved = np.linalg.norm(panned.world_xyz - flat.world_xyz, axis=2).max(axis=1)  # (T,) m
    assert moved[0] > 0.05 and moved[-1] > 0.05
    assert moved[0] == pytest.approx(moved[-1], rel=0.5)  # a symmetric sweep, -20 .. +20 deg
    # each frame is the level view turned by its own yaw offset, sweeping -pan/2 .. +pan/2
    offsets = np.linspace(-20.0, 20.0, n)
    turn = camera_rotations("behind", pan_deg=offsets) @ camera_rotation("behind").T
    assert np.allclose(panned.world_xyz, np.einsum("tij,tkj->tki", turn, flat.world_xyz), atol=1e-12)
    if n % 2:  # the middle frame has no offset at all
        assert np.allclose(panned.world_xyz[n // 2], flat.world_xyz[n // 2], atol=1e-12)


def test_pitch_looks_down_and_keeps_the_skier_centred() -> None:
    """Looking down moves the feet up the image relative to the hips, with no frontal tilt behind."""
    flat = generate_run(SkierParams())
    pitched = generate_run(SkierParams(camera_pitch_deg=30.0))
    assert np.allclose(pitched.truth["reference_tilt_deg"], 0.0, atol=1e-9)
    hips = _mid(pitched.image_xy, "hip")
    assert np.allclose(hips, [960.0, 540.0], atol=1e-9)
    feet = _mid(pitched.image_xy, "ankle")[:, 1] - hips[:, 1]
    flat_feet = _mid(flat.image_xy, "ankle")[:, 1] - _mid(flat.image_xy, "hip")[:, 1]
    assert np.all(feet < flat_feet)  # foreshortened: the feet are seen from above
    # the skier's forward axis now runs away and up the image: depth grows, y falls
    forward = pitched.world_xyz[:, INDEX["left_foot_index"]] - pitched.world_xyz[:, INDEX["left_heel"]]
    assert np.all(forward[:, 2] > 0) and np.all(forward[:, 1] < 0)


def test_rotations_are_proper_and_per_frame() -> None:
    roll = np.linspace(-10.0, 10.0, 7)
    rots = camera_rotations("oblique", roll_deg=roll, pitch_deg=12.0, pan_deg=roll * 2, slope_deg=7.0)
    assert rots.shape == (7, 3, 3)
    assert np.allclose(rots @ rots.transpose(0, 2, 1), np.eye(3), atol=1e-12)
    assert np.allclose(np.linalg.det(rots), 1.0)
