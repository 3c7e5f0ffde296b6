"""Names shared across layers that must agree: the per-frame field registry and the metric catalog."""

from __future__ import annotations

import doctest
import uuid
from pathlib import Path

import numpy as np
from sqlalchemy import Float

from db.models import FRAME_METRIC_COLUMNS, PHASE_COLUMNS, Frame
from db.queries.turns import _phase_table, _Span
from poser_pipeline.export.frames import METRIC_COLUMNS
from poser_pipeline.metrics import frame_fields
from poser_pipeline.metrics.catalog import CATALOG
from poser_pipeline.metrics.frame_fields import PHASE_FIELDS, SERIES_FIELDS, SERIES_NAMES
from poser_pipeline.metrics.series import compute_frame_series
from poser_pipeline.metrics.turns import segment_turns
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


def test_every_registered_series_is_a_nullable_float_column_of_frames():
    columns = Frame.__table__.columns
    for name in SERIES_NAMES:
        assert isinstance(columns[name].type, Float) and columns[name].nullable
    assert set(PHASE_COLUMNS) <= set(columns.keys())


def test_every_per_frame_field_has_a_unit_and_is_documented():
    metrics_md = (Path(__file__).resolve().parents[1] / "docs" / "metrics.md").read_text()
    names = [f.name for f in SERIES_FIELDS + PHASE_FIELDS]
    assert len(names) == len(set(names))
    for f in SERIES_FIELDS + PHASE_FIELDS:
        assert f.unit and f.description.endswith(".")
        assert f"`{f.name}`" in metrics_md, f"{f.name} is not described in docs/metrics.md"


def test_the_stored_phase_fields_are_the_pipelines():
    """The table's phase fields, derived from stored turns, equal the ones frames.csv carries."""
    run = generate_run(SkierParams(n_turns=4))
    series = compute_frame_series(run.world_xyz, np.ones(len(run.world_xyz), bool), fps=run.fps)
    structure = segment_turns(series.turn_signal_raw, fps=run.fps)
    assert len(structure.segments) >= 4 and structure.transitions
    segments = [_Span(uuid.uuid4(), s.start, s.start, s.end) for s in structure.segments]
    transitions = [_Span(uuid.uuid4(), t.window_start, t.center, t.window_end) for t in structure.transitions]
    table = _phase_table(segments, transitions)
    for f in range(len(series.valid)):
        row = table.get(f)
        seg, trans = structure.turn_segment_id[f], structure.turn_transition_id[f]
        assert (row["turn_segment_id"] if row else None) == (segments[seg].id if seg >= 0 else None)
        assert (row["turn_transition_id"] if row else None) == (transitions[trans].id if trans >= 0 else None)
        if seg >= 0:
            assert row["turn_phase_01"] == structure.turn_phase_01[f]  # exactly, not approximately
        if trans >= 0:
            assert row["transition_phase_signed"] == structure.transition_phase_signed[f]
            assert row["in_transition_window"] is True


def test_phase_fields_examples_hold():
    result = doctest.testmod(frame_fields)
    assert result.attempted > 0 and result.failed == 0
