"""Stage 1 — probe and decode a clip with PyAV.

Frames are streamed one at a time, rotated upright (the display matrix of
phone clips is applied) and limited to the analysed window. Nothing here holds
more than one chunk of full frames in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from poser_pipeline.errors import PoserInputError, WindowError

_EPS_S = 1e-6


@dataclass(frozen=True)
class VideoInfo:
    """What the probe learned about a clip.

    ``width``/``height`` are of the upright (rotation-applied) frame, pixels.
    ``rotation_deg`` is the counter-clockwise rotation that makes the stored
    frame upright (PyAV's ``VideoFrame.rotation``). ``duration_s`` and
    ``fps`` come from the container; ``start_s`` is the first frame's time.
    """

    path: Path
    width: int
    height: int
    rotation_deg: int
    codec: str
    fps: float
    duration_s: float
    start_s: float
    num_frames_hint: int

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.path.name,
            "width": self.width,
            "height": self.height,
            "rotation_deg": self.rotation_deg,
            "codec": self.codec,
            "fps": self.fps,
            "duration_s": self.duration_s,
        }


@dataclass
class DecodedFrame:
    """One decoded frame of the analysed window.

    ``index`` counts frames of the window from 0; ``timestamp_ms`` is the
    stream's presentation time from the clip's first frame, so variable
    frame-rate clips keep their real timing.
    """

    index: int
    timestamp_ms: float
    _frame: av.VideoFrame
    _rotation_deg: int

    @property
    def av_frame(self) -> av.VideoFrame:
        """The decoded frame as stored (not rotated), for partial conversions."""
        return self._frame

    def to_bgr(self) -> np.ndarray:
        """Return the upright frame, ``(H, W, 3) uint8`` BGR."""
        image = self._frame.to_ndarray(format="bgr24")
        return upright(image, self._rotation_deg)


def upright(image: np.ndarray, rotation_deg: int) -> np.ndarray:
    """Rotate ``image`` counter-clockwise by ``rotation_deg`` (a multiple of 90)."""
    quarter_turns = (rotation_deg // 90) % 4
    if quarter_turns == 0:
        return image
    return np.ascontiguousarray(np.rot90(image, k=quarter_turns))


def _open(path: Path, *, threads: int = 0) -> tuple[av.container.InputContainer, av.video.stream.VideoStream]:
    if not path.is_file():
        raise PoserInputError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise PoserInputError(f"{path.name} is empty (0 bytes): upload the video again")
    try:
        container = av.open(str(path))
    except av.error.FFmpegError as exc:
        with path.open("rb") as fh:
            head = fh.read(12)
        if head[4:8] == b"ftyp":  # an MP4/MOV whose index never arrived
            raise PoserInputError(
                f"{path.name} is an MP4/MOV without its index (moov): it is truncated (an incomplete upload or copy?)"
            ) from exc
        raise PoserInputError(f"{path.name} is not a video file we can read ({exc.strerror or exc})") from exc
    if not container.streams.video:
        container.close()
        raise PoserInputError(f"{path.name} has no video stream (audio only?)")
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    if threads:
        stream.thread_count = threads
    return container, stream


def probe_video(path: str | Path) -> VideoInfo:
    """Open ``path``, decode its first frame and describe the clip.

    Raises
    ------
    PoserInputError
        For a missing, empty, non-video, audio-only or undecodable file.
    """
    path = Path(path)
    container, stream = _open(path)
    try:
        try:
            first = next(iter(container.decode(stream)), None)
        except av.error.FFmpegError as exc:
            raise PoserInputError(
                f"{path.name} could not be decoded ({exc.strerror or exc}): is it truncated?"
            ) from exc
        if first is None:
            raise PoserInputError(f"{path.name} holds no decodable video frames: is it truncated?")
        _refuse_still_image(path, container, stream)
        rotation = round(first.rotation or 0) % 360
        width, height = first.width, first.height
        if rotation in (90, 270):
            width, height = height, width
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate or Fraction(30)
        fps = float(rate)
        start_s = float(first.time or 0.0)
        duration_s = _duration_s(container, stream)
        return VideoInfo(
            path=path,
            width=width,
            height=height,
            rotation_deg=rotation,
            codec=stream.codec_context.name,
            fps=fps,
            duration_s=duration_s,
            start_s=start_s,
            num_frames_hint=int(stream.frames or round(duration_s * fps)),
        )
    finally:
        container.close()


def _refuse_still_image(
    path: Path, container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> None:
    """Raise for a photo or a one-frame GIF: it opens as a video with one frame and no duration."""
    name = container.format.name
    if name == "image2" or name.endswith("_pipe"):
        kind = stream.codec_context.name.upper().replace("MJPEG", "JPEG")
        raise PoserInputError(f"{path.name} is an image ({kind}), not a video: choose the clip itself")
    try:
        second = next(iter(container.decode(stream)), None)
    except av.error.FFmpegError:
        return  # a damaged second frame is the decoder's to report when the run reads it
    if second is None:
        raise PoserInputError(f"{path.name} holds a single frame: it is a still image, not a video")


def _duration_s(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    return 0.0


def resolve_window(
    info: VideoInfo, start_s: float | None, end_s: float | None, *, max_window_s: float
) -> tuple[float, float]:
    """Check the trim window against the clip and the length limit.

    Returns
    -------
    (start_s, end_s) : tuple of float
        Seconds from the clip's start; ``end_s`` is exclusive.
    """
    start = 0.0 if start_s is None else float(start_s)
    end = info.duration_s if end_s is None else float(end_s)
    if start < 0:
        raise WindowError(f"the window starts at {start:g} s, before the clip does (0 s)")
    if start >= info.duration_s:
        raise WindowError(f"the window starts at {start:g} s, past the end of the clip ({info.duration_s:.2f} s)")
    if end <= start:
        raise WindowError(f"the trim window is empty: it ends at {end:g} s, not after its start at {start:g} s")
    end = min(end, info.duration_s)
    if end - start > max_window_s + _EPS_S:
        raise WindowError(
            f"the clip is {info.duration_s:.1f} s long and Poser analyses at most {max_window_s:g} s: "
            f"choose a window of at most {max_window_s:g} s (e.g. {start:g}–{start + max_window_s:g} s)"
        )
    return start, end


def iter_window(info: VideoInfo, start_s: float, end_s: float, *, threads: int = 0) -> Iterator[DecodedFrame]:
    """Yield the frames whose time lies in ``[start_s, end_s)``, in order.

    Conversion to pixels is lazy (:meth:`DecodedFrame.to_bgr`), so frames a
    caller skips cost only their decode. ``threads`` is FFmpeg's decoder
    thread count (0: one per core, plus one).
    """
    container, stream = _open(info.path, threads=threads)
    try:
        if start_s > 1.0:
            container.seek(int((info.start_s + start_s) / stream.time_base), stream=stream, backward=True)
        index = 0
        for frame in _decode_safely(container, stream, info.path):
            t = float(frame.time or 0.0) - info.start_s
            if t < start_s - _EPS_S:
                continue
            if t >= end_s - _EPS_S:
                break
            yield DecodedFrame(index, t * 1000.0, frame, info.rotation_deg)
            index += 1
    finally:
        container.close()


def iter_window_reversed(
    info: VideoInfo, timestamps_ms: list[float], stop_index: int, *, chunk_frames: int = 32, threads: int = 0
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(index, bgr)`` for window frames ``stop_index - 1`` down to 0.

    ``timestamps_ms`` are the window's frame times from a forward pass.
    Frames are decoded forward in chunks of ``chunk_frames`` (seeking to each
    chunk) and handed out in reverse, so memory stays at one chunk.
    """
    for chunk_end in range(stop_index, 0, -chunk_frames):
        chunk_start = max(0, chunk_end - chunk_frames)
        wanted = {round(timestamps_ms[i], 3): i for i in range(chunk_start, chunk_end)}
        images: dict[int, np.ndarray] = {}
        container, stream = _open(info.path, threads=threads)
        try:
            seek_s = info.start_s + timestamps_ms[chunk_start] / 1000.0
            container.seek(max(0, int(seek_s / stream.time_base)), stream=stream, backward=True)
            for frame in _decode_safely(container, stream, info.path):
                t_ms = round((float(frame.time or 0.0) - info.start_s) * 1000.0, 3)
                if t_ms > timestamps_ms[chunk_end - 1] + 1e-3:
                    break
                if t_ms in wanted:
                    images[wanted[t_ms]] = upright(frame.to_ndarray(format="bgr24"), info.rotation_deg)
        finally:
            container.close()
        for index in range(chunk_end - 1, chunk_start - 1, -1):
            if index in images:
                yield index, images.pop(index)


def _decode_safely(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, path: Path
) -> Iterator[av.VideoFrame]:
    """Decode frames, ending quietly at a truncated tail instead of crashing."""
    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except av.error.FFmpegError:
            return  # truncated container: keep what decoded
        try:
            yield from packet.decode()
        except av.error.InvalidDataError:
            continue  # one corrupt packet; the decoder recovers at the next keyframe
