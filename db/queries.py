"""Query functions that encode Poser's data contract.

Every function is keyword-only, takes the caller's ``session`` and never commits: services own the
transaction (``with factory.begin() as session: ...``). They return rows, ids or ``None``.

The contract
------------
- Each (re)run of an analysis is a new ``analysis_runs`` row (``run_number`` 1, 2, …); old runs stay.
- :func:`latest_run` (any state) drives the analysis's status; ``analyses.status`` mirrors it.
- :func:`latest_succeeded_run` drives results: turns, frames, metrics and downloads.
- Frames and turn structure may arrive in either order; whichever comes last fills the frames'
  phase fields (``turn_segment_id`` … ``in_transition_window``).
- A worker claims a queued run atomically and holds a lease it renews with :func:`heartbeat`;
  :func:`fail_stale_runs` fails runs whose lease expired, so no run stays "running" forever.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import (
    FRAME_METRIC_COLUMNS,
    Analysis,
    AnalysisRun,
    Artifact,
    Frame,
    MetricDefinition,
    MetricValue,
    RunStatus,
    TurnSegment,
    TurnTransition,
    Upload,
    User,
    utcnow,
)

FRAME_INPUT_COLUMNS: frozenset[str] = frozenset(
    {
        "frame_index",
        "timestamp_ms",
        "box_x1_px",
        "box_y1_px",
        "box_x2_px",
        "box_y2_px",
        "track_confidence",
        "track_lost",
        *FRAME_METRIC_COLUMNS,
    }
)
"""Keys a frame row given to :func:`upsert_frames` may have (phase fields are derived, not given)."""

TERMINAL_RUN_STATUSES = frozenset({RunStatus.SUCCEEDED, RunStatus.FAILED})


def _insert(session: Session, table: Table) -> Any:
    """The dialect's INSERT construct (both support ``on_conflict_do_update``)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"upserts are implemented for SQLite and PostgreSQL, not {name}")


def _clean(value: Any) -> Any:
    """NaN → None, so 'not measured' is NULL on both engines."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


# --- users ----------------------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    """Stripped, lower-case email: the stored form, so uniqueness is case-insensitive."""
    return email.strip().lower()


def create_user(*, session: Session, email: str, is_admin: bool = False) -> User:
    """Insert a user with the normalised email (raises ``IntegrityError`` if it exists)."""
    user = User(email=normalise_email(email), is_admin=is_admin)
    session.add(user)
    session.flush()
    return user


def get_user_by_email(*, session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


# --- analyses and runs ----------------------------------------------------------------------------


def create_analysis(*, session: Session, owner_id: uuid.UUID | None, **fields: Any) -> Analysis:
    """Insert an analysis (``status`` defaults to ``uploading``); ``fields`` are column values."""
    analysis = Analysis(owner_id=owner_id, **fields)
    session.add(analysis)
    session.flush()
    return analysis


def get_analysis(*, session: Session, analysis_id: uuid.UUID) -> Analysis | None:
    return session.get(Analysis, analysis_id)


def set_progress(
    *, session: Session, analysis_id: uuid.UUID, stage: str, percent: float, message: str = ""
) -> Analysis | None:
    """Persist the analysis's progress ``{"stage", "percent", "message"}`` (percent 0–100)."""
    analysis = session.get(Analysis, analysis_id)
    if analysis is None:
        return None
    analysis.progress = {"stage": stage, "percent": float(percent), "message": message}
    session.flush()
    return analysis


def create_run(*, session: Session, analysis_id: uuid.UUID, pipeline_version: str | None = None) -> AnalysisRun:
    """Queue a new run of the analysis (the next ``run_number``); earlier runs are kept.

    The analysis's status becomes ``queued``, mirroring its new latest run.
    """
    # Serialise concurrent reruns of one analysis (PostgreSQL row lock; SQLite already holds the write lock).
    session.execute(select(Analysis.id).where(Analysis.id == analysis_id).with_for_update())
    last = session.scalar(select(func.max(AnalysisRun.run_number)).where(AnalysisRun.analysis_id == analysis_id))
    run = AnalysisRun(
        analysis_id=analysis_id,
        run_number=(last or 0) + 1,
        status=RunStatus.QUEUED.value,
        pipeline_version=pipeline_version,
    )
    session.add(run)
    session.flush()
    _mirror_status(session, analysis_id)
    return run


def get_run(*, session: Session, run_id: uuid.UUID) -> AnalysisRun | None:
    return session.get(AnalysisRun, run_id)


def latest_run(*, session: Session, analysis_id: uuid.UUID) -> AnalysisRun | None:
    """The analysis's most recent run in any state (what its status shows), or None."""
    return session.scalar(
        select(AnalysisRun)
        .where(AnalysisRun.analysis_id == analysis_id)
        .order_by(AnalysisRun.run_number.desc())
        .limit(1)
    )


def latest_succeeded_run(*, session: Session, analysis_id: uuid.UUID) -> AnalysisRun | None:
    """The most recent succeeded run (where results are read from), or None."""
    return session.scalar(
        select(AnalysisRun)
        .where(AnalysisRun.analysis_id == analysis_id, AnalysisRun.status == RunStatus.SUCCEEDED.value)
        .order_by(AnalysisRun.run_number.desc())
        .limit(1)
    )


def list_runs(*, session: Session, analysis_id: uuid.UUID) -> list[AnalysisRun]:
    """All runs of the analysis, oldest first."""
    return list(
        session.scalars(
            select(AnalysisRun).where(AnalysisRun.analysis_id == analysis_id).order_by(AnalysisRun.run_number)
        )
    )


def _mirror_status(session: Session, analysis_id: uuid.UUID) -> None:
    """Copy the latest run's status onto ``analyses.status``."""
    latest = latest_run(session=session, analysis_id=analysis_id)
    if latest is not None:
        session.execute(
            update(Analysis)
            .where(Analysis.id == analysis_id)
            .values(status=latest.status, updated_at=utcnow())
            .execution_options(synchronize_session="fetch")
        )


def set_run_status(
    *,
    session: Session,
    run_id: uuid.UUID,
    status: RunStatus | str,
    error: str | None = None,
    num_frames: int | None = None,
    fps: float | None = None,
    now: datetime | None = None,
) -> AnalysisRun | None:
    """Move a run to ``status`` and mirror it onto the analysis if it is the latest run.

    ``running`` sets ``started_at`` (once); ``succeeded``/``failed`` set ``finished_at`` and release the
    lease. ``error`` (for failures), ``num_frames`` and ``fps`` are stored when given.
    """
    status = RunStatus(status)
    now = now or utcnow()
    run = session.get(AnalysisRun, run_id)
    if run is None:
        return None
    run.status = status.value
    if status == RunStatus.RUNNING and run.started_at is None:
        run.started_at = now
    if status in TERMINAL_RUN_STATUSES:
        run.finished_at = now
        run.lease_expires_at = None
    if error is not None:
        run.error = error
    if num_frames is not None:
        run.num_frames = num_frames
    if fps is not None:
        run.fps = fps
    session.flush()
    _mirror_status(session, run.analysis_id)
    return run


def delete_analysis(*, session: Session, analysis_id: uuid.UUID) -> list[str] | None:
    """Delete the analysis and, by cascade, its uploads, runs, frames, turns, metrics and artifacts.

    Returns
    -------
    list of str or None
        The storage keys the caller must delete from storage once the transaction commits (input,
        uploads, every run's artifacts; no duplicates), or None when there is no such analysis.
    """
    analysis = session.get(Analysis, analysis_id)
    if analysis is None:
        return None
    keys: list[str] = []
    if analysis.s3_input_key:
        keys.append(analysis.s3_input_key)
    keys += session.scalars(select(Upload.storage_key).where(Upload.analysis_id == analysis_id))
    keys += session.scalars(
        select(Artifact.storage_key)
        .join(AnalysisRun, Artifact.analysis_run_id == AnalysisRun.id)
        .where(AnalysisRun.analysis_id == analysis_id)
        .order_by(AnalysisRun.run_number, Artifact.kind)
    )
    session.expunge(analysis)
    session.execute(delete(Analysis).where(Analysis.id == analysis_id).execution_options(synchronize_session=False))
    return list(dict.fromkeys(keys))


# --- the queue: claims, leases, heartbeats --------------------------------------------------------


def claim_next_queued_run(
    *, session: Session, worker_id: str, lease_seconds: float, now: datetime | None = None
) -> AnalysisRun | None:
    """Atomically take the oldest queued run: it becomes ``running``, claimed by ``worker_id``.

    PostgreSQL locks the candidate with ``SELECT … FOR UPDATE SKIP LOCKED`` (concurrent workers pass
    over it); on every engine the claim is a conditional ``UPDATE … WHERE status = 'queued'`` checked by
    its row count, so a run is never claimed twice. Returns the claimed run, or None when none is queued.
    The claim holds once the caller commits.
    """
    now = now or utcnow()
    postgres = session.get_bind().dialect.name == "postgresql"
    query = (
        select(AnalysisRun.id)
        .where(AnalysisRun.status == RunStatus.QUEUED.value)
        .order_by(AnalysisRun.created_at, AnalysisRun.id)
    )
    query = query.limit(1).with_for_update(skip_locked=True) if postgres else query.limit(20)
    for run_id in session.scalars(query).all():
        result = session.execute(
            update(AnalysisRun)
            .where(AnalysisRun.id == run_id, AnalysisRun.status == RunStatus.QUEUED.value)
            .values(
                status=RunStatus.RUNNING.value,
                claimed_by=worker_id,
                started_at=now,
                heartbeat_at=now,
                lease_expires_at=now + timedelta(seconds=lease_seconds),
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            run = session.execute(
                select(AnalysisRun).where(AnalysisRun.id == run_id).execution_options(populate_existing=True)
            ).scalar_one()
            _mirror_status(session, run.analysis_id)
            return run
    return None


def heartbeat(
    *, session: Session, run_id: uuid.UUID, worker_id: str, lease_seconds: float, now: datetime | None = None
) -> bool:
    """Renew the lease of a running run held by ``worker_id``.

    Returns False when the worker no longer holds it (failed as stale, finished, or claimed by another):
    the worker should stop and not write results.
    """
    now = now or utcnow()
    result = session.execute(
        update(AnalysisRun)
        .where(
            AnalysisRun.id == run_id,
            AnalysisRun.claimed_by == worker_id,
            AnalysisRun.status == RunStatus.RUNNING.value,
        )
        .values(heartbeat_at=now, lease_expires_at=now + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def find_expired_leases(*, session: Session, now: datetime | None = None) -> list[AnalysisRun]:
    """Running runs whose lease has expired (their worker stopped heartbeating)."""
    now = now or utcnow()
    return list(
        session.scalars(
            select(AnalysisRun)
            .where(AnalysisRun.status == RunStatus.RUNNING.value, AnalysisRun.lease_expires_at < now)
            .order_by(AnalysisRun.lease_expires_at)
        )
    )


def fail_stale_runs(*, session: Session, now: datetime | None = None) -> list[AnalysisRun]:
    """Fail every running run whose lease expired, with a reason in ``error``; returns those runs."""
    now = now or utcnow()
    failed: list[AnalysisRun] = []
    for run in find_expired_leases(session=session, now=now):
        reason = (
            f"worker {run.claimed_by!r} stopped reporting: lease expired at {run.lease_expires_at:%Y-%m-%d %H:%M:%S}Z"
            f" (last heartbeat {run.heartbeat_at:%Y-%m-%d %H:%M:%S}Z)"
            if run.lease_expires_at is not None and run.heartbeat_at is not None
            else f"worker {run.claimed_by!r} stopped reporting: lease expired"
        )
        result = session.execute(
            update(AnalysisRun)
            .where(
                AnalysisRun.id == run.id,
                AnalysisRun.status == RunStatus.RUNNING.value,
                AnalysisRun.lease_expires_at < now,
            )
            .values(status=RunStatus.FAILED.value, error=reason, finished_at=now, lease_expires_at=None)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            session.refresh(run)
            _mirror_status(session, run.analysis_id)
            failed.append(run)
    return failed


# --- turn structure and frames --------------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    id: uuid.UUID
    start: int
    center: int
    end: int


def _phase_table(segments: Sequence[_Span], transitions: Sequence[_Span]) -> dict[int, dict[str, Any]]:
    """Phase fields for every frame the structure covers (others get :data:`_NO_PHASE`).

    Matches ``poser_pipeline.metrics.turns``: a later segment/transition wins on a shared frame;
    ``turn_phase_01`` runs 0→1 from start to end frame; ``transition_phase_signed`` is −1 at the
    window start, 0 at its centre and +1 at its end.
    """
    table: dict[int, dict[str, Any]] = {}
    for s in segments:
        for f in range(s.start, s.end + 1):
            row = table.setdefault(f, dict(_NO_PHASE))
            row["turn_segment_id"] = s.id
            row["turn_phase_01"] = (f - s.start) / (s.end - s.start) if s.end > s.start else 0.0
    for t in transitions:
        for f in range(t.start, t.end + 1):
            row = table.setdefault(f, dict(_NO_PHASE))
            row["turn_transition_id"] = t.id
            row["in_transition_window"] = True
            if f < t.center:
                row["transition_phase_signed"] = -(t.center - f) / max(t.center - t.start, 1)
            else:
                row["transition_phase_signed"] = (f - t.center) / max(t.end - t.center, 1)
    return table


_NO_PHASE: dict[str, Any] = {
    "turn_segment_id": None,
    "turn_transition_id": None,
    "turn_phase_01": None,
    "transition_phase_signed": None,
    "in_transition_window": False,
}


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


# --- metrics and artifacts ------------------------------------------------------------------------


def upsert_metric_definitions(*, session: Session, catalog: Iterable[Any]) -> dict[str, uuid.UUID]:
    """Insert or update ``metric_definitions`` from a catalog, keyed by ``key``.

    ``catalog`` items are mappings or objects with ``key``, ``name``, ``unit``, ``scope``,
    ``description`` and ``version`` (e.g. ``poser_pipeline.metrics.catalog.CATALOG``).
    Returns ``{key: id}`` for the whole table.
    """
    fields = ("key", "name", "unit", "scope", "description", "version")
    rows = []
    for item in catalog:
        get = item.get if isinstance(item, Mapping) else lambda f, item=item: getattr(item, f)
        rows.append({f: get(f) for f in fields} | {"id": uuid.uuid4(), "created_at": utcnow(), "updated_at": utcnow()})
    if rows:
        table = MetricDefinition.__table__
        stmt = _insert(session, table)  # type: ignore[arg-type]
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={f: stmt.excluded[f] for f in (*fields[1:], "updated_at")},
        )
        session.execute(stmt, rows)
    return dict(session.execute(select(MetricDefinition.key, MetricDefinition.id)).all())


def _definition_ids(session: Session, keys: Iterable[str]) -> dict[str, uuid.UUID]:
    wanted = set(keys)
    found = dict(
        session.execute(select(MetricDefinition.key, MetricDefinition.id).where(MetricDefinition.key.in_(wanted))).all()
    )
    missing = wanted - set(found)
    if missing:
        raise ValueError(f"unknown metric keys {sorted(missing)}: upsert_metric_definitions first")
    return found


def _upsert_metric_values(session: Session, rows: list[dict[str, Any]], *, segment_level: bool) -> None:
    if not rows:
        return
    table = MetricValue.__table__
    stmt = _insert(session, table)  # type: ignore[arg-type]
    elements = ["analysis_run_id", "metric_definition_id", *(["turn_segment_id"] if segment_level else [])]
    where = table.c.turn_segment_id.isnot(None) if segment_level else table.c.turn_segment_id.is_(None)
    stmt = stmt.on_conflict_do_update(
        index_elements=elements,
        index_where=where,
        set_={c: stmt.excluded[c] for c in ("value", "measurable", "details", "created_at")},
    )
    session.execute(stmt, rows)


def save_run_metrics(*, session: Session, run_id: uuid.UUID, values: Sequence[Mapping[str, Any]]) -> int:
    """Insert or update run-level metric values: dicts with ``key``, ``value`` and optionally
    ``measurable`` (default: value is not None) and ``details`` (JSON). Returns the count written."""
    ids = _definition_ids(session, (v["key"] for v in values))
    rows = [
        {
            "id": uuid.uuid4(),
            "analysis_run_id": run_id,
            "metric_definition_id": ids[v["key"]],
            "turn_segment_id": None,
            "value": _clean(v.get("value")),
            "measurable": bool(v.get("measurable", _clean(v.get("value")) is not None)),
            "details": v.get("details"),
            "created_at": utcnow(),
        }
        for v in values
    ]
    _upsert_metric_values(session, rows, segment_level=False)
    return len(rows)


def save_segment_metrics(*, session: Session, run_id: uuid.UUID, values: Sequence[Mapping[str, Any]]) -> int:
    """Insert or update segment-level metric values: dicts with ``key``, ``segment_index``, ``value`` and
    optionally ``measurable`` and ``details``. The run's turn structure must be saved first."""
    ids = _definition_ids(session, (v["key"] for v in values))
    segments = dict(
        session.execute(
            select(TurnSegment.segment_index, TurnSegment.id).where(TurnSegment.analysis_run_id == run_id)
        ).all()
    )
    rows = []
    for v in values:
        if v["segment_index"] not in segments:
            raise ValueError(f"run has no turn segment {v['segment_index']}: save_turn_structure first")
        rows.append(
            {
                "id": uuid.uuid4(),
                "analysis_run_id": run_id,
                "metric_definition_id": ids[v["key"]],
                "turn_segment_id": segments[v["segment_index"]],
                "value": _clean(v.get("value")),
                "measurable": bool(v.get("measurable", _clean(v.get("value")) is not None)),
                "details": v.get("details"),
                "created_at": utcnow(),
            }
        )
    _upsert_metric_values(session, rows, segment_level=True)
    return len(rows)


def list_metric_values(*, session: Session, run_id: uuid.UUID) -> list[tuple[MetricValue, str]]:
    """The run's metric values with their definition keys (run-level first, then by segment)."""
    return list(
        session.execute(
            select(MetricValue, MetricDefinition.key)
            .join(MetricDefinition, MetricValue.metric_definition_id == MetricDefinition.id)
            .outerjoin(TurnSegment, MetricValue.turn_segment_id == TurnSegment.id)
            .where(MetricValue.analysis_run_id == run_id)
            .order_by(TurnSegment.segment_index.nulls_first(), MetricDefinition.key)
        ).all()
    )


def save_artifact(
    *,
    session: Session,
    run_id: uuid.UUID,
    kind: str,
    storage_key: str,
    size_bytes: int | None = None,
    content_type: str | None = None,
) -> Artifact:
    """Record (or replace) the run's artifact of ``kind``; returns the row."""
    artifact = session.scalar(select(Artifact).where(Artifact.analysis_run_id == run_id, Artifact.kind == kind))
    if artifact is None:
        artifact = Artifact(analysis_run_id=run_id, kind=kind, storage_key=storage_key)
        session.add(artifact)
    artifact.storage_key = storage_key
    artifact.size_bytes = size_bytes
    artifact.content_type = content_type
    session.flush()
    return artifact


def get_artifact(*, session: Session, run_id: uuid.UUID, kind: str) -> Artifact | None:
    return session.scalar(select(Artifact).where(Artifact.analysis_run_id == run_id, Artifact.kind == kind))
