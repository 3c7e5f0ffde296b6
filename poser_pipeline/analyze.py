"""The whole pipeline: clip + box prompt → outputs in a folder.

:func:`analyze` chains the stages (probe → track + pose → smooth → render →
export) and writes into a staging folder beside ``out_dir`` that is renamed
into place only when everything is written, so a failed run never leaves a
folder that looks complete.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from poser_pipeline import PIPELINE_VERSION
from poser_pipeline.boxes import validate_prompt_box
from poser_pipeline.errors import PoserInputError
from poser_pipeline.export.frames import FRAMES_CSV_VERSION, write_frames_csv, write_run_json
from poser_pipeline.export.metrics import METRICS_CSV_VERSION, write_metrics_csv, write_turns_csv
from poser_pipeline.metrics.fallback import choose_turn_signal
from poser_pipeline.metrics.feedback import coaching_feedback
from poser_pipeline.metrics.series import FrameSeries, compute_frame_series
from poser_pipeline.metrics.summary import RunMetrics, summarize_run
from poser_pipeline.metrics.turns import TurnStructure, segment_turns
from poser_pipeline.pose.skeleton import CORE_LANDMARKS
from poser_pipeline.pose.smooth import smooth_series
from poser_pipeline.progress import STAGES, OverallProgress, ProgressFn, RunProgressFn, no_progress
from poser_pipeline.render.videos import overlay_size, render_videos
from poser_pipeline.settings import PipelineSettings
from poser_pipeline.tracking.cpu_pass import TrackingResult, run_tracking_pass
from poser_pipeline.tracking.sam2_loader import Sam2Config, choose_backend
from poser_pipeline.tracking.sam2_pass import run_sam2_tracking_pass
from poser_pipeline.video.decode import VideoInfo, probe_video, resolve_window
from poser_pipeline.video.spill import FrameSpill, FrameSpillWriter

OUTPUT_FILES = ("overlay.mp4", "centred.mp4", "frames.csv", "turns.csv", "metrics.csv", "run.json")


@dataclass
class AnalysisResult:
    """What :func:`analyze` produced: the folder, the track and run metadata."""

    out_dir: Path
    info: VideoInfo
    tracking: TrackingResult
    series: FrameSeries
    turns: TurnStructure
    metrics: RunMetrics
    run: dict = field(default_factory=dict)

    @property
    def files(self) -> dict[str, Path]:
        return {name: self.out_dir / name for name in OUTPUT_FILES}


def check_prompt_time(at_s: float, start_s: float, end_s: float, duration_s: float) -> None:
    """Refuse an ``--at`` outside the clip or the trim window."""
    if at_s < 0 or at_s >= duration_s:
        raise PoserInputError(f"--at {at_s:g} s is outside the clip (0–{duration_s:.2f} s)")
    if not start_s <= at_s < end_s:
        raise PoserInputError(f"--at {at_s:g} s is outside the trim window {start_s:g}–{end_s:g} s")


def analyze(
    clip: str | Path,
    box: np.ndarray,
    out_dir: str | Path,
    *,
    at_s: float | None = None,
    start_s: float | None = None,
    end_s: float | None = None,
    settings: PipelineSettings | None = None,
    progress: RunProgressFn = no_progress,
) -> AnalysisResult:
    """Analyse ``clip`` from the user's ``box`` and write the outputs to ``out_dir``.

    Parameters
    ----------
    clip : path
        Any video PyAV can decode (MP4/MOV/GIF...).
    box : (4,) float array-like
        x1, y1, x2, y2 in pixels of the upright frame, drawn at ``at_s``.
    out_dir : path
        Created (or its listed files replaced) only on success.
    at_s, start_s, end_s : float, optional
        Seconds from the clip's start: the prompt frame's time (default: the
        window's start) and the trim window (default: the whole clip).

    Raises
    ------
    PoserInputError
        For any input that cannot be analysed; nothing is written then.
    """
    settings = settings or PipelineSettings()
    out_dir = Path(out_dir)
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    info = probe_video(clip)
    start, end = resolve_window(info, start_s, end_s, max_window_s=settings.max_window_s)
    at = start if at_s is None else float(at_s)
    check_prompt_time(at, start, end, info.duration_s)
    prompt = validate_prompt_box(np.asarray(box, dtype=np.float64), info.width, info.height)
    seconds["probe"] = time.perf_counter() - t

    staging = out_dir.parent / f".{out_dir.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    spill: FrameSpill | None = None
    try:
        t = time.perf_counter()
        sam2_config = Sam2Config.from_settings(settings)
        backend, predictor, backend_reason = choose_backend(settings.tracker, sam2_config)
        seconds["load_tracker"] = time.perf_counter() - t
        stage_progress: ProgressFn = OverallProgress(STAGES[backend], progress)
        t = time.perf_counter()
        if backend == "sam2":
            tracking = run_sam2_tracking_pass(
                info, start, end, prompt, at, settings, predictor, config=sam2_config, progress=stage_progress
            )
            spill, spill_note = None, "the SAM2 pass keeps no frames"
        else:
            tracking, spill, spill_note = _track_and_spill(
                info, start, end, prompt, at, settings, staging, stage_progress
            )
        seconds["track_pose"] = time.perf_counter() - t

        t = time.perf_counter()
        usable = (
            tracking.has_pose & ~tracking.lost & (core_visibility(tracking.visibility) >= settings.min_pose_visibility)
        )
        image_smooth = smooth_series(tracking.image_xy, usable, fps=info.fps, settings=settings)
        world_smooth = smooth_series(tracking.world_xyz, usable, fps=info.fps, settings=settings)
        seconds["smooth"] = time.perf_counter() - t
        stage_progress("smooth", 1, 1)

        t = time.perf_counter()
        series = compute_frame_series(
            tracking.world_xyz, usable, fps=info.fps, settings=settings, image_xy=tracking.image_xy
        )
        signal, signal_source = choose_turn_signal(series.turn_signal_raw, tracking.boxes, usable, fps=info.fps)
        turns = segment_turns(signal, fps=info.fps, settings=settings)
        metrics = summarize_run(series, turns, fps=info.fps, timing_source=signal_source)
        seconds["metrics"] = time.perf_counter() - t

        t = time.perf_counter()
        hud = hud_lines(turns, series)
        render_frames = {"from": "decode", "spill_mb": None, "why_decode": spill_note}
        if spill is not None:
            render_frames = {"from": "spill", "spill_mb": round(spill.nbytes / 2**20, 1), "why_decode": None}
        try:
            render_videos(
                info,
                start,
                end,
                boxes_xy=tracking.boxes,
                lost=tracking.lost,
                landmarks_xy=image_smooth,
                out_dir=staging,
                settings=settings,
                hud_text=hud,
                spill=spill,
                progress=stage_progress,
            )
        finally:
            if spill is not None:
                spill.close()  # frees the disk now, not after the export
        seconds["render"] = time.perf_counter() - t

        t = time.perf_counter()
        write_frames_csv(
            staging / "frames.csv",
            timestamps_ms=tracking.timestamps_ms,
            boxes_xy=tracking.boxes,
            confidence=tracking.confidence,
            lost=tracking.lost,
            source=tracking.source,
            image_xy=tracking.image_xy,
            world_xyz=tracking.world_xyz,
            visibility=tracking.visibility,
            image_xy_smooth=image_smooth,
            world_xyz_smooth=world_smooth,
            metric_columns=series.columns() | _phase_columns(turns),
        )
        write_turns_csv(staging / "turns.csv", turns, metrics, tracking.timestamps_ms)
        write_metrics_csv(staging / "metrics.csv", metrics)
        seconds["export"] = time.perf_counter() - t
        run = _run_summary(info, start, end, at, prompt, tracking, seconds, settings)
        run["tracking"]["backend"] = backend
        run["tracking"]["backend_reason"] = backend_reason
        run["render"] = {"frames": render_frames}
        run["metrics"] = {
            "measurable": metrics.measurable,
            "values": metrics.values,
            "reasons": metrics.reasons,
            "notes": metrics.notes,
            "metrics_csv_version": METRICS_CSV_VERSION,
        }
        run["feedback"] = [f.as_dict() for f in coaching_feedback(metrics)]
        write_run_json(staging / "run.json", run)
        _publish(staging, out_dir)
    finally:
        if spill is not None:
            spill.close()  # an open file keeps its disk space after the folder is removed
        shutil.rmtree(staging, ignore_errors=True)
    return AnalysisResult(
        out_dir=out_dir, info=info, tracking=tracking, series=series, turns=turns, metrics=metrics, run=run
    )


def _track_and_spill(
    info: VideoInfo,
    start: float,
    end: float,
    prompt: np.ndarray,
    at: float,
    settings: PipelineSettings,
    staging: Path,
    progress: ProgressFn,
) -> tuple[TrackingResult, FrameSpill | None, str | None]:
    """The CPU tracking pass, keeping the frames for the render where they fit: the track, the spill, why none."""
    writer, note = start_spill(staging / "frames", info, start, end, settings)
    try:
        tracking = run_tracking_pass(info, start, end, prompt, at, settings, spill=writer, progress=progress)
    except BaseException:
        if writer is not None:
            writer.discard()  # closes its files; the staging folder goes with the failed run
        raise
    if writer is None:
        return tracking, None, note
    spill = writer.finish()
    if spill is not None and spill.num_frames != tracking.num_frames:  # cannot happen; decoding again is safe
        spill.close()
        return tracking, None, f"the spill holds {spill.num_frames} frames, the track {tracking.num_frames}"
    return tracking, spill, writer.reason


def start_spill(
    directory: Path, info: VideoInfo, start_s: float, end_s: float, settings: PipelineSettings
) -> tuple[FrameSpillWriter | None, str | None]:
    """A frame spill for the window ``[start_s, end_s)`` s, or ``None`` and why not."""
    out_w, out_h, _ = overlay_size(info.width, info.height, settings.overlay_max_side_px)
    return FrameSpillWriter.start(
        directory,
        width=info.width,
        height=info.height,
        rotation_deg=info.rotation_deg,
        overlay_wh=(out_w, out_h),
        expected_frames=max(1, round((end_s - start_s) * info.fps)),
        max_mb=settings.render_spill_max_mb,
    )


def core_visibility(visibility: np.ndarray) -> np.ndarray:
    """Mean visibility of the core joints per frame, ``(T,)`` (NaN where no pose)."""
    return visibility[:, list(CORE_LANDMARKS)].mean(axis=1)


def hud_lines(turns: TurnStructure, series: FrameSeries) -> list[str]:
    """Per-frame overlay text: the turn and its phase (or the transition) and each ski's edge angle."""
    lines = []
    for i in range(len(turns.turn_segment_id)):
        parts = []
        if turns.in_transition_window[i]:
            parts.append(f"transition {turns.turn_transition_id[i] + 1}")
        elif turns.turn_segment_id[i] >= 0:
            seg = turns.segments[turns.turn_segment_id[i]]  # numbered from 1 on screen, like transitions
            parts.append(f"{seg.direction} turn {seg.index + 1} {turns.turn_phase_01[i]:4.0%}")
        left, right = series.edge_left_deg[i], series.edge_right_deg[i]
        if np.isfinite(left) and np.isfinite(right):
            parts.append(f"edge L {left:+3.0f}  R {right:+3.0f} deg")
        lines.append("   ".join(parts))
    return lines


def _phase_columns(turns: TurnStructure) -> dict[str, np.ndarray]:
    """The canonical phase fields as float columns (no segment / window: empty)."""
    return {
        "turn_segment_id": np.where(turns.turn_segment_id >= 0, turns.turn_segment_id, np.nan),
        "turn_transition_id": np.where(turns.turn_transition_id >= 0, turns.turn_transition_id, np.nan),
        "turn_phase_01": turns.turn_phase_01,
        "transition_phase_signed": turns.transition_phase_signed,
        "in_transition_window": turns.in_transition_window.astype(float),
    }


def _publish(staging: Path, out_dir: Path) -> None:
    """Move the finished files into ``out_dir``, ``run.json`` last (it marks completion)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "run.json").unlink(missing_ok=True)
    for name in OUTPUT_FILES:
        (staging / name).replace(out_dir / name)


def _run_summary(
    info: VideoInfo,
    start: float,
    end: float,
    at: float,
    prompt: np.ndarray,
    tracking: TrackingResult,
    seconds: dict[str, float],
    settings: PipelineSettings,
) -> dict:
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
            "sources": dict(zip(sources.tolist(), counts.tolist(), strict=True)),
        },
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "warnings": warnings,
        "settings": asdict(settings),
    }
