"""Reading and deleting analyses on behalf of a person: ownership is checked here, once.

A user sees only their own analyses; an admin sees all. An analysis that is
not yours reads as "not found" (its existence is not revealed). Results come
from the latest *succeeded* run, status from the latest run of any state.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from db import queries
from db.models import Analysis, AnalysisRun, RunStatus, TurnSegment, User
from db.models import AnalysisStatus as AnalysisStatus  # re-exported: the states a front end shows
from db.models import ArtifactKind as ArtifactKind  # re-exported: the kinds a download names

EDGE_SIMILARITY_KEYS = ("edge_similarity_run", "edge_similarity_left", "edge_similarity_right")
TURN_SCORE_KEYS = (
    "edge_similarity",
    "edge_similarity_angle_match",
    "edge_similarity_build_rate_match",
    "edge_similarity_timing_lag",
    "edge_similarity_inside_delay",
    "lag_ms",
    "inside_delay_ms",
)


class NotFoundError(LookupError):
    """No such analysis for this person (missing, or someone else's)."""


class NoResultsError(LookupError):
    """The analysis has no succeeded run yet (or the run asked for did not succeed)."""


class RerunError(ValueError):
    """A rerun refused, with a reason a person can act on (e.g. the analysis is still running)."""


#: Statuses from which an analysis may run again: its latest run finished (a box prompt exists).
RERUNNABLE = frozenset({AnalysisStatus.SUCCEEDED, AnalysisStatus.FAILED})


def owned_analysis(*, session: Session, user: User, analysis_id: uuid.UUID) -> Analysis:
    """The analysis if ``user`` may see it (owner or admin), else :class:`NotFoundError`."""
    analysis = queries.get_analysis(session=session, analysis_id=analysis_id)
    if analysis is None or not (user.is_admin or analysis.owner_id == user.id):
        raise NotFoundError(f"no analysis {analysis_id}")
    return analysis


def list_analyses(*, session: Session, user: User, own_only: bool = False) -> list[Analysis]:
    """The user's analyses (all of them for an admin unless ``own_only``), newest first."""
    everything = user.is_admin and not own_only
    return queries.list_analyses(session=session, owner_id=None if everything else user.id)


def latest_analysis(*, session: Session, user: User, with_results: bool) -> Analysis | None:
    """The user's own analysis a page shows when none was chosen, or ``None``.

    Without ``with_results`` (progress): the one whose newest run was queued last (a submission or a
    rerun; a clip still waiting for its box has no run). With it (results): the one whose newest
    succeeded run finished last, so an analysis rerunning now still shows its earlier results.
    """
    newest: tuple[Any, Analysis] | None = None
    for analysis in list_analyses(session=session, user=user, own_only=True):
        if with_results:
            run = queries.latest_succeeded_run(session=session, analysis_id=analysis.id)
            when = None if run is None else run.finished_at or run.created_at
        else:
            run = queries.latest_run(session=session, analysis_id=analysis.id)
            when = None if run is None else run.created_at
        if when is not None and (newest is None or when > newest[0]):
            newest = (when, analysis)
    return None if newest is None else newest[1]


def succeeded_runs(*, session: Session, user: User) -> list[tuple[Analysis, AnalysisRun]]:
    """Every succeeded run the user may read (own; an admin's: any): newest analysis first, its latest run first."""
    visible = list_analyses(session=session, user=user)
    runs_of: dict[uuid.UUID, list[AnalysisRun]] = {}
    for run in queries.list_runs_of(
        session=session, analysis_ids=[a.id for a in visible], status=RunStatus.SUCCEEDED.value
    ):
        runs_of.setdefault(run.analysis_id, []).append(run)
    return [(analysis, run) for analysis in visible for run in runs_of.get(analysis.id, [])]


def waiting_for_prompt(*, session: Session, user: User) -> list[tuple[Analysis, str]]:
    """The user's own uploaded clips still waiting for a box, newest first, each with its storage key."""
    return queries.list_awaiting_prompt(session=session, owner_id=user.id)


def rerun(*, session: Session, user: User, analysis_id: uuid.UUID) -> AnalysisRun:
    """Queue a new run of a finished analysis with the same clip and box (owner, or any for an admin).

    The caller dispatches the run to the queue after committing (the worker must find the row).

    Raises
    ------
    NotFoundError
        Not the user's analysis (and the user is not an admin).
    RerunError
        The analysis is not finished (still uploading, queued or running).
    """
    return queue_rerun(session=session, analysis=owned_analysis(session=session, user=user, analysis_id=analysis_id))


def rerun_for_machine(*, session: Session, analysis_id: uuid.UUID) -> AnalysisRun:
    """Queue a new run of any finished analysis (the internal API: no person, no ownership).

    ``NotFoundError`` if there is no such analysis, ``RerunError`` if it is not finished.
    """
    analysis = queries.get_analysis(session=session, analysis_id=analysis_id)
    if analysis is None:
        raise NotFoundError(f"no analysis {analysis_id}")
    return queue_rerun(session=session, analysis=analysis)


def analysis_of_run(*, session: Session, run_id: uuid.UUID) -> uuid.UUID:
    """The id of the analysis a run belongs to (``NotFoundError`` if there is no such run)."""
    run = queries.get_run(session=session, run_id=run_id)
    if run is None:
        raise NotFoundError(f"no analysis run {run_id}")
    return run.analysis_id


def queue_rerun(*, session: Session, analysis: Analysis) -> AnalysisRun:
    """Queue a new run of ``analysis`` if it is finished (``RerunError`` otherwise); no ownership check.

    The analysis row is locked first (PostgreSQL; SQLite serialises writers anyway), so two reruns at
    once (a double click, an admin and the owner) queue one run and refuse the other.
    """
    session.refresh(analysis, with_for_update=True)
    if analysis.status not in RERUNNABLE:
        status = analysis.status.replace("_", " ")
        raise RerunError(f"this analysis is {status}; only a finished one can run again")
    return queries.create_run(session=session, analysis_id=analysis.id)


def _run_summary(run: AnalysisRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "id": run.id,
        "run_number": run.run_number,
        "status": run.status,
        "error": run.error,
        "pipeline_version": run.pipeline_version,
        "num_frames": run.num_frames,
        "fps": run.fps,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
    }


def analysis_detail(*, session: Session, user: User, analysis_id: uuid.UUID) -> dict[str, Any]:
    """Status, progress, the latest run and which run the results come from."""
    analysis = owned_analysis(session=session, user=user, analysis_id=analysis_id)
    results = queries.latest_succeeded_run(session=session, analysis_id=analysis.id)
    return {
        "id": analysis.id,
        "filename": analysis.filename,
        "status": analysis.status,
        "progress": analysis.progress,
        "created_at": analysis.created_at,
        "latest_run": _run_summary(queries.latest_run(session=session, analysis_id=analysis.id)),
        "results_run_id": results.id if results else None,
    }


@dataclass(frozen=True)
class FoundRun:
    """A succeeded run and its analysis, found for a person (ownership checked once)."""

    analysis: Analysis
    run: AnalysisRun


def results_run(*, session: Session, user: User, analysis_id: uuid.UUID, run_id: uuid.UUID | None = None) -> FoundRun:
    """The run to read results from: ``run_id`` if given (one of this analysis's succeeded runs), else the latest
    succeeded one.

    Raises
    ------
    NotFoundError
        Not the user's analysis (and the user is not an admin).
    NoResultsError
        No succeeded run (or ``run_id`` is not a succeeded run of this analysis).
    """
    analysis = owned_analysis(session=session, user=user, analysis_id=analysis_id)
    if run_id is None:
        run = queries.latest_succeeded_run(session=session, analysis_id=analysis.id)
    else:
        run = queries.get_run(session=session, run_id=run_id)
        if run is not None and run.analysis_id != analysis.id:
            run = None  # another analysis's run reads as missing, like another person's analysis
    if run is None or run.status != RunStatus.SUCCEEDED.value:
        raise NoResultsError("this analysis has no results yet" if run_id is None else "this run has no results")
    return FoundRun(analysis, run)


def turns(*, session: Session, user: User, analysis_id: uuid.UUID, run_id: uuid.UUID | None = None) -> dict[str, Any]:
    """Turn segments and transition windows of the latest succeeded run (or of ``run_id``)."""
    return turns_of(session, results_run(session=session, user=user, analysis_id=analysis_id, run_id=run_id))


def turns_of(
    session: Session,
    found: FoundRun,
    segments: list[TurnSegment] | None = None,
    similarity: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Turn segments (each with its edge similarity and interval) and transition windows of a run already found.

    No ownership check here. ``segments`` / ``similarity``: the run's segments and its
    :func:`edge_similarity_of` when the caller has read them already.
    """
    fps = found.run.fps or 30.0
    if segments is None:
        segments = queries.list_turn_segments(session=session, run_id=found.run.id)
    if similarity is None:
        similarity = edge_similarity_of(session, found, segments)
    scores = {t["segment_index"]: t for t in similarity["turns"]}
    return {
        "run_id": found.run.id,
        "fps": fps,
        "segments": [
            {
                "segment_index": s.segment_index,
                "direction": s.direction,
                "start_frame": s.start_frame,
                "apex_frame": s.apex_frame,
                "end_frame": s.end_frame,
                "is_partial": s.is_partial,
                "measurable": s.measurable,
                "confidence": s.confidence,
                "edge_similarity": scores.get(s.segment_index, {}).get("edge_similarity"),
                "edge_similarity_interval": scores.get(s.segment_index, {}).get("edge_similarity_interval"),
            }
            for s in segments
        ],
        "transitions": [
            {
                "transition_index": t.transition_index,
                "window_start_frame": t.window_start_frame,
                "center_frame": t.center_frame,
                "window_end_frame": t.window_end_frame,
            }
            for t in queries.list_turn_transitions(session=session, run_id=found.run.id)
        ],
    }


def edge_similarity(
    *, session: Session, user: User, analysis_id: uuid.UUID, run_id: uuid.UUID | None = None
) -> dict[str, Any]:
    """Run, per-side and per-turn edge similarity (with sub-scores) of the latest succeeded run (or ``run_id``)."""
    return edge_similarity_of(session, results_run(session=session, user=user, analysis_id=analysis_id, run_id=run_id))


def edge_similarity_of(session: Session, found: FoundRun, segments: list[TurnSegment] | None = None) -> dict[str, Any]:
    """Run, per-side and per-turn edge similarity of a run already found (no ownership check here).

    Each score ``KEY`` comes with ``KEY_interval``: its ``[low, high]`` interval, or ``None`` (a run
    stored without intervals).

    ``segments``: the run's segments when the caller has read them already.
    """
    if segments is None:
        segments = queries.list_turn_segments(session=session, run_id=found.run.id)
    segment_by_id = {s.id: s for s in segments}
    run_values: dict[str, Any] = dict.fromkeys(EDGE_SIMILARITY_KEYS)
    run_values |= dict.fromkeys(f"{k}_interval" for k in EDGE_SIMILARITY_KEYS)
    per_turn: dict[int, dict[str, Any]] = {}
    for value, key in queries.list_metric_values(session=session, run_id=found.run.id):
        interval = (value.details or {}).get("interval")
        if value.turn_segment_id is None:
            if key in EDGE_SIMILARITY_KEYS:
                run_values[key] = value.value
                run_values[f"{key}_interval"] = interval
            continue
        if key not in TURN_SCORE_KEYS:
            continue
        segment = segment_by_id[value.turn_segment_id]
        entry = per_turn.setdefault(
            segment.segment_index,
            {"segment_index": segment.segment_index, "direction": segment.direction, "measurable": value.measurable},
        )
        entry[key] = value.value
        entry[f"{key}_interval"] = interval
    return {"run_id": found.run.id, **run_values, "turns": [per_turn[k] for k in sorted(per_turn)]}


def delete_analysis(*, session: Session, user: User, analysis_id: uuid.UUID) -> list[str]:
    """Delete an analysis the user owns (or any, for an admin); returns the storage keys to delete."""
    owned_analysis(session=session, user=user, analysis_id=analysis_id)
    return queries.delete_analysis(session=session, analysis_id=analysis_id) or []


def artifact_download(*, session: Session, user: User, analysis_id: uuid.UUID, kind: str) -> tuple[str, str]:
    """Storage key and download file name of one artifact of the latest succeeded run."""
    return artifact_of(session, results_run(session=session, user=user, analysis_id=analysis_id), kind)


def artifact_of(session: Session, found: FoundRun, kind: str) -> tuple[str, str]:
    """Storage key and download file name of one artifact of a run already found (``NotFoundError`` if none)."""
    artifact = queries.get_artifact(session=session, run_id=found.run.id, kind=kind)
    if artifact is None:
        raise NotFoundError(f"no {kind} for this analysis")
    stem = (found.analysis.filename or "poser").rsplit(".", 1)[0]
    return artifact.storage_key, f"{stem}-{artifact.storage_key.rsplit('/', 1)[-1]}"
