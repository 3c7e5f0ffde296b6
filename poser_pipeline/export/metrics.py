"""``turns.csv`` and ``metrics.csv`` (schemas in ``docs/metrics_csv.md``) and the CLI's turn table."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from poser_pipeline.export.frames import format_number
from poser_pipeline.metrics.catalog import BY_KEY
from poser_pipeline.metrics.summary import UNCERTAIN_TURN_KEYS, RunMetrics
from poser_pipeline.metrics.turns import TurnStructure
from poser_pipeline.metrics.uncertainty import with_uncertainty

METRICS_CSV_VERSION = 2
TURNS_CSV_COLUMNS = (
    "segment_index",
    "direction",
    "start_frame",
    "apex_frame",
    "end_frame",
    "start_ms",
    "end_ms",
    "is_partial",
    "measurable",
    "confidence",
    "reasons",
    "start_transition_index",
    "end_transition_index",
    "transition_window_start_frame",
    "transition_center_frame",
    "transition_window_end_frame",
)
TURN_VALUE_KEYS = tuple(k for k, m in BY_KEY.items() if m.scope == "segment")
#: ``turns.csv`` interval columns: ``KEY_low`` and ``KEY_high`` for each value that has an interval.
TURN_INTERVAL_COLUMNS = tuple(f"{k}_{end}" for k in UNCERTAIN_TURN_KEYS for end in ("low", "high"))
METRICS_CSV_COLUMNS = ("scope", "segment_index", "key", "value", "low", "high", "unit", "measurable", "note")


def _bounds(intervals: dict[str, tuple[float, float]], key: str) -> list[str]:
    """The ``low`` and ``high`` cells of ``key`` (empty without an interval)."""
    low, high = intervals.get(key, (None, None))
    return [format_number(low), format_number(high)]


def write_turns_csv(path: Path, structure: TurnStructure, metrics: RunMetrics, timestamps_ms: np.ndarray) -> None:
    """One row per turn (partial ones included, flagged), with its metric values as columns."""
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(TURNS_CSV_COLUMNS + TURN_VALUE_KEYS + TURN_INTERVAL_COLUMNS)
        for turn in metrics.turns:
            seg = turn.segment
            start_t = structure.transitions[seg.start_transition] if seg.start_transition is not None else None
            writer.writerow(
                [
                    seg.index,
                    seg.direction,
                    seg.start,
                    seg.apex,
                    seg.end,
                    format_number(timestamps_ms[seg.start]),
                    format_number(timestamps_ms[seg.end]),
                    int(seg.is_partial),
                    int(turn.measurable),
                    format_number(turn.confidence),
                    "; ".join(turn.reasons),
                    "" if seg.start_transition is None else seg.start_transition,
                    "" if seg.end_transition is None else seg.end_transition,
                    "" if start_t is None else start_t.window_start,
                    "" if start_t is None else start_t.center,
                    "" if start_t is None else start_t.window_end,
                ]
                + [format_number(turn.values.get(k)) for k in TURN_VALUE_KEYS]
                + [cell for k in UNCERTAIN_TURN_KEYS for cell in _bounds(turn.intervals, k)]
            )


def write_metrics_csv(path: Path, metrics: RunMetrics) -> None:
    """Long format: one row per (scope, turn, metric) with its unit and measurability."""
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(METRICS_CSV_COLUMNS)
        note = "; ".join(metrics.reasons + metrics.notes)
        for key, value in metrics.values.items():
            writer.writerow(
                [
                    "run",
                    "",
                    key,
                    format_number(value),
                    *_bounds(metrics.intervals, key),
                    BY_KEY[key].unit,
                    int(value is not None),
                    note,
                ]
            )
        for turn in metrics.turns:
            for key in TURN_VALUE_KEYS:
                if key in turn.values:
                    writer.writerow(
                        [
                            "segment",
                            turn.segment.index,
                            key,
                            format_number(turn.values[key]),
                            *_bounds(turn.intervals, key),
                            BY_KEY[key].unit,
                            int(turn.measurable),
                            "; ".join(turn.reasons),
                        ]
                    )


def turn_table(metrics: RunMetrics) -> str:
    """A short per-turn table for the terminal (turns numbered from 1, as the studio shows them)."""
    lines = [f"{'turn':>4} {'dir':<5} {'frames':>11} {'dur s':>6} {'edge sim':>8} {'lag ms':>7}  note"]
    for t in metrics.turns:
        v = t.values
        sim = (
            f"{with_uncertainty(v['edge_similarity'], t.intervals.get('edge_similarity')):>8}"
            if "edge_similarity" in v
            else f"{'-':>8}"
        )
        lag = f"{v['lag_ms']:7.0f}" if "lag_ms" in v else f"{'-':>7}"
        frames = f"{t.segment.start}-{t.segment.end}"
        lines.append(
            f"{t.segment.index + 1:>4} {t.segment.direction:<5} {frames:>11} {v['duration_s']:6.2f} {sim} {lag}  "
            + "; ".join(t.reasons)
        )
    run = metrics.values.get("edge_similarity_run")
    shown = "not measurable" if run is None else with_uncertainty(run, metrics.intervals.get("edge_similarity_run"))
    lines.append(f"run edge similarity: {shown}")
    lines += [f"note: {n}" for n in metrics.reasons + metrics.notes]
    return "\n".join(lines)
