"""The box seam: canvas rectangles back to frame pixels."""

from __future__ import annotations

import pytest

from app.prompt import box_from_canvas, display_size


@pytest.mark.parametrize(
    ("frame", "canvas"),
    [((320, 240), (720, 540)), ((1920, 1080), (720, 405)), ((1080, 1920), (304, 540))],
)
def test_display_size_fits_the_frame_and_keeps_its_shape(frame, canvas):
    assert display_size(*frame) == canvas
    assert canvas[0] / canvas[1] == pytest.approx(frame[0] / frame[1], rel=0.01)


def test_the_last_rectangle_is_scaled_back_to_frame_pixels():
    data = {
        "objects": [
            {"type": "rect", "left": 0, "top": 0, "width": 10, "height": 10},
            {"type": "path"},
            {"type": "rect", "left": 90, "top": 45, "width": 36, "height": 72, "scaleX": 2.0, "scaleY": 1.0},
        ]
    }
    box = box_from_canvas(data, canvas_size=(720, 405), frame_size=(1920, 1080))
    assert box == pytest.approx((240.0, 120.0, 432.0, 312.0))


def test_a_rectangle_drawn_upwards_still_gives_an_ordered_box():
    data = {"objects": [{"type": "Rect", "left": 100, "top": 80, "width": -40, "height": -20}]}
    assert box_from_canvas(data, canvas_size=(100, 100), frame_size=(100, 100)) == (60.0, 60.0, 100.0, 80.0)


@pytest.mark.parametrize("data", [None, {}, {"objects": []}, {"objects": [{"type": "circle"}]}])
def test_no_rectangle_gives_no_box(data):
    assert box_from_canvas(data, canvas_size=(100, 100), frame_size=(100, 100)) is None
