"""One run's results read for a person in one pass: one ownership check, one run lookup, each table once.

The results page shows a single run: :func:`load_results` (scores, turns, edge angles, downloads,
findings) and :func:`load_review` (body series and the turns' measurability notes) both read the run
they are given, so a page cached by run id never mixes two runs.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from db import queries
from db.models import Frame, User
from services import analyses
from services.storage import Storage


@dataclass(frozen=True)
class Results:
    """Everything the results page shows for one run (plain data: cacheable by run id)."""

    run_id: uuid.UUID
    filename: str
    fps: float
    turns: dict[str, Any]
    similarity: dict[str, Any]
    frame_index: np.ndarray  # (T,) int
    time_s: np.ndarray  # (T,) float, s from the analysed window's start
    edge_left_deg: np.ndarray  # (T,) float, deg (NaN where unknown)
    edge_right_deg: np.ndarray  # (T,) float, deg
    downloads: dict[str, tuple[str, str]] = field(default_factory=dict)  # kind → (storage key, file name)
    feedback: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reference: dict[str, Any] = field(default_factory=dict)  # run.json ``metrics.reference``: what angles are against


@dataclass(frozen=True)
class RunSeries:
    """Per-frame columns of one run and the notes on its turns (plain data: cacheable by run id).

    ``columns`` maps a ``frames`` column to a ``(T,)`` float array in the column's unit (NaN where
    unknown); ``reasons`` maps a segment index to why that turn is not measurable; ``videos`` maps
    an artifact kind to its storage key.
    """

    run_id: uuid.UUID
    frame_index: np.ndarray  # (T,) int
    columns: dict[str, np.ndarray]
    reasons: dict[int, list[str]] = field(default_factory=dict)
    videos: dict[str, str] = field(default_factory=dict)


def _column(frames: list[Frame], name: str) -> np.ndarray:
    return np.array([np.nan if (v := getattr(f, name)) is None else v for f in frames], dtype=float)


def _downloads(session: Session, found: analyses.FoundRun, kinds: Iterable[str]) -> dict[str, tuple[str, str]]:
    stored = queries.list_artifacts(session=session, run_id=found.run.id)
    stem = (found.analysis.filename or "poser").rsplit(".", 1)[0]
    return {
        kind: (stored[kind].storage_key, f"{stem}-{stored[kind].storage_key.rsplit('/', 1)[-1]}")
        for kind in kinds
        if kind in stored
    }


def _run_summary(storage: Storage, key: str | None) -> dict[str, Any]:
    """The run's ``run.json`` (``{}`` when it is missing or unreadable: the page shows no findings then)."""
    if key is None:
        return {}
    try:
        summary = json.loads(storage.read(key))
    except (OSError, ValueError):
        return {}
    return summary if isinstance(summary, dict) else {}


def load_results(
    *,
    session: Session,
    storage: Storage,
    user: User,
    analysis_id: uuid.UUID,
    run_id: uuid.UUID | None = None,
    download_kinds: Iterable[str] = (),
) -> Results:
    """Turns, scores, per-frame edge angles, the downloads of ``download_kinds`` and the coaching findings.

    Of ``run_id`` (one of the analysis's succeeded runs) or, without it, of the latest succeeded run.
    Raises ``analyses.NotFoundError`` (not the user's) or ``analyses.NoResultsError`` (no such run).
    """
    found = analyses.results_run(session=session, user=user, analysis_id=analysis_id, run_id=run_id)
    segments = queries.list_turn_segments(session=session, run_id=found.run.id)
    similarity = analyses.edge_similarity_of(session, found, segments)
    turns = analyses.turns_of(session, found, segments, similarity)
    frames = queries.list_frames(session=session, run_id=found.run.id)
    downloads = _downloads(session, found, (*download_kinds, "run_json"))
    summary = _run_summary(storage, downloads.get("run_json", (None, ""))[0])
    if "run_json" not in download_kinds:
        downloads.pop("run_json", None)
    fps = float(turns["fps"])
    index = np.array([f.frame_index for f in frames], dtype=int)
    return Results(
        run_id=found.run.id,
        filename=found.analysis.filename or "",
        fps=fps,
        turns=turns,
        similarity=similarity,
        frame_index=index,
        time_s=index / fps,  # the same clock as the turn frames: seconds from the window's start
        edge_left_deg=_column(frames, "edge_angle_left_deg"),
        edge_right_deg=_column(frames, "edge_angle_right_deg"),
        downloads=downloads,
        feedback=list(summary.get("feedback") or []),
        warnings=[str(w) for w in summary.get("warnings") or []],
        reference=dict((summary.get("metrics") or {}).get("reference") or {}),
    )


def load_series(
    *,
    session: Session,
    user: User,
    analysis_id: uuid.UUID,
    columns: Iterable[str],
    run_id: uuid.UUID | None = None,
    video_kinds: Iterable[str] = (),
) -> RunSeries:
    """The ``frames`` columns asked for, each turn's measurability reasons and the stored videos of one run.

    Of ``run_id`` or, without it, the latest succeeded run; the same errors as :func:`load_results`.
    """
    found = analyses.results_run(session=session, user=user, analysis_id=analysis_id, run_id=run_id)
    frames = queries.list_frames(session=session, run_id=found.run.id)
    segment_of = {s.id: s.segment_index for s in queries.list_turn_segments(session=session, run_id=found.run.id)}
    reasons: dict[int, list[str]] = {}
    for value, _key in queries.list_metric_values(session=session, run_id=found.run.id):
        # every metric of a turn carries the same reasons: the first one seen is enough
        if value.turn_segment_id in segment_of and value.details and value.details.get("reasons"):
            reasons.setdefault(segment_of[value.turn_segment_id], [str(r) for r in value.details["reasons"]])
    stored = queries.list_artifacts(session=session, run_id=found.run.id)
    return RunSeries(
        run_id=found.run.id,
        frame_index=np.array([f.frame_index for f in frames], dtype=int),
        columns={name: _column(frames, name) for name in dict.fromkeys(columns)},
        reasons=reasons,
        videos={kind: stored[kind].storage_key for kind in video_kinds if kind in stored},
    )
