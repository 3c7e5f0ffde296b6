"""Accuracy of turns and edge metrics on the synthetic skier, per camera view, noise level and camera motion.

Usage: ``python -m benchmarks.metrics_accuracy [--seeds N] [--camera]``. Not a test.

Without ``--camera``: one row per (view, noise): transition precision/recall within ±2 frames,
direction accuracy, edge-angle mean absolute error, edge similarity of identical skis and the drop
for a 150 ms inside-ski delay.

With ``--camera``: one row per (view, camera condition) — a rolled, rolling, pitched, panning or
zooming camera and a sideways slope (:class:`~poser_pipeline.synthetic.skier.SkierParams`), 2 cm
landmark noise — measured against the camera's vertical and against the snow
(:mod:`poser_pipeline.metrics.reference`): edge-angle MAE, the left/right bias of the outside ski's
peak edge (mean over the seeds of left turns' mean minus right turns'; the truth is 0), the median
and worst transition timing error (frames), transitions found per true one, and direction accuracy.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from poser_pipeline.metrics.measure import Measurement, measure_run
from poser_pipeline.settings import PipelineSettings
from poser_pipeline.synthetic.skier import VIEWS, SkierParams, SyntheticRun, generate_run

#: Camera and slope conditions of the ``--camera`` table (``SkierParams`` fields).
CAMERA_CONDITIONS: dict[str, dict[str, float]] = {
    "level": {},
    "roll +20": {"camera_roll_deg": 20.0},
    "roll -20": {"camera_roll_deg": -20.0},
    "rolling 0→20": {"camera_roll_deg": 10.0, "camera_roll_drift_deg": 20.0},
    "pitch 15": {"camera_pitch_deg": 15.0},
    "slope +15": {"side_slope_deg": 15.0},
    "slope -15": {"side_slope_deg": -15.0},
    "pan 30": {"pan_deg": 30.0},
    "zoom ×1.5": {"zoom": 1.5},
    "all at once": {
        "camera_roll_deg": -10.0,
        "camera_roll_drift_deg": 10.0,
        "camera_pitch_deg": 10.0,
        "side_slope_deg": 10.0,
        "pan_deg": 20.0,
        "zoom": 1.3,
    },
}
CAMERA_VIEWS = ("behind", "front", "oblique")


def evaluate(settings: PipelineSettings | None = None, **kwargs) -> tuple[SyntheticRun, Measurement]:
    run = generate_run(SkierParams(**kwargs))
    return run, measure_run(run.world_xyz, ~run.truth["dropped"], fps=run.fps, settings=settings)


def edge_mae_deg(run: SyntheticRun, measured: Measurement) -> float:
    """Mean absolute error of both skis' edge angles over the frames measured, deg."""
    errors = []
    for side in ("left", "right"):
        m = getattr(measured.series, f"edge_{side}_deg")
        ok = np.isfinite(m)
        errors.append(np.abs(m[ok] - run.truth[f"edge_{side}_deg"][ok]))
    return float(np.mean(np.concatenate(errors)))


def side_bias_deg(measured: Measurement) -> float | None:
    """Left turns' mean outside-ski peak edge minus right turns', over complete turns, deg."""
    peaks: dict[str, list[float]] = {"left": [], "right": []}
    for turn in measured.metrics.turns:
        if not turn.segment.is_partial and "peak_edge_outside_deg" in turn.values:
            peaks[turn.segment.direction].append(turn.values["peak_edge_outside_deg"])
    if not peaks["left"] or not peaks["right"]:
        return None
    return float(np.mean(peaks["left"]) - np.mean(peaks["right"]))


def timing_errors(run: SyntheticRun, measured: Measurement) -> list[int]:
    """Per true transition, frames to the nearest transition found (99 when none was)."""
    found = [t.center for t in measured.turns.transitions]
    return [min((abs(c - t) for c in found), default=99) for t in run.truth["transitions"]]


def directions_right(run: SyntheticRun, measured: Measurement) -> list[bool]:
    return [
        seg.direction == ("left" if run.truth["direction"][seg.apex] > 0 else "right")
        for seg in measured.turns.segments
    ]


def _mean(values: list[float | None]) -> str:
    """Mean of the measured values, or "n/m" when the view makes them unmeasurable."""
    measured = [v for v in values if v is not None]
    return f"{np.mean(measured):.1f}" if measured else "n/m"


def noise_table(seeds: int) -> None:
    print(
        f"{'view':<8} {'noise':>6} {'drop':>5} {'prec':>5} {'rec':>5} {'dir':>5} {'edge MAE':>9} "
        f"{'sim same':>9} {'sim late':>9}"
    )
    for view in VIEWS:
        for noise_m, drop in ((0.0, 0.0), (0.02, 0.05), (0.04, 0.1)):
            tp = found = truth_n = 0
            errors, same, late, dirs = [], [], [], []
            for seed in range(seeds):
                kw = {"view": view, "noise_m": noise_m, "noise_px": noise_m * 100, "drop_fraction": drop, "seed": seed}
                run, measured = evaluate(**kw)
                timing = timing_errors(run, measured)
                tp += sum(e <= 2 for e in timing)
                found, truth_n = found + len(measured.turns.transitions), truth_n + len(timing)
                dirs += directions_right(run, measured)
                errors.append(edge_mae_deg(run, measured))
                same.append(measured.metrics.values["edge_similarity_run"])
                late.append(evaluate(**kw, inside_delay_s=0.15)[1].metrics.values["edge_similarity_run"])
            direction = np.mean(dirs) if dirs else float("nan")
            print(
                f"{view:<8} {noise_m * 100:4.0f}cm {drop:5.0%} {tp / max(found, 1):5.2f} {tp / max(truth_n, 1):5.2f} "
                f"{direction:5.2f} {np.mean(errors):8.2f}° {_mean(same):>9} {_mean(late):>9}"
            )


def camera_table(seeds: int) -> None:
    print(
        f"{'view':<8} {'camera':<13} {'against':<7} {'edge MAE':>8} {'L-R bias':>8} "
        f"{'timing med/max':>14} {'found':>7} {'dir':>5}"
    )
    for view in CAMERA_VIEWS:
        for name, condition in CAMERA_CONDITIONS.items():
            for against, level in (("camera", False), ("snow", True)):
                settings = PipelineSettings(level_to_snow=level)
                maes, biases, timing, dirs, found, truth_n = [], [], [], [], 0, 0
                for seed in range(seeds):
                    run, measured = evaluate(settings, view=view, noise_m=0.02, noise_px=2.0, seed=seed, **condition)
                    maes.append(edge_mae_deg(run, measured))
                    biases.append(side_bias_deg(measured))
                    timing += timing_errors(run, measured)
                    dirs += directions_right(run, measured)
                    found, truth_n = found + len(measured.turns.transitions), truth_n + len(run.truth["transitions"])
                print(
                    f"{view:<8} {name:<13} {against:<7} {np.mean(maes):7.1f}° {_mean(biases):>7}° "
                    f"{np.median(timing):6.0f} / {max(timing):<5d} {found:>3}/{truth_n:<3} {np.mean(dirs):5.2f}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--camera", action="store_true", help="the camera-motion table instead of the noise table")
    args = parser.parse_args()
    (camera_table if args.camera else noise_table)(args.seeds)


if __name__ == "__main__":
    main()
