"""The metrics stage in one call: landmarks → series against the snow → turns → turn and run metrics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from poser_pipeline.metrics.fallback import choose_turn_signal
from poser_pipeline.metrics.reference import SnowReference, measure_against_snow
from poser_pipeline.metrics.series import FrameSeries
from poser_pipeline.metrics.summary import RunMetrics, summarize_run
from poser_pipeline.metrics.turns import TurnStructure, segment_turns
from poser_pipeline.settings import PipelineSettings


@dataclass
class Measurement:
    """What the metrics stage found: per-frame series, the snow reference, turns and metrics."""

    series: FrameSeries
    reference: SnowReference
    turns: TurnStructure
    metrics: RunMetrics


def measure_run(
    world_xyz: np.ndarray,
    valid: np.ndarray,
    *,
    fps: float,
    settings: PipelineSettings | None = None,
    image_xy: np.ndarray | None = None,
    boxes_xy: np.ndarray | None = None,
) -> Measurement:
    """Measure a run from its pose.

    Parameters
    ----------
    world_xyz : (T, 33, 3) float ndarray, m (BlazePose world landmarks, NaN where none)
    valid : (T,) bool ndarray — frames whose pose may be used
    fps : float
    image_xy : (T, 33, 2) float ndarray, px, optional — for the skier's size in the frame
    boxes_xy : (T, 4) float ndarray, px, optional — the track, to time turns from the skier's path
        when pose is mostly missing (:mod:`poser_pipeline.metrics.fallback`)
    """
    settings = settings or PipelineSettings()
    series, reference = measure_against_snow(world_xyz, valid, fps=fps, settings=settings, image_xy=image_xy)
    signal, source = series.turn_signal_raw, "pose"
    if boxes_xy is not None:
        signal, source = choose_turn_signal(series.turn_signal_raw, boxes_xy, series.valid, fps=fps)
    turns = segment_turns(signal, fps=fps, settings=settings)
    metrics = summarize_run(series, turns, fps=fps, timing_source=source, settings=settings, reference=reference)
    return Measurement(series, reference, turns, metrics)
