"""Persistent swscale contexts: the same pixels as PyAV's one-off conversions, one context per thread and purpose."""

from __future__ import annotations

import threading

import av
import numpy as np

from poser_pipeline.video import swscale


def _frames(n: int = 3) -> list[av.VideoFrame]:
    rng = np.random.default_rng(0)
    frames = []
    for _ in range(n):
        rgb = rng.integers(0, 255, (96, 128, 3), dtype=np.uint8)
        frames.append(av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p"))
    return frames


def test_pixels_equal_pyav_one_off_conversions():
    for frame in _frames():
        np.testing.assert_array_equal(swscale.to_bgr24(frame), frame.to_ndarray(format="bgr24"))
        scaled = swscale.reformat(frame, "test-scale", width=64, height=48, format="yuv420p", interpolation="AREA")
        expected = frame.reformat(width=64, height=48, format="yuv420p", interpolation="AREA")
        np.testing.assert_array_equal(scaled.to_ndarray(), expected.to_ndarray())


def test_each_thread_keeps_its_own_context_per_purpose():
    frame = _frames(1)[0]
    swscale.to_bgr24(frame)
    mine = dict(swscale._local.formatters)
    swscale.to_bgr24(frame)
    swscale.reformat(frame, "other", format="rgb24")
    assert swscale._local.formatters["bgr"] is mine["bgr"]  # kept, not rebuilt
    assert len(swscale._local.formatters) == len(mine) + ("other" not in mine)  # one more purpose, its own
    seen = {}

    def convert() -> None:
        swscale.to_bgr24(frame)
        seen["bgr"] = swscale._local.formatters["bgr"]

    thread = threading.Thread(target=convert)
    thread.start()
    thread.join()
    assert seen["bgr"] is not mine["bgr"]
