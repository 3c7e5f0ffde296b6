"""Contrast enhancement of the pose crop: what it does to a foggy crop, and when it is used."""

from __future__ import annotations

import doctest

import av
import cv2
import numpy as np
import pytest

from benchmarks.perturb import KINDS
from poser_pipeline.pose import contrast
from poser_pipeline.pose.blazepose import BlazePoseEstimator
from poser_pipeline.settings import PipelineSettings
from tests.shared_clips import available, load_clip


def _foggy_figure() -> np.ndarray:
    """A 384 px light-grey crop with a soft-edged figure 25 levels darker than its snow, and grain: fog."""
    grey = np.full((384, 384), 205.0)
    grey[100:300, 170:214] = 180  # body
    grey[120:140, 120:264] = 180  # arms
    grey = cv2.GaussianBlur(grey, (0, 0), 3.0) + np.random.default_rng(0).normal(0.0, 2.0, grey.shape)
    return np.repeat(np.clip(grey, 0, 255).astype(np.uint8)[..., None], 3, axis=2)


def _gap(image: np.ndarray) -> float:
    """Snow minus figure, mean levels."""
    return float(image[320:380, 10:100].mean() - image[150:280, 180:204].mean())


def test_enhancing_a_foggy_crop_makes_the_figure_stand_out():
    crop = _foggy_figure()
    out = contrast.enhance(crop)
    assert out.shape == crop.shape and out.dtype == np.uint8
    assert contrast.luminance_sd(out) > 4 * contrast.luminance_sd(crop)
    assert _gap(out) > 4 * _gap(crop) > 0  # the figure is darker than the snow, several times more so


def test_sharpening_steepens_the_figures_soft_edge():
    crop = _foggy_figure()
    stretched, enhanced = contrast.stretch_levels(crop), contrast.enhance(crop)
    row = 200  # across the body's left edge at x = 170

    def steepest(image: np.ndarray) -> float:
        return float(np.abs(np.diff(image[row, 150:190, 0].astype(float))).max())

    assert steepest(enhanced) > 1.5 * steepest(stretched)


def test_a_crop_without_contrast_stays_without():
    flat = np.full((16, 16, 3), 90, np.uint8)
    assert np.array_equal(contrast.enhance(flat), np.zeros_like(flat))  # no division by a zero range


def test_docstring_examples():
    assert doctest.testmod(contrast).failed == 0


@pytest.mark.skipif(not available(), reason="../shared/clips is absent")
def test_the_enhanced_retry_finds_the_skier_in_fog():
    """The UCF101 clip under benchmarks.perturb's fog: pose at its labelled boxes, with and without the retry."""
    clip = load_clip("v_Skiing_g24_c01.gif")
    labelled = {i: b for i, b in clip.boxes.items() if b is not None}
    with av.open(str(clip.path)) as src:
        fogged = {
            i: cv2.cvtColor(KINDS["fog"].image(f.to_ndarray(format="rgb24"), i), cv2.COLOR_RGB2BGR)
            for i, f in enumerate(src.decode(video=0))
            if i in labelled
        }

    def found(settings: PipelineSettings) -> int:
        estimator = BlazePoseEstimator(settings, video_mode=False)
        try:
            return sum(estimator.estimate(fogged[i], labelled[i]) is not None for i in fogged)
        finally:
            estimator.close()

    plain = found(PipelineSettings(pose_enhanced_crop_scales=()))
    enhanced = found(PipelineSettings())
    assert enhanced >= 0.7 * len(fogged) and enhanced >= plain + 4, (plain, enhanced, len(fogged))
