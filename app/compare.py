"""Compare two finished runs side by side (before/after coaching, or two runs of one clip), without Streamlit.

Any succeeded run of an analysis the person may see can be picked (their own; an admin's: any), so the
same page compares two analyses or two runs of one. Scores come from ``services.analyses`` with an explicit
run id, through the same ownership check as every other read.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import plotly.graph_objects as go

from services import analyses
from services.composition import Services

if TYPE_CHECKING:
    from services.auth import User

#: Run-level scores compared: metric key → label.
SCORES = {
    "edge_similarity_run": "Edge similarity (run)",
    "edge_similarity_left": "Left turns",
    "edge_similarity_right": "Right turns",
}
A_COLOUR = "#7f7f7f"  # "before": grey
B_COLOUR = "#2ca02c"  # "after": green


@dataclass(frozen=True)
class Choice:
    """One succeeded run the person may compare."""

    analysis_id: uuid.UUID
    run_id: uuid.UUID
    run_number: int
    filename: str
    created_at: datetime  # the analysis's

    @property
    def label(self) -> str:
        """``slalom.mp4 · 2026-11-25 10:00 · run 2``."""
        return f"{self.filename or 'clip'} · {self.created_at:%Y-%m-%d %H:%M} · run {self.run_number}"


@dataclass(frozen=True)
class TurnScore:
    segment_index: int
    direction: str
    edge_similarity: float | None  # None: not measurable


@dataclass(frozen=True)
class Side:
    """What one side of the comparison shows."""

    choice: Choice
    scores: dict[str, float | None]  # SCORES keys
    turns: list[TurnScore]

    @property
    def turn_count(self) -> int:
        return len(self.turns)

    @property
    def measurable_count(self) -> int:
        return sum(t.edge_similarity is not None for t in self.turns)


@dataclass(frozen=True)
class ScoreRow:
    label: str
    a: float | None
    b: float | None

    @property
    def difference(self) -> float | None:
        """``b − a`` (positive: B scores higher), or None when either side has no score."""
        return difference(self.a, self.b)


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def difference(a: float | None, b: float | None) -> float | None:
    """``b − a`` when both are finite numbers, else None.

    Examples
    --------
    >>> difference(62.0, 71.5)
    9.5
    >>> difference(None, 71.5) is None
    True
    """
    a, b = _finite(a), _finite(b)
    return None if a is None or b is None else b - a


def choices(svc: Services, user: User) -> list[Choice]:
    """Every succeeded run the user may compare: newest analysis first, its latest run first."""
    with svc.factory() as session:
        return [
            Choice(analysis.id, run.id, run.run_number, analysis.filename or "", analysis.created_at)
            for analysis, run in analyses.succeeded_runs(session=session, user=user)
        ]


def load_side(svc: Services, user: User, choice: Choice) -> Side:
    """Scores and per-turn edge similarity of one run (``NotFoundError``/``NoResultsError`` if not readable)."""
    with svc.factory() as session:
        kw: dict[str, Any] = {"session": session, "user": user, "analysis_id": choice.analysis_id}
        turns = analyses.turns(**kw, run_id=choice.run_id)
        similarity = analyses.edge_similarity(**kw, run_id=choice.run_id)
    by_index = {t["segment_index"]: t for t in similarity["turns"]}
    per_turn = []
    for seg in turns["segments"]:
        score = _finite(by_index.get(seg["segment_index"], {}).get("edge_similarity"))
        per_turn.append(TurnScore(seg["segment_index"], seg["direction"], score if seg["measurable"] else None))
    return Side(choice, {k: _finite(similarity.get(k)) for k in SCORES}, per_turn)


def score_rows(a: Side, b: Side) -> list[ScoreRow]:
    """The run-level scores of both sides, in :data:`SCORES` order."""
    return [ScoreRow(label, a.scores[key], b.scores[key]) for key, label in SCORES.items()]


def per_turn_figure(a: Side, b: Side) -> go.Figure:
    """Per-turn edge similarity of both sides on one chart: grouped bars by turn number (gaps: not measurable)."""
    fig = go.Figure()
    for name, side, colour in (("A", a, A_COLOUR), ("B", b, B_COLOUR)):
        fig.add_trace(
            go.Bar(
                x=[f"Turn {t.segment_index + 1}" for t in side.turns],
                y=[t.edge_similarity for t in side.turns],
                name=f"{name}: {side.choice.label}",
                marker_color=colour,
                text=["" if t.edge_similarity is None else f"{t.edge_similarity:.0f}" for t in side.turns],
                textposition="outside",
                customdata=[t.direction for t in side.turns],
                hovertemplate=f"{name} · %{{x}} (%{{customdata}}): %{{y:.0f}}<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="group",
        yaxis={"range": [0, 110], "title": "edge similarity (0–100)"},
        height=340,
        margin={"l": 10, "r": 10, "t": 40, "b": 30},
        legend={"orientation": "h", "y": -0.2},
        title="Edge similarity per turn (a missing bar: turn not measurable)",
    )
    return fig
