"""Stage 6c — ``run.json``: what was asked, what was found, how long it took, and the findings.

Written last: its presence marks an output folder as complete.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from poser_pipeline import PIPELINE_VERSION
from poser_pipeline.export.frames import FRAMES_CSV_VERSION
from poser_pipeline.export.metrics import METRICS_CSV_VERSION
from poser_pipeline.metrics.feedback import coaching_feedback
from poser_pipeline.metrics.summary import RunMetrics
from poser_pipeline.metrics.uncertainty import INTERVAL_SHARE
from poser_pipeline.settings import PipelineSettings
from poser_pipeline.tracking.cpu_pass import TrackingResult
from poser_pipeline.video.decode import VideoInfo


def run_summary(
    info: VideoInfo,
    request: tuple[float, float, float, np.ndarray],
    tracking: TrackingResult,
    seconds: dict[str, float],
    settings: PipelineSettings,
    *,
    backend: tuple[str, str],
    render_frames: dict,
    metrics: RunMetrics,
) -> dict:
    """``run.json``: the input, the request (window ``start``–``end`` s, prompt at ``at`` s), what the
    tracker found, timings, warnings, settings, where the render's frames came from, metrics, findings."""
    start, end, at, prompt = request
    n = tracking.num_frames
    pose_share = float(tracking.has_pose.mean())
    tracked_share = float((~tracking.lost).mean())
    warnings = []
    expected = max(1, round((end - start) * info.fps))
    if n < 0.9 * expected:
        warnings.append(
            f"only {n} of about {expected} frames in {start:g}–{end:g} s could be decoded: the file may be truncated"
        )
    if pose_share == 0:
        warnings.append("no person was found in the box on any frame: check that the box covers the skier")
    elif pose_share < 0.5:
        warnings.append(f"body pose found on only {pose_share:.0%} of frames (small, blurred or hidden skier)")
    if tracked_share < 0.9:
        warnings.append(f"the skier was tracked on only {tracked_share:.0%} of frames")
    if metrics.measurable and metrics.reference.get("evidence") == "none" and metrics.reference.get("note"):
        warnings.append(str(metrics.reference["note"]))  # scores stand, but the edges may carry the camera's tilt
    sources, counts = np.unique(tracking.source.astype(str), return_counts=True)
    return {
        "pipeline_version": PIPELINE_VERSION,
        "frames_csv_version": FRAMES_CSV_VERSION,
        "fps": info.fps,
        "num_frames": n,
        "input": info.as_dict(),
        "window": {"start_s": start, "end_s": end},
        "prompt": {"box": prompt.tolist(), "at_s": at, "frame_index": tracking.prompt_index},
        "tracking": {
            "tracked_share": tracked_share,
            "pose_share": pose_share,
            "mirrored_frames": None if tracking.mirrored is None else int(tracking.mirrored.sum()),
            "sources": dict(zip(sources.tolist(), counts.tolist(), strict=True)),
            "backend": backend[0],
            "backend_reason": backend[1],
        },
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "warnings": warnings,
        "settings": asdict(settings),
        "render": {"frames": render_frames},
        "metrics": {
            "measurable": metrics.measurable,
            "values": metrics.values,
            "intervals": {key: list(bounds) for key, bounds in metrics.intervals.items()},
            "interval_share": INTERVAL_SHARE,
            "noise_sd_deg": metrics.noise_sd_deg,
            "reference": metrics.reference,
            "reasons": metrics.reasons,
            "notes": metrics.notes,
            "metrics_csv_version": METRICS_CSV_VERSION,
        },
        "feedback": [f.as_dict() for f in coaching_feedback(metrics)],
    }


def write_run_json(path: Path, payload: dict) -> None:
    """Write ``run.json`` (UTF-8, indented, keys in insertion order)."""
    path.write_text(json.dumps(payload, indent=2, default=_json_default) + "\n")


def _json_default(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
