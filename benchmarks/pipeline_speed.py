"""Speed and memory of the CPU pipeline on one clip.

Usage: ``python benchmarks/pipeline_speed.py CLIP [--box X1,Y1,X2,Y2] [--at S]``
(the box defaults to the prompt in ``CLIP.labels.json`` beside the clip).

Prints frames per second of each stage, the whole pipeline's time as a ratio
to decode-only time of the same clip, and peak RSS. Not a test: nothing here
asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("GLOG_minloglevel", "2")

from poser_pipeline.analyze import analyze
from poser_pipeline.boxes import parse_box
from poser_pipeline.decode import iter_window, probe_video, resolve_window


def decode_seconds(clip: Path, *, to_pixels: bool) -> tuple[float, int]:
    info = probe_video(clip)
    start, end = resolve_window(info, None, None, max_window_s=1e9)
    t = time.perf_counter()
    n = 0
    for frame in iter_window(info, start, end):
        if to_pixels:
            frame.to_bgr()
        n += 1
    return time.perf_counter() - t, n


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", type=Path)
    parser.add_argument("--box")
    parser.add_argument("--at", type=float)
    args = parser.parse_args()
    box, at = args.box and parse_box(args.box), args.at
    labels = args.clip.with_name(args.clip.name + ".labels.json")
    if box is None:
        if not labels.is_file():
            parser.error("no --box and no labels file beside the clip")
        prompt = json.loads(labels.read_text())["prompt"]
        info = probe_video(args.clip)
        box, at = prompt["box"], prompt["frame"] / info.fps

    decode_s, n = decode_seconds(args.clip, to_pixels=False)
    decode_px_s, _ = decode_seconds(args.clip, to_pixels=True)
    rss_after_decode = peak_rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        result = analyze(args.clip, box, Path(tmp) / "out", at_s=at)
        total_s = time.perf_counter() - t
    info = result.info
    print(f"clip: {args.clip.name}  {info.width}x{info.height} @ {info.fps:.2f} fps, {n} frames")
    print(f"{'stage':<22}{'seconds':>9}{'frames/s':>10}")
    rows = [("decode only", decode_s), ("decode + to BGR", decode_px_s)]
    rows += [(f"pipeline: {k}", v) for k, v in result.run["seconds"].items()]
    rows += [("pipeline total", total_s)]
    for name, seconds in rows:
        print(f"{name:<22}{seconds:9.2f}{n / max(seconds, 1e-9):10.1f}")
    print(f"pipeline / decode-only time: {total_s / decode_s:.1f}x")
    print(f"real-time factor: {n / total_s / info.fps:.2f}x ({n / total_s:.1f} fps vs {info.fps:.2f} fps clip)")
    print(f"peak RSS: {peak_rss_mb():.0f} MB (after decode-only passes: {rss_after_decode:.0f} MB)")


if __name__ == "__main__":
    main()
