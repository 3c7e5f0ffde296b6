"""The landing page's example result: the synthetic skier run through the real metrics (no Streamlit).

The skier of ``poser_pipeline/synthetic/skier.py`` (the one ``benchmarks/metrics_accuracy.py``
measures) is given a slightly late inside ski in left turns and a little landmark noise, so the
example shows what a real result looks like: scored turns, partial turns at the ends, a side
difference. The output has the shapes ``services.analyses`` returns, so the results page's
chart functions draw it unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from poser_pipeline.metrics.measure import measure_run
from poser_pipeline.synthetic.skier import SkierParams, generate_run

#: The example skier: 6 turns seen from behind, inside ski 120 ms late in left turns, 1 cm noise.
SAMPLE_PARAMS = SkierParams(
    n_turns=6, view="behind", inside_delay_s=0.12, inside_delay_turns="left", noise_m=0.01, seed=3
)


@dataclass(frozen=True)
class SampleResult:
    """Turns and scores as ``services.analyses.turns`` / ``edge_similarity`` give them, plus edge curves.

    ``time_s``, ``edge_left_deg``, ``edge_right_deg`` are ``(T,)`` arrays (s, deg).
    """

    turns: dict[str, Any]
    similarity: dict[str, Any]
    time_s: np.ndarray
    edge_left_deg: np.ndarray
    edge_right_deg: np.ndarray


def sample_result(params: SkierParams = SAMPLE_PARAMS) -> SampleResult:
    """Generate the synthetic run and compute its turns and edge similarity (about 0.1 s)."""
    run = generate_run(params)
    measured = measure_run(run.world_xyz, ~run.truth["dropped"], fps=run.fps)
    series, structure, metrics = measured.series, measured.turns, measured.metrics
    turns = {
        "fps": run.fps,
        "segments": [
            {
                "segment_index": t.segment.index,
                "direction": t.segment.direction,
                "start_frame": t.segment.start,
                "apex_frame": t.segment.apex,
                "end_frame": t.segment.end,
                "is_partial": t.segment.is_partial,
                "measurable": t.measurable,
                "confidence": t.confidence,
            }
            for t in metrics.turns
        ],
        "transitions": [
            {
                "transition_index": t.index,
                "window_start_frame": t.window_start,
                "center_frame": t.center,
                "window_end_frame": t.window_end,
            }
            for t in structure.transitions
        ],
    }
    similarity = {
        **{k: metrics.values.get(k) for k in ("edge_similarity_run", "edge_similarity_left", "edge_similarity_right")},
        "turns": [
            {
                "segment_index": t.segment.index,
                "direction": t.segment.direction,
                "measurable": t.measurable,
                "edge_similarity": t.values.get("edge_similarity"),
            }
            for t in metrics.turns
        ],
    }
    return SampleResult(
        turns=turns,
        similarity=similarity,
        time_s=np.arange(len(series.valid)) / run.fps,
        edge_left_deg=series.edge_left_deg,
        edge_right_deg=series.edge_right_deg,
    )
