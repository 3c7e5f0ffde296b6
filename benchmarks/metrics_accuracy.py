"""Accuracy of turns and edge metrics on the synthetic skier, per camera view and noise level.

Usage: ``python benchmarks/metrics_accuracy.py [--seeds N]``. Prints one row per (view, noise):
transition precision/recall within ±2 frames, direction accuracy, edge-angle mean absolute error,
edge similarity of identical skis and the drop for a 150 ms inside-ski delay. Not a test.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from poser_pipeline.metrics.series import compute_frame_series
from poser_pipeline.metrics.summary import summarize_run
from poser_pipeline.metrics.turns import segment_turns
from poser_pipeline.synthetic.skier import VIEWS, SkierParams, generate_run


def evaluate(**kwargs):
    run = generate_run(SkierParams(**kwargs))
    series = compute_frame_series(run.world_xyz, ~run.truth["dropped"], fps=run.fps)
    structure = segment_turns(series.turn_signal_raw, fps=run.fps)
    return run, series, structure, summarize_run(series, structure, fps=run.fps)


def _mean(values: list[float | None]) -> str:
    """Mean of the measured values, or "n/m" when the view makes them unmeasurable."""
    measured = [v for v in values if v is not None]
    return f"{np.mean(measured):.1f}" if measured else "n/m"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    print(
        f"{'view':<8} {'noise':>6} {'drop':>5} {'prec':>5} {'rec':>5} {'dir':>5} {'edge MAE':>9} "
        f"{'sim same':>9} {'sim late':>9}"
    )
    for view in VIEWS:
        for noise_m, drop in ((0.0, 0.0), (0.02, 0.05), (0.04, 0.1)):
            tp = found = truth_n = dir_ok = dir_n = 0
            errors, same, late = [], [], []
            for seed in range(args.seeds):
                kw = {"view": view, "noise_m": noise_m, "noise_px": noise_m * 100, "drop_fraction": drop, "seed": seed}
                run, series, structure, metrics = evaluate(**kw)
                centres = [t.center for t in structure.transitions]
                truth = list(run.truth["transitions"])
                tp += sum(any(abs(c - t) <= 2 for c in centres) for t in truth)
                found, truth_n = found + len(centres), truth_n + len(truth)
                for seg in structure.segments:
                    dir_n += 1
                    dir_ok += seg.direction == ("left" if run.truth["direction"][seg.apex] > 0 else "right")
                for side in ("left", "right"):
                    m = getattr(series, f"edge_{side}_deg")
                    ok = np.isfinite(m)
                    errors.append(np.mean(np.abs(m[ok] - run.truth[f"edge_{side}_deg"][ok])))
                same.append(metrics.values["edge_similarity_run"])
                late.append(evaluate(**kw, inside_delay_s=0.15)[3].values["edge_similarity_run"])
            print(
                f"{view:<8} {noise_m * 100:4.0f}cm {drop:5.0%} {tp / max(found, 1):5.2f} {tp / max(truth_n, 1):5.2f} "
                f"{dir_ok / max(dir_n, 1):5.2f} {np.mean(errors):8.2f}° {_mean(same):>9} {_mean(late):>9}"
            )


if __name__ == "__main__":
    main()
