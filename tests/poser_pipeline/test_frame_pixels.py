"""Partial conversions give the pixels of the full conversion: regions exactly, scaling by shape."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from poser_pipeline.render.videos import follow_region
from poser_pipeline.video.decode import upright
from poser_pipeline.video.pixels import region_bgr, scaled_i420


@pytest.fixture(scope="module")
def yuv_frame(tmp_path_factory: pytest.TempPathFactory) -> av.VideoFrame:
    """One decoded yuv420p H.264 frame, 96x64 px, of smooth colour ramps plus noise."""
    path = Path(tmp_path_factory.mktemp("pixels")) / "ramp.mp4"
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:64, 0:96]
    image = np.stack([x * 2, y * 3, (x + y) % 256], axis=2).astype(np.uint8)
    image = np.clip(image + rng.integers(-20, 20, image.shape), 0, 255).astype(np.uint8)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
            out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
    assert frame.format.name == "yuv420p"
    return frame


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_regions_equal_the_full_conversion(yuv_frame, rotation):
    full = upright(yuv_frame.to_ndarray(format="bgr24"), rotation)
    height, width = full.shape[:2]
    rng = np.random.default_rng(rotation)
    for _ in range(100):
        x0, x1 = sorted(rng.choice(width + 1, 2, replace=False))
        y0, y1 = sorted(rng.choice(height + 1, 2, replace=False))
        np.testing.assert_array_equal(region_bgr(yuv_frame, rotation, (x0, y0, x1, y1)), full[y0:y1, x0:x1])


def test_other_formats_fall_back_to_the_full_conversion():
    image = np.random.default_rng(1).integers(0, 255, (31, 45, 3), dtype=np.uint8)
    frame = av.VideoFrame.from_ndarray(image, format="rgb24")  # odd size, not yuv420p
    np.testing.assert_array_equal(region_bgr(frame, 90, (3, 5, 20, 40)), upright(image[..., ::-1], 90)[5:40, 3:20])


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_scaled_i420_is_the_upright_frame_at_the_asked_size(yuv_frame, rotation):
    full = upright(yuv_frame.to_ndarray(format="bgr24"), rotation)
    height, width = full.shape[:2]
    small = scaled_i420(yuv_frame, rotation, width // 2, height // 2)
    assert small.shape == (height // 2 * 3 // 2, width // 2)
    reference = cv2.resize(full, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    small_bgr = cv2.cvtColor(small, cv2.COLOR_YUV2BGR_I420)
    assert np.abs(small_bgr.astype(int) - reference).mean() < 4.0  # another area filter and matrix, same picture
    same_size = cv2.cvtColor(scaled_i420(yuv_frame, rotation, width, height), cv2.COLOR_YUV2BGR_I420)
    assert np.abs(same_size.astype(int) - full).mean() < 2.0  # turned the wrong way, the ramps would not match


@pytest.mark.parametrize("centre", [(48.0, 32.0), (5.0, 60.0), (120.0, -30.0), (90.3, 1.7)])
def test_replay_warp_of_the_region_equals_the_warp_of_the_frame(yuv_frame, centre):
    full = yuv_frame.to_ndarray(format="bgr24")
    height, width = full.shape[:2]
    zoom, size = 1.7, 40
    matrix = np.array([[zoom, 0, size / 2 - centre[0] * zoom], [0, zoom, size / 2 - centre[1] * zoom]])
    rect = follow_region(np.array(centre), zoom, size, width, height)
    on_patch = matrix.copy()
    on_patch[:, 2] += zoom * np.array(rect[:2], dtype=np.float64)
    from_patch = cv2.warpAffine(region_bgr(yuv_frame, 0, rect), on_patch, (size, size), flags=cv2.INTER_LINEAR)
    from_frame = cv2.warpAffine(full, matrix, (size, size), flags=cv2.INTER_LINEAR)
    assert np.abs(from_patch.astype(int) - from_frame).max() <= 1  # fixed-point rounding of the shifted origin


def _tagged(yuv_frame: av.VideoFrame, *, color_range: int = 0, colorspace: int | None = None) -> av.VideoFrame:
    tagged = av.VideoFrame.from_ndarray(yuv_frame.to_ndarray(), format="yuv420p")
    tagged.color_range = color_range
    if colorspace is not None:
        tagged.colorspace = colorspace
    return tagged


def test_full_range_sources_come_out_limited_range():
    """x264 writes the overlay untagged, which players read as limited range: full-range codes must be converted."""
    bright = av.VideoFrame.from_ndarray(np.full((64 * 3 // 2, 96), 128, np.uint8), format="yuv420p")
    planes_in = bright.to_ndarray()
    planes_in[:64] = 255
    full = _tagged(av.VideoFrame.from_ndarray(planes_in, format="yuv420p"), color_range=2)  # 2: JPEG (full) range
    assert scaled_i420(full, 0, 48, 32)[:32].max() == 235  # limited-range white
    untagged = av.VideoFrame.from_ndarray(planes_in, format="yuv420p")
    assert scaled_i420(untagged, 0, 48, 32)[:32].max() == 255  # untagged codes pass through as they are


def test_a_bt709_source_keeps_its_colours(yuv_frame):
    bt709 = _tagged(yuv_frame, colorspace=1)  # 1: ITU-R BT.709
    height, width = bt709.height, bt709.width
    expected = bt709.to_ndarray(format="bgr24")  # swscale honours the tag
    got = cv2.cvtColor(scaled_i420(bt709, 0, width, height), cv2.COLOR_YUV2BGR_I420)  # read as BT.601
    assert np.abs(got.astype(int) - expected).mean() < 3.0
    as_if_601 = cv2.cvtColor(bt709.to_ndarray(), cv2.COLOR_YUV2BGR_I420)  # the codes passed through untouched
    assert np.abs(as_if_601.astype(int) - expected).mean() > np.abs(got.astype(int) - expected).mean()
