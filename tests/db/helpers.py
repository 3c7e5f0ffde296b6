"""Small builders for database tests."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from db import queries as q
from db.models import Analysis, AnalysisRun


def new_analysis(session: Session, *, email: str | None = None, **fields: Any) -> Analysis:
    """A user (a unique email unless given) and one of their analyses."""
    user = q.create_user(session=session, email=email or f"skier-{uuid.uuid4().hex[:8]}@example.com")
    return q.create_analysis(session=session, owner_id=user.id, filename="run.mp4", **fields)


def new_run(session: Session, analysis: Analysis, status: str | None = None) -> AnalysisRun:
    run = q.create_run(session=session, analysis_id=analysis.id, pipeline_version="test-1")
    if status is not None:
        q.set_run_status(session=session, run_id=run.id, status=status)
    return run


def frame_row(i: int, **overrides: Any) -> dict[str, Any]:
    """A full frame row (all input columns) with values that depend on ``i``."""
    row: dict[str, Any] = {
        "frame_index": i,
        "timestamp_ms": i * 1000 / 60,
        "box_x1_px": 100.0 + i,
        "box_y1_px": 200.0,
        "box_x2_px": 180.0 + i,
        "box_y2_px": 400.0,
        "track_confidence": 0.9,
        "track_lost": False,
        "com_x_m": 0.01 * i,
        "com_y_m": 0.9,
        "com_z_m": -0.02 * i,
        "edge_angle_left_deg": 30.0,
        "edge_angle_right_deg": 28.0,
        "inclination_deg": 20.0,
        "angulation_deg": 10.0,
        "counter_rotation_deg": 5.0,
        "shin_parallelism_deg": 3.0,
        "turn_signal_raw": float(i % 40 - 20),
    }
    row.update(overrides)
    return row
