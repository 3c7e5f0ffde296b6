"""Bad input: a clear one-line error, exit status 2, and no output folder that looks complete."""

from __future__ import annotations

import math

import av
import numpy as np
import pytest

from poser_pipeline.analyze import analyze
from poser_pipeline.errors import PoserInputError
from poser_pipeline.settings import PipelineSettings
from poser_pipeline.synthetic_video import render_moving_figure, write_video
from tests.conftest import run_cli

FPS = 25.0
BOX = "100,60,140,120"


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    frames, _ = render_moving_figure(width=160, height=120, n_frames=50, fig_size=(20, 40), distractor=False)
    good = folder / "good.mp4"
    write_video(good, frames, fps=FPS)  # 2 s
    text = folder / "notes.mp4"
    text.write_text("this is not a video\n" * 50)
    empty = folder / "empty.mp4"
    empty.write_bytes(b"")
    truncated = folder / "truncated.mp4"
    truncated.write_bytes(good.read_bytes()[:1000])
    audio = folder / "audio.m4a"
    with av.open(str(audio), "w") as container:
        stream = container.add_stream("aac", rate=44100)
        for i in range(40):
            t = (np.arange(1024) + i * 1024) / 44100
            samples = (0.3 * np.sin(2 * math.pi * 440 * t)).astype(np.float32)[None, :]
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate = 44100
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return {"good": good, "text": text, "empty": empty, "truncated": truncated, "audio": audio, "dir": folder}


CASES = {
    "text renamed .mp4": ("text", ["--box", BOX], "not a video"),
    "0-byte file": ("empty", ["--box", BOX], "empty"),
    "truncated mp4": ("truncated", ["--box", BOX], "truncated"),
    "audio only": ("audio", ["--box", BOX], "no video stream"),
    "box outside the frame": ("good", ["--box", "500,400,560,470"], "outside"),
    "zero-area box": ("good", ["--box", "50,40,50,90"], "no area"),
    "malformed box": ("good", ["--box", "1,2,3"], "four numbers"),
    "--at past the end": ("good", ["--box", BOX, "--at", "9"], "outside the clip"),
    "--at outside the window": ("good", ["--box", BOX, "--start", "1", "--end", "2", "--at", "0.5"], "trim window"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_cli_refuses_with_one_clear_line(clips, case):
    clip_key, args, keyword = CASES[case]
    out = clips["dir"] / f"out_{case.replace(' ', '_')}"
    result = run_cli("analyze", clips[clip_key], *args, "--out", out, "--quiet")
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and keyword in lines[0], result.stderr
    assert not (out / "run.json").exists()
    assert not any(p.name.endswith(".partial") for p in clips["dir"].iterdir())


def test_clip_longer_than_the_limit_needs_a_window(clips, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(PoserInputError, match=r"--start.*--end"):
        analyze(clips["good"], [100, 60, 140, 120], out, settings=PipelineSettings(max_window_s=1.0))
    assert not out.exists()
    # ...and with a window inside the limit it runs
    result = analyze(
        clips["good"], [100, 60, 140, 120], out, start_s=0.5, end_s=1.5, settings=PipelineSettings(max_window_s=1.0)
    )
    assert result.run["num_frames"] == 25
