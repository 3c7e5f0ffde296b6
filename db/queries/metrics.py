"""Metric definitions and metric values (run- and segment-level)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import MetricDefinition, MetricValue, TurnSegment, utcnow
from db.queries._common import _clean, _insert


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
