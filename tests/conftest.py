"""Session-wide fixtures: the real-clip runs happen once and are shared."""

from __future__ import annotations

import csv
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from tests.db_fixtures import empty_url, engine, factory, migrated_engine, pg_server  # noqa: F401 - shared fixtures
from tests.pipeline_fixtures import pipeline_result  # noqa: F401 - shared fixture
from tests.shared_clips import CLIP_NAMES, LabelledClip, available, load_clip

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class ClipRun:
    """One CLI run on a labelled clip: the labels, the output folder and the CSV."""

    clip: LabelledClip
    out_dir: Path
    rows: list[dict[str, str]]

    def boxes(self) -> np.ndarray:
        keys = ("box_x1_px", "box_y1_px", "box_x2_px", "box_y2_px")
        return np.array([[float(r[k]) for k in keys] for r in self.rows])

    def column(self, name: str) -> np.ndarray:
        return np.array([float(r[name]) if r[name] != "" else np.nan for r in self.rows])


def run_cli(*args: str | Path, timeout_s: float = 600) -> subprocess.CompletedProcess[str]:
    """Run ``python -m poser_pipeline`` as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "poser_pipeline", *map(str, args)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


@pytest.fixture(scope="session")
def shared_clip_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ClipRun]:
    """The CLI run once per session on each real clip, from its label prompt."""
    if not available():
        pytest.skip("../shared/clips is not here (it is only on the developers' machines)")
    runs = {}
    for name in CLIP_NAMES:
        clip = load_clip(name)
        out = tmp_path_factory.mktemp("real") / name.replace(".", "_")
        box = ",".join(f"{v:g}" for v in clip.prompt_box)
        result = run_cli(
            "analyze", clip.path, "--box", box, "--at", f"{clip.prompt_frame / clip.fps:.4f}", "--out", out, "--quiet"
        )
        assert result.returncode == 0, result.stderr
        with (out / "frames.csv").open() as fh:
            rows = list(csv.DictReader(fh))
        runs[name] = ClipRun(clip=clip, out_dir=out, rows=rows)
    return runs
