"""Stage 6a — the overlay and the centred replay, from a second decode pass.

``overlay.mp4`` is the clip with skeleton, box and time drawn on it.
``centred.mp4`` follows the skier: a fixed-size square crop whose centre
moves along a heavily low-passed (zero-phase) path of the track, so the
virtual camera glides instead of jittering with every box.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from poser_pipeline.decode import VideoInfo, iter_window
from poser_pipeline.draw import draw_box, draw_label, draw_lost_marker, draw_skeleton
from poser_pipeline.prefetch import prefetch
from poser_pipeline.progress import ProgressFn, no_progress
from poser_pipeline.settings import PipelineSettings
from poser_pipeline.smooth import butterworth_1d
from poser_pipeline.video_writer import BackgroundWriter


def overlay_size(width: int, height: int, max_side: int) -> tuple[int, int, float]:
    """Even output size no longer than ``max_side`` and its scale from the input."""
    k = min(1.0, max_side / max(width, height))
    out_w, out_h = round(width * k / 2) * 2, round(height * k / 2) * 2
    return out_w, out_h, out_w / width


def camera_path(boxes_xy: np.ndarray, *, fps: float, cutoff_hz: float) -> tuple[np.ndarray, float]:
    """Smoothed virtual-camera centres ``(T, 2)`` px and the box height ``(px)`` to frame.

    Missing boxes are bridged by interpolation (a camera has to be
    somewhere); the path is low-passed forward and backward, so it has no lag.
    """
    centres = np.column_stack([(boxes_xy[:, 0] + boxes_xy[:, 2]) / 2, (boxes_xy[:, 1] + boxes_xy[:, 3]) / 2])
    heights = boxes_xy[:, 3] - boxes_xy[:, 1]
    t = np.arange(len(centres))
    ok = np.isfinite(centres).all(axis=1)
    if not ok.any():
        raise ValueError("no box to follow")
    path = np.column_stack([np.interp(t, t[ok], centres[ok, j]) for j in range(2)])
    path = np.column_stack(
        [butterworth_1d(path[:, j], fps=fps, cutoff_hz=cutoff_hz, order=2, min_chunk=8) for j in range(2)]
    )
    return path, float(np.percentile(heights[ok], 90))


def render_videos(
    info: VideoInfo,
    start_s: float,
    end_s: float,
    *,
    boxes_xy: np.ndarray,
    lost: np.ndarray,
    landmarks_xy: np.ndarray,
    out_dir: Path,
    settings: PipelineSettings,
    hud_text: list[str] | None = None,
    progress: ProgressFn = no_progress,
) -> dict[str, Path]:
    """Write ``overlay.mp4`` and ``centred.mp4`` into ``out_dir``.

    Parameters
    ----------
    boxes_xy : (T, 4) float ndarray, pixels
    lost : (T,) bool ndarray
    landmarks_xy : (T, 33, 2) float ndarray, pixels (smoothed); NaN where none
    hud_text : list of str, optional
        One line per frame drawn top-left on both videos (turn phase, edge angles).
    """
    total = len(boxes_xy)
    out_w, out_h, k = overlay_size(info.width, info.height, settings.overlay_max_side_px)
    path, box_h = camera_path(boxes_xy, fps=info.fps, cutoff_hz=settings.camera_cutoff_hz)
    crop_side = max(64.0, settings.centred_box_scale * box_h)
    size = settings.centred_size_px
    zoom = size / crop_side
    paths = {"overlay": out_dir / "overlay.mp4", "centred": out_dir / "centred.mp4"}
    writer_args = dict(fps=info.fps, preset=settings.x264_preset, crf=settings.x264_crf)
    with (
        BackgroundWriter(paths["overlay"], out_w, out_h, **writer_args) as overlay,
        BackgroundWriter(paths["centred"], size, size, **writer_args) as centred,
    ):
        t0_ms = None
        frames = ((f.index, f.timestamp_ms, f.to_bgr()) for f in iter_window(info, start_s, end_s))
        for i, timestamp_ms, image in prefetch(frames):
            if i >= total:
                break
            t0_ms = timestamp_ms if t0_ms is None else t0_ms
            shown_ms = timestamp_ms - t0_ms  # the videos start at 0
            label = f"{timestamp_ms / 1000:6.2f} s  frame {i}"

            view = cv2.resize(image, (out_w, out_h), interpolation=cv2.INTER_AREA) if k != 1.0 else image.copy()
            draw_skeleton(view, landmarks_xy[i] * k)
            draw_box(view, boxes_xy[i] * k, lost=bool(lost[i]))
            draw_label(view, label)
            if hud_text and hud_text[i]:
                draw_label(view, hud_text[i], corner="top-left")
            if lost[i]:
                draw_lost_marker(view)
            overlay.write(view, shown_ms)

            cx, cy = path[i]
            matrix = np.array([[zoom, 0, size / 2 - cx * zoom], [0, zoom, size / 2 - cy * zoom]])
            follow = cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR)
            draw_skeleton(follow, landmarks_xy[i] * zoom + matrix[:, 2])
            draw_label(follow, label)
            if hud_text and hud_text[i]:
                draw_label(follow, hud_text[i], corner="top-left")
            if lost[i]:
                draw_lost_marker(follow)
            centred.write(follow, shown_ms)
            progress("render", i + 1, total)
    return paths
