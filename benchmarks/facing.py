"""Front/back flips of the pose, on synthetic runs with known truth.

Usage: ``python -m benchmarks.facing [--seeds N]``

BlazePose reads a skier front-to-back for stretches of frames, most often
where he faces the camera or turns his back to it (see
:mod:`poser_pipeline.pose.facing`). Here synthetic runs (every view, the
skier's heading swinging with his turns, landmark noise, dropped frames and
frames turned at random about the vertical)
get such stretches injected where BlazePose makes them, and each run is
measured twice: as injected, and after :func:`~poser_pipeline.pose.facing.resolve_facing`.
Printed per view and pooled: frames read the wrong way, and turn-transition
F1 against the synthetic truth. Clean runs (no flips injected) are scored too:
a resolver that mirrors a right frame is wrong.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace

import numpy as np

from benchmarks.scoring import transition_scores
from poser_pipeline.metrics.measure import measure_run
from poser_pipeline.pose.facing import apply_facing, heading_deg, resolve_facing
from poser_pipeline.synthetic.skier import VIEWS, SkierParams, SyntheticRun, generate_run

#: A stretch starts only where the skier faces the camera or away from it within this, deg.
FACING_WITHIN_DEG = 35.0


def inject_flips(run: SyntheticRun, rng: np.random.Generator, *, share: float) -> np.ndarray:
    """``(T,)`` bool: frames to read front-to-back, in stretches of 3–12 frames where the skier
    faces the camera or away from it (within :data:`FACING_WITHIN_DEG`), about ``share`` of those."""
    heading = heading_deg(run.world_xyz)
    facing = np.abs(np.abs(heading) - 90.0) < FACING_WITHIN_DEG
    flips = np.zeros(len(heading), dtype=bool)
    candidates = np.flatnonzero(facing)
    if candidates.size == 0:
        return flips
    target = share * candidates.size
    while flips.sum() < target:
        start = int(rng.choice(candidates))
        flips[start : start + int(rng.integers(3, 13))] = True
        flips &= facing | np.isnan(heading)
    return flips


def twist_frames(world_xyz: np.ndarray, rng: np.random.Generator, *, share: float, sd_deg: float) -> np.ndarray:
    """``world_xyz`` with ``share`` of its frames turned about the vertical by a random angle
    (normal, ``sd_deg``): the frames where BlazePose misreads the heading without flipping it."""
    out = np.array(world_xyz, copy=True)
    for i in np.flatnonzero(rng.random(len(out)) < share):
        a = np.radians(rng.normal(0.0, sd_deg))
        c, s = np.cos(a), np.sin(a)
        out[i] = out[i] @ np.array([[c, 0.0, -s], [0.0, 1.0, 0.0], [s, 0.0, c]])
    return out


def found_transitions(world_xyz: np.ndarray, valid: np.ndarray, fps: float) -> list[int]:
    """Transition centre frames the metrics find, as ``turns.csv`` lists them."""
    turns = measure_run(world_xyz, valid, fps=fps).turns
    return sorted(
        {turns.transitions[s.start_transition].center for s in turns.segments if s.start_transition is not None}
    )


def score_run(params: SkierParams, *, share: float, seed: int) -> dict:
    """One run, flipped by :func:`inject_flips` then resolved: wrong frames and transition F1 each way."""
    run = generate_run(params)
    rng = np.random.default_rng(seed + 1000)
    flips = inject_flips(run, rng, share=share) if share else np.zeros(len(run.world_xyz), dtype=bool)
    twisted = twist_frames(run.world_xyz, rng, share=0.15, sd_deg=40.0)
    world, image, vis = apply_facing(twisted, run.image_xy, run.visibility, flips)
    valid = np.isfinite(world).all(axis=(1, 2))
    mirrored = resolve_facing(world, valid, fps=run.fps)
    resolved, _, _ = apply_facing(world, image, vis, mirrored)
    labelled = [(int(f), 0) for f in run.truth["transitions"]]
    wrong_after = (flips ^ mirrored) & valid
    return {
        "frames": int(valid.sum()),
        "wrong_before": int((flips & valid).sum()),
        "wrong_after": int(wrong_after.sum()),
        "f1_before": transition_scores(found_transitions(world, valid, run.fps), labelled)["f1"],
        "f1_after": transition_scores(found_transitions(resolved, valid, run.fps), labelled)["f1"],
    }


def run_benchmark(seeds: int = 4) -> dict:
    """Scores per view and pooled, for runs with flips (share 0.3) and clean ones."""
    report: dict = {}
    for label, share in (("flipped", 0.3), ("clean", 0.0)):
        rows = []
        for view in VIEWS:
            for seed in range(seeds):
                base = SkierParams(view=view, heading_swing_deg=45.0 + 5 * seed, noise_m=0.03, drop_fraction=0.05)
                rows.append({"view": view} | score_run(replace(base, seed=seed), share=share, seed=seed))
        report[label] = {
            view: _pool([r for r in rows if r["view"] == view]) for view in (*VIEWS, "all") if view != "all"
        } | {"all": _pool(rows)}
    return report


def _pool(rows: list[dict]) -> dict:
    frames = sum(r["frames"] for r in rows)
    return {
        "wrong_share_before": sum(r["wrong_before"] for r in rows) / frames,
        "wrong_share_after": sum(r["wrong_after"] for r in rows) / frames,
        "f1_before": float(np.mean([r["f1_before"] for r in rows])),
        "f1_after": float(np.mean([r["f1_after"] for r in rows])),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    report = run_benchmark(args.seeds)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{'runs':8} {'view':8} {'wrong before':>12} {'wrong after':>11} {'F1 before':>9} {'F1 after':>8}")
    for label, views in report.items():
        for view, s in views.items():
            print(
                f"{label:8} {view:8} {s['wrong_share_before']:12.3f} {s['wrong_share_after']:11.3f}"
                f" {s['f1_before']:9.2f} {s['f1_after']:8.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
