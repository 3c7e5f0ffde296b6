"""Harder versions of labelled clips, with their labels carried along, for tuning the tracker.

Usage: ``python -m benchmarks.perturb CLIP [CLIP ...] --out DIR [--kinds fog,flat,noise,small,half_fps,mirror]``

Each kind writes ``DIR/<clip stem>.<kind>.mp4`` (H.264, CRF 18) and its ``.labels.json``, so
``python -m benchmarks.evaluate DIR`` scores the tracker on them as on the real clips. Methods are
tuned on these and on the synthetic skier; the real clips stay the test.

Kinds (each a pure function of the frame, the same on every frame but the noise):

- ``fog``: 55 % of a light blue-grey haze over the image and a slight blur (thick fog, flat light);
- ``flat``: contrast cut to 35 % around the frame's mean (overcast light, no shadows);
- ``noise``: Gaussian blur (sigma 1.5 px) and sensor noise (sigma 8 levels);
- ``small``: the frame at half its width and height (a farther skier);
- ``half_fps``: every second frame (a clip filmed at half the frame rate);
- ``mirror``: flipped left to right (left turns become right turns);
- ``pan``: a window of 80 % of the frame that moves over it in bursts (a phone panning in jerks on top
  of however the clip's camera moved): :func:`pan_offset_px`.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

Frame = np.ndarray  # (H, W, 3) uint8 RGB
_HAZE_RGB = np.array([205.0, 212.0, 220.0])


@dataclass(frozen=True)
class Perturbation:
    """How one kind changes each kept frame, which frames it keeps and how it maps label geometry."""

    name: str
    image: Callable[[Frame, int], Frame]  # (frame, frame index) -> frame
    scale: float = 1.0  # of the frame's size
    frame_step: int = 1  # keep every ``frame_step``-th frame
    mirror: bool = False
    window: float = 1.0  # share of the frame's width and height kept, at :func:`pan_offset_px`


def _fog(frame: Frame, _: int) -> Frame:
    hazy = 0.45 * frame.astype(np.float32) + 0.55 * _HAZE_RGB
    return cv2.GaussianBlur(np.clip(hazy, 0, 255).astype(np.uint8), (0, 0), 1.0)


def _flat(frame: Frame, _: int) -> Frame:
    f = frame.astype(np.float32)
    return np.clip(f.mean() + 0.35 * (f - f.mean()), 0, 255).astype(np.uint8)


def _noise(frame: Frame, index: int) -> Frame:
    blurred = cv2.GaussianBlur(frame, (0, 0), 1.5).astype(np.float32)
    noise = np.random.default_rng(index).normal(0.0, 8.0, frame.shape)
    return np.clip(blurred + noise, 0, 255).astype(np.uint8)


def _same(frame: Frame, _: int) -> Frame:
    return frame


#: The ``pan`` window: 4 frames of every 10 move it by this share of its free range, the other 6 by a
#: ninth of it, back and forth across the frame; vertically it bobs over a third of its range.
PAN_BURST_SHARE = 0.12


def pan_offset_px(index: int, free_x: float, free_y: float) -> tuple[float, float]:
    """Top-left corner, px, of the ``pan`` window on frame ``index``; ``free_x/free_y`` px: how far it
    can move (frame size minus window size). Starts centred; reflects at the frame's edges.

    >>> [tuple(round(v) for v in pan_offset_px(i, 100.0, 60.0)) for i in (0, 4, 10)]
    [(50, 30), (98, 35), (94, 40)]
    """
    steps = np.where(np.arange(index) % 10 < 4, PAN_BURST_SHARE, PAN_BURST_SHARE / 9)
    travel = 0.5 + float(steps.sum())  # in units of the free range, unfolded
    folded = travel % 2.0
    x = folded if folded <= 1.0 else 2.0 - folded
    y = 0.5 + np.sin(index / 7.0) / 6.0
    return x * free_x, y * free_y


KINDS: dict[str, Perturbation] = {
    p.name: p
    for p in (
        Perturbation("fog", _fog),
        Perturbation("flat", _flat),
        Perturbation("noise", _noise),
        Perturbation("small", _same, scale=0.5),
        Perturbation("half_fps", _same, frame_step=2),
        Perturbation("mirror", lambda f, _: np.ascontiguousarray(f[:, ::-1]), mirror=True),
        Perturbation("pan", _same, window=0.8),
    )
}


def _even(v: float) -> int:
    return max(2, round(v / 2) * 2)


def perturb_labels(labels: dict, kind: Perturbation, width: int, height: int, file: str) -> dict:
    """The clip's labels in the perturbed clip's frames and pixels.

    ``width``/``height`` are the perturbed frame's size. Boxes are scaled (and mirrored, or moved with
    the ``pan`` window and cut to it: a box with less than half of itself inside is ``None``, the skier
    out of view); frame indices are divided by ``frame_step`` (labelled frames that are dropped lose
    their box, a prompt on a dropped frame moves to the kept frame before it); turn directions swap in
    a mirror image. A prompt box panned out of view moves to the nearest labelled frame in view.
    """
    out = copy.deepcopy(labels)
    step = kind.frame_step
    sx, sy = width / (labels["width"] * kind.window), height / (labels["height"] * kind.window)
    free = (labels["width"] * (1 - kind.window), labels["height"] * (1 - kind.window))

    def box(b: list[float] | None, index: int) -> list[float] | None:
        if b is None:
            return None
        ox, oy = pan_offset_px(index, *free) if kind.window < 1.0 else (0.0, 0.0)
        x1, y1, x2, y2 = (b[0] - ox) * sx, (b[1] - oy) * sy, (b[2] - ox) * sx, (b[3] - oy) * sy
        if kind.mirror:
            x1, x2 = width - x2, width - x1
        if kind.window < 1.0:
            inside = np.clip([x1, y1, x2, y2], 0, [width, height, width, height])
            if (inside[2] - inside[0]) * (inside[3] - inside[1]) < 0.5 * (x2 - x1) * (y2 - y1):
                return None
            x1, y1, x2, y2 = inside
        return [round(float(v), 1) for v in (x1, y1, x2, y2)]

    out.update(file=file, width=width, height=height, fps=labels["fps"] / step)
    out["num_frames"] = math.ceil(labels["num_frames"] / step)
    prompt_frame = labels["prompt"]["frame"] // step * step
    out["prompt"] = {"frame": prompt_frame // step, "box": box(labels["prompt"]["box"], prompt_frame)}
    out["boxes"] = {
        str(int(k) // step): box(b, int(k)) for k, b in labels.get("boxes", {}).items() if int(k) % step == 0
    }
    if out["prompt"]["box"] is None:  # panned out of view: prompt on the nearest labelled frame in view
        in_view = [int(k) for k, b in out["boxes"].items() if b is not None]
        if in_view:
            nearest = min(in_view, key=lambda k: abs(k - out["prompt"]["frame"]))
            out["prompt"] = {"frame": nearest, "box": out["boxes"][str(nearest)]}
    out["turn_transitions"] = [
        {**t, "frame": round(t["frame"] / step), "uncertainty_frames": math.ceil(t.get("uncertainty_frames", 0) / step)}
        for t in labels.get("turn_transitions", [])
    ]
    swap = {"left": "right", "right": "left"}
    out["turns"] = [
        {
            **t,
            "start_frame": round(t["start_frame"] / step),
            "end_frame": round(t["end_frame"] / step),
            "direction": swap.get(t["direction"], t["direction"]) if kind.mirror else t["direction"],
        }
        for t in labels.get("turns", [])
    ]
    out["perturbation"] = {"of": labels.get("file"), "kind": kind.name}
    return out


def write_perturbed(clip: Path, kind: Perturbation, out_dir: Path) -> Path:
    """Write ``clip`` perturbed by ``kind`` and its labels to ``out_dir``; returns the new clip's path."""
    import av

    labels = json.loads(clip.with_name(clip.name + ".labels.json").read_text())
    target = out_dir / f"{clip.stem}.{kind.name}.mp4"
    fps = labels["fps"] / kind.frame_step
    with av.open(str(clip)) as src, av.open(str(target), "w") as dst:
        stream = src.streams.video[0]
        src_w, src_h = stream.codec_context.width, stream.codec_context.height
        width = _even(src_w * kind.scale * kind.window)
        height = _even(src_h * kind.scale * kind.window)
        video = dst.add_stream("libx264", rate=Fraction(fps).limit_denominator(1000))
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"crf": "18", "preset": "veryfast"}
        for index, frame in enumerate(src.decode(stream)):
            if index % kind.frame_step:
                continue
            rgb = frame.to_ndarray(format="rgb24")
            if kind.window < 1.0:
                ox, oy = pan_offset_px(index, src_w * (1 - kind.window), src_h * (1 - kind.window))
                w, h = round(src_w * kind.window), round(src_h * kind.window)
                rgb = rgb[round(oy) : round(oy) + h, round(ox) : round(ox) + w]
            if rgb.shape[:2] != (height, width):
                rgb = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
            image = av.VideoFrame.from_ndarray(kind.image(rgb, index), format="rgb24").reformat(format="yuv420p")
            for packet in video.encode(image):
                dst.mux(packet)
        for packet in video.encode():
            dst.mux(packet)
    new_labels = perturb_labels(labels, kind, width, height, target.name)
    target.with_name(target.name + ".labels.json").write_text(json.dumps(new_labels, indent=1) + "\n")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Perturbed copies of labelled clips")
    parser.add_argument("clips", type=Path, nargs="+")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"comma-separated: {', '.join(KINDS)}")
    args = parser.parse_args(argv)
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        parser.error(f"unknown kinds {unknown}")
    args.out.mkdir(parents=True, exist_ok=True)
    for clip in args.clips:
        for name in kinds:
            print(f"wrote {write_perturbed(clip, KINDS[name], args.out).name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
