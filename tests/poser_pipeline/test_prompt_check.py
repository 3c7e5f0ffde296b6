"""The box check before submit: a person in the user's box is found, empty snow is not."""

from __future__ import annotations

import av
import numpy as np
import pytest

from poser_pipeline.tracking.prompt_check import person_in_box
from tests.shared_clips import SHARED_CLIPS, load_clip


def test_empty_snow_has_no_person():
    rng = np.random.default_rng(0)
    snow = np.clip(225 + rng.normal(0, 6, (480, 640, 3)), 0, 255).astype(np.uint8)
    assert not person_in_box([snow, snow], np.array([250.0, 150.0, 350.0, 400.0]))


@pytest.mark.skipif(not (SHARED_CLIPS / "overlay.mp4").is_file(), reason="needs ../shared/clips")
def test_the_skier_in_the_labelled_box_is_found_and_a_box_beside_them_is_not():
    clip = load_clip("overlay.mp4")
    with av.open(str(clip.path)) as container:
        frames = container.decode(video=0)
        frame = next(f for i, f in enumerate(frames) if i == clip.prompt_frame).to_ndarray(format="bgr24")
    box = np.asarray(clip.prompt_box, dtype=np.float64)
    assert person_in_box([frame], box)
    width = box[2] - box[0]
    beside = box + np.array([-3.0 * width, 0.0, -3.0 * width, 0.0])  # the same size, on snow to the left
    assert beside[0] >= 0, "the clip's skier moved: pick another empty spot"
    assert not person_in_box([frame], beside)
