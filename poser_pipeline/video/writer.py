"""Browser-playable H.264 MP4 writing with PyAV (libx264, yuv420p, +faststart).

OpenCV's writers on these wheels cannot write H.264, and their ``mp4v``
output does not play in Chromium or Safari; PyAV bundles FFmpeg with libx264.
"""

from __future__ import annotations

import queue
import threading
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

#: Presentation timestamps are written in this time base (seconds per tick).
TIME_BASE = Fraction(1, 90_000)


class H264Writer:
    """Write frames (BGR or I420) with their own timestamps to an MP4 file.

    Parameters
    ----------
    path : Path
    width, height : int
        Frame size, pixels; must be even (yuv420p).
    fps : float
        Nominal frame rate, recorded as the stream's rate.
    preset : str
        libx264 preset.
    crf : int
        libx264 constant-rate factor.
    """

    def __init__(self, path: Path, width: int, height: int, *, fps: float, preset: str, crf: int) -> None:
        if width % 2 or height % 2:
            raise ValueError(f"H.264 yuv420p needs even sizes, got {width}x{height}")
        self._container = av.open(str(path), mode="w", options={"movflags": "+faststart"})
        rate = Fraction(fps).limit_denominator(1001)
        self._stream = self._container.add_stream("libx264", rate=rate)
        self._stream.width = width
        self._stream.height = height
        self._stream.pix_fmt = "yuv420p"
        self._stream.time_base = TIME_BASE
        self._stream.codec_context.time_base = TIME_BASE
        self._stream.options = {"preset": preset, "crf": str(crf)}
        self._last_pts = -1

    def write(self, image: np.ndarray, timestamp_ms: float, *, pixel_format: str = "bgr24") -> None:
        """Encode one frame shown at ``timestamp_ms``.

        ``image`` is ``(height, width, 3) uint8`` BGR, or with
        ``pixel_format="yuv420p"`` an I420 array ``(height * 3 // 2, width)``
        (see :mod:`poser_pipeline.video.i420`), which x264 takes without conversion.
        """
        pts = max(round(timestamp_ms * 90), self._last_pts + 1)  # strictly increasing
        self._last_pts = pts
        if pixel_format == "bgr24":
            # OpenCV's BT.601 conversion (swscale's default matrix too) took ~1 ms less CPU
            # per 640 px frame than the conversion PyAV makes inside encode()
            image, pixel_format = cv2.cvtColor(image, cv2.COLOR_BGR2YUV_I420), "yuv420p"
        frame = av.VideoFrame.from_ndarray(image, format=pixel_format)
        frame.pts = pts
        frame.time_base = TIME_BASE
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def close(self) -> None:
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()

    def __enter__(self) -> H264Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class BackgroundWriter:
    """An :class:`H264Writer` fed through a bounded queue from its own thread.

    libx264 and PyAV release the GIL while encoding, so encoding overlaps the
    caller's drawing and the next frame's decode. Errors surface at ``close``.
    """

    def __init__(self, path: Path, width: int, height: int, *, fps: float, preset: str, crf: int) -> None:
        self._writer = H264Writer(path, width, height, fps=fps, preset=preset, crf=crf)
        self._queue: queue.Queue = queue.Queue(maxsize=8)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"poser-encode-{path.stem}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._error is None:
                try:
                    image, timestamp_ms, pixel_format = item
                    self._writer.write(image, timestamp_ms, pixel_format=pixel_format)
                except BaseException as exc:  # re-raised in close()
                    self._error = exc

    def write(self, image: np.ndarray, timestamp_ms: float, *, pixel_format: str = "bgr24") -> None:
        """Queue one frame, as :meth:`H264Writer.write` takes it (the array must not be modified afterwards)."""
        if self._error is not None:
            raise self._error
        self._queue.put((image, timestamp_ms, pixel_format))

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._writer.close()
        if self._error is not None:
            raise self._error

    def __enter__(self) -> BackgroundWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
