"""Names shared across layers that must agree (the database may not import the pipeline)."""

from __future__ import annotations

import numpy as np

from db.models import FRAME_METRIC_COLUMNS, PHASE_COLUMNS
from poser_pipeline.export.frames import METRIC_COLUMNS
from poser_pipeline.metrics.catalog import CATALOG
from poser_pipeline.metrics.series import compute_frame_series
from poser_pipeline.synthetic.skier import SkierParams, generate_run


def test_frames_table_has_a_column_for_every_per_frame_series():
    run = generate_run(SkierParams(n_turns=1))
    series = compute_frame_series(run.world_xyz, np.ones(len(run.world_xyz), bool), fps=run.fps)
    assert tuple(series.columns()) == FRAME_METRIC_COLUMNS
    assert list(FRAME_METRIC_COLUMNS) + list(PHASE_COLUMNS) == METRIC_COLUMNS  # frames.csv carries the same


def test_catalog_keys_are_unique_and_scoped():
    keys = [m.key for m in CATALOG]
    assert len(keys) == len(set(keys))
    assert {m.scope for m in CATALOG} == {"run", "segment"}
