"""Accuracy and speed of the real pipeline on a folder of labelled clips.

Usage: ``python -m benchmarks.evaluate DIR [--out report.json] [--set NAME=VALUE ...]``

Every clip ``X`` in DIR with a ``X.labels.json`` beside it is analysed from its
label prompt, each in a fresh process (so its peak RSS is its own and a crash
stays a row). Prints a table per clip and pooled, and writes the same as JSON.
Accuracy numbers are deterministic for the same inputs; speed is measured.
``--set`` overrides a :class:`~poser_pipeline.settings.PipelineSettings` field, to compare a method with
the default on the same clips.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from benchmarks.scoring import direction_accuracy, match_transitions, tracking_scores, transition_scores
from poser_pipeline import PIPELINE_VERSION


def _decode_seconds(clip: Path) -> tuple[float, int]:
    from poser_pipeline.video.decode import iter_window, probe_video

    info = probe_video(clip)
    t = time.perf_counter()
    n = sum(1 for _ in iter_window(info, 0.0, info.duration_s + 1))
    return time.perf_counter() - t, n


def parse_settings(pairs: list[str]) -> dict[str, object]:
    """``["pose_threads=2", "stable_crops=true"]`` -> typed :class:`PipelineSettings` overrides.

    >>> parse_settings(["pose_threads=2", "stable_crops=true", "pose_retry_crop_scales=2.0,3.0"])
    {'pose_threads': 2, 'stable_crops': True, 'pose_retry_crop_scales': (2.0, 3.0)}
    """
    from poser_pipeline.settings import PipelineSettings

    defaults = PipelineSettings()
    out: dict[str, object] = {}
    for pair in pairs:
        name, _, text = pair.partition("=")
        if not hasattr(defaults, name):
            raise ValueError(f"no pipeline setting {name!r}")
        current = getattr(defaults, name)
        if isinstance(current, bool):
            value: object = text.lower() in ("1", "true", "yes", "on")
        elif isinstance(current, tuple):
            value = tuple(float(v) for v in text.split(",") if v)
        elif current is None:
            value = text
        else:
            value = type(current)(text)
        out[name] = value
    return out


def evaluate_clip(clip: Path, overrides: dict[str, object] | None = None) -> dict:
    """Run the pipeline on one labelled clip and score it (runs in a child process)."""
    import os

    os.environ.setdefault("GLOG_minloglevel", "2")
    from poser_pipeline.analyze import analyze
    from poser_pipeline.settings import PipelineSettings

    labels = json.loads(clip.with_name(clip.name + ".labels.json").read_text())
    row: dict = {"file": clip.name, "error": None}
    try:
        decode_s, n_decoded = _decode_seconds(clip)
        fps = float(labels.get("fps") or 0) or None
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            prompt = labels["prompt"]
            from poser_pipeline.video.decode import probe_video

            at_s = prompt.get("frame", 0) / (fps or probe_video(clip).fps)
            settings = PipelineSettings(**(overrides or {}))
            result = analyze(clip, prompt["box"], Path(tmp) / "out", at_s=at_s, settings=settings)
            total_s = time.perf_counter() - t
            with (Path(tmp) / "out" / "turns.csv").open() as fh:
                turns = list(csv.DictReader(fh))
        tracking = result.tracking
        reference = {int(k): None if v is None else np.asarray(v, float) for k, v in labels.get("boxes", {}).items()}
        row["tracking"] = tracking_scores(tracking.boxes, reference)
        tracked = ~tracking.lost
        row["pose"] = {"landmark_share": float(tracking.has_pose[tracked].mean()) if tracked.any() else None}
        found = sorted({int(t["transition_center_frame"]) for t in turns if t["transition_center_frame"]})
        labelled = [(t["frame"], t.get("uncertainty_frames", 0)) for t in labels.get("turn_transitions", [])]
        segments = [
            {"start_frame": int(t["start_frame"]), "end_frame": int(t["end_frame"]), "direction": t["direction"]}
            for t in turns
        ]
        row["turns"] = transition_scores(found, labelled) | {
            "direction_accuracy": direction_accuracy(segments, labels.get("turns", [])),
            "detected": found,
            "matched": match_transitions(found, labelled),
            "counts": {"found": len(found), "labelled": len(labelled)},
        }
        n = result.run["num_frames"]
        row["speed"] = {
            "fps": n / total_s,
            "decode_ratio": total_s / decode_s,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "stage_fps": {k: n / max(v, 1e-9) for k, v in result.run["seconds"].items()},
            "decode_only_fps": n_decoded / decode_s,
        }
    except Exception as exc:  # a failed clip is a row, never a crash of the harness
        row["error"] = f"{type(exc).__name__}: {exc}"
    return row


def _pooled(rows: list[dict]) -> dict:
    ok = [r for r in rows if r["error"] is None]

    def mean(group: str, key: str) -> float | None:
        values = [r[group][key] for r in ok if r[group].get(key) is not None]
        return float(np.mean(values)) if values else None

    found = sum(r["turns"]["counts"]["found"] for r in ok)
    labelled = sum(r["turns"]["counts"]["labelled"] for r in ok)
    matched = sum(len(r["turns"]["matched"]) for r in ok)
    precision = matched / found if found else None
    recall = matched / labelled if labelled else None
    f1 = 2 * precision * recall / (precision + recall) if precision and recall else None
    return {
        "tracking": {k: mean("tracking", k) for k in ("iou50_share", "mean_iou")}
        | {"switches": sum(r["tracking"]["switches"] or 0 for r in ok)},
        "pose": {"landmark_share": mean("pose", "landmark_share")},
        "turns": {"precision": precision, "recall": recall, "f1": f1}
        | {k: mean("turns", k) for k in ("mean_timing_error_frames", "direction_accuracy")},
        "speed": {k: mean("speed", k) for k in ("fps", "decode_ratio")}
        | {"peak_rss_mb": max((r["speed"]["peak_rss_mb"] for r in ok), default=None)},
    }


def _fmt(v: object, spec: str = ".2f") -> str:
    return "-" if v is None else format(v, spec)


def print_table(report: dict) -> None:
    head = f"{'clip':<26}{'IoU≥.5':>7}{'mIoU':>6}{'sw':>4}{'pose':>6}{'P':>6}{'R':>6}{'F1':>6}{'err':>6}{'dir':>6}"
    print(head + f"{'fps':>7}{'×dec':>6}{'RSS MB':>8}")
    for row in [*report["clips"], {"file": "overall", "error": None, **report["overall"]}]:
        if row["error"]:
            print(f"{row['file']:<26}error: {row['error']}")
            continue
        tr, po, tu, sp = row["tracking"], row["pose"], row["turns"], row["speed"]
        print(
            f"{row['file'][:25]:<26}{_fmt(tr['iou50_share']):>7}{_fmt(tr['mean_iou']):>6}{_fmt(tr['switches'], 'd'):>4}"
            f"{_fmt(po['landmark_share']):>6}{_fmt(tu['precision']):>6}{_fmt(tu['recall']):>6}{_fmt(tu['f1']):>6}"
            f"{_fmt(tu['mean_timing_error_frames'], '.1f'):>6}{_fmt(tu['direction_accuracy']):>6}"
            f"{_fmt(sp['fps'], '.1f'):>7}{_fmt(sp['decode_ratio'], '.1f'):>6}{_fmt(sp['peak_rss_mb'], '.0f'):>8}"
        )


def evaluate_folder(folder: Path, overrides: dict[str, object] | None = None) -> dict:
    clips = sorted(p for p in folder.iterdir() if p.is_file() and p.with_name(p.name + ".labels.json").is_file())
    rows = []
    context = multiprocessing.get_context("spawn")
    for clip in clips:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            try:
                rows.append(pool.submit(evaluate_clip, clip, overrides).result())
            except Exception as exc:  # the child itself died (e.g. killed for memory)
                rows.append({"file": clip.name, "error": f"worker died: {exc}"})
    return {
        "pipeline_version": PIPELINE_VERSION,
        "settings": overrides or {},
        "clips": rows,
        "overall": _pooled(rows),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Accuracy and speed on labelled clips")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a pipeline setting")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    try:
        overrides = parse_settings(args.set)
    except ValueError as exc:
        parser.error(str(exc))
    report = evaluate_folder(args.folder, overrides)
    print_table(report)
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
