"""Bad input through the real CLI: exit status 2, one ``error:`` line naming the problem, nothing left behind.

Every case runs ``python -m poser_pipeline analyze ... --quiet`` in a subprocess, as a user would, on small
clips generated once per module. The file names are neutral and are blanked out of the message before the
keyword check, so a keyword can only match the explanation, never the clip's name.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

from poser_pipeline.analyze import analyze
from poser_pipeline.errors import PoserInputError
from poser_pipeline.settings import PipelineSettings
from poser_pipeline.synthetic.video import render_moving_figure, write_video
from poser_pipeline.video.writer import H264Writer
from tests.conftest import run_cli

FPS = 25.0
WIDTH, HEIGHT, N_FRAMES = 160, 120, 50  # a 2.0 s clip; its last frame is at 1.96 s


def _write_audio_only(path: Path, codec: str, sample_format: str) -> None:
    """One second of a 440 Hz mono sine, no video stream."""
    rate, block = 44100, 1024
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=rate)
        stream.layout = "mono"
        for start in range(0, rate, block):
            t = (np.arange(block) + start) / rate
            wave = 0.3 * np.sin(2 * math.pi * 440.0 * t)
            samples = (wave * 32767).astype(np.int16) if sample_format == "s16" else wave.astype(np.float32)
            frame = av.AudioFrame.from_ndarray(samples[None, :], format=sample_format, layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bad_input_clips")
    frames, truth = render_moving_figure(width=WIDTH, height=HEIGHT, n_frames=N_FRAMES, distractor=False, seed=5)
    good = folder / "clip_ok.mp4"
    write_video(good, frames, fps=FPS)
    data = good.read_bytes()
    # write_video's MP4 keeps its moov atom (the index) at the end, so 40 % of the bytes has no index at all.
    assert data.find(b"moov") > 0.4 * len(data)
    cut = folder / "clip_cut.mp4"
    cut.write_bytes(data[: int(0.4 * len(data))])
    text = folder / "clip_text.mp4"
    text.write_text("Meeting notes, not a video.\n" * 40)
    zero = folder / "clip_zero.mp4"
    zero.write_bytes(b"")
    aac = folder / "clip_sound.m4a"
    _write_audio_only(aac, "aac", "fltp")
    wav = folder / "clip_sound.wav"
    _write_audio_only(wav, "pcm_s16le", "s16")
    return {"good": good, "cut": cut, "text": text, "zero": zero, "aac": aac, "wav": wav, "truth0": truth[0]}


def _box(values) -> str:
    return ",".join(f"{v:.1f}" for v in values)


def _assert_refused(result: subprocess.CompletedProcess[str], clip: Path, patterns: list[str]) -> str:
    """Exit 2 and exactly one non-empty stderr line ``error: ...`` matching every pattern (name blanked out)."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("error: ") and len(line) > len("error: ") + 10, line
    message = line.replace(str(clip), "<clip>").replace(clip.name, "<clip>")
    for pattern in patterns:
        assert re.search(pattern, message, flags=re.IGNORECASE), f"{pattern!r} not in {line!r}"
    assert "Traceback" not in result.stderr
    return line


def _assert_nothing_left(out: Path) -> None:
    assert not (out / "run.json").exists(), "a failed run left a folder that looks complete"
    leftovers = [p.name for p in out.parent.iterdir() if p.name.endswith(".partial")]
    assert leftovers == [], leftovers


# case id -> (clip key, extra arguments, patterns the message must match)
FILE_CASES = {
    "text_renamed_mp4": ("text", [], [r"not a video"]),
    "truncated_mp4": ("cut", [], [r"truncated"]),
    "zero_bytes": ("zero", [], [r"empty|0 bytes"]),
    "audio_only_m4a": ("aac", [], [r"no video"]),
    "audio_only_wav": ("wav", [], [r"no video"]),
}


@pytest.mark.parametrize("case", list(FILE_CASES))
def test_unreadable_file_is_refused(clips, tmp_path, case):
    key, extra, patterns = FILE_CASES[case]
    out = tmp_path / "out"
    result = run_cli("analyze", clips[key], "--box", "20,20,60,100", *extra, "--out", out, "--quiet")
    _assert_refused(result, clips[key], patterns)
    _assert_nothing_left(out)


def test_missing_file_is_refused(clips, tmp_path):
    missing = tmp_path / "nowhere.mp4"
    out = tmp_path / "out"
    result = run_cli("analyze", missing, "--box", "20,20,60,100", "--out", out, "--quiet")
    _assert_refused(result, missing, [r"no such file"])
    _assert_nothing_left(out)


# case id -> (arguments after the clip, patterns the message must match)
ARG_CASES = {
    "box_outside_frame": (["--box", "400,300,480,420"], [r"outside", rf"{WIDTH}x{HEIGHT}"]),
    "box_zero_area": (["--box", "50,20,50,100"], [r"no area"]),
    "box_malformed": (["--box", "1,2,3"], [r"--box", r"four numbers"]),
    "at_past_end": (["--box", "20,20,60,100", "--at", "5"], [r"frame at 5 s is outside the clip", r"--at"]),
    "at_outside_trim_window": (
        ["--box", "20,20,60,100", "--start", "1", "--end", "2", "--at", "0.5"],
        [r"frame at 0.5 s is outside the trim window", r"--at"],
    ),
    # inside the clip's duration (2.0 s) but after its last frame (1.96 s): found only while
    # decoding, after the staging folder exists, so this case checks that it is removed again
    "at_after_last_frame": (["--box", "20,20,60,100", "--at", "1.995"], [r"frame at 1.995 s", r"last frame", r"--at"]),
    "window_past_end": (["--box", "20,20,60,100", "--start", "3"], [r"starts at 3 s, past the end", r"--start"]),
}


@pytest.mark.parametrize("case", list(ARG_CASES))
def test_bad_prompt_or_window_is_refused(clips, tmp_path, case):
    args, patterns = ARG_CASES[case]
    out = tmp_path / "out"
    result = run_cli("analyze", clips["good"], *args, "--out", out, "--quiet")
    _assert_refused(result, clips["good"], patterns)
    _assert_nothing_left(out)


def test_good_clip_and_box_succeed(clips, tmp_path):
    """Control: the clip the argument cases use is fine, so their refusals are due to the arguments."""
    out = tmp_path / "out"
    result = run_cli("analyze", clips["good"], "--box", _box(clips["truth0"]), "--out", out, "--quiet")
    assert result.returncode == 0, result.stderr
    assert not any(line.startswith("error:") for line in result.stderr.splitlines())
    assert sorted(p.name for p in out.iterdir()) == [
        "centred.mp4",
        "frames.csv",
        "metrics.csv",
        "overlay.mp4",
        "run.json",
        "turns.csv",
    ]
    assert not any(p.name.endswith(".partial") for p in tmp_path.iterdir())


def test_clip_longer_than_the_limit_needs_a_window(clips, tmp_path):
    settings = PipelineSettings(max_window_s=1.0)
    out = tmp_path / "out"
    with pytest.raises(PoserInputError) as caught:
        analyze(clips["good"], clips["truth0"], out, settings=settings)
    message = str(caught.value)
    assert "at most 1 s" in message and "choose a window" in message, message
    assert "--start" not in message  # the studio and emails show this message too: no CLI options in it
    assert "\n" not in message
    assert not out.exists()
    assert not any(p.name.endswith(".partial") for p in tmp_path.iterdir())
    # a window within the limit on the same clip is accepted
    result = analyze(clips["good"], clips["truth0"], out, start_s=0.0, end_s=1.0, settings=settings)
    assert result.run["num_frames"] == 25
    assert (out / "run.json").is_file()


def test_truncated_faststart_mp4_is_analysed_with_a_warning(clips, tmp_path):
    """With its index at the front (as phones and our own writer do), a cut MP4 still decodes its first
    frames: the run succeeds on what is there and says the file looks truncated."""
    frames, truth = render_moving_figure(width=WIDTH, height=HEIGHT, n_frames=N_FRAMES, distractor=False, seed=5)
    whole = tmp_path / "faststart.mp4"
    with H264Writer(whole, WIDTH, HEIGHT, fps=FPS, preset="ultrafast", crf=18) as writer:
        for i, image in enumerate(frames):
            writer.write(image, i * 1000 / FPS)
    data = whole.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")
    cut = tmp_path / "faststart_cut.mp4"
    cut.write_bytes(data[: int(0.4 * len(data))])
    out = tmp_path / "out"
    result = run_cli("analyze", cut, "--box", _box(truth[0]), "--out", out, "--quiet")
    assert result.returncode == 0, result.stderr
    assert "truncated" in result.stderr
    run = json.loads((out / "run.json").read_text())
    assert run["num_frames"] < N_FRAMES
    assert any("truncated" in w for w in run["warnings"])
