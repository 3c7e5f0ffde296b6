"""What an embed skier reads: status, the edge-similarity summary, and results by results token.

Split from :mod:`services.embed` (the submission flow). Functions take the caller's session and never write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from db import queries
from db.models import Analysis, Partner, User
from db.vocabulary import RunStatus
from services import analyses
from services.embed import EmbedNotFoundError, analysis_for_results_token


def status(*, session: Session, analysis: Analysis) -> dict[str, Any]:
    """What the widget polls: status, progress and whether results are ready."""
    latest = queries.latest_run(session=session, analysis_id=analysis.id)
    return {
        "analysis_id": analysis.id,
        "status": analysis.status,
        "progress": analysis.progress,
        "confirmed": latest is not None,
        "results_ready": queries.latest_succeeded_run(session=session, analysis_id=analysis.id) is not None,
        "error": latest.error if latest is not None and latest.status == RunStatus.FAILED else None,
    }


def feedback(*, session: Session, analysis: Analysis) -> dict[str, Any]:
    """The edge-similarity summary of the latest succeeded run (run, per side, per turn).

    Raises
    ------
    analyses.NoResultsError
        No run has succeeded yet.
    """
    owner = session.get(User, analysis.owner_id) if analysis.owner_id else None
    if owner is None:
        raise analyses.NoResultsError("this analysis has no results yet")
    scores = analyses.edge_similarity(session=session, user=owner, analysis_id=analysis.id)
    return {
        "analysis_id": analysis.id,
        "filename": analysis.filename,
        "status": analysis.status,
        "run_id": scores["run_id"],
        **{k: scores[k] for k in analyses.EDGE_SIMILARITY_KEYS},
        **{f"{k}_interval": scores[f"{k}_interval"] for k in analyses.EDGE_SIMILARITY_KEYS},
        "turns": [
            {
                k: t.get(k)
                for k in ("segment_index", "direction", "measurable", "edge_similarity", "edge_similarity_interval")
            }
            for t in scores["turns"]
        ],
    }


def results(*, session: Session, token: str, secret_key: str) -> dict[str, Any]:
    """Status and (when ready) the feedback of the analysis a results token grants.

    Raises
    ------
    EmbedNotFoundError
        A malformed or forged token, or a deleted analysis.
    """
    analysis = _granted(session, token, secret_key)
    out = status(session=session, analysis=analysis)
    out["feedback"] = feedback(session=session, analysis=analysis) if out["results_ready"] else None
    return out


def _granted(session: Session, token: str, secret_key: str) -> Analysis:
    analysis_id = analysis_for_results_token(secret_key=secret_key, token=token)
    analysis = queries.get_analysis(session=session, analysis_id=analysis_id) if analysis_id else None
    if analysis is None:
        raise EmbedNotFoundError("no results for this link")
    return analysis


@dataclass(frozen=True)
class ResultsView:
    """What the results page shows: :func:`results`, the overlay video's storage key, the partner's domains."""

    results: dict[str, Any]
    overlay_key: str | None
    partner_name: str | None
    partner_domains: list[str]


def results_view(*, session: Session, token: str, secret_key: str) -> ResultsView:
    """:func:`results` plus what the HTML page needs (raises like :func:`results`)."""
    analysis = _granted(session, token, secret_key)
    out = results(session=session, token=token, secret_key=secret_key)
    overlay = None
    if out["results_ready"]:
        owner = session.get(User, analysis.owner_id)
        try:
            overlay = analyses.artifact_download(
                session=session, user=owner, analysis_id=analysis.id, kind="overlay_video"
            )[0]
        except analyses.NotFoundError:  # a run without its video still has scores to show
            overlay = None
    partner = session.get(Partner, analysis.partner_id) if analysis.partner_id else None
    return ResultsView(
        results=out,
        overlay_key=overlay,
        partner_name=partner.name if partner else None,
        partner_domains=list(partner.allowed_domains or []) if partner and partner.active else [],
    )
