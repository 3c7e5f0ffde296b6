"""Command line: ``python -m poser_pipeline analyze CLIP --box X1,Y1,X2,Y2 --out DIR``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from tqdm import tqdm

from poser_pipeline import PIPELINE_VERSION
from poser_pipeline.boxes import parse_box
from poser_pipeline.errors import PoserInputError, WindowError
from poser_pipeline.progress import STAGE_LABELS
from poser_pipeline.settings import PipelineSettings
from poser_pipeline.tracking.sam2_loader import TRACKER_BACKENDS, Sam2UnavailableError


class _StageBars:
    """One tqdm bar per stage, created when the stage first reports."""

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled
        self._bars: dict[str, tqdm] = {}

    def __call__(self, stage: str, done: int, total: int, overall: float) -> None:
        if not self._enabled:
            return
        bar = self._bars.get(stage)
        if bar is None:
            for other in self._bars.values():
                other.close()
            bar = self._bars[stage] = tqdm(total=total, desc=STAGE_LABELS.get(stage, stage), unit="frame")
        if total != bar.total:
            bar.total = total
            bar.refresh()
        bar.update(min(done, total) - bar.n)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m poser_pipeline", description="Poser ski-technique analysis")
    parser.add_argument("--version", action="version", version=PIPELINE_VERSION)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("analyze", help="analyse a clip from one box around the skier")
    run.add_argument("clip", type=Path, help="the video file")
    run.add_argument("--box", required=True, help="x1,y1,x2,y2 in pixels of the upright frame, around body and skis")
    run.add_argument("--at", type=float, default=None, help="time of the frame the box is on, s (default: --start)")
    run.add_argument("--start", type=float, default=None, help="trim window start, s from the clip's start")
    run.add_argument("--end", type=float, default=None, help="trim window end, s from the clip's start")
    run.add_argument("--out", type=Path, required=True, help="output folder")
    run.add_argument("--quiet", action="store_true", help="no progress bars")
    demo = sub.add_parser("demo", help="analyse a generated example clip (or DEMO_CLIP) end to end")
    demo.add_argument("--out", type=Path, default=Path("data/demo"), help="output folder")
    return parser


def settings_from_env(environ: Mapping[str, str]) -> PipelineSettings:
    """The CLI's pipeline settings: ``POSER_TRACKER`` and ``SAM2_CHECKPOINT``, ``SAM2_MODEL``, ``SAM2_DEVICE``,
    ``SAM2_IMAGE_SIZE``, ``SAM2_REQUIRE_GPU`` from ``environ``; unset or empty ones keep the defaults."""

    def get(name: str) -> str | None:
        return environ.get(name, "").strip() or None

    size = get("SAM2_IMAGE_SIZE")
    if size is not None and not size.isdigit():
        raise PoserInputError(f"SAM2_IMAGE_SIZE={size!r}: give the input side in pixels, e.g. 1024")
    tracker = (get("POSER_TRACKER") or "auto").lower()
    if tracker not in TRACKER_BACKENDS:
        raise PoserInputError(f"POSER_TRACKER={tracker!r}: use one of {', '.join(TRACKER_BACKENDS)}")
    require_gpu = get("SAM2_REQUIRE_GPU")
    return PipelineSettings(
        tracker=tracker,
        sam2_checkpoint=get("SAM2_CHECKPOINT"),
        sam2_model=get("SAM2_MODEL"),
        sam2_device=get("SAM2_DEVICE"),
        sam2_image_size=int(size) if size is not None else None,
        sam2_require_gpu=require_gpu.lower() in ("1", "true", "yes") if require_gpu is not None else None,
    )


def _demo_input(out_dir: Path):
    """The demo's clip and box: ``DEMO_CLIP`` + ``DEMO_BOX`` if set, else a generated clip."""
    if os.environ.get("DEMO_CLIP"):
        if not os.environ.get("DEMO_BOX"):
            raise PoserInputError("DEMO_CLIP needs DEMO_BOX=x1,y1,x2,y2 too")
        return Path(os.environ["DEMO_CLIP"]), parse_box(os.environ["DEMO_BOX"]), None, None, None
    from poser_pipeline.synthetic.video import write_moving_figure_clip

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    clip = out_dir.parent / "demo_input.mp4"
    truth = write_moving_figure_clip(clip, fps=25.0, n_frames=100, distractor=True)
    print(f"demo: generated {clip} (a textured figure, no real person: expect a 'no person' warning)")
    return clip, truth[0], None, None, None


#: Added to window errors, whose message names seconds but not this command's options.
WINDOW_OPTIONS_HINT = " (set the window with --start and --end, the box's frame with --at, in seconds)"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("GLOG_minloglevel", "2")  # keep MediaPipe's C++ logging out of the terminal
    from poser_pipeline.analyze import analyze  # after the log setting: it loads MediaPipe

    bars = _StageBars(enabled=not getattr(args, "quiet", False))
    try:
        if args.command == "demo":
            clip, box, at_s, start_s, end_s = _demo_input(args.out)
        else:
            clip, box, at_s, start_s, end_s = args.clip, parse_box(args.box), args.at, args.start, args.end
        settings = settings_from_env(os.environ)
        result = analyze(clip, box, args.out, at_s=at_s, start_s=start_s, end_s=end_s, settings=settings, progress=bars)
    except (PoserInputError, Sam2UnavailableError) as exc:
        bars.close()
        hint = WINDOW_OPTIONS_HINT if isinstance(exc, WindowError) else ""
        print(f"error: {exc}{hint}", file=sys.stderr)
        return 2
    bars.close()
    for warning in result.run["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    from poser_pipeline.export.metrics import turn_table

    print(turn_table(result.metrics))
    for finding in result.run["feedback"]:
        print(f"- {finding['message']}\n  focus: {finding['focus']}")
    track = result.run["tracking"]
    print(
        f"analysed {result.run['num_frames']} frames: skier tracked on {track['tracked_share']:.0%}, "
        f"pose on {track['pose_share']:.0%}; outputs in {result.out_dir}/"
    )
    return 0
