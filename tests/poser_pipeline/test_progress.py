"""One overall progress fraction per run: declared stages and weights, never going back, on every backend."""

from __future__ import annotations

import numpy as np
import pytest

from poser_pipeline.analyze import analyze
from poser_pipeline.progress import STAGE_LABELS, STAGES, OverallProgress
from poser_pipeline.synthetic.video import write_moving_figure_clip
from services.run_analysis import _ThrottledProgress


class _Percents:
    """A reporter that keeps the percentages it is given (the run reporter's ``progress`` call)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, float, str]] = []

    def progress(self, stage: str, percent: float, message: str = "") -> None:
        self.seen.append((stage, percent, message))


@pytest.mark.parametrize("backend", sorted(STAGES))
def test_each_backends_weights_sum_to_one_and_name_each_stage_once(backend):
    stages = STAGES[backend]
    assert sum(s.weight for s in stages) == pytest.approx(1.0)
    assert len({s.name for s in stages}) == len(stages)
    assert all(s.weight > 0 and s.label for s in stages)


def test_the_sam2_order_fills_the_bar_once_from_5_to_92_percent():
    """decode → track → pose → smooth → render: a bar over fixed per-stage spans went 92 → 5 → 95 → 70."""
    reporter = _Percents()
    report = OverallProgress(STAGES["sam2"], _ThrottledProgress(reporter, interval_s=0.0))
    for stage, n in (("decode", 40), ("track", 40), ("pose", 40), ("smooth", 1), ("render", 40)):
        for done in range(1, n + 1):
            report(stage, done, n)
    percents = [p for _, p, _ in reporter.seen]
    assert np.all(np.diff(percents) >= 0)
    assert percents[0] == pytest.approx(5 + 87 * 0.10 / 40, abs=0.1) and percents[-1] == 92.0
    assert {m for _, _, m in reporter.seen} >= {"Reading the clip", "Following the skier", "Estimating body pose"}


def test_a_stage_name_means_one_thing_on_every_backend():
    labels: dict[str, set[str]] = {}
    for stages in STAGES.values():
        for stage in stages:
            labels.setdefault(stage.name, set()).add(stage.label)
    assert all(len(named) == 1 for named in labels.values()), labels
    assert {name: label for name, (label,) in labels.items()} == STAGE_LABELS


def test_a_revised_total_or_an_unknown_stage_never_moves_it_back():
    seen: list[float] = []
    report = OverallProgress(STAGES["cpu"], lambda *a: seen.append(a[3]))
    report("track_pose", 90, 100)  # an estimate of the frame count ...
    report("track_pose", 90, 120)  # ... revised upwards
    report("export", 1, 1)  # not a declared stage
    report("track_pose", 0, 0)  # an empty stage counts as done
    assert seen[0] == pytest.approx(0.675)
    assert seen[1] == seen[2] == seen[0]
    assert seen[3] == pytest.approx(0.75)


def test_a_cpu_run_reports_its_stages_in_order_ending_at_one(tmp_path):
    truth = write_moving_figure_clip(tmp_path / "clip.mp4", fps=25.0, n_frames=25, seed=4)
    calls: list[tuple[str, int, int, float]] = []
    analyze(tmp_path / "clip.mp4", truth[0], tmp_path / "out", progress=lambda *a: calls.append(a))
    overall = [c[3] for c in calls]
    assert np.all(np.diff(overall) >= 0) and overall[-1] == pytest.approx(1.0)
    order = [s.name for s in STAGES["cpu"]]
    firsts = sorted({c[0] for c in calls}, key=lambda s: next(i for i, c in enumerate(calls) if c[0] == s))
    assert firsts == order
