"""How much the results move with incidental choices: the box, the prompt frame, the encoding.

Usage: ``python -m benchmarks.stability CLIP [CLIP ...] [--variants box,frame,encode] [--out report.json]``

Each clip needs its ``CLIP.labels.json`` (the prompt, and the labelled boxes that give the other
prompt frames). From the labelled prompt, every variant analyses the clip once, each in a fresh
process (as the evaluation harness does):

- ``box``: the box grown and shrunk by 2 % and 5 % of its size, and shifted by 5 % of its width or
  height in each direction — what two people drawing the same skier differ by;
- ``frame``: the prompt on the labelled frames 10 and 20 frames after the labelled one (its label box);
- ``encode``: the clip re-encoded with H.264 at 720p and with HEVC at its own size (the box scaled).

Printed per clip: the run's edge similarity in each variant, its spread (max − min), the per-turn
spread (turns matched to the labelled prompt's by their start frame, within 3 frames; p90 over the
turns), the largest shift of a matched transition centre (frames), and how many turns each variant
found, and how many turn pairs differ by no more than their intervals allow (the half-widths
combined: what a 90 % interval should hold about nine times in ten). The goal a trustworthy score
meets: run spread ≤ 3 points, per-turn p90 ≤ 6, boundaries ≤ 2 frames.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Turns (by start frame) and transitions (by centre frame) of two variants are the same within this.
MATCH_FRAMES = 3


@dataclass(frozen=True)
class Variant:
    """One way of asking for the same analysis: a name, the box (px of ``clip``) and the prompt frame."""

    name: str
    box: tuple[float, float, float, float]
    frame: int
    encode: str | None = None  # None: the clip itself; else a key of ENCODINGS


#: Re-encodings: (codec, output height or None for the clip's own, x264/x265 crf).
ENCODINGS: dict[str, tuple[str, int | None, int]] = {
    "h264_720p": ("libx264", 720, 20),
    "hevc_same": ("libx265", None, 24),
}


def box_variants(box: tuple[float, float, float, float], frame: int) -> list[Variant]:
    """The labelled box, grown/shrunk by 2 and 5 % of its size and shifted by 5 % each way.

    >>> [v.name for v in box_variants((100, 100, 200, 300), 0)][:3]
    ['labelled', 'grow_2pct', 'grow_5pct']
    >>> box_variants((100, 100, 200, 300), 0)[2].box
    (97.5, 95.0, 202.5, 305.0)
    """
    x1, y1, x2, y2 = (float(v) for v in box)
    w, h = x2 - x1, y2 - y1
    out = [Variant("labelled", (x1, y1, x2, y2), frame)]
    for pct in (2, 5):
        dx, dy = w * pct / 200, h * pct / 200  # half on each side: the size changes by pct
        out.append(Variant(f"grow_{pct}pct", (x1 - dx, y1 - dy, x2 + dx, y2 + dy), frame))
    for pct in (2, 5):
        dx, dy = w * pct / 200, h * pct / 200
        out.append(Variant(f"shrink_{pct}pct", (x1 + dx, y1 + dy, x2 - dx, y2 - dy), frame))
    sx, sy = 0.05 * w, 0.05 * h
    for name, (ox, oy) in {"left": (-sx, 0), "right": (sx, 0), "up": (0, -sy), "down": (0, sy)}.items():
        out.append(Variant(f"shift_{name}_5pct", (x1 + ox, y1 + oy, x2 + ox, y2 + oy), frame))
    return out


def frame_variants(labels: dict, after: tuple[int, ...] = (10, 20)) -> list[Variant]:
    """The prompt on later labelled frames, with their label boxes (none where the skier is not labelled)."""
    frame = int(labels["prompt"].get("frame", 0))
    boxes = labels.get("boxes", {})
    out = []
    for k in after:
        box = boxes.get(str(frame + k))
        if box is not None:
            out.append(Variant(f"prompt_frame_{frame + k}", tuple(float(v) for v in box), frame + k))
    return out


def encode_variants(box: tuple[float, float, float, float], frame: int) -> list[Variant]:
    """The labelled prompt on each re-encoding (its box is scaled when the clip is run)."""
    return [Variant(f"encode_{name}", box, frame, encode=name) for name in ENCODINGS]


def reencode(clip: Path, out: Path, name: str) -> float:
    """Write ``clip`` re-encoded as ``ENCODINGS[name]`` to ``out``; returns the scale of its pixels."""
    import av

    codec, height, crf = ENCODINGS[name]
    with av.open(str(clip)) as src:
        stream = src.streams.video[0]
        in_w, in_h = stream.codec_context.width, stream.codec_context.height
        scale = 1.0 if height is None else height / in_h
        out_w, out_h = round(in_w * scale / 2) * 2, round(in_h * scale / 2) * 2
        with av.open(str(out), "w") as dst:
            video = dst.add_stream(codec, rate=stream.average_rate or 30)
            video.width, video.height, video.pix_fmt = out_w, out_h, "yuv420p"
            video.options = {"crf": str(crf), "preset": "veryfast"}
            if codec == "libx265":
                video.options |= {"x265-params": "log-level=error"}
            for frame in src.decode(stream):
                image = frame.reformat(width=out_w, height=out_h, format="yuv420p")
                image.pts, image.time_base = frame.pts, frame.time_base  # the clip's own clock
                for packet in video.encode(image):
                    dst.mux(packet)
            for packet in video.encode():
                dst.mux(packet)
    return out_w / in_w


def run_variant(clip: Path, variant: Variant, keep: Path | None = None, stable_crops: bool = False) -> dict:
    """Analyse ``clip`` as ``variant`` asks (in a child process); the run score, turns and transitions.

    With ``keep``, the variant's track and raw pose are saved as ``keep/CLIP/VARIANT.npz`` (for
    re-measuring them without running the pose again: :func:`load_kept`).
    """
    import os

    os.environ.setdefault("GLOG_minloglevel", "2")
    from poser_pipeline.analyze import analyze
    from poser_pipeline.settings import PipelineSettings
    from poser_pipeline.video.decode import probe_video

    row: dict = {"variant": variant.name, "error": None}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            source, box = clip, np.asarray(variant.box, dtype=float)
            if variant.encode:
                source = Path(tmp) / f"{variant.encode}.mp4"
                box = box * reencode(clip, source, variant.encode)
            fps = probe_video(source).fps
            settings = PipelineSettings(stable_crops=stable_crops)
            result = analyze(source, box, Path(tmp) / "out", at_s=variant.frame / fps, settings=settings)
            with (Path(tmp) / "out" / "turns.csv").open() as fh:
                turns = list(csv.DictReader(fh))
        if keep is not None:
            save_kept(keep / clip.name / f"{variant.name}.npz", result.tracking, fps)
        row["run_score"] = result.metrics.values.get("edge_similarity_run")
        row["turns"] = [
            {
                "start_frame": int(t["start_frame"]),
                "direction": t["direction"],
                "score": float(t["edge_similarity"]) if t["edge_similarity"] else None,
                "interval": [float(t["edge_similarity_low"]), float(t["edge_similarity_high"])]
                if t.get("edge_similarity_low")
                else None,
            }
            for t in turns
        ]
        row["transitions"] = sorted({int(t["transition_center_frame"]) for t in turns if t["transition_center_frame"]})
    except Exception as exc:  # a failed variant is a row, never a crash of the benchmark
        row["error"] = f"{type(exc).__name__}: {exc}"
    return row


_KEPT_FIELDS = ("timestamps_ms", "boxes", "confidence", "lost", "image_xy", "world_xyz", "visibility")


def remeasure(path: Path, settings) -> tuple[dict, object]:
    """A kept variant (:func:`save_kept`) measured again with ``settings``, no pose run: its row and measurement."""
    from poser_pipeline.analyze import usable_pose
    from poser_pipeline.metrics.measure import measure_run

    tracking, fps = load_kept(path)
    measured = measure_run(
        tracking.world_xyz,
        usable_pose(tracking, settings),
        fps=fps,
        settings=settings,
        image_xy=tracking.image_xy,
        boxes_xy=tracking.boxes,
    )
    turns = [
        {
            "start_frame": int(t.segment.start),
            "direction": t.segment.direction,
            "score": t.values.get("edge_similarity"),
            "interval": list(t.intervals["edge_similarity"]) if "edge_similarity" in t.intervals else None,
        }
        for t in measured.metrics.turns
    ]
    row = {
        "variant": path.stem,
        "error": None,
        "run_score": measured.metrics.values.get("edge_similarity_run"),
        "turns": turns,
        "transitions": [int(t.center) for t in measured.turns.transitions],
    }
    row["reference"] = measured.reference.summary()
    return row, measured


def side_peaks_deg(measured) -> dict[str, float | None]:
    """Mean peak edge of the outside ski in complete left and right turns, deg (``None``: no such turn)."""
    out: dict[str, float | None] = {}
    for side in ("left", "right"):
        peaks = [
            t.values["peak_edge_outside_deg"]
            for t in measured.metrics.turns
            if t.segment.direction == side and not t.segment.is_partial and "peak_edge_outside_deg" in t.values
        ]
        out[side] = float(np.mean(peaks)) if peaks else None
    return out


def kept_report(keep: Path, level_to_snow: bool) -> dict:
    """The stability report of every clip kept under ``keep``, measured again (``--from-kept``)."""
    from poser_pipeline.settings import PipelineSettings

    settings = PipelineSettings(level_to_snow=level_to_snow)
    clips = []
    for folder in sorted(p for p in keep.iterdir() if p.is_dir()):
        paths = sorted(folder.glob("*.npz"), key=lambda p: (p.stem != "labelled", p.stem))
        measured = [remeasure(p, settings) for p in paths]
        rows = [row for row, _ in measured]
        by_kind = {
            kind: spreads([rows[0]] + [r for r in rows[1:] if r["variant"].startswith(prefix)])
            for kind, prefix in {"box": ("grow", "shrink", "shift"), "encode": ("encode",)}.items()
        }
        labelled = measured[0][1]
        clips.append(
            {
                "file": folder.name,
                "variants": rows,
                "all": spreads(rows),
                "by_kind": by_kind,
                "reference": labelled.reference.summary(),
                "side_peaks_deg": side_peaks_deg(labelled),
            }
        )
    return {"level_to_snow": level_to_snow, "clips": clips}


def save_kept(path: Path, tracking, fps: float) -> None:
    """Write a track's arrays (and the clip's ``fps``) to ``path`` (``.npz``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {name: getattr(tracking, name) for name in _KEPT_FIELDS}
    np.savez_compressed(path, fps=fps, prompt_index=tracking.prompt_index, **arrays)


def load_kept(path: Path):
    """The :class:`TrackingResult` and fps saved by :func:`save_kept`."""
    from poser_pipeline.tracking.cpu_pass import TrackingResult

    data = np.load(path)
    n = len(data["timestamps_ms"])
    arrays = {name: data[name] for name in _KEPT_FIELDS}
    tracking = TrackingResult(**arrays, source=np.full(n, "kept", dtype=object), prompt_index=int(data["prompt_index"]))
    return tracking, float(data["fps"])


def spreads(rows: list[dict]) -> dict:
    """Run-score spread, per-turn spread (p90) and largest transition shift, against the first row.

    Turns and transitions of each other row are matched to the first row's within :data:`MATCH_FRAMES`;
    a first-row turn with a score another row does not match counts as unmatched there.

    >>> base = {"run_score": 80.0, "turns": [{"start_frame": 10, "direction": "left", "score": 70.0}],
    ...         "transitions": [10]}
    >>> other = {"run_score": 83.0, "turns": [{"start_frame": 12, "direction": "left", "score": 76.0}],
    ...          "transitions": [12]}
    >>> s = spreads([base, other])
    >>> s["run_spread"], s["turn_spread_p90"], s["max_transition_shift_frames"], s["unmatched_turns"]
    (3.0, 6.0, 2, 0)
    """
    ok = [r for r in rows if not r.get("error")]
    if not ok:
        return {
            "run_spread": None,
            "turn_spread_p90": None,
            "max_transition_shift_frames": None,
            "unmatched_turns": 0,
            "intervals_hold": [0, 0],
        }
    base = ok[0]
    scores = [r["run_score"] for r in ok if r.get("run_score") is not None]
    turn_spreads, unmatched, covered, compared = [], 0, 0, 0
    for turn in base["turns"]:
        if turn["score"] is None:
            continue
        values = [turn["score"]]
        for r in ok[1:]:
            match = _nearest(turn, r["turns"])
            if match is None or match["score"] is None:
                unmatched += 1
            else:
                values.append(match["score"])
                if turn.get("interval") and match.get("interval"):
                    compared += 1
                    covered += _within_intervals(turn, match)
        if len(values) > 1:  # a turn no other variant found is counted as unmatched, not as 0 spread
            turn_spreads.append(max(values) - min(values))
    shifts = []
    for r in ok[1:]:
        for centre in base["transitions"]:
            near = [abs(c - centre) for c in r["transitions"] if abs(c - centre) <= MATCH_FRAMES]
            if near:
                shifts.append(min(near))
    return {
        "run_spread": float(max(scores) - min(scores)) if len(scores) > 1 else None,
        "turn_spread_p90": float(np.percentile(turn_spreads, 90)) if turn_spreads else None,
        "max_transition_shift_frames": int(max(shifts)) if shifts else None,
        "unmatched_turns": unmatched,
        "intervals_hold": [covered, compared],
    }


def _within_intervals(a: dict, b: dict) -> bool:
    """Two variants' scores of a turn differ by no more than their intervals' half-widths combined.

    >>> _within_intervals({"score": 80, "interval": [74, 86]}, {"score": 88, "interval": [80, 96]})
    True
    """
    half = [(t["interval"][1] - t["interval"][0]) / 2 for t in (a, b)]
    return abs(a["score"] - b["score"]) <= float(np.hypot(*half))


def _nearest(turn: dict, turns: list[dict]) -> dict | None:
    near = [
        t
        for t in turns
        if t["direction"] == turn["direction"] and abs(t["start_frame"] - turn["start_frame"]) <= MATCH_FRAMES
    ]
    return min(near, key=lambda t: abs(t["start_frame"] - turn["start_frame"])) if near else None


def variants_of(labels: dict, kinds: set[str]) -> list[Variant]:
    box = tuple(float(v) for v in labels["prompt"]["box"])
    frame = int(labels["prompt"].get("frame", 0))
    out = box_variants(box, frame) if "box" in kinds else [Variant("labelled", box, frame)]
    if "frame" in kinds:
        out += frame_variants(labels)
    if "encode" in kinds:
        out += encode_variants(box, frame)
    return out


def stability_of(clip: Path, kinds: set[str], keep: Path | None = None, stable_crops: bool = False) -> dict:
    labels = json.loads(clip.with_name(clip.name + ".labels.json").read_text())
    variants = variants_of(labels, kinds)
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        rows = [
            pool.submit(run_variant, clip, v, keep, stable_crops).result() for v in variants
        ]  # one at a time: 2 cores
    by_kind = {
        kind: spreads([rows[0]] + [r for r in rows[1:] if r["variant"].startswith(prefix)])
        for kind, prefix in {
            "box": ("grow", "shrink", "shift"),
            "frame": ("prompt_frame",),
            "encode": ("encode",),
        }.items()
        if kind in kinds
    }
    return {"file": clip.name, "variants": rows, "all": spreads(rows), "by_kind": by_kind}


def _fmt(v: object, spec: str = ".1f") -> str:
    return "–" if v is None else format(v, spec)


def _plain(value: object) -> object:
    """NumPy scalars as the JSON numbers they are."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_report(report: dict) -> None:
    for clip in report["clips"]:
        print(f"\n{clip['file']}")
        if "reference" in clip:
            ref, peaks = clip["reference"], clip["side_peaks_deg"]
            print(
                f"  reference: {ref['evidence']} ({ref['pairs']} pairs), camera roll {ref['camera_roll_deg']}° "
                f"± {ref['tilt_uncertainty_deg']}°; outside-ski peak edge left turns {_fmt(peaks['left'])}°, "
                f"right turns {_fmt(peaks['right'])}°"
            )
        for r in clip["variants"]:
            if r["error"]:
                print(f"  {r['variant']:<22} error: {r['error']}")
                continue
            scores = " ".join(_fmt(t["score"], ".0f") for t in r["turns"])
            print(
                f"  {r['variant']:<22} run {_fmt(r['run_score']):>5}  turns [{scores}]  transitions {r['transitions']}"
            )
        for kind, s in {"all": clip["all"], **clip["by_kind"]}.items():
            print(
                f"  spread ({kind:<6}): run {_fmt(s['run_spread'])}, per-turn p90 {_fmt(s['turn_spread_p90'])}, "
                f"transition shift {_fmt(s['max_transition_shift_frames'], 'd')} frames, "
                f"unmatched turns {s['unmatched_turns']}, "
                f"intervals hold {s['intervals_hold'][0]} of {s['intervals_hold'][1]} turn pairs"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", type=Path)
    parser.add_argument("--variants", default="box,frame,encode", help="comma-separated: box, frame, encode")
    parser.add_argument("--out", type=Path, default=None, help="write the report as JSON here")
    parser.add_argument("--stable-crops", action="store_true", help="analyse with PipelineSettings.stable_crops")
    parser.add_argument("--keep", type=Path, default=None, help="save each variant's track and pose here (.npz)")
    parser.add_argument(
        "--from-kept",
        action="store_true",
        help="measure the tracks saved under --keep again (no pose run; CLIPS are ignored)",
    )
    parser.add_argument(
        "--against-camera", action="store_true", help="with --from-kept: read angles against the camera's vertical"
    )
    args = parser.parse_args(argv)
    if args.from_kept:
        if args.keep is None:
            parser.error("--from-kept needs --keep DIR")
        report = kept_report(args.keep, level_to_snow=not args.against_camera)
        print_report(report)
        if args.out:
            args.out.write_text(json.dumps(report, indent=2, default=_plain) + "\n")
        return 0
    kinds = set(args.variants.split(","))
    if not kinds <= {"box", "frame", "encode"}:
        parser.error(f"unknown variants {sorted(kinds - {'box', 'frame', 'encode'})}")
    from poser_pipeline import PIPELINE_VERSION

    report = {
        "pipeline_version": PIPELINE_VERSION,
        "clips": [stability_of(c, kinds, args.keep, args.stable_crops) for c in args.clips],
    }
    print_report(report)
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
