"""Clips uploaded but never given a box: list them so the person can continue, or discard them.

Without this, leaving New analysis after the upload strands the clip (it is swept after
``services.upload_cleanup.GracePeriods.awaiting_prompt``). No Streamlit here.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from app.studio import ClipDraft
from services import analyses
from services.composition import Services

if TYPE_CHECKING:
    from services.analyses import Analysis
    from services.auth import User


def waiting_drafts(svc: Services, user: User) -> list[tuple[ClipDraft, str]]:
    """The user's own clips waiting for a box, newest first, each with its upload date (``YYYY-MM-DD HH:MM``)."""
    with svc.factory() as session:
        rows = analyses.waiting_for_prompt(session=session, user=user)
    return [(_draft(analysis, key), f"{analysis.updated_at:%Y-%m-%d %H:%M}") for analysis, key in rows]


def _draft(analysis: Analysis, storage_key: str) -> ClipDraft:
    return ClipDraft(
        analysis_id=analysis.id,
        filename=analysis.filename or "clip",
        storage_key=storage_key,
        duration_s=float(analysis.duration_s or 0.0),
        fps=float(analysis.fps or 0.0),
        width=int(analysis.width or 0),
        height=int(analysis.height or 0),
    )


def discard_draft(svc: Services, user: User, analysis_id: uuid.UUID) -> None:
    """Delete a waiting clip and its stored file (``NotFoundError`` if it is not the user's)."""
    with svc.factory.begin() as session:
        keys = analyses.delete_analysis(session=session, user=user, analysis_id=analysis_id)
    svc.storage.delete(keys)
