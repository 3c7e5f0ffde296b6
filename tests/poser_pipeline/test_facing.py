"""Front/back flips of BlazePose's reading, resolved over time (poser_pipeline.pose.facing).

Truth is synthetic: a skier whose heading swings with his turns, seen from each
view, with stretches of frames read front-to-back injected where BlazePose makes
them (see benchmarks/facing.py, which measures the same on more runs).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from benchmarks.facing import found_transitions, inject_flips, score_run
from benchmarks.scoring import transition_scores
from poser_pipeline.pose.facing import SWAP, apply_facing, heading_deg, mirror_depth, resolve_facing
from poser_pipeline.pose.skeleton import INDEX
from poser_pipeline.synthetic.skier import VIEWS, SkierParams, generate_run

SWINGING = SkierParams(heading_swing_deg=50.0, noise_m=0.02)


def test_the_mirrored_reading_reverses_the_heading_and_projects_the_same():
    run = generate_run(replace(SWINGING, view="oblique", noise_m=0.0))
    world = run.world_xyz
    twice = mirror_depth(mirror_depth(world))
    np.testing.assert_allclose(twice, world, atol=1e-12)
    mirrored = mirror_depth(world)
    # same picture: every joint keeps its image-plane position, under the other side's name
    np.testing.assert_allclose(mirrored[:, SWAP, :2], world[:, :, :2], atol=1e-12)
    np.testing.assert_allclose(heading_deg(mirrored), -heading_deg(world), atol=1e-6)


@pytest.mark.parametrize(("view", "facing_deg"), [("behind", 90.0), ("front", -90.0), ("side", 0.0), ("oblique", 45.0)])
def test_heading_follows_the_view_and_the_skiers_turns(view, facing_deg):
    """0 deg toward image-right, 90 away from the camera; a turn to his left adds to it in every view."""
    run = generate_run(replace(SWINGING, view=view, noise_m=0.0))
    expected = facing_deg + run.truth["heading_deg"]
    error = np.abs((heading_deg(run.world_xyz) - expected + 180) % 360 - 180)
    assert error.max() < 5.0, error.max()


@pytest.mark.parametrize("view", VIEWS)
def test_a_clean_run_is_left_as_it_is(view):
    run = generate_run(replace(SWINGING, view=view, drop_fraction=0.05, seed=3))
    valid = np.isfinite(run.world_xyz).all(axis=(1, 2))
    assert not resolve_facing(run.world_xyz, valid, fps=run.fps).any()


@pytest.mark.parametrize("view", ["behind", "front", "oblique"])
def test_injected_flips_are_found_and_the_turns_come_back(view):
    run = generate_run(replace(SWINGING, view=view, drop_fraction=0.05, seed=1))
    flips = inject_flips(run, np.random.default_rng(5), share=0.3)
    assert flips.sum() >= 10
    world, image, vis = apply_facing(run.world_xyz, run.image_xy, run.visibility, flips)
    valid = np.isfinite(world).all(axis=(1, 2))
    labelled = [(int(f), 0) for f in run.truth["transitions"]]
    assert transition_scores(found_transitions(world, valid, run.fps), labelled)["f1"] < 0.9  # the flips do harm

    mirrored = resolve_facing(world, valid, fps=run.fps)
    np.testing.assert_array_equal(mirrored[valid], flips[valid])
    resolved, _, _ = apply_facing(world, image, vis, mirrored)
    np.testing.assert_allclose(resolved[valid], run.world_xyz[valid], atol=1e-12)
    assert transition_scores(found_transitions(resolved, valid, run.fps), labelled)["f1"] == 1.0


def test_heading_noise_and_twisted_frames_leave_few_frames_wrong():
    row = score_run(replace(SWINGING, view="front", noise_m=0.03, drop_fraction=0.05, seed=2), share=0.3, seed=2)
    assert row["wrong_before"] > 0.1 * row["frames"]
    assert row["wrong_after"] <= 0.05 * row["frames"], row
    assert row["f1_after"] > row["f1_before"]


def test_a_long_gap_starts_a_new_stretch():
    """Past ``max_gap_s`` without pose the heading is not compared: a stretch read the other way
    after the gap is left as it is (nothing says which reading joins the last one)."""
    run = generate_run(replace(SWINGING, view="front", noise_m=0.0))
    t = len(run.world_xyz)  # 252 frames; he faces the camera square at the apex, frame 216
    valid = np.ones(t, dtype=bool)
    valid[214:216] = False  # 2 frames without pose: his heading may turn 30 deg, not 180
    flips = np.zeros(t, dtype=bool)
    flips[216:] = True
    world, _, _ = apply_facing(run.world_xyz, run.image_xy, run.visibility, flips)
    assert not resolve_facing(world, valid, fps=run.fps, max_gap_s=0.03).any()
    # bridged, the run reads one way across the gap (where the jump goes is the cheapest place:
    # near a side view, the two readings are close)
    bridged = resolve_facing(world, valid, fps=run.fps, max_gap_s=0.5)
    heading = heading_deg(apply_facing(world, run.image_xy, run.visibility, bridged)[0])
    jumps = np.abs((np.diff(heading[valid]) + 180) % 360 - 180)
    assert bridged.any() and jumps.max() < 100.0, jumps.max()


def test_apply_facing_moves_labels_with_their_landmarks():
    run = generate_run(SWINGING)
    vis = np.array(run.visibility, copy=True)
    vis[:, INDEX["left_knee"]] = 0.1
    mirrored = np.zeros(len(vis), dtype=bool)
    mirrored[4] = True
    world, image, out_vis = apply_facing(run.world_xyz, run.image_xy, vis, mirrored)
    assert out_vis[4, INDEX["right_knee"]] == 0.1 and out_vis[4, INDEX["left_knee"]] == 0.95
    np.testing.assert_array_equal(image[4, INDEX["right_knee"]], run.image_xy[4, INDEX["left_knee"]])
    assert world[4, INDEX["right_knee"], 2] == -run.world_xyz[4, INDEX["left_knee"], 2]
    np.testing.assert_array_equal(world[5], run.world_xyz[5])  # other frames untouched
