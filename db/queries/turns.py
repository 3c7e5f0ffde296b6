"""Turn structure and frames, and the frames' phase fields derived from the structure."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from db.models import PHASE_COLUMNS, Frame, TurnSegment, TurnTransition
from db.queries._common import FRAME_INPUT_COLUMNS, _clean, _insert
from poser_pipeline.metrics.frame_fields import phase_fields


@dataclass(frozen=True)
class _Span:
    id: uuid.UUID
    start: int
    center: int
    end: int


def _phase_table(segments: Sequence[_Span], transitions: Sequence[_Span]) -> dict[int, dict[str, Any]]:
    """Phase fields for every frame the structure covers (others get :data:`_NO_PHASE`).

    Computed by the pipeline's own :func:`~poser_pipeline.metrics.frame_fields.phase_fields`, so the
    table holds exactly what ``frames.csv`` does, with the stored rows' ids for the indices.
    """
    spans = [*segments, *transitions]
    if not spans:
        return {}
    n_frames = max(s.end for s in spans) + 1
    phases = phase_fields(
        n_frames, [(s.start, s.end) for s in segments], [(t.start, t.center, t.end) for t in transitions]
    )
    table: dict[int, dict[str, Any]] = {}
    for f in range(n_frames):
        seg, trans = int(phases.segment_index[f]), int(phases.transition_index[f])
        if seg < 0 and trans < 0:
            continue
        table[f] = {
            "turn_segment_id": segments[seg].id if seg >= 0 else None,
            "turn_transition_id": transitions[trans].id if trans >= 0 else None,
            "turn_phase_01": _clean(float(phases.turn_phase_01[f])),
            "transition_phase_signed": _clean(float(phases.transition_phase_signed[f])),
            "in_transition_window": bool(phases.in_transition_window[f]),
        }
    return table


_NO_PHASE: dict[str, Any] = {name: False if name == "in_transition_window" else None for name in PHASE_COLUMNS}


def _load_phase_table(session: Session, run_id: uuid.UUID) -> dict[int, dict[str, Any]]:
    segments = [
        _Span(r.id, r.start_frame, r.start_frame, r.end_frame)
        for r in session.execute(
            select(TurnSegment.id, TurnSegment.start_frame, TurnSegment.end_frame)
            .where(TurnSegment.analysis_run_id == run_id)
            .order_by(TurnSegment.segment_index)
        )
    ]
    transitions = [
        _Span(r.id, r.window_start_frame, r.center_frame, r.window_end_frame)
        for r in session.execute(
            select(
                TurnTransition.id,
                TurnTransition.window_start_frame,
                TurnTransition.center_frame,
                TurnTransition.window_end_frame,
            )
            .where(TurnTransition.analysis_run_id == run_id)
            .order_by(TurnTransition.transition_index)
        )
    ]
    return _phase_table(segments, transitions)


def upsert_frames(*, session: Session, run_id: uuid.UUID, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert or update a batch of a run's frames, keyed by ``(run_id, frame_index)``; idempotent.

    Each row maps column names (:data:`FRAME_INPUT_COLUMNS`; ``frame_index`` required) to values;
    NaN is stored as NULL. A column that no row of the batch names is left as it is on existing frames
    (NULL, ``track_lost`` False, on new ones); one that only some rows name is NULL in the others.
    Phase fields are filled from the run's stored turn structure, if any. Returns the number of rows written.

    Raises
    ------
    ValueError
        For an unknown column or a row without ``frame_index``.
    """
    if not rows:
        return 0
    columns: set[str] = set()
    for row in rows:
        unknown = set(row) - FRAME_INPUT_COLUMNS
        if unknown:
            raise ValueError(f"unknown frame columns {sorted(unknown)}; allowed: {sorted(FRAME_INPUT_COLUMNS)}")
        if "frame_index" not in row:
            raise ValueError("every frame row needs a frame_index")
        columns.update(row)
    phases = _load_phase_table(session, run_id)
    values = []
    for row in rows:
        value = {c: _clean(row.get(c)) for c in columns}
        if "track_lost" in value:
            value["track_lost"] = bool(value["track_lost"])
        value["analysis_run_id"] = run_id
        value.update(phases.get(int(row["frame_index"]), _NO_PHASE))
        values.append(value)
    table = Frame.__table__
    stmt = _insert(session, table)  # type: ignore[arg-type]
    updated = [c for c in values[0] if c not in ("analysis_run_id", "frame_index")]
    stmt = stmt.on_conflict_do_update(
        index_elements=["analysis_run_id", "frame_index"],
        set_={c: stmt.excluded[c] for c in updated},
    )
    session.execute(stmt, values)
    return len(values)


def fill_phase_fields(*, session: Session, run_id: uuid.UUID) -> int:
    """Recompute every stored frame's phase fields from the run's stored turn structure.

    Returns the number of frames updated.
    """
    phases = _load_phase_table(session, run_id)
    frames = session.execute(select(Frame.id, Frame.frame_index).where(Frame.analysis_run_id == run_id)).all()
    if not frames:
        return 0
    params = [{"b_id": f.id, **phases.get(f.frame_index, _NO_PHASE)} for f in frames]
    table = Frame.__table__
    stmt = update(table).where(table.c.id == bindparam("b_id")).values({c: bindparam(c) for c in _NO_PHASE})
    session.connection().execute(stmt, params)
    return len(params)


def save_turn_structure(
    *,
    session: Session,
    run_id: uuid.UUID,
    transitions: Sequence[Mapping[str, Any]],
    segments: Sequence[Mapping[str, Any]],
) -> tuple[list[TurnTransition], list[TurnSegment]]:
    """Replace the run's transitions and turn segments, then fill its frames' phase fields.

    Parameters
    ----------
    transitions
        Dicts with ``transition_index``, ``window_start_frame``, ``center_frame``, ``window_end_frame``.
    segments
        Dicts with ``segment_index``, ``start_frame``, ``end_frame``, ``direction`` ('left'|'right') and
        optionally ``apex_frame``, ``is_partial``, ``confidence``, ``measurable``,
        ``start_transition_index`` / ``end_transition_index`` (a ``transition_index`` in ``transitions``).

    Segment-level metric values of the replaced segments are deleted with them (by cascade).
    """
    session.execute(
        delete(TurnSegment).where(TurnSegment.analysis_run_id == run_id).execution_options(synchronize_session=False)
    )
    session.execute(
        delete(TurnTransition)
        .where(TurnTransition.analysis_run_id == run_id)
        .execution_options(synchronize_session=False)
    )
    new_transitions = [
        TurnTransition(
            analysis_run_id=run_id,
            transition_index=t["transition_index"],
            window_start_frame=t["window_start_frame"],
            center_frame=t["center_frame"],
            window_end_frame=t["window_end_frame"],
        )
        for t in transitions
    ]
    session.add_all(new_transitions)
    session.flush()
    by_index = {t.transition_index: t.id for t in new_transitions}

    def transition_id(index: int | None) -> uuid.UUID | None:
        if index is None:
            return None
        if index not in by_index:
            raise ValueError(f"segment refers to transition_index {index}, which is not among the transitions")
        return by_index[index]

    new_segments = [
        TurnSegment(
            analysis_run_id=run_id,
            segment_index=s["segment_index"],
            start_frame=s["start_frame"],
            end_frame=s["end_frame"],
            apex_frame=s.get("apex_frame"),
            direction=s["direction"],
            is_partial=bool(s.get("is_partial", False)),
            start_transition_id=transition_id(s.get("start_transition_index")),
            end_transition_id=transition_id(s.get("end_transition_index")),
            confidence=_clean(s.get("confidence")),
            measurable=bool(s.get("measurable", True)),
        )
        for s in segments
    ]
    session.add_all(new_segments)
    session.flush()
    fill_phase_fields(session=session, run_id=run_id)
    return new_transitions, new_segments


def list_frames(*, session: Session, run_id: uuid.UUID) -> list[Frame]:
    return list(session.scalars(select(Frame).where(Frame.analysis_run_id == run_id).order_by(Frame.frame_index)))


def list_turn_segments(*, session: Session, run_id: uuid.UUID) -> list[TurnSegment]:
    return list(
        session.scalars(
            select(TurnSegment).where(TurnSegment.analysis_run_id == run_id).order_by(TurnSegment.segment_index)
        )
    )


def list_turn_transitions(*, session: Session, run_id: uuid.UUID) -> list[TurnTransition]:
    return list(
        session.scalars(
            select(TurnTransition)
            .where(TurnTransition.analysis_run_id == run_id)
            .order_by(TurnTransition.transition_index)
        )
    )
