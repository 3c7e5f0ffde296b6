"""Synthetic clips with known ground truth, for tests, benchmarks and the demo.

:func:`write_moving_figure_clip` renders a textured figure skiing S-turns
across a snow-like background, optionally with a differently textured
distractor crossing its path, and returns the figure's true box per frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np


def _texture(rng: np.random.Generator, h: int, w: int, base: tuple[int, int, int]) -> np.ndarray:
    """A blocky random texture around ``base`` colour, ``(h, w, 3) uint8``."""
    blocks = rng.integers(-70, 70, size=(max(2, h // 6), max(2, w // 6), 3))
    noise = cv2.resize(blocks.astype(np.float32), (w, h), interpolation=cv2.INTER_NEAREST)
    return np.clip(np.array(base, np.float32) + noise, 0, 255).astype(np.uint8)


def figure_path(n_frames: int, width: int, height: int, *, fig_w: int, fig_h: int) -> np.ndarray:
    """True boxes ``(T, 4)`` px of a figure doing S-turns down (and across) the frame."""
    t = np.linspace(0.0, 1.0, n_frames)
    cx = width * (0.5 + 0.3 * np.sin(2 * np.pi * 1.5 * t))
    cy = height * (0.3 + 0.4 * t)
    return np.column_stack([cx - fig_w / 2, cy - fig_h / 2, cx + fig_w / 2, cy + fig_h / 2])


def write_video(
    path: Path,
    frames_bgr: Sequence[np.ndarray],
    *,
    fps: float = 25.0,
    timestamps_s: Sequence[float] | None = None,
    rotation_deg: int = 0,
) -> None:
    """Encode frames to H.264 MP4; ``timestamps_s`` gives variable frame times.

    ``rotation_deg`` is stored as display-matrix metadata (counter-clockwise),
    as phones do; the pixels are written as given.
    """
    h, w = frames_bgr[0].shape[:2]
    time_base = Fraction(1, 90_000)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.time_base = time_base
        stream.codec_context.time_base = time_base
        stream.options = {"preset": "ultrafast", "crf": "18"}
        if rotation_deg:
            stream.set_display_rotation(rotation_deg)
        for i, image in enumerate(frames_bgr):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="bgr24")
            t = i / fps if timestamps_s is None else timestamps_s[i]
            frame.pts = round(t * 90_000)
            frame.time_base = time_base
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def render_moving_figure(
    *,
    width: int = 320,
    height: int = 240,
    n_frames: int = 60,
    fig_size: tuple[int, int] = (28, 56),
    distractor: bool = True,
    seed: int = 0,
) -> tuple[list[np.ndarray], np.ndarray]:
    """Frames ``[(H, W, 3) uint8]`` and the figure's true boxes ``(T, 4)`` px.

    The distractor (another textured figure, in other colours) crosses the
    figure's path from right to left mid-clip, passing behind it.
    """
    rng = np.random.default_rng(seed)
    fig_w, fig_h = fig_size
    truth = figure_path(n_frames, width, height, fig_w=fig_w, fig_h=fig_h)
    figure = _texture(rng, fig_h, fig_w, (40, 60, 200))
    other = _texture(rng, fig_h, fig_w, (160, 90, 30))
    snow = np.clip(rng.normal(225, 6, size=(height, width, 3)), 0, 255).astype(np.uint8)
    frames = []
    for i in range(n_frames):
        image = snow.copy()
        if distractor:
            # crosses the figure's position at mid-clip
            mid = truth[n_frames // 2]
            dx = (i - n_frames // 2) * (-width / n_frames * 1.2)
            _paste(image, other, round(mid[0] + dx), round(mid[1]))
        _paste(image, figure, round(truth[i, 0]), round(truth[i, 1]))
        image = cv2.GaussianBlur(image, (3, 3), 0)
        frames.append(image)
    return frames, truth


def _paste(image: np.ndarray, sprite: np.ndarray, x: int, y: int) -> None:
    h, w = sprite.shape[:2]
    H, W = image.shape[:2]  # noqa: N806 - image size
    x0, y0, x1, y1 = max(0, x), max(0, y), min(W, x + w), min(H, y + h)
    if x1 <= x0 or y1 <= y0:
        return
    image[y0:y1, x0:x1] = sprite[y0 - y : y1 - y, x0 - x : x1 - x]


def write_moving_figure_clip(path: Path, *, fps: float = 25.0, **kwargs: object) -> np.ndarray:
    """Write :func:`render_moving_figure`'s clip to ``path``; return the true boxes."""
    frames, truth = render_moving_figure(**kwargs)
    write_video(path, frames, fps=fps)
    return truth
