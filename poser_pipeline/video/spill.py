"""Decoded frames kept on disk between the two passes, so a clip is decoded once.

The render needs every frame of the window again: scaled for the overlay and
a full-resolution region for the centred replay. Decoding and scaling a 1080p
clip a second time took 1.2 of the render's 2.9 CPU-seconds. The tracking pass
already decodes every frame on the core beside the pose chain, and that core
idles most of each frame (the chain needs ~17 ms a frame, decoding ~6 ms). So
while tracking, :class:`FrameSpillWriter` writes each frame's scaled overlay
(I420) and its decoded YUV planes to two files, and the render reads them back
through :class:`FrameSpill`. The pixels are exactly the ones a second decode
gives (the same decoder output, the same swscale conversions), so the videos do
not change.

The cost is disk: 4.3 MiB a 1080p frame (2.5 GiB for a 20 s 1080p30
window), in the run's staging folder, deleted as soon as the render is done
(and with the folder on any failure). Written and read back within seconds,
the files live in the page cache and mostly never reach the disk; they are
read with plain reads, not mapped, so they do not count towards the process's
resident memory. A spill is not started when it would exceed
``render_spill_max_mb``, the free disk less a reserve, or (on Linux) the share
of available memory, a container's limit included, at which the kernel starts
making writers wait for the disk (:func:`page_cache_room_bytes`): on a small
machine with a slow disk, waiting for writes would stall the decoder that feeds
the pose chain. A write that fails (a full
disk) or a window that outgrows any of those limits (the estimate comes from
the container's duration) ends the spill and deletes its files. In every such case
the render decodes the clip a second time, as it did before the spill existed.
Only yuv420p frames are spilled (:func:`~poser_pipeline.video.pixels.is_cuttable`):
other formats (GIF, 10-bit) are converted whole and are decoded again.
"""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from poser_pipeline.video.decode import DecodedFrame
from poser_pipeline.video.pixels import cut_bounds, cut_to_bgr, is_cuttable, scaled_frame, upright_i420

#: Disk a spill leaves free for everything else on the same file system, bytes.
FREE_DISK_RESERVE_BYTES = 512 * 2**20
#: Margin on the expected frame count (variable frame rate, rounding).
_FRAME_COUNT_SLACK = 1.1


def spill_bytes_estimate(width: int, height: int, overlay_wh: tuple[int, int], num_frames: int) -> int:
    """Bytes a spill of ``num_frames`` frames of ``width`` x ``height`` px takes (I420 planes, padding ignored)."""
    per_frame = width * height * 3 // 2 + overlay_wh[0] * overlay_wh[1] * 3 // 2
    return int(per_frame * num_frames)


def page_cache_room_bytes(proc: Path = Path("/proc"), cgroup_root: Path = Path("/sys/fs/cgroup")) -> int | None:
    """Bytes of unwritten file data Linux holds before it slows writers down, or ``None`` where unknown.

    The kernel starts throttling writers midway between ``vm.dirty_background_ratio``
    and ``vm.dirty_ratio`` percent of available memory (``vm.dirty_bytes`` when
    set instead). Available memory is the smaller of ``MemAvailable`` and what
    the process's cgroup (v2, a container's limit) has left. Other systems have
    no ``/proc``: ``None``.
    """
    try:
        dirty_bytes = int((proc / "sys/vm/dirty_bytes").read_text())
        if dirty_bytes:
            return dirty_bytes
        ratio = int((proc / "sys/vm/dirty_ratio").read_text())
        background = int((proc / "sys/vm/dirty_background_ratio").read_text())
        meminfo = (proc / "meminfo").read_text()
    except (OSError, ValueError):
        return None
    lines = [line for line in meminfo.splitlines() if line.startswith("MemAvailable:")]
    if not lines:
        return None
    available = int(lines[0].split()[1]) * 1024
    left = _cgroup_memory_left(proc, cgroup_root)
    if left is not None:
        available = min(available, left)
    return available * (ratio + background) // 200


def _cgroup_memory_left(proc: Path, cgroup_root: Path) -> int | None:
    """Bytes the process's cgroup v2 may still use (``memory.max - memory.current``), ``None`` without a limit."""
    try:
        own = [line[3:] for line in (proc / "self/cgroup").read_text().splitlines() if line.startswith("0::")]
        folder = cgroup_root / own[0].strip().lstrip("/")
        limit = (folder / "memory.max").read_text().strip()
        if limit == "max":
            return None
        return max(0, int(limit) - int((folder / "memory.current").read_text()))
    except (OSError, ValueError, IndexError):
        return None


@dataclass(frozen=True)
class _Layout:
    """Byte layout of one frame in a spill file: each plane's rows with their line padding, as decoded."""

    pixel_format: str
    width: int
    height: int
    line_sizes: tuple[int, ...]
    rows: tuple[int, ...]
    cols: tuple[int, ...]

    @classmethod
    def of(cls, frame: av.VideoFrame) -> _Layout:
        planes = frame.planes
        return cls(
            frame.format.name,
            frame.width,
            frame.height,
            tuple(p.line_size for p in planes),
            tuple(p.height for p in planes),
            tuple(p.width for p in planes),
        )

    @property
    def frame_bytes(self) -> int:
        return sum(size * rows for size, rows in zip(self.line_sizes, self.rows, strict=True))

    def plane_offset(self, index: int) -> int:
        return sum(size * rows for size, rows in zip(self.line_sizes[:index], self.rows[:index], strict=True))

    def planes(self, record: np.ndarray) -> tuple[np.ndarray, ...]:
        """Views of each plane's pixels ``(rows, cols)`` in one frame's ``record`` (``frame_bytes`` uint8)."""
        return tuple(
            record[self.plane_offset(i) : self.plane_offset(i) + size * rows].reshape(rows, size)[:, :cols]
            for i, (size, rows, cols) in enumerate(zip(self.line_sizes, self.rows, self.cols, strict=True))
        )


def _write_planes(fh, frame: av.VideoFrame) -> None:
    # straight from the decoder's and the scaler's buffers: NumPy views of them here, on the decode
    # thread, made the heap keep ~0.8 GB more on a 1080p clip (measured; not understood in detail)
    for plane in frame.planes:
        fh.write(memoryview(plane))


class FrameSpillWriter:
    """Writes the window's decoded frames as they are decoded; see the module docstring.

    Use :meth:`start`, which refuses a spill that does not fit, then
    :meth:`put` every frame of the window in order and :meth:`finish`. A spill
    that cannot be written (disk, budget, a format it cannot cut) is dropped
    without an exception: :attr:`reason` says why, and the render decodes again.
    """

    def __init__(self, directory: Path, *, rotation_deg: int, overlay_wh: tuple[int, int], max_bytes: int) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.rotation_deg = rotation_deg
        self.overlay_wh = overlay_wh
        self.max_bytes = max_bytes
        self.reason: str | None = None
        with contextlib.ExitStack() as opened:  # both files, or neither stays open
            self._files = tuple(
                opened.enter_context(open(directory / name, "wb")) for name in ("overlay.i420", "frames.yuv")
            )
            opened.pop_all()
        self._layout: _Layout | None = None
        self._overlay_layout: _Layout | None = None
        self._colorspace = 0
        self._timestamps_ms: list[float] = []
        self._written = 0

    @classmethod
    def start(
        cls,
        directory: Path,
        *,
        width: int,
        height: int,
        rotation_deg: int,
        overlay_wh: tuple[int, int],
        expected_frames: int,
        max_mb: float,
    ) -> tuple[FrameSpillWriter | None, str | None]:
        """A writer, or ``None`` and the reason when the spill would not fit.

        ``width`` x ``height`` px is the upright frame; ``expected_frames`` the
        window's frame count from its duration and rate.
        """
        budget = int(max_mb * 2**20)
        need = spill_bytes_estimate(width, height, overlay_wh, int(expected_frames * _FRAME_COUNT_SLACK) + 1)
        if budget <= 0:
            return None, "render_spill_max_mb is 0 (spill off)"
        if need > budget:
            return None, f"the window needs about {need / 2**20:.0f} MiB, more than render_spill_max_mb ({max_mb:g})"
        try:
            disk_left = shutil.disk_usage(directory.parent).free - FREE_DISK_RESERVE_BYTES
        except OSError as exc:
            return None, f"the staging folder's free disk is unknown ({exc.strerror or exc})"
        if need > disk_left:
            return (
                None,
                f"the window needs about {need / 2**20:.0f} MiB; "
                f"only {max(0, disk_left) / 2**20:.0f} MiB of disk is spare",
            )
        room = page_cache_room_bytes()
        if room is not None and need > room:
            return None, (
                f"the window needs about {need / 2**20:.0f} MiB; more than {room / 2**20:.0f} MiB of unwritten "
                "files would make the decoder wait for the disk (vm.dirty_*ratio of available memory)"
            )
        # a window that outgrows the estimate (a wrong duration in the container) stops at every limit too
        max_bytes = min(budget, disk_left, room if room is not None else budget)
        try:
            return cls(directory, rotation_deg=rotation_deg, overlay_wh=overlay_wh, max_bytes=max_bytes), None
        except OSError as exc:
            shutil.rmtree(directory, ignore_errors=True)
            return None, f"the frame files could not be created ({exc.strerror or exc})"

    @property
    def active(self) -> bool:
        return self.reason is None

    def put(self, frame: DecodedFrame) -> None:
        """Keep one frame (the next of the window); call from one thread, in window order."""
        if not self.active:
            return
        av_frame = frame.av_frame
        if self._layout is None:
            if not is_cuttable(av_frame):
                self._drop(f"{av_frame.format.name} {av_frame.width}x{av_frame.height} frames are converted whole")
                return
            self._layout = _Layout.of(av_frame)
            self._colorspace = av_frame.colorspace
        elif _Layout.of(av_frame) != self._layout or av_frame.colorspace != self._colorspace:
            self._drop("the frame size or format changes within the window")
            return
        overlay = scaled_frame(av_frame, self.rotation_deg, *self.overlay_wh)
        if self._overlay_layout is None:
            self._overlay_layout = _Layout.of(overlay)
        elif _Layout.of(overlay) != self._overlay_layout:
            self._drop("the scaler's output layout changes within the window")
            return
        self._written += self._overlay_layout.frame_bytes + self._layout.frame_bytes
        if self._written > self.max_bytes:
            # max_bytes is the smallest of the three limits start() checked the estimate against
            self._drop(
                f"the window outgrew render_spill_max_mb or the spare disk or memory ({self.max_bytes / 2**20:.0f} MiB)"
            )
            return
        try:
            _write_planes(self._files[0], overlay)
            _write_planes(self._files[1], av_frame)
        except (OSError, ValueError) as exc:  # ValueError: closed by discard() after the pass failed
            self._drop(f"writing the frames failed ({getattr(exc, 'strerror', None) or exc})")
            return
        self._timestamps_ms.append(frame.timestamp_ms)

    def finish(self) -> FrameSpill | None:
        """Close the files; the spill to read, or ``None`` (see :attr:`reason`)."""
        if not self.active:
            return None
        try:
            for fh in self._files:
                fh.close()
        except OSError as exc:  # the last buffered bytes could not be written
            self._drop(f"writing the frames failed ({exc.strerror or exc})")
            return None
        if self._layout is None:
            self._drop("no frame was decoded")
            return None
        return FrameSpill(
            self.directory,
            (self._layout, self._overlay_layout),
            self._colorspace,
            self.rotation_deg,
            self.overlay_wh,
            self._timestamps_ms,
        )

    def discard(self) -> None:
        """Close and delete the files without reading them (the pass failed, or another backend ran)."""
        if self.active:
            self._drop("discarded")

    def _drop(self, reason: str) -> None:
        self.reason = reason
        for fh in self._files:
            with contextlib.suppress(OSError):  # a buffered write failed again: the file goes anyway
                fh.close()
        shutil.rmtree(self.directory, ignore_errors=True)


class FrameSpill:
    """Read access to a finished spill: the render's two inputs per frame.

    Not thread-safe: one reader thread (the render's frame thread); :meth:`close`
    once that thread is done.
    """

    def __init__(
        self,
        directory: Path,
        layouts: tuple[_Layout, _Layout],
        colorspace: int,
        rotation_deg: int,
        overlay_wh: tuple[int, int],
        timestamps_ms: list[float],
    ) -> None:
        self.directory = directory
        self._layout, self._overlay_layout = layouts
        self._colorspace = colorspace
        self.rotation_deg = rotation_deg
        self.overlay_wh = overlay_wh
        self.timestamps_ms = timestamps_ms
        self._overlay = open(directory / "overlay.i420", "rb")  # noqa: SIM115 - closed by close()
        self._frames = open(directory / "frames.yuv", "rb")  # noqa: SIM115 - closed by close()

    @property
    def num_frames(self) -> int:
        return len(self.timestamps_ms)

    @property
    def nbytes(self) -> int:
        """Bytes on disk."""
        return self.num_frames * (self._overlay_layout.frame_bytes + self._layout.frame_bytes)

    def overlay_i420(self, index: int) -> np.ndarray:
        """Frame ``index`` as :func:`~poser_pipeline.video.pixels.scaled_i420` gave it (a writable copy)."""
        record = np.empty(self._overlay_layout.frame_bytes, dtype=np.uint8)
        self._read_into(self._overlay, index * record.nbytes, record)
        return upright_i420(self._overlay_layout.planes(record), self.rotation_deg)

    def region_bgr(self, index: int, rect: tuple[int, int, int, int]) -> np.ndarray:
        """Upright BGR of ``rect`` of frame ``index``, as :func:`~poser_pipeline.video.pixels.region_bgr`."""
        layout = self._layout
        stored, cut = cut_bounds(rect, self.rotation_deg, layout.width, layout.height)
        ax0, ay0, ax1, ay1 = cut
        planes = []
        for plane, (row0, row1, col0, col1) in enumerate(
            [(ay0, ay1, ax0, ax1)] + 2 * [(ay0 // 2, ay1 // 2, ax0 // 2, ax1 // 2)]
        ):
            # only the cut's rows are read, whole (a line's padding included)
            line = layout.line_sizes[plane]
            rows = np.empty((row1 - row0, line), dtype=np.uint8)
            offset = index * layout.frame_bytes + layout.plane_offset(plane) + row0 * line
            self._read_into(self._frames, offset, rows)
            planes.append(rows[:, col0:col1])
        return cut_to_bgr(
            tuple(planes),
            pixel_format=layout.pixel_format,
            colorspace=self._colorspace,
            stored=stored,
            cut=cut,
            rotation_deg=self.rotation_deg,
        )

    @staticmethod
    def _read_into(fh, offset: int, out: np.ndarray) -> None:
        fh.seek(offset)
        if fh.readinto(memoryview(out).cast("B")) != out.nbytes:
            raise OSError(f"the frame spill in {fh.name} ends early")

    def close(self) -> None:
        """Close and delete the files."""
        self._overlay.close()
        self._frames.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> FrameSpill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
