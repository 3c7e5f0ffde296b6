"""Helpers and constants shared by the query modules: dialect-aware INSERT, NaN cleaning."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import FRAME_METRIC_COLUMNS, RunStatus

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
