"""The stability benchmark's parts: the variants it asks for, the spreads it reports, its re-encodings."""

from __future__ import annotations

import doctest

import av
import pytest

from benchmarks import stability
from benchmarks.stability import box_variants, frame_variants, reencode, spreads
from poser_pipeline.synthetic.video import write_moving_figure_clip


def test_box_variants_change_size_or_position_by_the_stated_share():
    box = (100.0, 200.0, 300.0, 600.0)  # 200 x 400 px
    variants = {v.name: v.box for v in box_variants(box, 7)}
    assert variants["labelled"] == box
    w = lambda b: b[2] - b[0]  # noqa: E731
    h = lambda b: b[3] - b[1]  # noqa: E731
    assert w(variants["grow_5pct"]) == pytest.approx(210) and h(variants["grow_5pct"]) == pytest.approx(420)
    assert w(variants["shrink_2pct"]) == pytest.approx(196) and h(variants["shrink_2pct"]) == pytest.approx(392)
    assert variants["shift_right_5pct"] == (110.0, 200.0, 310.0, 600.0)
    assert variants["shift_up_5pct"] == (100.0, 180.0, 300.0, 580.0)
    assert all(v.frame == 7 for v in box_variants(box, 7))


def test_frame_variants_use_the_later_label_boxes_and_skip_unlabelled_frames():
    labels = {"prompt": {"frame": 0, "box": [0, 0, 1, 1]}, "boxes": {"10": [1, 2, 3, 4], "20": None}}
    variants = frame_variants(labels)
    assert [(v.name, v.box, v.frame) for v in variants] == [("prompt_frame_10", (1.0, 2.0, 3.0, 4.0), 10)]


def test_spreads_match_turns_by_start_and_direction():
    base = {
        "run_score": 80.0,
        "turns": [
            {"start_frame": 10, "direction": "left", "score": 70.0},
            {"start_frame": 40, "direction": "right", "score": 90.0},
        ],
        "transitions": [40],
    }
    moved = {
        "run_score": 78.0,
        "turns": [
            {"start_frame": 11, "direction": "left", "score": 72.0},
            {"start_frame": 40, "direction": "left", "score": 50.0},  # the other direction: not the same turn
        ],
        "transitions": [41, 80],
    }
    failed = {"variant": "x", "error": "ValueError: broke"}
    s = spreads([base, moved, failed])
    assert s["run_spread"] == 2.0
    assert s["unmatched_turns"] == 1  # the right turn has no counterpart
    assert s["turn_spread_p90"] == pytest.approx(2.0)  # the left turn's 2 points; the unmatched turn has no spread
    assert s["max_transition_shift_frames"] == 1


def test_the_examples_hold():
    result = doctest.testmod(stability)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("name", sorted(stability.ENCODINGS))
def test_a_reencoded_clip_keeps_every_frame_at_the_stated_scale(tmp_path, name):
    clip = tmp_path / "clip.mp4"
    write_moving_figure_clip(clip, fps=25.0, n_frames=12, seed=1)
    out = tmp_path / f"{name}.mp4"
    scale = reencode(clip, out, name)
    with av.open(str(clip)) as src, av.open(str(out)) as dst:
        src_frames = list(src.decode(video=0))
        dst_frames = list(dst.decode(video=0))
        codec = dst.streams.video[0].codec_context.name
    assert len(dst_frames) == len(src_frames) == 12
    assert [f.time for f in dst_frames] == pytest.approx([f.time for f in src_frames], abs=1e-3)  # same clock
    assert dst_frames[0].width == pytest.approx(src_frames[0].width * scale, abs=2)
    assert codec == {"libx264": "h264", "libx265": "hevc"}[stability.ENCODINGS[name][0]]
