"""The metric catalog, as data: one entry per run- or turn-level metric.

It fills ``metric_definitions``; adding a metric here needs no schema change.
Per-frame series are not here: they are columns of ``frames``.
"""

from __future__ import annotations

from dataclasses import dataclass

CATALOG_VERSION = 1
#: The unit of every 0–100 score.
SCORE_UNIT = "score 0-100"


@dataclass(frozen=True)
class CatalogEntry:
    """One metric the pipeline reports: its key, name for a person, unit, scope (``"run"`` or ``"segment"``)
    and what it measures; stored in the ``metric_definitions`` table."""

    key: str
    name: str
    unit: str
    scope: str  # "run" | "segment"
    description: str
    version: int = CATALOG_VERSION


CATALOG: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        "edge_similarity",
        "Edge similarity",
        "score 0-100",
        "segment",
        "How alike the two skis tilt from transition to apex (weighted sub-scores).",
    ),
    CatalogEntry(
        "edge_similarity_angle_match",
        "Edge angle match",
        "score 0-100",
        "segment",
        "100 minus the mean absolute edge-angle difference scaled to 0 at 15 deg.",
    ),
    CatalogEntry(
        "edge_similarity_build_rate_match",
        "Edge build-rate match",
        "score 0-100",
        "segment",
        "Slower ski's edge build rate as a share of the faster ski's.",
    ),
    CatalogEntry(
        "edge_similarity_timing_lag",
        "Edge timing lag",
        "score 0-100",
        "segment",
        "100 at no lag between the skis' edge curves, 0 at 250 ms.",
    ),
    CatalogEntry(
        "edge_similarity_inside_delay",
        "Inside-ski delay",
        "score 0-100",
        "segment",
        "100 when the inside ski reaches half its apex edge no later than the outside ski, 0 at 300 ms.",
    ),
    CatalogEntry(
        "mean_angle_diff_deg",
        "Edge angle difference",
        "deg",
        "segment",
        "Mean absolute difference of the two skis' edge angles from transition to apex.",
    ),
    CatalogEntry("lag_ms", "Edge lag", "ms", "segment", "Shift that best aligns the inside ski's edge curve."),
    CatalogEntry(
        "inside_delay_ms",
        "Inside-ski delay",
        "ms",
        "segment",
        "How much later the inside ski reaches half its apex edge.",
    ),
    CatalogEntry("duration_s", "Turn duration", "s", "segment", "From the turn's start to its end."),
    CatalogEntry("peak_edge_outside_deg", "Peak outside-ski edge", "deg", "segment", "Largest outside-ski edge."),
    CatalogEntry("peak_edge_inside_deg", "Peak inside-ski edge", "deg", "segment", "Largest inside-ski edge."),
    CatalogEntry("peak_inclination_deg", "Peak inclination", "deg", "segment", "Largest lean into the turn."),
    CatalogEntry(
        "apex_angulation_deg",
        "Angulation at apex",
        "deg",
        "segment",
        "Legs' tilt minus upper body's tilt into the turn, at the apex (+ = angulated).",
    ),
    CatalogEntry(
        "mean_counter_rotation_deg",
        "Counter-rotation",
        "deg",
        "segment",
        "Mean shoulder-vs-hip rotation toward the outside of the turn.",
    ),
    CatalogEntry(
        "mean_shin_parallelism_deg",
        "Shin parallelism",
        "deg",
        "segment",
        "Mean angle between the shins across the skis (0 = parallel).",
    ),
    CatalogEntry(
        "edge_similarity_run",
        "Edge similarity (run)",
        "score 0-100",
        "run",
        "Highest median edge similarity over six consecutive complete turns.",
    ),
    CatalogEntry(
        "edge_similarity_left", "Edge similarity, left turns", "score 0-100", "run", "Median over complete left turns."
    ),
    CatalogEntry(
        "edge_similarity_right",
        "Edge similarity, right turns",
        "score 0-100",
        "run",
        "Median over complete right turns.",
    ),
    CatalogEntry("turn_count", "Complete turns", "count", "run", "Turns with a transition at both ends."),
    CatalogEntry("cadence_turns_per_min", "Cadence", "turns/min", "run", "Complete turns per minute."),
    CatalogEntry("mean_turn_duration_s", "Mean turn duration", "s", "run", "Mean duration of complete turns."),
)

BY_KEY = {m.key: m for m in CATALOG}
