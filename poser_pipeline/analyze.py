"""The whole pipeline: clip + box prompt → outputs in a folder.

:func:`analyze` chains the stages (probe → track + pose → smooth → render →
export) and writes into a staging folder beside ``out_dir`` that is renamed
into place only when everything is written, so a failed run never leaves a
folder that looks complete.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from poser_pipeline.boxes import validate_prompt_box
from poser_pipeline.errors import WindowError
from poser_pipeline.export.frames import phase_columns, write_frames_csv
from poser_pipeline.export.metrics import write_metrics_csv, write_turns_csv
from poser_pipeline.export.run_json import run_summary, write_run_json
from poser_pipeline.metrics.measure import measure_run
from poser_pipeline.metrics.series import FrameSeries
from poser_pipeline.metrics.summary import RunMetrics
from poser_pipeline.metrics.turns import TurnStructure
from poser_pipeline.pose.facing import apply_facing, resolve_facing
from poser_pipeline.pose.skeleton import CORE_LANDMARKS
from poser_pipeline.pose.smooth import smooth_series
from poser_pipeline.progress import STAGES, OverallProgress, ProgressFn, RunProgressFn, no_progress
from poser_pipeline.render.videos import overlay_size, render_videos
from poser_pipeline.settings import PipelineSettings
from poser_pipeline.tracking.cpu_pass import TrackingResult, run_tracking_pass
from poser_pipeline.tracking.sam2_loader import Sam2Config, choose_backend
from poser_pipeline.tracking.sam2_pass import run_sam2_tracking_pass
from poser_pipeline.video.decode import VideoInfo, probe_video, resolve_window
from poser_pipeline.video.frame_source import window_frames
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
        raise WindowError(f"the box's frame at {at_s:g} s is outside the clip (0–{duration_s:.2f} s)")
    if not start_s <= at_s < end_s:
        raise WindowError(f"the box's frame at {at_s:g} s is outside the trim window {start_s:g}–{end_s:g} s")


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
    clock = StageClock()
    with clock("probe"):
        info = probe_video(clip)
        start, end = resolve_window(info, start_s, end_s, max_window_s=settings.max_window_s)
        at = start if at_s is None else float(at_s)
        check_prompt_time(at, start, end, info.duration_s)
        prompt = validate_prompt_box(np.asarray(box, dtype=np.float64), info.width, info.height)

    staging = out_dir.parent / f".{out_dir.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    spill: FrameSpill | None = None
    try:
        with clock("load_tracker"):
            sam2_config = Sam2Config.from_settings(settings)
            backend, predictor, backend_reason = choose_backend(settings.tracker, sam2_config)
        stage_progress: ProgressFn = OverallProgress(STAGES[backend], progress)
        with clock("track_pose"):
            if backend == "sam2":
                tracking = run_sam2_tracking_pass(
                    info, start, end, prompt, at, settings, predictor, config=sam2_config, progress=stage_progress
                )
                spill, spill_note = None, "the SAM2 pass keeps no frames"
            else:
                tracking, spill, spill_note = _track_and_spill(
                    info, start, end, prompt, at, settings, staging, stage_progress
                )
        with clock("smooth"):
            usable = usable_pose(tracking, settings)
            if settings.resolve_facing:
                tracking = read_facing(tracking, usable, fps=info.fps)
            image_smooth = smooth_series(tracking.image_xy, usable, fps=info.fps, settings=settings)
            world_smooth = smooth_series(tracking.world_xyz, usable, fps=info.fps, settings=settings)
        stage_progress("smooth", 1, 1)
        with clock("metrics"):
            measured = measure_run(
                tracking.world_xyz,
                usable,
                fps=info.fps,
                settings=settings,
                image_xy=tracking.image_xy,
                boxes_xy=tracking.boxes,
            )
            series, turns, metrics = measured.series, measured.turns, measured.metrics
        with clock("render"):
            out_w, out_h, _ = overlay_size(info.width, info.height, settings.overlay_max_side_px)
            source = window_frames(
                info, start, end, overlay_wh=(out_w, out_h), num_frames=tracking.num_frames, spill=spill
            )
            render_frames = {"from": "decode", "spill_mb": None, "why_decode": spill_note}
            if spill is not None:
                render_frames = {"from": "spill", "spill_mb": round(spill.nbytes / 2**20, 1), "why_decode": None}
            try:
                render_videos(
                    info,
                    source,
                    boxes_xy=tracking.boxes,
                    lost=tracking.lost,
                    landmarks_xy=image_smooth,
                    out_dir=staging,
                    settings=settings,
                    hud_text=hud_lines(turns, series),
                    progress=stage_progress,
                )
            finally:
                if spill is not None:
                    spill.close()  # frees the disk now, not after the export
        with clock("export"):
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
                metric_columns=series.columns() | phase_columns(turns),
            )
            write_turns_csv(staging / "turns.csv", turns, metrics, tracking.timestamps_ms)
            write_metrics_csv(staging / "metrics.csv", metrics)
        run = run_summary(
            info,
            (start, end, at, prompt),
            tracking,
            clock.seconds,
            settings,
            backend=(backend, backend_reason),
            render_frames=render_frames,
            metrics=metrics,
        )
        write_run_json(staging / "run.json", run)
        _publish(staging, out_dir)
    finally:
        if spill is not None:
            spill.close()  # an open file keeps its disk space after the folder is removed
        shutil.rmtree(staging, ignore_errors=True)
    return AnalysisResult(
        out_dir=out_dir, info=info, tracking=tracking, series=series, turns=turns, metrics=metrics, run=run
    )


class StageClock:
    """Wall-clock seconds per stage, for ``run.json``: ``with clock("render"): ...``."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.seconds[stage] = time.perf_counter() - started


def usable_pose(tracking: TrackingResult, settings: PipelineSettings) -> np.ndarray:
    """``(T,)`` bool: frames whose pose the metrics may use (tracked, core joints visible)."""
    return tracking.has_pose & ~tracking.lost & (core_visibility(tracking.visibility) >= settings.min_pose_visibility)


def read_facing(tracking: TrackingResult, usable: np.ndarray, *, fps: float) -> TrackingResult:
    """The track with the frames BlazePose read front-to-back read the other way (its ``mirrored``
    set); see :mod:`poser_pipeline.pose.facing`."""
    mirrored = resolve_facing(tracking.world_xyz, usable, fps=fps)
    world, image, visibility = apply_facing(tracking.world_xyz, tracking.image_xy, tracking.visibility, mirrored)
    return replace(tracking, world_xyz=world, image_xy=image, visibility=visibility, mirrored=mirrored)


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


def _publish(staging: Path, out_dir: Path) -> None:
    """Move the finished files into ``out_dir``, ``run.json`` last (it marks completion)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "run.json").unlink(missing_ok=True)
    for name in OUTPUT_FILES:
        (staging / name).replace(out_dir / name)
