"""Database write speed: one 20 s, 60 fps run's rows on SQLite and on PostgreSQL.

Writes, through ``db.queries`` as the worker does, 1,200 frame rows (every input column), the same
frames again (the idempotent update path), 20 turns with 19 transitions (which fills the phase fields
of the stored frames) and the metric catalog's run and per-turn values. Each step is its own committed
transaction, repeated on fresh runs; the median is printed.

PostgreSQL is a throwaway local cluster with durable settings (fsync on), from ``db.testing_postgres``;
it needs Debian's ``postgresql`` package (``make test`` installs it).

    .venv/bin/python benchmarks/db_write.py [--repeats 5] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy.orm import Session, sessionmaker

from db import queries as q
from db.engine import make_engine, make_session_factory, migrate
from db.testing_postgres import PostgresUnavailableError, create_database, postgres_server
from poser_pipeline.metrics.catalog import CATALOG

FPS = 60
SECONDS = 20
N_FRAMES = FPS * SECONDS
N_TURNS = 20


def frame_rows(n: int) -> list[dict[str, Any]]:
    """``n`` frame rows with every input column filled."""
    rows = []
    for i in range(n):
        rows.append(
            {
                "frame_index": i,
                "timestamp_ms": i * 1000 / FPS,
                "box_x1_px": 400.0 + i % 97,
                "box_y1_px": 300.0,
                "box_x2_px": 520.0 + i % 97,
                "box_y2_px": 600.0,
                "track_confidence": 0.93,
                "track_lost": i % 150 == 0,
                "com_x_m": 0.001 * i,
                "com_y_m": 0.95,
                "com_z_m": -0.002 * i,
                "edge_angle_left_deg": 35.0 + i % 11,
                "edge_angle_right_deg": 33.0 + i % 13,
                "inclination_deg": 25.0,
                "angulation_deg": 12.0,
                "counter_rotation_deg": 8.0,
                "shin_parallelism_deg": 4.0,
                "turn_signal_raw": float(i % 120 - 60),
            }
        )
    return rows


def turn_structure() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """20 alternating turns of 60 frames with a 9-frame transition window between neighbours."""
    length = N_FRAMES // N_TURNS
    transitions = [
        dict(transition_index=k, window_start_frame=(k + 1) * length - 4, center_frame=(k + 1) * length,
             window_end_frame=(k + 1) * length + 4)
        for k in range(N_TURNS - 1)
    ]  # fmt: skip
    segments = [
        dict(segment_index=k, start_frame=k * length, end_frame=min((k + 1) * length, N_FRAMES - 1),
             apex_frame=k * length + length // 2, direction="left" if k % 2 == 0 else "right",
             is_partial=k in (0, N_TURNS - 1), start_transition_index=k - 1 if k > 0 else None,
             end_transition_index=k if k < N_TURNS - 1 else None, confidence=0.9)
        for k in range(N_TURNS)
    ]  # fmt: skip
    return transitions, segments


def _timed(factory: sessionmaker[Session], step: Callable[[Session], object]) -> float:
    start = time.perf_counter()
    with factory.begin() as session:
        step(session)
    return time.perf_counter() - start


def bench(url: str, repeats: int) -> dict[str, tuple[int, float]]:
    """Median seconds per step (with its row count) on the database at ``url``."""
    migrate(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    frames = frame_rows(N_FRAMES)
    transitions, segments = turn_structure()
    run_keys = [m.key for m in CATALOG if m.scope == "run"]
    seg_keys = [m.key for m in CATALOG if m.scope == "segment"]
    with factory.begin() as s:
        user = q.create_user(session=s, email="bench@example.com")
        analysis_id = q.create_analysis(session=s, owner_id=user.id).id
        q.upsert_metric_definitions(session=s, catalog=CATALOG)
    times: dict[str, list[float]] = {}
    counts: dict[str, int] = {}

    def record(name: str, rows: int, seconds: float) -> None:
        times.setdefault(name, []).append(seconds)
        counts[name] = rows

    for _ in range(repeats):
        with factory.begin() as s:
            run_id: uuid.UUID = q.create_run(session=s, analysis_id=analysis_id).id
        record(
            "frames: 1 batch of 1,200",
            N_FRAMES,
            _timed(factory, lambda s, r=run_id: q.upsert_frames(session=s, run_id=r, rows=frames)),
        )
        record(
            "frames again (update path)",
            N_FRAMES,
            _timed(factory, lambda s, r=run_id: q.upsert_frames(session=s, run_id=r, rows=frames)),
        )
        with factory.begin() as s:
            batched_run: uuid.UUID = q.create_run(session=s, analysis_id=analysis_id).id
        total = 0.0
        for k in range(0, N_FRAMES, 120):
            batch = frames[k : k + 120]
            total += _timed(factory, lambda s, r=batched_run, b=batch: q.upsert_frames(session=s, run_id=r, rows=b))
        record("frames: 10 batches of 120", N_FRAMES, total)
        record(
            "turn structure + phase fill",
            len(transitions) + len(segments) + N_FRAMES,
            _timed(
                factory,
                lambda s, r=run_id: q.save_turn_structure(
                    session=s, run_id=r, transitions=transitions, segments=segments
                ),
            ),
        )
        run_values = [{"key": k, "value": 70.0} for k in run_keys]
        seg_values = [{"key": k, "segment_index": i, "value": 80.0} for i in range(N_TURNS) for k in seg_keys]
        record(
            "metrics (run + per turn)",
            len(run_values) + len(seg_values),
            _timed(
                factory,
                lambda s, r=run_id, rv=run_values, sv=seg_values: (
                    q.save_run_metrics(session=s, run_id=r, values=rv),
                    q.save_segment_metrics(session=s, run_id=r, values=sv),
                ),
            ),
        )
    engine.dispose()
    return {name: (counts[name], statistics.median(values)) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="fresh runs per step (median reported)")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args()
    results: dict[str, dict[str, tuple[int, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["SQLite (WAL)"] = bench(f"sqlite:///{Path(tmp) / 'bench.db'}", args.repeats)
    if not args.sqlite_only:
        try:
            with postgres_server(durable=True) as server:
                results["PostgreSQL"] = bench(create_database(server, "bench"), args.repeats)
        except PostgresUnavailableError as exc:
            print(f"PostgreSQL skipped: {exc}")
    print(f"\n{N_FRAMES} frames ({SECONDS} s at {FPS} fps), {N_TURNS} turns; median of {args.repeats} runs\n")
    print(f"{'engine':<14} {'step':<30} {'rows':>6} {'seconds':>9} {'rows/s':>10}")
    for engine_name, steps in results.items():
        for step, (rows, seconds) in steps.items():
            print(f"{engine_name:<14} {step:<30} {rows:>6} {seconds:>9.4f} {rows / seconds:>10,.0f}")


if __name__ == "__main__":
    main()
