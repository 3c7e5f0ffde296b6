"""The CLI end to end on a small synthetic clip, and the drawn lost-track marker."""

from __future__ import annotations

import csv
import json

import av
import numpy as np
import pytest

from poser_pipeline.export.frames import frames_csv_columns
from poser_pipeline.progress import STAGE_LABELS
from poser_pipeline.render.draw import LOST_BGR, draw_lost_marker
from poser_pipeline.synthetic.video import write_moving_figure_clip
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    clip = folder / "figure.mp4"
    truth = write_moving_figure_clip(clip, fps=25.0, n_frames=40, seed=3)
    out = folder / "out"
    box = ",".join(f"{v:.1f}" for v in truth[0])
    result = run_cli("analyze", clip, "--box", box, "--out", out)
    return result, out, truth


def test_writes_every_output(cli_run):
    result, out, _truth = cli_run
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "centred.mp4",
        "frames.csv",
        "metrics.csv",
        "overlay.mp4",
        "run.json",
        "turns.csv",
    ]
    assert STAGE_LABELS["track_pose"] in result.stderr  # a progress bar per stage
    assert STAGE_LABELS["render"] in result.stderr


def test_frames_csv_has_documented_columns_and_a_row_per_frame(cli_run):
    _, out, truth = cli_run
    with (out / "frames.csv").open() as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    assert reader.fieldnames == frames_csv_columns()
    assert [int(r["frame_index"]) for r in rows] == list(range(len(truth)))
    assert all(r["pose_found"] == "0" and r["nose_x_px"] == "" for r in rows)  # no person: nothing invented


def test_run_json_describes_the_run(cli_run):
    result, out, truth = cli_run
    run = json.loads((out / "run.json").read_text())
    assert run["num_frames"] == len(truth)
    assert run["fps"] == pytest.approx(25.0)
    assert run["input"]["width"] == 320 and run["input"]["codec"] == "h264"
    assert set(run["seconds"]) >= {"probe", "track_pose", "smooth", "render", "export"}
    assert any("no person" in w for w in run["warnings"])
    assert run["tracking"]["mirrored_frames"] == 0  # checked, and nothing to read the other way
    assert "no person" in result.stderr  # the user is told, not only the file
    assert run["metrics"]["reference"]["evidence"] == "none" and run["metrics"]["reference"]["note"]


def test_overlay_is_h264_at_source_fps(cli_run):
    _, out, truth = cli_run
    with av.open(str(out / "overlay.mp4")) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert float(stream.average_rate) == pytest.approx(25.0, abs=0.01)
        assert sum(1 for _ in container.decode(stream)) == len(truth)


def test_lost_marker_is_visible():
    image = np.full((120, 160, 3), 200, np.uint8)
    draw_lost_marker(image)
    assert tuple(image[0, 80]) == LOST_BGR and tuple(image[60, 0]) == LOST_BGR
