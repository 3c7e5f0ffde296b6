"""A real pipeline result with turns and metrics, shared by the tests of everything that stores one."""

from __future__ import annotations

import numpy as np
import pytest

from poser_pipeline.analyze import analyze
from poser_pipeline.metrics.measure import measure_run
from poser_pipeline.synthetic.skier import SkierParams, generate_run
from poser_pipeline.synthetic.video import write_moving_figure_clip


@pytest.fixture(scope="session")
def pipeline_result(tmp_path_factory):
    """One real pipeline run (small synthetic clip) whose outputs both reporters send."""
    folder = tmp_path_factory.mktemp("internal")
    truth = write_moving_figure_clip(folder / "clip.mp4", fps=25.0, n_frames=25, seed=4)
    result = analyze(folder / "clip.mp4", truth[0], folder / "out")
    # give it turns and metrics to carry: the synthetic 3D skier's series in place of the empty pose
    skier = generate_run(SkierParams(n_turns=3, fps=25.0, noise_m=0.01, seed=4))
    measured = measure_run(skier.world_xyz, ~skier.truth["dropped"], fps=25.0)
    result.series, result.turns, result.metrics = measured.series, measured.turns, measured.metrics
    n = len(skier.world_xyz)
    tracking = result.tracking
    tracking.timestamps_ms = np.arange(n) * 40.0
    tracking.boxes = np.tile(tracking.boxes[:1], (n, 1))
    tracking.confidence, tracking.lost = np.ones(n), np.zeros(n, bool)
    return result
