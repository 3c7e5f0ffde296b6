"""Decoding real encoded files: rotation metadata, variable frame rate, trim windows, reverse chunks.

Clips are H.264 MP4s written with PyAV into temporary folders; expectations come from what was written
(pixels, timestamps, rotation), and for rotation also from OpenCV's own FFmpeg auto-rotation.
"""

from __future__ import annotations

import csv
import json
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from poser_pipeline import boxes
from poser_pipeline.analyze import analyze
from poser_pipeline.errors import PoserInputError, WindowError
from poser_pipeline.synthetic.video import render_moving_figure, write_video
from poser_pipeline.video.decode import VideoInfo, iter_window, iter_window_reversed, probe_video, resolve_window

FPS = 25.0


# ---------------------------------------------------------------- helpers


def _half_white(n: int = 8) -> list[np.ndarray]:
    """Landscape 96x64 frames, left half white, right half black."""
    image = np.zeros((64, 96, 3), np.uint8)
    image[:, :48] = 255
    return [image.copy() for _ in range(n)]


def _numbered(i: int, width: int = 128, height: int = 96) -> np.ndarray:
    """A frame that shows its number as big text on a frame-dependent background."""
    image = np.zeros((height, width, 3), np.uint8)
    image[:, :, 0] = (i * 7) % 256
    image[:, :, 1] = 60 + (i * 3) % 120
    cv2.putText(image, str(i), (4, height - 16), cv2.FONT_HERSHEY_SIMPLEX, 2.4, (255, 255, 255), 5)
    return image


def _encode_with_gop(path: Path, frames: list[np.ndarray], *, keyint: int, bframes: int) -> None:
    """H.264 MP4 with a keyframe every ``keyint`` frames and B-frames, so seeks land mid-clip."""
    time_base = Fraction(1, 90_000)
    h, w = frames[0].shape[:2]
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=Fraction(int(FPS)))
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.time_base = time_base
        stream.codec_context.time_base = time_base
        stream.options = {
            "preset": "veryfast",
            "crf": "20",
            "x264-params": f"keyint={keyint}:min-keyint={keyint}:scenecut=0:bframes={bframes}",
        }
        for i, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            frame.pts = round(i / FPS * 90_000)
            frame.time_base = time_base
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _keyframe_indices(path: Path) -> list[int]:
    with av.open(str(path)) as container:
        packets = [p for p in container.demux(video=0) if p.dts is not None]
    order = sorted(range(len(packets)), key=lambda k: packets[k].pts)  # display order
    return [rank for rank, k in enumerate(order) if packets[k].is_keyframe]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open() as fh:
        return list(csv.DictReader(fh))


def _iou_with_truth(rows: list[dict[str, str]], truth: np.ndarray) -> np.ndarray:
    keys = ("box_x1_px", "box_y1_px", "box_x2_px", "box_y2_px")
    tracked = np.array([[float(r[k]) for k in keys] for r in rows])
    return np.array([boxes.iou(a, b) for a, b in zip(tracked, truth, strict=True)])


# ---------------------------------------------------------------- (a) rotation


# rotation written -> where the source's white left half must appear in the upright frame
ROTATIONS = {0: "left", 90: "bottom", -90: "top", 270: "top", 180: "right"}


@pytest.mark.parametrize("rotation", list(ROTATIONS))
def test_rotation_metadata_gives_upright_frames(tmp_path, rotation):
    path = tmp_path / "rotated.mp4"
    source = _half_white()
    write_video(path, source, fps=FPS, rotation_deg=rotation)
    info = probe_video(path)
    quarter = rotation % 360 in (90, 270)
    assert info.rotation_deg == rotation % 360
    assert (info.width, info.height) == ((64, 96) if quarter else (96, 64))

    frames = list(iter_window(info, 0.0, info.duration_s))
    assert len(frames) == len(source)
    image = frames[0].to_bgr()
    assert image.shape == ((96, 64, 3) if quarter else (64, 96, 3))
    assert image.dtype == np.uint8 and image.flags["C_CONTIGUOUS"]
    h, w = image.shape[:2]
    halves = {
        "top": image[: h // 2 - 4],
        "bottom": image[h // 2 + 4 :],
        "left": image[:, : w // 2 - 4],
        "right": image[:, w // 2 + 4 :],
    }
    opposite = {"top": "bottom", "bottom": "top", "left": "right", "right": "left"}
    white = ROTATIONS[rotation]
    assert halves[white].mean() > 240, {k: v.mean() for k, v in halves.items()}
    assert halves[opposite[white]].mean() < 15, {k: v.mean() for k, v in halves.items()}
    # exactly the counter-clockwise rotation of what was written, up to compression noise
    expected = np.rot90(source[0], k=(rotation // 90) % 4)
    assert np.abs(image.astype(int) - expected.astype(int)).mean() < 4


@pytest.mark.parametrize("rotation", [90, -90, 180])
def test_rotation_matches_opencv_auto_rotation(tmp_path, rotation):
    """OpenCV's FFmpeg backend auto-rotates like a player; our upright frame must look the same."""
    path = tmp_path / "rotated.mp4"
    write_video(path, _half_white(), fps=FPS, rotation_deg=rotation)
    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened() or not capture.get(cv2.CAP_PROP_ORIENTATION_AUTO):
            pytest.skip("this OpenCV build cannot auto-rotate MP4s")
        ok, player = capture.read()
    finally:
        capture.release()
    assert ok
    ours = next(iter(iter_window(probe_video(path), 0.0, 1.0))).to_bgr()
    assert ours.shape == player.shape
    assert np.abs(ours.astype(int) - player.astype(int)).mean() < 4


@pytest.fixture(scope="module")
def rotated_run(tmp_path_factory):
    """A landscape-stored clip with rotation 90 whose upright view is the (portrait) figure scene."""
    folder = tmp_path_factory.mktemp("rotated_run")
    upright_frames, truth = render_moving_figure(width=120, height=160, n_frames=30, distractor=False, seed=2)
    stored = [np.ascontiguousarray(np.rot90(f, k=-1)) for f in upright_frames]  # clockwise: the inverse of +90
    assert stored[0].shape == (120, 160, 3)
    path = folder / "rotated.mp4"
    write_video(path, stored, fps=FPS, rotation_deg=90)
    out = folder / "out"
    result = analyze(path, truth[0], out)
    return result, out, truth


def test_rotated_clip_is_analysed_in_upright_coordinates(rotated_run):
    result, out, truth = rotated_run
    run = json.loads((out / "run.json").read_text())
    assert (run["input"]["width"], run["input"]["height"], run["input"]["rotation_deg"]) == (120, 160, 90)
    assert run["num_frames"] == len(truth)
    # the track (from a prompt in upright pixels) follows the figure in upright pixels
    ious = _iou_with_truth(_read_csv(out / "frames.csv"), truth)
    assert np.mean(ious >= 0.6) >= 0.9, np.round(ious, 2)
    assert result.tracking.prompt_index == 0


def test_rotated_clip_overlay_is_upright(rotated_run):
    _, out, truth = rotated_run
    with av.open(str(out / "overlay.mp4")) as container:
        frames = list(container.decode(video=0))
    assert len(frames) == len(truth)
    first = frames[0]
    assert (first.width, first.height) == (120, 160)  # portrait, as the phone showed it
    assert first.width < first.height
    assert not first.rotation  # pixels are already upright: no metadata left to apply
    info = probe_video(out / "overlay.mp4")
    assert (info.width, info.height, info.rotation_deg) == (120, 160, 0)


# ---------------------------------------------------------------- (b) variable frame rate


def _vfr_times(n: int) -> np.ndarray:
    rng = np.random.default_rng(7)
    gaps = np.where(np.arange(n - 1) % 2 == 0, 1 / 30, 1 / 15) + rng.uniform(-0.004, 0.004, n - 1)
    return np.concatenate([[0.0], np.cumsum(gaps)])


def test_variable_frame_rate_timestamps_are_kept(tmp_path):
    times_s = _vfr_times(40)
    path = tmp_path / "vfr.mp4"
    write_video(path, [_numbered(i, 64, 48) for i in range(40)], fps=FPS, timestamps_s=times_s)
    info = probe_video(path)
    decoded = list(iter_window(info, 0.0, info.duration_s))
    assert [f.index for f in decoded] == list(range(40))
    np.testing.assert_allclose([f.timestamp_ms for f in decoded], times_s * 1000.0, atol=1.0)
    # a window in the middle keeps the real times too (not index / fps)
    inside = [t for t in times_s * 1000.0 if 500.0 - 1e-3 <= t < 1200.0 - 1e-3]
    window = list(iter_window(info, 0.5, 1.2))
    assert [f.index for f in window] == list(range(len(inside)))
    np.testing.assert_allclose([f.timestamp_ms for f in window], inside, atol=1.0)


def test_variable_frame_rate_reaches_frames_csv(tmp_path):
    times_s = _vfr_times(30)
    frames, truth = render_moving_figure(width=160, height=120, n_frames=30, distractor=False, seed=4)
    path = tmp_path / "vfr_figure.mp4"
    write_video(path, frames, fps=FPS, timestamps_s=times_s)
    out = tmp_path / "out"
    analyze(path, truth[0], out)
    rows = _read_csv(out / "frames.csv")
    assert [int(r["frame_index"]) for r in rows] == list(range(30))
    np.testing.assert_allclose([float(r["timestamp_ms"]) for r in rows], times_s * 1000.0, atol=1.0)


# ---------------------------------------------------------------- (c) trim


@pytest.fixture(scope="module")
def three_second_clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("trim") / "three_s.mp4"
    write_video(path, [_numbered(i) for i in range(75)], fps=FPS)
    return path


def test_trim_window_counts_frames_from_zero(three_second_clip):
    info = probe_video(three_second_clip)
    assert info.duration_s == pytest.approx(3.0, abs=1e-3)
    frames = list(iter_window(info, 1.0, 2.0))
    assert len(frames) == 25
    assert [f.index for f in frames] == list(range(25))
    stamps = np.array([f.timestamp_ms for f in frames])
    assert np.all(stamps >= 1000.0 - 1e-6) and np.all(stamps < 2000.0)
    np.testing.assert_allclose(stamps, 1000.0 + 40.0 * np.arange(25), atol=1e-3)


@pytest.fixture(scope="module")
def gop_clip(tmp_path_factory):
    """70 numbered frames with a keyframe every 9 frames and B-frames, plus their forward decode."""
    path = tmp_path_factory.mktemp("gop") / "gop9.mp4"
    _encode_with_gop(path, [_numbered(i) for i in range(70)], keyint=9, bframes=2)
    keyframes = _keyframe_indices(path)
    assert keyframes == list(range(0, 70, 9)), keyframes  # seeks really have somewhere to land
    info = probe_video(path)
    forward = list(iter_window(info, 0.0, info.duration_s))
    return info, [f.timestamp_ms for f in forward], [f.to_bgr() for f in forward]


@pytest.mark.parametrize(("start_s", "end_s"), [(1.5, 2.5), (1.1, 2.0), (1.36, 2.8)])
def test_trim_with_seek_gives_the_same_frames(gop_clip, start_s, end_s):
    """Windows starting after 1 s seek to a keyframe first; the frames must be exactly the forward ones."""
    info, stamps, images = gop_clip
    expected = [k for k, t in enumerate(stamps) if start_s * 1000 - 1e-3 <= t < end_s * 1000 - 1e-3]
    window = list(iter_window(info, start_s, end_s))
    assert [f.index for f in window] == list(range(len(expected)))
    assert [f.timestamp_ms for f in window] == pytest.approx([stamps[k] for k in expected])
    for frame, k in zip(window, expected, strict=True):
        assert np.array_equal(frame.to_bgr(), images[k]), f"window frame {frame.index} is not clip frame {k}"


# ---------------------------------------------------------------- (d) reverse chunks


@pytest.fixture(scope="module")
def plain_clip(tmp_path_factory):
    """70 numbered frames from write_video (default keyframe interval: one keyframe)."""
    path = tmp_path_factory.mktemp("plain") / "plain.mp4"
    write_video(path, [_numbered(i) for i in range(70)], fps=FPS)
    info = probe_video(path)
    forward = list(iter_window(info, 0.0, info.duration_s))
    return info, [f.timestamp_ms for f in forward], [f.to_bgr() for f in forward]


@pytest.mark.parametrize("clip_name", ["plain_clip", "gop_clip"])
@pytest.mark.parametrize("chunk_frames", [16, 9, 5])
def test_reverse_chunks_match_forward_pixels(request, clip_name, chunk_frames):
    info, stamps, images = request.getfixturevalue(clip_name)
    assert len(images) == 70
    assert len({im.tobytes() for im in images}) == 70  # every frame is distinct
    backward = list(iter_window_reversed(info, stamps, len(stamps), chunk_frames=chunk_frames))
    assert [i for i, _ in backward] == list(range(69, -1, -1))
    for index, image in backward:
        assert np.array_equal(image, images[index]), f"reverse frame {index} differs from the forward pass"


def test_reverse_from_a_prompt_inside_a_trimmed_window(gop_clip):
    """As the tracking pass uses it: a trimmed window, stopping below the prompt frame."""
    info, stamps, images = gop_clip
    window = list(iter_window(info, 1.2, 2.6))
    window_stamps = [f.timestamp_ms for f in window]
    first = stamps.index(window_stamps[0])
    backward = list(iter_window_reversed(info, window_stamps, 23, chunk_frames=8))
    assert [i for i, _ in backward] == list(range(22, -1, -1))
    for index, image in backward:
        assert np.array_equal(image, images[first + index])


def test_reverse_on_variable_frame_rate(tmp_path):
    times_s = _vfr_times(40)
    path = tmp_path / "vfr.mp4"
    write_video(path, [_numbered(i) for i in range(40)], fps=FPS, timestamps_s=times_s)
    info = probe_video(path)
    forward = list(iter_window(info, 0.0, info.duration_s))
    images = [f.to_bgr() for f in forward]
    backward = list(iter_window_reversed(info, [f.timestamp_ms for f in forward], 40, chunk_frames=7))
    assert [i for i, _ in backward] == list(range(39, -1, -1))
    assert all(np.array_equal(image, images[i]) for i, image in backward)


# ---------------------------------------------------------------- (e) resolve_window


def _info(duration_s: float = 3.0) -> VideoInfo:
    return VideoInfo(
        path=Path("clip.mp4"),
        width=160,
        height=120,
        rotation_deg=0,
        codec="h264",
        fps=FPS,
        duration_s=duration_s,
        start_s=0.0,
        num_frames_hint=round(duration_s * FPS),
    )


@pytest.mark.parametrize(
    ("start_s", "end_s", "pattern"),
    [
        (-0.5, None, r"starts at -0\.5 s, before the clip does"),
        (3.0, None, r"starts at 3 s, past the end of the clip \(3\.00 s\)"),
        (4.5, 6.0, r"past the end"),
        (2.0, 2.0, r"trim window is empty"),
        (2.0, 1.0, r"ends at 1 s, not after its start at 2 s"),
        (0.0, 0.0, r"trim window is empty"),
    ],
)
def test_resolve_window_refuses_bad_windows(start_s, end_s, pattern):
    with pytest.raises(PoserInputError, match=pattern):
        resolve_window(_info(), start_s, end_s, max_window_s=20.0)


def test_resolve_window_defaults_clamps_and_limits():
    assert resolve_window(_info(), None, None, max_window_s=20.0) == (0.0, 3.0)
    assert resolve_window(_info(), 1.0, 9.0, max_window_s=20.0) == (1.0, 3.0)  # end clamped to the clip
    assert resolve_window(_info(), 0.5, 2.5, max_window_s=2.0) == (0.5, 2.5)  # exactly the limit is fine
    with pytest.raises(WindowError, match=r"at most 2 s: choose a window of at most 2 s \(e\.g\. 0–2 s\)"):
        resolve_window(_info(), None, None, max_window_s=2.0)


def test_one_decoder_thread_gives_the_same_frames(tmp_path):
    """The tracking pass decodes on one thread: FFmpeg's output is bit-exact for any thread count."""
    path = tmp_path / "gop.mp4"
    _encode_with_gop(path, [_numbered(i) for i in range(40)], keyint=12, bframes=2)
    info = probe_video(path)
    default = [(f.timestamp_ms, f.to_bgr()) for f in iter_window(info, 0.0, info.duration_s)]
    single = [(f.timestamp_ms, f.to_bgr()) for f in iter_window(info, 0.0, info.duration_s, threads=1)]
    assert [t for t, _ in single] == [t for t, _ in default]
    for (_, a), (_, b) in zip(single, default, strict=True):
        np.testing.assert_array_equal(a, b)
    times = [t for t, _ in default]
    backward = list(iter_window_reversed(info, times, len(times), chunk_frames=7, threads=1))
    assert [i for i, _ in backward] == list(range(len(times) - 1, -1, -1))
    np.testing.assert_array_equal(backward[0][1], default[-1][1])
