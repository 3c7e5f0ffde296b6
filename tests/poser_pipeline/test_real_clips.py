"""End-to-end runs on the labelled real clips (skipped where ../shared/clips is absent).

Reference boxes are human labels every 10th frame (body + skis); they are
approximate, so thresholds are on shares of frames, not on single frames.
"""

from __future__ import annotations

import csv
import json

import av
import numpy as np
import pytest

from poser_pipeline import boxes
from poser_pipeline.export.metrics import (
    METRICS_CSV_COLUMNS,
    TURN_INTERVAL_COLUMNS,
    TURN_VALUE_KEYS,
    TURNS_CSV_COLUMNS,
)
from poser_pipeline.metrics.catalog import BY_KEY
from poser_pipeline.settings import PipelineSettings
from poser_pipeline.tracking.cpu_pass import run_tracking_pass
from poser_pipeline.video.decode import probe_video, resolve_window
from tests.shared_clips import CLIP_NAMES, POSE_CLIPS, available, load_clip

pytestmark = pytest.mark.slow


def _label_ious(run) -> np.ndarray:
    tracked = run.boxes()
    return np.array(
        [boxes.iou(tracked[i], ref) for i, ref in run.clip.boxes.items() if ref is not None and i < len(tracked)]
    )


def _centre_inside(run) -> np.ndarray:
    """Per labelled frame: whether the tracked box's centre lies inside the labelled box."""
    tracked = run.boxes()
    inside = []
    for i, ref in run.clip.boxes.items():
        if ref is None or i >= len(tracked):
            continue
        cx, cy = (tracked[i][:2] + tracked[i][2:]) / 2
        inside.append(ref[0] <= cx <= ref[2] and ref[1] <= cy <= ref[3])
    return np.array(inside)


#: Share of labelled frames whose tracked box overlaps the label with IoU >= 0.5. Where BlazePose
#: misses the skier (the foggy clip) the box is the body's silhouette without the skis, narrower
#: than the label's body-and-skis box on the traverses: it follows the skier but overlaps less.
IOU_FLOOR = {"overlay.mp4": 0.8, "v_Skiing_g24_c01.gif": 0.8, "byTD1v33P7U_0-4.mp4": 0.7}


def test_track_matches_labelled_boxes(shared_clip_runs):
    pooled = []
    for name in CLIP_NAMES:
        run = shared_clip_runs[name]
        ious = _label_ious(run)
        share = float(np.mean(ious >= 0.5))
        assert share >= IOU_FLOOR[name], (
            f"{name}: IoU>=0.5 on only {share:.0%} of labelled frames ({np.round(ious, 2)})"
        )
        # a jump to the passer-by / another skier shows as a box with no overlap at all
        assert np.all(ious > 0.1), f"{name}: the track left the skier ({np.round(ious, 2)})"
        # on the skier, not beside them: the box's centre lies on the labelled skier
        assert _centre_inside(run).mean() >= 0.9, f"{name}: the box's centre is off the skier"
        pooled.extend(ious)
    assert np.mean(np.asarray(pooled) >= 0.5) >= 0.9


@pytest.mark.parametrize("name", POSE_CLIPS)
def test_pose_found_on_tracked_frames(shared_clip_runs, name):
    run = shared_clip_runs[name]
    tracked = run.column("track_lost") == 0
    pose = run.column("pose_found") == 1
    assert pose[tracked].mean() >= 0.9


def test_foggy_clip_keeps_track_without_pose(shared_clip_runs):
    run = shared_clip_runs["byTD1v33P7U_0-4.mp4"]
    assert (run.column("track_lost") == 0).mean() >= 0.95
    summary = json.loads((run.out_dir / "run.json").read_text())
    assert summary["tracking"]["pose_share"] < 0.9  # reported, not hidden: BlazePose misses this skier


@pytest.mark.parametrize("name", CLIP_NAMES)
def test_outputs_are_complete_and_playable(shared_clip_runs, name):
    run = shared_clip_runs[name]
    info = probe_video(run.clip.path)
    summary = json.loads((run.out_dir / "run.json").read_text())
    assert summary["num_frames"] == len(run.rows) == info.num_frames_hint
    for video in ("overlay.mp4", "centred.mp4"):
        with av.open(str(run.out_dir / video)) as container:
            stream = container.streams.video[0]
            assert stream.codec_context.name == "h264"
            assert stream.codec_context.pix_fmt == "yuv420p"
            assert sum(1 for _ in container.decode(stream)) == len(run.rows)
            assert abs(float(stream.average_rate) - info.fps) < 0.05
    # +faststart: the index (moov) comes before the media data (mdat)
    head = (run.out_dir / "overlay.mp4").read_bytes()[:4096]
    assert head.find(b"moov") != -1 and (head.find(b"mdat") == -1 or head.find(b"moov") < head.find(b"mdat"))
    timestamps = run.column("timestamp_ms")
    assert np.all(np.diff(timestamps) > 0)
    assert abs(np.median(np.diff(timestamps)) - 1000 / info.fps) < 1.0


def _tracked_share(name: str, box: np.ndarray) -> float:
    clip = load_clip(name)
    info = probe_video(clip.path)
    start, end = resolve_window(info, None, None, max_window_s=20)
    result = run_tracking_pass(info, start, end, box, clip.prompt_frame / clip.fps, PipelineSettings())
    return float(np.mean(~result.lost))


@pytest.mark.skipif(not available(), reason="../shared/clips is not here")
@pytest.mark.parametrize("name", CLIP_NAMES)
def test_sloppy_prompt_boxes_track_as_well(name):
    """Jitter the prompt by ±10 % of its size (shift and scale): the tracked share moves < 5 points."""
    clip = load_clip(name)
    reference = _tracked_share(name, clip.prompt_box)
    rng = np.random.default_rng(7)
    size = boxes.size(clip.prompt_box)
    for _ in range(3):
        shift = rng.uniform(-0.1, 0.1, 2) * size
        scale = 1 + rng.uniform(-0.1, 0.1, 2)
        jittered = boxes.from_centre_size(boxes.centre(clip.prompt_box) + shift, size * scale)
        assert abs(_tracked_share(name, jittered) - reference) < 0.05


def _match_transitions(found: list[int], labelled: list[tuple[int, int]]) -> int:
    """Greedy one-to-one matches of detections to labels within max(uncertainty, 3) frames."""
    unused = list(found)
    matched = 0
    for frame, uncertainty in labelled:
        near = [f for f in unused if abs(f - frame) <= max(uncertainty, 3)]
        if near:
            unused.remove(min(near, key=lambda f: abs(f - frame)))
            matched += 1
    return matched


def test_transitions_match_the_hand_labels(shared_clip_runs):
    true_positives = detections = labels = 0
    for name in CLIP_NAMES:
        run = shared_clip_runs[name]
        spec = json.loads((run.clip.path.parent / f"{name}.labels.json").read_text())
        labelled = [(t["frame"], t.get("uncertainty_frames", 0)) for t in spec["turn_transitions"]]
        with (run.out_dir / "turns.csv").open() as fh:
            rows = list(csv.DictReader(fh))
        found = sorted({int(r["transition_center_frame"]) for r in rows if r["transition_center_frame"]})
        matched = _match_transitions(found, labelled)
        true_positives, detections, labels = true_positives + matched, detections + len(found), labels + len(labelled)
        print(f"{name}: {matched} of {len(labelled)} labelled transitions found, {len(found)} detected")
    precision, recall = true_positives / max(detections, 1), true_positives / max(labels, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    # 0.84 measured. On the GIF BlazePose reads the skier front-to-back at the apex, where he faces the
    # camera; pose/facing.py reads those frames back, and one extra transition is left (at frame 72)
    assert f1 >= 0.8, (precision, recall)


@pytest.mark.parametrize("name", CLIP_NAMES)
def test_metric_csvs_follow_their_schema(shared_clip_runs, name):
    run = shared_clip_runs[name]
    with (run.out_dir / "turns.csv").open() as fh:
        reader = csv.DictReader(fh)
        turns = list(reader)
    assert tuple(reader.fieldnames) == TURNS_CSV_COLUMNS + TURN_VALUE_KEYS + TURN_INTERVAL_COLUMNS
    for t in turns:  # every scored turn carries its interval, and the interval holds the score
        if t["edge_similarity"]:
            low, value, high = (float(t[k]) for k in ("edge_similarity_low", "edge_similarity", "edge_similarity_high"))
            assert 0 <= low <= value <= high <= 100, t
    assert all(t["direction"] in ("left", "right") and t["is_partial"] in ("0", "1") for t in turns)
    with (run.out_dir / "metrics.csv").open() as fh:
        reader = csv.DictReader(fh)
        metrics = list(reader)
    assert tuple(reader.fieldnames) == METRICS_CSV_COLUMNS
    for row in metrics:
        assert row["key"] in BY_KEY and row["unit"] == BY_KEY[row["key"]].unit
        assert row["value"] == "" or np.isfinite(float(row["value"]))  # never NaN, empty when unknown
        if row["low"]:
            assert float(row["low"]) <= float(row["value"]) <= float(row["high"]), row
    assert all(t["measurable"] == "0" for t in turns if t["is_partial"] == "1")
