"""Ink drawn on I420 frames through regions: the same picture as drawing on the whole BGR frame."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from poser_pipeline.render.draw import FrameInk, draw_ink, merge_rects
from poser_pipeline.video.i420 import cut_bgr, even_rect, paste_bgr, planes

WIDTH, HEIGHT = 320, 180


def _i420_picture(seed: int) -> np.ndarray:
    """A smooth-but-textured I420 frame (snow-like: bright with noise)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    bgr = np.stack([150 + x % 60, 170 + y % 50, 190 + (x + y) % 40], axis=2)
    bgr = np.clip(bgr + rng.integers(-15, 15, bgr.shape), 0, 255).astype(np.uint8)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420)


def _skier(centre: tuple[float, float], height_px: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    xy = np.asarray(centre) + rng.normal(0, height_px / 4, (33, 2))
    xy[[11, 12, 23, 24]] = np.asarray(centre) + rng.normal(0, 3, (4, 2))  # core joints present
    return xy


def _ink(seed: int, *, lost: bool = False, centre=(160.0, 100.0)) -> FrameInk:
    xy = _skier(centre, 60, seed)
    box = np.concatenate([xy.min(axis=0) - 8, xy.max(axis=0) + 8])
    return FrameInk(xy, box, lost, ("right turn 3  60%  edge L -80  R -81 deg", f"{seed:6.2f} s  frame {seed}"))


def _changed(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    return np.any(before != after, axis=-1) if before.ndim == 3 else before != after


@pytest.mark.parametrize("seed", range(6))
def test_rects_hold_all_the_ink(seed):
    centre = [(160.0, 100.0), (5.0, 170.0), (318.0, 2.0)][seed % 3]  # also half outside the frame
    ink = _ink(seed, centre=centre)
    blank = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    drawn = blank.copy()
    ink.draw(drawn)
    inside = np.zeros((HEIGHT, WIDTH), bool)
    rects = ink.rects(WIDTH, HEIGHT)
    for x0, y0, x1, y1 in rects:
        inside[y0:y1, x0:x1] = True
    assert _changed(blank, drawn).any()
    assert not (_changed(blank, drawn) & ~inside).any()
    assert merge_rects(rects) == rects  # no two overlap
    assert inside.mean() < 0.9  # regions, not the frame


def test_a_lost_frame_is_one_region_the_whole_frame():
    assert _ink(1, lost=True).rects(WIDTH, HEIGHT) == [(0, 0, WIDTH, HEIGHT)]


@pytest.mark.parametrize("seed", range(4))
def test_drawing_a_region_equals_the_same_region_of_the_whole_frame(seed):
    frame = np.random.default_rng(seed).integers(0, 255, (HEIGHT, WIDTH, 3), dtype=np.uint8)
    ink = _ink(seed)
    whole = frame.copy()
    ink.draw(whole)
    for x0, y0, x1, y1 in (even_rect(r, WIDTH, HEIGHT) for r in ink.rects(WIDTH, HEIGHT)):
        region = frame[y0:y1, x0:x1].copy()
        ink.draw_region(region, (x0, y0), (WIDTH, HEIGHT))
        np.testing.assert_array_equal(region, whole[y0:y1, x0:x1])


@pytest.mark.parametrize("seed", range(4))
def test_ink_on_i420_equals_ink_on_the_whole_bgr_frame_converted_back(seed):
    """What x264 gets equals the old path's (whole frame to BGR, draw, whole frame back to I420) where there
    is ink, and is the scaler's own bytes everywhere else."""
    i420 = _i420_picture(seed)
    ink = _ink(seed, lost=seed == 3)
    whole = cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420)
    ink.draw(whole)
    expected = cv2.cvtColor(whole, cv2.COLOR_BGR2YUV_I420)
    drawn = i420.copy()
    draw_ink(drawn, WIDTH, HEIGHT, ink)
    in_region = np.zeros((HEIGHT, WIDTH), bool)
    for x0, y0, x1, y1 in (even_rect(r, WIDTH, HEIGHT) for r in ink.rects(WIDTH, HEIGHT)):
        in_region[y0:y1, x0:x1] = True
    chroma_in_region = in_region[::2, ::2]
    for got, want, old, mask in zip(
        planes(drawn, WIDTH, HEIGHT),
        planes(expected, WIDTH, HEIGHT),
        planes(i420, WIDTH, HEIGHT),
        (in_region, chroma_in_region, chroma_in_region),
        strict=True,
    ):
        np.testing.assert_array_equal(got[mask], want[mask])
        np.testing.assert_array_equal(got[~mask], old[~mask])
    assert (planes(drawn, WIDTH, HEIGHT)[0] != planes(i420, WIDTH, HEIGHT)[0]).any()


def test_a_region_round_trip_changes_little():
    i420 = _i420_picture(7)
    rect = even_rect((33, 41, 151, 99), WIDTH, HEIGHT)
    assert all(v % 2 == 0 for v in rect)
    copy = i420.copy()
    paste_bgr(copy, WIDTH, HEIGHT, rect, cut_bgr(i420, WIDTH, HEIGHT, rect))
    assert np.abs(copy.astype(int) - i420).max() <= 3
