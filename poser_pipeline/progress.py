"""Progress reporting: the stages each tracking backend runs, their weights, and one overall fraction.

Stages call a :data:`ProgressFn` with their own count (``stage, done, total``). :func:`analyze
<poser_pipeline.analyze.analyze>` wraps its caller's :data:`RunProgressFn` in an
:class:`OverallProgress` for the chosen backend, which adds the fraction of the whole pipeline done:
weighted by the stages' shares of the time, and never going back, whatever order the stages report in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

#: ``progress(stage, done, total)``, what a stage calls; ``total`` may be an estimate until a stage ends.
ProgressFn = Callable[[str, int, int], None]
#: ``progress(stage, done, total, overall)``, what :func:`analyze` reports; ``overall`` in [0, 1] never falls.
RunProgressFn = Callable[[str, int, int, float], None]


@dataclass(frozen=True)
class Stage:
    name: str
    label: str  # for a person: what the run is doing now
    weight: float  # share of the pipeline's time (the weights of a backend sum to 1)


#: The stages of each tracking backend, in the order they run. CPU weights: 1080p ``overlay.mp4`` on 2
#: cores (track + pose 3.7 s, smoothing and metrics 0.1 s, render 1.1 s). SAM2 weights are estimates
#: (decode to memory, the video predictor, BlazePose on the tracked crops, then the same render).
STAGES: dict[str, tuple[Stage, ...]] = {
    "cpu": (
        Stage("track_pose", "Following the skier and estimating body pose", 0.75),
        Stage("smooth", "Smoothing the motion", 0.02),
        Stage("render", "Rendering the overlay videos", 0.23),
    ),
    "sam2": (
        Stage("decode", "Reading the clip", 0.10),
        Stage("track", "Following the skier", 0.40),
        Stage("pose", "Estimating body pose", 0.25),
        Stage("smooth", "Smoothing the motion", 0.02),
        Stage("render", "Rendering the overlay videos", 0.23),
    ),
}
#: What each stage name means to a person (a name means one thing on every backend that runs it).
STAGE_LABELS: dict[str, str] = {stage.name: stage.label for stages in STAGES.values() for stage in stages}


class OverallProgress:
    """A :data:`ProgressFn` for the stages of one backend that reports to a :data:`RunProgressFn`.

    ``overall`` = the weights of the stages before this one + this stage's weight × ``done / total``,
    held at its highest so far (a stage that revises its total, or reports again, never moves it back).
    A stage not in ``stages`` keeps the fraction where it is.

    Examples
    --------
    >>> seen = []
    >>> report = OverallProgress(STAGES["cpu"], lambda *a: seen.append(round(a[3], 3)))
    >>> report("track_pose", 50, 100); report("track_pose", 50, 200); report("render", 1, 1)
    >>> seen
    [0.375, 0.375, 1.0]
    """

    def __init__(self, stages: tuple[Stage, ...], report: RunProgressFn) -> None:
        total_weight = sum(s.weight for s in stages) or 1.0
        self._span: dict[str, tuple[float, float]] = {}
        before = 0.0
        for stage in stages:
            self._span[stage.name] = (before / total_weight, stage.weight / total_weight)
            before += stage.weight
        self._report = report
        self.overall = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage in self._span:
            start, weight = self._span[stage]
            share = min(1.0, max(0.0, done / total)) if total > 0 else 1.0
            self.overall = max(self.overall, min(1.0, start + weight * share))
        self._report(stage, done, total, self.overall)


def no_progress(stage: str, done: int, total: int, overall: float = 0.0) -> None:
    """The default progress callback: report nothing."""
    return None
