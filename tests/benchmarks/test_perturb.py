"""The perturbation harness: labels follow the image, and a perturbed clip is a real, decodable video."""

from __future__ import annotations

import json

import av
import numpy as np
import pytest

from benchmarks.perturb import KINDS, perturb_labels, write_perturbed

LABELS = {
    "file": "clip.mp4",
    "width": 64,
    "height": 48,
    "num_frames": 21,
    "fps": 10.0,
    "prompt": {"frame": 5, "box": [10, 8, 30, 40]},
    "boxes": {"0": [10, 8, 30, 40], "10": [20, 8, 40, 40], "15": None, "20": [30, 8, 50, 40]},
    "turn_transitions": [{"frame": 11, "uncertainty_frames": 3}],
    "turns": [
        {"start_frame": 0, "end_frame": 11, "direction": "left"},
        {"start_frame": 11, "end_frame": 20, "direction": "right"},
    ],
}


def test_mirror_flips_boxes_and_turn_directions():
    out = perturb_labels(LABELS, KINDS["mirror"], 64, 48, "clip.mirror.mp4")
    assert out["boxes"]["0"] == [34, 8, 54, 40]
    assert out["boxes"]["15"] is None
    assert [t["direction"] for t in out["turns"]] == ["right", "left"]
    assert out["turn_transitions"] == LABELS["turn_transitions"]
    assert out["file"] == "clip.mirror.mp4" and out["perturbation"] == {"of": "clip.mp4", "kind": "mirror"}


def test_half_frame_rate_halves_frame_indices_and_drops_odd_frames():
    out = perturb_labels(LABELS, KINDS["half_fps"], 64, 48, "clip.half_fps.mp4")
    assert out["fps"] == 5.0 and out["num_frames"] == 11
    assert set(out["boxes"]) == {"0", "5", "10"}  # frame 15 is dropped
    assert out["prompt"]["frame"] == 2  # frame 5 is dropped: the kept frame before it
    assert out["turn_transitions"] == [{"frame": 6, "uncertainty_frames": 2}]
    assert [(t["start_frame"], t["end_frame"]) for t in out["turns"]] == [(0, 6), (6, 10)]


def test_small_scales_boxes_to_the_new_size():
    out = perturb_labels(LABELS, KINDS["small"], 32, 24, "clip.small.mp4")
    assert out["boxes"]["10"] == [10, 4, 20, 20] and out["prompt"]["box"] == [5, 4, 15, 20]
    assert (out["width"], out["height"]) == (32, 24)


def test_pan_moves_boxes_with_the_window_and_drops_the_skier_out_of_view():
    labels = dict(LABELS, boxes={"0": [10, 8, 30, 40], "4": [0, 8, 8, 40]})
    out = perturb_labels(labels, KINDS["pan"], 52, 38, "clip.pan.mp4")
    assert out["boxes"]["4"] is None  # the window moved right, past the thin box at the left edge
    x1, y1, x2, y2 = out["boxes"]["0"]
    assert 0 <= x1 < 10 and 0 <= y1 < 8 and x2 - x1 == pytest.approx(20 * 52 / 51.2, abs=0.1)
    hidden = dict(labels, prompt={"frame": 4, "box": [0, 8, 8, 40]})
    assert perturb_labels(hidden, KINDS["pan"], 52, 38, "clip.pan.mp4")["prompt"] == {
        "frame": 0,
        "box": [x1, y1, x2, y2],
    }


@pytest.mark.parametrize("kind", ["fog", "half_fps", "small", "pan"])
def test_a_perturbed_clip_decodes_with_its_frames_and_size(tmp_path, kind):
    clip = tmp_path / "clip.mp4"
    with av.open(str(clip), "w") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(21):
            image = np.zeros((48, 64, 3), np.uint8)
            image[8:40, 10 + i : 30 + i] = 255  # a white block moving right on black
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    (tmp_path / "clip.mp4.labels.json").write_text(json.dumps(LABELS))
    target = write_perturbed(clip, KINDS[kind], tmp_path)
    labels = json.loads(target.with_name(target.name + ".labels.json").read_text())
    with av.open(str(target)) as src:
        frames = [f.to_ndarray(format="rgb24") for f in src.decode(video=0)]
    assert len(frames) == labels["num_frames"]
    assert frames[0].shape == (labels["height"], labels["width"], 3)
    for index, box in labels["boxes"].items():  # the block is where its label says, whatever moved
        if box is None:
            continue
        ys, xs = np.nonzero(frames[int(index)].mean(axis=2) > 128)
        np.testing.assert_allclose([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], box, atol=2.0)
    if kind == "fog":
        # the haze lifts the black and dims the white: contrast below half the original's 255 levels
        assert 0 < frames[0].max().astype(int) - frames[0].min() < 150
