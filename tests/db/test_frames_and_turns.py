"""Frame batches are idempotent; phase fields are filled whichever of frames/turns comes last; metrics."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from db import queries as q
from db.models import Frame
from tests.db.helpers import frame_row, new_analysis, new_run

# Frames 0..20: transition window 8..12 (centre 10) between a left turn 0..10 and a right turn 10..20.
TRANSITIONS = [dict(transition_index=0, window_start_frame=8, center_frame=10, window_end_frame=12)]
SEGMENTS = [
    dict(segment_index=0, start_frame=0, end_frame=10, apex_frame=4, direction="left", is_partial=True,
         end_transition_index=0, confidence=0.8),
    dict(segment_index=1, start_frame=10, end_frame=20, apex_frame=15, direction="right", is_partial=True,
         start_transition_index=0, measurable=False),
]  # fmt: skip


def _frame_count(s: Session, run_id: object) -> int:
    return int(s.scalar(select(func.count()).select_from(Frame).where(Frame.analysis_run_id == run_id)) or 0)


def test_same_frame_batch_twice_keeps_row_count_and_updates_values(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        run = new_run(s, new_analysis(s))
        run_id = run.id
        assert q.upsert_frames(session=s, run_id=run_id, rows=[frame_row(i) for i in range(50)]) == 50
    with factory.begin() as s:
        rows = [frame_row(i, com_x_m=-1.0, track_lost=True, inclination_deg=math.nan) for i in range(40, 60)]
        q.upsert_frames(session=s, run_id=run_id, rows=rows)
        q.upsert_frames(session=s, run_id=run_id, rows=rows)
    with factory() as s:
        assert _frame_count(s, run_id) == 60
        frames = q.list_frames(session=s, run_id=run_id)
        assert [f.frame_index for f in frames] == list(range(60))
        assert frames[39].com_x_m == pytest.approx(0.39) and frames[39].track_lost is False
        assert frames[40].com_x_m == -1.0 and frames[40].track_lost is True
        assert frames[40].inclination_deg is None  # NaN is stored as NULL
    with factory.begin() as s:  # a batch naming only some columns leaves the others as they are
        q.upsert_frames(session=s, run_id=run_id, rows=[{"frame_index": 40, "com_y_m": 2.0}])
    with factory() as s:
        frame = q.list_frames(session=s, run_id=run_id)[40]
        assert (frame.com_y_m, frame.com_x_m, frame.track_lost) == (2.0, -1.0, True)


def test_frame_batches_of_different_runs_do_not_collide(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        analysis = new_analysis(s)
        runs = [new_run(s, analysis), new_run(s, analysis)]
        for run in runs:
            q.upsert_frames(session=s, run_id=run.id, rows=[frame_row(i) for i in range(10)])
        assert [_frame_count(s, r.id) for r in runs] == [10, 10]


def test_unknown_frame_column_is_refused(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        run = new_run(s, new_analysis(s))
        with pytest.raises(ValueError, match="unknown frame columns"):
            q.upsert_frames(session=s, run_id=run.id, rows=[{"frame_index": 0, "turn_phase_01": 0.5}])


def _check_phases(s: Session, run_id: object) -> None:
    segments = {seg.segment_index: seg.id for seg in q.list_turn_segments(session=s, run_id=run_id)}
    (transition,) = q.list_turn_transitions(session=s, run_id=run_id)
    frames = {f.frame_index: f for f in q.list_frames(session=s, run_id=run_id)}
    assert frames[0].turn_segment_id == segments[0] and frames[0].turn_phase_01 == 0.0
    assert frames[5].turn_phase_01 == pytest.approx(0.5) and not frames[5].in_transition_window
    assert frames[5].turn_transition_id is None and frames[5].transition_phase_signed is None
    assert frames[8].in_transition_window and frames[8].transition_phase_signed == pytest.approx(-1.0)
    assert frames[8].turn_transition_id == transition.id
    assert frames[9].transition_phase_signed == pytest.approx(-0.5)
    # The shared frame belongs to the later turn (as in the pipeline), at its start.
    assert frames[10].turn_segment_id == segments[1] and frames[10].turn_phase_01 == 0.0
    assert frames[10].transition_phase_signed == 0.0
    assert frames[12].transition_phase_signed == pytest.approx(1.0)
    assert frames[20].turn_phase_01 == pytest.approx(1.0)
    assert frames[21].turn_segment_id is None and frames[21].turn_phase_01 is None
    assert not frames[21].in_transition_window


@pytest.mark.parametrize("turns_first", [True, False], ids=["turns-then-frames", "frames-then-turns"])
def test_phase_fields_are_filled_whichever_comes_last(factory: sessionmaker[Session], turns_first: bool) -> None:
    with factory.begin() as s:
        run_id = new_run(s, new_analysis(s)).id
    steps = [
        lambda s: q.save_turn_structure(session=s, run_id=run_id, transitions=TRANSITIONS, segments=SEGMENTS),
        lambda s: q.upsert_frames(session=s, run_id=run_id, rows=[frame_row(i) for i in range(22)]),
    ]
    for step in steps if turns_first else steps[::-1]:
        with factory.begin() as s:
            step(s)
    with factory() as s:
        _check_phases(s, run_id)
        first, second = q.list_turn_segments(session=s, run_id=run_id)
        (transition,) = q.list_turn_transitions(session=s, run_id=run_id)
        assert first.end_transition_id == transition.id and second.start_transition_id == transition.id
        assert (first.direction, first.apex_frame, first.confidence, first.measurable) == ("left", 4, 0.8, True)
        assert (second.direction, second.measurable) == ("right", False)


def test_saving_turn_structure_again_replaces_it_and_refills_frames(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        run_id = new_run(s, new_analysis(s)).id
        q.upsert_frames(session=s, run_id=run_id, rows=[frame_row(i) for i in range(22)])
        q.save_turn_structure(
            session=s,
            run_id=run_id,
            transitions=[dict(transition_index=0, window_start_frame=0, center_frame=1, window_end_frame=2)],
            segments=[dict(segment_index=0, start_frame=0, end_frame=21, direction="right")],
        )
    with factory.begin() as s:
        q.save_turn_structure(session=s, run_id=run_id, transitions=TRANSITIONS, segments=SEGMENTS)
    with factory() as s:
        assert len(q.list_turn_segments(session=s, run_id=run_id)) == 2
        _check_phases(s, run_id)
        assert q.list_frames(session=s, run_id=run_id)[1].in_transition_window is False


def test_metric_catalog_and_values_upsert(factory: sessionmaker[Session]) -> None:
    from poser_pipeline.metrics.catalog import CATALOG

    with factory.begin() as s:
        ids = q.upsert_metric_definitions(session=s, catalog=CATALOG)
        assert set(ids) == {m.key for m in CATALOG}
        again = q.upsert_metric_definitions(session=s, catalog=CATALOG)
        assert again == ids  # same rows, updated in place
        run_key = next(m.key for m in CATALOG if m.scope == "run")
        seg_key = next(m.key for m in CATALOG if m.scope == "segment")
        run_id = new_run(s, new_analysis(s)).id
        q.save_turn_structure(session=s, run_id=run_id, transitions=TRANSITIONS, segments=SEGMENTS)
        q.save_run_metrics(session=s, run_id=run_id, values=[{"key": run_key, "value": 71.5}])
        q.save_run_metrics(session=s, run_id=run_id, values=[{"key": run_key, "value": 80.0, "details": {"n": 6}}])
        q.save_segment_metrics(
            session=s,
            run_id=run_id,
            values=[
                {"key": seg_key, "segment_index": 0, "value": 90.0},
                {"key": seg_key, "segment_index": 1, "value": math.nan, "details": {"reason": "track lost"}},
            ],
        )
        q.save_segment_metrics(session=s, run_id=run_id, values=[{"key": seg_key, "segment_index": 0, "value": 91.0}])
    with factory() as s:
        values = [(key, v.value, v.measurable, v.details) for v, key in q.list_metric_values(session=s, run_id=run_id)]
    assert values == [
        (run_key, 80.0, True, {"n": 6}),
        (seg_key, 91.0, True, None),
        (seg_key, None, False, {"reason": "track lost"}),
    ]


def test_unknown_metric_key_is_refused(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        run_id = new_run(s, new_analysis(s)).id
        with pytest.raises(ValueError, match="unknown metric keys"):
            q.save_run_metrics(session=s, run_id=run_id, values=[{"key": "nope", "value": 1.0}])
