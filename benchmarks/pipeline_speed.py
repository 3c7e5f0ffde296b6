"""Speed and memory of the CPU pipeline on one clip.

Usage: ``python benchmarks/pipeline_speed.py CLIP [--box X1,Y1,X2,Y2] [--at S]
[--repeat N] [--loop-s S] [--pose-threads N] [--render-spill-mb MB] [--[no-]stable-crops]``
(the box defaults to the prompt in ``CLIP.labels.json`` beside the clip).

Each repetition runs in a fresh process (so peak RSS is that run's own) and
times decode-only, decode + BGR and the whole analysis of the same clip back
to back, so the ratio to decode-only stays meaningful on a busy machine. The
analysis then runs a second time in the same process: "warm" is what a
worker that has already analysed a clip takes (no imports, no first-use
costs); the first, "cold" run is what a one-off CLI call takes. Peak RSS
covers both runs; the resident size after each run shows whether a second
analysis keeps more memory than the first left.
Prints frames per second of each stage (medians over the repetitions), the
pipeline's time as a ratio to decode-only time, and peak RSS. ``--loop-s``
also analyses the clip looped (remuxed, no re-encode) to that length, capped
at the 20 s window, to show that memory stays flat with clip length. Not a
test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("GLOG_minloglevel", "2")

import av

from poser_pipeline.analyze import analyze
from poser_pipeline.boxes import parse_box
from poser_pipeline.settings import PipelineSettings
from poser_pipeline.video.decode import iter_window, probe_video, resolve_window


def decode_seconds(clip: Path, *, to_pixels: bool, end_s: float | None = None) -> tuple[float, int]:
    """Seconds to decode the clip (up to ``end_s``) and the frame count."""
    info = probe_video(clip)
    start, end = resolve_window(info, None, end_s, max_window_s=1e9)
    t = time.perf_counter()
    n = 0
    for frame in iter_window(info, start, end):
        if to_pixels:
            frame.to_bgr()
        n += 1
    return time.perf_counter() - t, n


def cpu_seconds() -> float:
    """User + system CPU time of this process, all threads, s."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """Resident size now (Linux ``/proc/self/statm``), MB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def loop_clip(clip: Path, out: Path, min_seconds: float) -> Path:
    """Write ``clip`` repeated (packets copied, timestamps shifted) until it lasts ``min_seconds``."""
    with av.open(str(clip)) as probe:
        stream = probe.streams.video[0]
        span = stream.duration or int(float(probe.duration or 0) / 1_000_000 / stream.time_base)
    loops = max(1, int(-(-min_seconds // float(span * stream.time_base))))
    with av.open(str(out), "w") as dst:
        dst_stream = None
        for k in range(loops):
            with av.open(str(clip)) as src:
                src_stream = src.streams.video[0]
                if dst_stream is None:
                    dst_stream = dst.add_stream_from_template(src_stream)
                for packet in src.demux(src_stream):
                    if packet.dts is None:
                        continue
                    packet.pts += k * span
                    packet.dts += k * span
                    packet.stream = dst_stream
                    dst.mux(packet)
    return out


def measure(clip: Path, box: list[float], at: float | None, end: float | None, settings_kw: dict) -> dict:
    """One repetition (run in a child process): decode-only, decode + BGR and the analysis."""
    decode_s, n = decode_seconds(clip, to_pixels=False, end_s=end)
    decode_px_s, _ = decode_seconds(clip, to_pixels=True, end_s=end)
    rss_after_decode = peak_rss_mb()
    settings = PipelineSettings(**settings_kw)
    runs, rss_after = [], []
    for out in ("cold", "warm"):  # a fresh process (imports, first model) and a worker's next analysis
        with tempfile.TemporaryDirectory() as tmp:
            t, cpu = time.perf_counter(), cpu_seconds()
            result = analyze(clip, box, Path(tmp) / out, at_s=at, end_s=end, settings=settings)
            runs.append((result, time.perf_counter() - t, cpu_seconds() - cpu))
        rss_after.append(current_rss_mb())
    (result, total_s, cpu_s), (warm, warm_total_s, warm_cpu_s) = runs
    return {
        "frames": result.tracking.num_frames,
        "decoded_frames": n,
        "fps": result.info.fps,
        "size": f"{result.info.width}x{result.info.height}",
        "seconds": {"decode only": decode_s, "decode + to BGR": decode_px_s}
        | {f"pipeline: {k}": v for k, v in result.run["seconds"].items()}
        | {"pipeline total": total_s},
        "cpu_s": cpu_s,
        "warm_seconds": {f"pipeline: {k}": v for k, v in warm.run["seconds"].items()}
        | {"pipeline total": warm_total_s},
        "warm_cpu_s": warm_cpu_s,
        "rss_mb": peak_rss_mb(),
        "rss_after_decode_mb": rss_after_decode,
        "rss_after_runs_mb": rss_after,
        "load": os.getloadavg()[0],
        "render_frames": result.run["render"]["frames"],
    }


def run_child(clip: Path, box: list[float], at: float | None, end: float | None, settings_kw: dict) -> dict:
    spec = json.dumps({"clip": str(clip), "box": box, "at": at, "end": end, "settings": settings_kw})
    done = subprocess.run(
        [sys.executable, __file__, "--child", spec], capture_output=True, text=True, check=False, timeout=1800
    )
    if done.returncode != 0:
        raise RuntimeError(f"measurement failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(title: str, runs: list[dict]) -> None:
    first = runs[0]
    n = first["frames"]
    print(f"\n{title}: {first['size']} @ {first['fps']:.2f} fps, {n} frames, {len(runs)} run(s), medians")
    loads = ", ".join(f"{r['load']:.1f}" for r in runs)
    print(f"  load average after each run: {loads}")
    print(f"  {'stage':<24}{'seconds':>9}{'frames/s':>10}")
    for name in first["seconds"]:
        seconds = statistics.median(r["seconds"][name] for r in runs)
        rate = f"{n / seconds:10.1f}" if seconds >= 0.005 else f"{'—':>10}"
        print(f"  {name:<24}{seconds:9.2f}{rate}")
    ratios = [r["seconds"]["pipeline total"] / r["seconds"]["decode only"] for r in runs]
    total = statistics.median(r["seconds"]["pipeline total"] for r in runs)
    each = ", ".join(f"{x:.1f}" for x in ratios)
    print(f"  pipeline / decode-only time: {statistics.median(ratios):.1f}x  (each run: {each})")
    print(f"  overall: {n / total:.1f} fps ({n / total / first['fps']:.2f}x real time)")
    cpu = statistics.median(r["cpu_s"] for r in runs)
    # CPU time moves less than wall time on a shared machine: compare it between versions too
    print(f"  analysis CPU time: {cpu:.2f} s ({1000 * cpu / n:.1f} ms/frame, {cpu / total:.2f} cores busy on average)")
    warm = statistics.median(r["warm_seconds"]["pipeline total"] for r in runs)
    warm_ratio = statistics.median(r["warm_seconds"]["pipeline total"] / r["seconds"]["decode only"] for r in runs)
    stages = ", ".join(
        f"{name.removeprefix('pipeline: ')} {statistics.median(r['warm_seconds'][name] for r in runs):.2f} s"
        for name in first["warm_seconds"]
        if name != "pipeline total" and statistics.median(r["warm_seconds"][name] for r in runs) >= 0.005
    )
    print(f"  warm (a worker's next analysis, same process): {n / warm:.1f} fps, {warm_ratio:.1f}x decode-only")
    print(f"    {stages}")
    warm_cpu = statistics.median(r["warm_cpu_s"] for r in runs)
    print(f"    analysis CPU time: {warm_cpu:.2f} s ({1000 * warm_cpu / n:.1f} ms/frame)")
    rss = [r["rss_mb"] for r in runs]
    print(f"  peak RSS: {max(rss):.0f} MB (after decode-only passes: {first['rss_after_decode_mb']:.0f} MB)")
    after = ", ".join(" → ".join(f"{mb:.0f}" for mb in r["rss_after_runs_mb"]) for r in runs)
    print(f"  resident after the cold → warm analysis, MB: {after}")
    frames = first["render_frames"]
    source = (
        f"the spill ({frames['spill_mb']} MiB)"
        if frames["from"] == "spill"
        else f"a second decode ({frames['why_decode']})"
    )
    print(f"  render frames from: {source}")


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        spec = json.loads(sys.argv[2])
        print(json.dumps(measure(Path(spec["clip"]), spec["box"], spec["at"], spec["end"], spec["settings"])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", type=Path)
    parser.add_argument("--box")
    parser.add_argument("--at", type=float)
    parser.add_argument("--repeat", type=int, default=3, help="repetitions, each in a fresh process (default 3)")
    parser.add_argument("--loop-s", type=float, default=0.0, help="also run the clip looped to this length, s")
    parser.add_argument("--pose-threads", type=int, default=PipelineSettings().pose_threads)
    parser.add_argument(
        "--render-spill-mb",
        type=float,
        default=PipelineSettings().render_spill_max_mb,
        help="render_spill_max_mb (0: the render decodes the clip again)",
    )
    parser.add_argument(
        "--stable-crops",
        action=argparse.BooleanOptionalAction,
        default=PipelineSettings().stable_crops,
        help="PipelineSettings.stable_crops (default: the setting's default)",
    )
    args = parser.parse_args()
    box, at = args.box and parse_box(args.box).tolist(), args.at
    labels = args.clip.with_name(args.clip.name + ".labels.json")
    if box is None:
        if not labels.is_file():
            parser.error("no --box and no labels file beside the clip")
        prompt = json.loads(labels.read_text())["prompt"]
        box, at = prompt["box"], prompt["frame"] / probe_video(args.clip).fps

    settings_kw = {
        "pose_threads": args.pose_threads,
        "render_spill_max_mb": args.render_spill_mb,
        "stable_crops": args.stable_crops,
    }
    runs = [run_child(args.clip, box, at, None, settings_kw) for _ in range(args.repeat)]
    crops = "stable crops" if args.stable_crops else "tracked crops"
    report(f"{args.clip.name} (pose threads {args.pose_threads}, {crops})", runs)
    if args.loop_s > 0:
        with tempfile.TemporaryDirectory() as tmp:
            looped = loop_clip(args.clip, Path(tmp) / f"looped{args.clip.suffix}", args.loop_s)
            end = min(probe_video(looped).duration_s, PipelineSettings().max_window_s)
            runs = [run_child(looped, box, at, end, settings_kw)]
        report(f"{args.clip.name} looped to {end:.1f} s", runs)


if __name__ == "__main__":
    main()
