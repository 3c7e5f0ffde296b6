"""The tracking pass's frame spill: the render reads back exactly what a second decode gives.

Every test decodes real H.264 (or GIF) files; the write failure is a real one,
from the operating system's file-size limit in a child process.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import av
import numpy as np
import pytest

import poser_pipeline.analyze as analyze_module
from poser_pipeline.analyze import OUTPUT_FILES, analyze, start_spill
from poser_pipeline.settings import PipelineSettings
from poser_pipeline.synthetic.video import render_moving_figure, write_video
from poser_pipeline.video.decode import iter_window, probe_video
from poser_pipeline.video.pixels import region_bgr, scaled_i420
from poser_pipeline.video.spill import FrameSpill, FrameSpillWriter, page_cache_room_bytes
from tests.shared_clips import SHARED_CLIPS

FPS = 25.0


def _figure_clip(path: Path, *, rotation_deg: int = 0, n_frames: int = 24) -> np.ndarray:
    """A 160x120 px (stored) H.264 clip of a moving figure; returns its upright boxes."""
    frames, truth = render_moving_figure(width=160, height=120, n_frames=n_frames, distractor=False, seed=4)
    if rotation_deg:
        frames = [np.ascontiguousarray(np.rot90(f, k=-rotation_deg // 90)) for f in frames]
    write_video(path, frames, fps=FPS, rotation_deg=rotation_deg)
    return truth


def _spill_window(path: Path, folder: Path, *, end_s: float | None = None, **settings) -> FrameSpill | None:
    """Spill ``path``'s window as the tracking pass does (every frame, in the decode order)."""
    info = probe_video(path)
    end = info.duration_s if end_s is None else end_s
    writer, reason = start_spill(folder, info, 0.0, end, PipelineSettings(**settings))
    assert writer is not None, reason
    for frame in iter_window(info, 0.0, end):
        writer.put(frame)
    return writer.finish()


def _assert_spill_equals_decode(path: Path, spill: FrameSpill, *, end_s: float | None = None, rects: int = 20) -> None:
    info = probe_video(path)
    rng = np.random.default_rng(0)
    count = 0
    for frame in iter_window(info, 0.0, info.duration_s if end_s is None else end_s):
        i = frame.index
        assert spill.timestamps_ms[i] == frame.timestamp_ms
        np.testing.assert_array_equal(
            spill.overlay_i420(i), scaled_i420(frame.av_frame, info.rotation_deg, *spill.overlay_wh)
        )
        for _ in range(rects):
            x0, x1 = sorted(rng.choice(info.width + 1, 2, replace=False))
            y0, y1 = sorted(rng.choice(info.height + 1, 2, replace=False))
            rect = (int(x0), int(y0), int(x1), int(y1))
            np.testing.assert_array_equal(
                spill.region_bgr(i, rect), region_bgr(frame.av_frame, info.rotation_deg, rect), err_msg=str(rect)
            )
        count += 1
    assert count == spill.num_frames


@pytest.mark.parametrize("rotation_deg", [0, 90, 180, 270])
def test_spilled_frames_equal_a_second_decode(tmp_path, rotation_deg):
    clip = tmp_path / "figure.mp4"
    _figure_clip(clip, rotation_deg=rotation_deg)
    spill = _spill_window(clip, tmp_path / "spill", overlay_max_side_px=100)  # a downscaled overlay
    assert spill is not None
    with spill:
        assert spill.num_frames == 24
        assert spill.nbytes == sum(f.stat().st_size for f in (tmp_path / "spill").iterdir())
        _assert_spill_equals_decode(clip, spill)
    assert not (tmp_path / "spill").exists()  # closing deletes the files


@pytest.mark.skipif(not (SHARED_CLIPS / "overlay.mp4").is_file(), reason="needs ../shared/clips")
def test_spilled_frames_equal_a_second_decode_on_the_real_1080p_clip(tmp_path):
    clip = SHARED_CLIPS / "overlay.mp4"
    spill = _spill_window(clip, tmp_path / "spill", end_s=0.5)
    assert spill is not None
    with spill:
        assert spill.overlay_wh == (1280, 720)
        _assert_spill_equals_decode(clip, spill, end_s=0.5, rects=5)


def test_analysis_from_the_spill_writes_the_same_files_as_one_that_decodes_again(tmp_path):
    clip = tmp_path / "figure.mp4"
    truth = _figure_clip(clip, n_frames=40)
    runs = {}
    for name, max_mb in (("spill", 3072.0), ("decode", 0.0)):
        out = tmp_path / name
        analyze(clip, truth[10], out, at_s=10 / FPS, settings=PipelineSettings(render_spill_max_mb=max_mb))
        runs[name] = json.loads((out / "run.json").read_text())
        assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)  # the spill went with the staging
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    assert runs["spill"]["render"]["frames"]["from"] == "spill"
    assert runs["spill"]["render"]["frames"]["spill_mb"] > 0
    assert runs["decode"]["render"]["frames"] == {
        "from": "decode",
        "spill_mb": None,
        "why_decode": "render_spill_max_mb is 0 (spill off)",
    }
    for name in ("overlay.mp4", "centred.mp4", "frames.csv", "turns.csv", "metrics.csv"):
        assert (tmp_path / "spill" / name).read_bytes() == (tmp_path / "decode" / name).read_bytes(), name


def test_a_gif_is_decoded_again(tmp_path):
    """GIF frames are palette images, converted whole: nothing to cut, so no spill."""
    clip = tmp_path / "figure.gif"
    frames, truth = render_moving_figure(width=160, height=120, n_frames=12, distractor=False, seed=5)
    with av.open(str(clip), "w") as out:
        stream = out.add_stream("gif", rate=10)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "rgb8"
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image[..., ::-1].copy(), format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    out_dir = tmp_path / "out"
    analyze(clip, truth[0], out_dir)
    frames_info = json.loads((out_dir / "run.json").read_text())["render"]["frames"]
    assert frames_info["from"] == "decode"
    assert "converted whole" in frames_info["why_decode"]


def test_a_spill_that_would_not_fit_is_not_started(tmp_path):
    info = probe_video(_clip_path(tmp_path))
    writer, reason = start_spill(tmp_path / "s", info, 0.0, info.duration_s, PipelineSettings(render_spill_max_mb=0.1))
    assert writer is None
    assert "more than render_spill_max_mb (0.1)" in reason
    assert not (tmp_path / "s").exists()


def test_a_window_that_outgrows_the_budget_drops_the_spill(tmp_path):
    """The estimate comes from duration x rate; a window longer than that must not overrun the budget."""
    clip = _clip_path(tmp_path)
    info = probe_video(clip)
    per_frame_mb = 2 * 160 * 120 * 1.5 / 2**20  # the frame and its (unscaled) overlay
    writer, reason = FrameSpillWriter.start(
        tmp_path / "s",
        width=160,
        height=120,
        rotation_deg=0,
        overlay_wh=(160, 120),
        expected_frames=3,  # the clip has 24
        max_mb=5.5 * per_frame_mb,  # room for the 3 expected, with slack
    )
    assert writer is not None, reason
    for frame in iter_window(info, 0.0, info.duration_s):
        writer.put(frame)
    assert writer.finish() is None
    assert "outgrew render_spill_max_mb" in writer.reason
    assert not (tmp_path / "s").exists()


def test_a_failed_write_drops_the_spill_and_deletes_its_files(tmp_path):
    """A full disk, for real: the child process may not write files over 64 KiB (RLIMIT_FSIZE)."""
    clip = _clip_path(tmp_path)
    script = textwrap.dedent(
        f"""
        import resource, signal, sys
        from pathlib import Path
        from poser_pipeline.video.decode import iter_window, probe_video
        from poser_pipeline.video.spill import FrameSpillWriter

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing us
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))
        info = probe_video({str(clip)!r})
        folder = Path({str(tmp_path / "s")!r})
        writer, _ = FrameSpillWriter.start(
            folder, width=160, height=120, rotation_deg=0, overlay_wh=(160, 120), expected_frames=24, max_mb=100
        )
        for frame in iter_window(info, 0.0, info.duration_s):
            writer.put(frame)
        print(writer.finish() is None, folder.exists(), writer.reason)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    dropped, exists, reason = done.stdout.strip().split(" ", 2)
    assert (dropped, exists) == ("True", "False")
    assert reason.startswith("writing the frames failed")


def test_page_cache_room_follows_the_kernel_settings(tmp_path):
    proc, cgroups = tmp_path / "proc", tmp_path / "cgroup"
    (proc / "sys/vm").mkdir(parents=True)
    (proc / "self").mkdir()
    (proc / "meminfo").write_text("MemTotal:  8000000 kB\nMemAvailable:  4000000 kB\n")
    (proc / "sys/vm/dirty_ratio").write_text("20\n")
    (proc / "sys/vm/dirty_background_ratio").write_text("10\n")
    (proc / "sys/vm/dirty_bytes").write_text("0\n")
    (proc / "self/cgroup").write_text("0::/poser.slice\n")
    assert page_cache_room_bytes(proc, cgroups) == 4000000 * 1024 * 15 // 100  # midway between 10 and 20 %
    (cgroups / "poser.slice").mkdir(parents=True)
    (cgroups / "poser.slice/memory.max").write_text("max\n")
    assert page_cache_room_bytes(proc, cgroups) == 4000000 * 1024 * 15 // 100  # no container limit
    (cgroups / "poser.slice/memory.max").write_text(f"{2 * 2**30}\n")
    (cgroups / "poser.slice/memory.current").write_text(f"{2**30}\n")
    assert page_cache_room_bytes(proc, cgroups) == 2**30 * 15 // 100  # the container has 1 GiB left
    (proc / "sys/vm/dirty_bytes").write_text("268435456\n")  # set in bytes instead: it wins
    assert page_cache_room_bytes(proc, cgroups) == 268435456
    assert page_cache_room_bytes(tmp_path / "no-proc") is None  # macOS, Windows: unknown, not zero


@pytest.mark.parametrize("stage", ["run_tracking_pass", "smooth_series", "render_videos"])
def test_a_failed_analysis_closes_and_deletes_the_spill(tmp_path, monkeypatch, stage):
    """Fault injection (a stage raises after its real work): nothing may stay open or on disk."""
    real = getattr(analyze_module, stage)

    def fails_after_the_real_work(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError(f"{stage} broke")

    monkeypatch.setattr(analyze_module, stage, fails_after_the_real_work)
    clip = tmp_path / "figure.mp4"
    truth = _figure_clip(clip)
    with pytest.raises(RuntimeError, match="broke") as caught:  # kept, as a worker's log record keeps it:
        analyze(clip, truth[0], tmp_path / "out")  # its traceback holds analyze's locals (the spill) alive
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figure.mp4"]  # no output, no staging folder
    assert not [target for target in _open_file_targets() if "frames.yuv" in target or "overlay.i420" in target]
    assert caught.value.__traceback__ is not None


def _open_file_targets() -> list[str]:
    """What this process's file descriptors point at (Linux; a deleted file reads "PATH (deleted)")."""
    folder = Path("/proc/self/fd")
    targets = []
    for fd in folder.iterdir() if folder.is_dir() else []:
        with contextlib.suppress(OSError):  # the descriptor iterdir itself used is gone
            targets.append(os.readlink(fd))
    return targets


def _clip_path(tmp_path: Path) -> Path:
    clip = tmp_path / "figure.mp4"
    if not clip.exists():
        _figure_clip(clip)
    return clip
