"""Decoding real encoded files: rotation metadata, variable frame rate, trim, reverse chunks."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from poser_pipeline.analyze import analyze
from poser_pipeline.decode import iter_window, iter_window_reversed, probe_video
from poser_pipeline.synthetic_video import write_video


def _landscape_frames(n: int) -> list[np.ndarray]:
    frames = []
    for i in range(n):
        image = np.zeros((64, 96, 3), np.uint8)
        image[:, :48] = 255  # white left half
        image[:4, :] = (i * 5) % 256  # frame-dependent top rows
        frames.append(image)
    return frames


@pytest.mark.parametrize(("rotation", "white_at"), [(90, "bottom"), (-90, "top")])
def test_rotation_metadata_gives_upright_frames(tmp_path, rotation, white_at):
    path = tmp_path / "rotated.mp4"
    write_video(path, _landscape_frames(10), fps=25.0, rotation_deg=rotation)
    info = probe_video(path)
    assert (info.width, info.height) == (64, 96)
    image = next(iter(iter_window(info, 0, info.duration_s))).to_bgr()
    assert image.shape == (96, 64, 3)
    top, bottom = image[8:40, 8:56].mean(), image[56:88, 8:56].mean()
    assert (bottom > 200 and top < 50) if white_at == "bottom" else (top > 200 and bottom < 50)


def test_rotated_clip_is_analysed_upright(tmp_path):
    path = tmp_path / "rotated.mp4"
    write_video(path, _landscape_frames(20), fps=25.0, rotation_deg=90)
    out = tmp_path / "out"
    result = analyze(path, [10, 60, 50, 90], out)
    assert (result.run["input"]["width"], result.run["input"]["height"]) == (64, 96)
    assert probe_video(out / "overlay.mp4").height > probe_video(out / "overlay.mp4").width


def test_variable_frame_rate_timestamps_are_kept(tmp_path):
    rng = np.random.default_rng(1)
    gaps = np.where(np.arange(30) % 2 == 0, 1 / 30, 1 / 15) + rng.uniform(0, 0.004, 30)
    times = np.concatenate([[0.0], np.cumsum(gaps)[:-1]])
    path = tmp_path / "vfr.mp4"
    write_video(path, _landscape_frames(30), fps=30.0, timestamps_s=list(times))
    info = probe_video(path)
    decoded = [f.timestamp_ms for f in iter_window(info, 0, info.duration_s + 1)]
    assert np.allclose(decoded, times * 1000, atol=1.0)
    analyze(path, [10, 10, 60, 50], tmp_path / "out")
    with (tmp_path / "out" / "frames.csv").open() as fh:
        csv_ms = [float(r["timestamp_ms"]) for r in csv.DictReader(fh)]
    assert np.allclose(csv_ms, times * 1000, atol=1.0)


def test_trim_window_counts_from_zero(tmp_path):
    path = tmp_path / "three_s.mp4"
    write_video(path, _landscape_frames(75), fps=25.0)
    frames = list(iter_window(probe_video(path), 1.0, 2.0))
    assert [f.index for f in frames] == list(range(25))
    assert all(1000 - 1e-6 <= f.timestamp_ms < 2000 for f in frames)


def test_reverse_chunks_match_forward_pixels(tmp_path):
    path = tmp_path / "seek.mp4"
    write_video(path, _landscape_frames(70), fps=25.0)
    info = probe_video(path)
    forward = [(f.timestamp_ms, f.to_bgr()) for f in iter_window(info, 0, info.duration_s)]
    timestamps = [t for t, _ in forward]
    backward = list(iter_window_reversed(info, timestamps, len(forward), chunk_frames=16))
    assert [i for i, _ in backward] == list(range(len(forward) - 1, -1, -1))
    for index, image in backward:
        assert np.array_equal(image, forward[index][1])
