"""Stage 6a — the overlay and the centred replay.

``overlay.mp4`` is the clip with skeleton, box and time drawn on it.
``centred.mp4`` follows the skier: a fixed-size square crop whose centre
moves along a heavily low-passed (zero-phase) path of the track, so the
virtual camera glides instead of jittering with every box.

Pixels come from a :mod:`~poser_pipeline.video.frame_source` (the tracking
pass's spill, or a second decode: the same pixels) in a frame thread: the
overlay is scaled straight to I420 and stays I420 to the encoder (only the
regions with ink are drawn through BGR, :mod:`poser_pipeline.video.i420`); the
replay converts only the region it shows. The main thread draws and warps small images.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from poser_pipeline.pose.smooth import butterworth_1d
from poser_pipeline.progress import ProgressFn, no_progress
from poser_pipeline.render.draw import FrameInk, draw_ink
from poser_pipeline.settings import PipelineSettings
from poser_pipeline.video.decode import VideoInfo
from poser_pipeline.video.frame_source import FrameSource
from poser_pipeline.video.prefetch import prefetch
from poser_pipeline.video.writer import BackgroundWriter


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
    source: FrameSource,
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
    source : FrameSource
        The window's frames (``T`` of them), from the tracking pass's spill or decoded again.
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
        frames = _frames(source, info, path=path, zoom=zoom, size=size)
        for i, timestamp_ms, view, patch, origin in prefetch(frames):
            t0_ms = timestamp_ms if t0_ms is None else t0_ms
            shown_ms = timestamp_ms - t0_ms  # the videos start at 0
            label = f"{timestamp_ms / 1000:6.2f} s  frame {i}"

            labels = ((hud_text[i] if hud_text else "") or "", label)  # the time under the HUD, clear of
            # a browser's video controls, which cover the bottom edge
            ink = FrameInk(landmarks_xy[i] * k, boxes_xy[i] * k, bool(lost[i]), labels)
            draw_ink(view, out_w, out_h, ink)
            overlay.write(view, shown_ms, pixel_format="yuv420p")

            matrix = _follow_matrix(path[i], zoom, size)
            # the same warp as on the whole frame, moved to the patch's origin
            on_patch = matrix.copy()
            on_patch[:, 2] += zoom * origin
            follow = cv2.warpAffine(patch, on_patch, (size, size), flags=cv2.INTER_LINEAR)
            FrameInk(landmarks_xy[i] * zoom + matrix[:, 2], None, bool(lost[i]), labels).draw(follow)
            centred.write(follow, shown_ms)
            progress("render", i + 1, total)
    return paths


def _follow_matrix(centre: np.ndarray, zoom: float, size: int) -> np.ndarray:
    """2x3 affine map from frame pixels to the ``size`` px replay centred on ``centre``."""
    cx, cy = centre
    return np.array([[zoom, 0, size / 2 - cx * zoom], [0, zoom, size / 2 - cy * zoom]])


def follow_region(centre: np.ndarray, zoom: float, size: int, width: int, height: int) -> tuple[int, int, int, int]:
    """Frame pixels (x0, y0, x1, y1, ends exclusive) that the replay's warp samples.

    Bilinear sampling reads the pixel after each source position, and a
    2 px margin covers rounding; the region is clipped to the frame (the warp
    fills outside it with black, as it would on the whole frame). Never empty.
    """
    cx, cy = centre
    half = size / 2 / zoom
    x0 = int(np.clip(np.floor(cx - half) - 2, 0, width - 1))
    y0 = int(np.clip(np.floor(cy - half) - 2, 0, height - 1))
    x1 = int(np.clip(np.ceil(cx + half) + 3, x0 + 1, width))
    y1 = int(np.clip(np.ceil(cy + half) + 3, y0 + 1, height))
    return x0, y0, x1, y1


def _frames(source: FrameSource, info: VideoInfo, *, path: np.ndarray, zoom: float, size: int):
    """Yield ``(index, timestamp_ms, overlay I420, replay patch BGR, patch origin (2,) px)`` per frame.

    Runs in the frame thread: swscale and file reads release the GIL, so
    conversion overlaps the main thread's drawing and the encoders.
    """
    for frame in source.frames():
        rect = follow_region(path[frame.index], zoom, size, info.width, info.height)
        yield frame.index, frame.timestamp_ms, frame.overlay_i420(), frame.region_bgr(rect), _origin(rect)


def _origin(rect: tuple[int, int, int, int]) -> np.ndarray:
    return np.array(rect[:2], dtype=np.float64)
