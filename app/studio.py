"""What the studio's pages do, without Streamlit: thin wrappers over ``services/`` (they raise, pages render).

Every function takes the :class:`services.composition.Services` and the signed-in :class:`db.models.User`;
ownership is checked by ``services.analyses`` (someone else's analysis reads as not found).
"""

from __future__ import annotations

import mimetypes
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from services import analyses, clip_frames, results, uploads
from services.analyses import AnalysisStatus, NoResultsError, NotFoundError, RerunError
from services.auth import AuthError, request_code, revoke_session, user_for_token, verify_code
from services.composition import Services
from services.results import Results
from services.uploads import UploadError

if TYPE_CHECKING:
    from services.auth import User

__all__ = [
    "AuthError",
    "ClipDraft",
    "NoResultsError",
    "NotFoundError",
    "RerunError",
    "Results",
    "UploadError",
]

#: File types the uploader offers (the decoder is the real judge: ``confirm_upload`` probes the file).
VIDEO_EXTENSIONS = ("mp4", "mov", "m4v", "avi", "mkv", "webm", "gif")
#: Downloads offered on the results page: artifact kind → button label.
DOWNLOADS = {
    "frames_csv": "frames.csv",
    "turns_csv": "turns.csv",
    "metrics_csv": "metrics.csv",
    "run_json": "run.json",
    "overlay_video": "overlay.mp4",
}
#: The type Streamlit serves videos with. Streamlit 1.60's gzip middleware fails on ``video/*`` responses
#: with starlette 1.10 (HTTP 500: "Expected ASGI message 'http.response.start', but got
#: 'http.response.body'"), so videos go out as octet-stream; Chromium sniffs the MP4 and plays it
#: (range requests get 206). Back to ``video/mp4`` once Streamlit or starlette fixes it.
MEDIA_MIME = "application/octet-stream"
#: Download types (``video/*`` would hit the same failure).
DOWNLOAD_MIME = {
    "frames_csv": "text/csv",
    "turns_csv": "text/csv",
    "metrics_csv": "text/csv",
    "run_json": "application/json",
    "overlay_video": MEDIA_MIME,
}
#: Statuses whose latest run finished: they may run again.
FINISHED = tuple(sorted(analyses.RERUNNABLE))


# -- sign-in -----------------------------------------------------------------------------------------


def send_sign_in_code(svc: Services, email: str, *, ip: str | None = None) -> None:
    """Email a sign-in code (``AuthError`` for a bad address or too many requests)."""
    with svc.factory.begin() as session:
        request_code(session=session, email=email, ip=ip, secret_key=svc.secret_key, deliver=svc.send_code)


def sign_in(svc: Services, email: str, code: str) -> str:
    """Check the code and return a session token (``AuthError`` with a message for the person)."""
    with svc.factory.begin() as session:
        result = verify_code(session=session, email=email, code=code, secret_key=svc.secret_key)
    if result.error is not None:
        raise result.error
    assert result.token is not None
    return result.token


def user_for(svc: Services, token: str | None) -> User | None:
    """The user of a session token, or ``None`` (none, unknown, expired or revoked)."""
    if not token:
        return None
    with svc.factory() as session:
        return user_for_token(session=session, token=token)


def sign_out(svc: Services, token: str) -> None:
    with svc.factory.begin() as session:
        revoke_session(session=session, token=token)


# -- new analysis ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClipDraft:
    """An uploaded, confirmed clip waiting for its box: what the prompt widgets need."""

    analysis_id: uuid.UUID
    filename: str
    storage_key: str
    duration_s: float
    fps: float
    width: int
    height: int


def content_type_for(filename: str, given: str | None) -> str:
    """The browser's type when it gave a useful one, else a guess from the name."""
    if given and given != "application/octet-stream":
        return given
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def upload_clip(svc: Services, user: User, *, filename: str, data: bytes, content_type: str | None) -> ClipDraft:
    """Store an uploaded clip server-side and confirm it is a decodable video.

    Raises
    ------
    UploadError
        Empty, too large, not a video, or undecodable: nothing is left behind.
    """
    kind = content_type_for(filename, content_type)
    max_bytes = svc.settings.max_upload_bytes
    with svc.factory.begin() as session:
        new = uploads.create_upload(
            session=session,
            storage=svc.storage,
            user=user,
            filename=filename,
            size_bytes=len(data),
            content_type=kind,
            max_bytes=max_bytes,
        )
    svc.storage.put_bytes(new.storage_key, data, content_type=kind)
    info = uploads.confirm_upload(
        session_factory=svc.factory, storage=svc.storage, user=user, analysis_id=new.analysis_id, max_bytes=max_bytes
    )
    return ClipDraft(
        analysis_id=new.analysis_id,
        filename=filename,
        storage_key=info["storage_key"],
        duration_s=float(info["duration_s"]),
        fps=float(info["fps"]),
        width=int(info["width"]),
        height=int(info["height"]),
    )


def frame_at(svc: Services, draft: ClipDraft, t_s: float) -> np.ndarray:
    """The upright frame shown at ``t_s`` seconds from the clip's start, ``(H, W, 3) uint8`` RGB."""
    try:
        return clip_frames.frame_at(svc.local_path(draft.storage_key), t_s)
    except clip_frames.NoFrameError as exc:
        raise UploadError(str(exc)) from exc


def box_holds_a_person(svc: Services, draft: ClipDraft, t_s: float, box: tuple[float, float, float, float]) -> bool:
    """Whether the tracker's first look finds a person in ``box`` (frame px) at ``t_s`` or a few frames later."""
    return clip_frames.box_holds_a_person(svc.local_path(draft.storage_key), t_s, box)


def submit(
    svc: Services,
    user: User,
    draft: ClipDraft,
    *,
    box: tuple[float, float, float, float],
    trim: tuple[float, float],
    at_s: float,
) -> uuid.UUID:
    """Record the box drawn at ``at_s`` and the trim window, and queue the first run (its id)."""
    start, end = float(trim[0]), float(trim[1])
    normalized = 0.0 if end <= start else min(max((at_s - start) / (end - start), 0.0), 1.0)
    with svc.factory.begin() as session:
        run_id = uploads.submit_prompt(
            session=session,
            user=user,
            analysis_id=draft.analysis_id,
            prompt=uploads.PromptChoice(box, start, end, normalized, svc.settings.max_window_s),
        )
    assert run_id is not None
    svc.queue_run(run_id)  # after the commit: the worker must find the queued row
    return run_id


# -- progress, list, delete, rerun -------------------------------------------------------------------


def detail(svc: Services, user: User, analysis_id: uuid.UUID) -> dict[str, Any]:
    """Status, progress and latest run (``NotFoundError`` if not the user's)."""
    with svc.factory() as session:
        return analyses.analysis_detail(session=session, user=user, analysis_id=analysis_id)


def rerun(svc: Services, user: User, analysis_id: uuid.UUID) -> uuid.UUID:
    """Queue a new run of a finished analysis with the same clip and box, and hand it to the queue (its id).

    ``RerunError`` while it is not finished; ``NotFoundError`` if it is not the user's (admins: any).
    """
    with svc.factory.begin() as session:
        run_id = analyses.rerun(session=session, user=user, analysis_id=analysis_id).id
    svc.queue_run(run_id)  # after the commit: the worker must find the queued row
    return run_id


#: The progress page's "Try again" is a rerun.
try_again = rerun


@dataclass(frozen=True)
class AnalysisRow:
    id: uuid.UUID
    filename: str
    status: str
    created_at: datetime
    score: float | None


def my_analyses(svc: Services, user: User) -> list[AnalysisRow]:
    """The user's own analyses (admins too: everyone's are on the admin page), newest first, with the run score."""
    rows = []
    with svc.factory() as session:
        for analysis in analyses.list_analyses(session=session, user=user, own_only=True):
            score = None
            if analysis.status == AnalysisStatus.SUCCEEDED:
                try:
                    score = analyses.edge_similarity(session=session, user=user, analysis_id=analysis.id).get(
                        "edge_similarity_run"
                    )
                except NoResultsError:
                    score = None
            rows.append(AnalysisRow(analysis.id, analysis.filename or "", analysis.status, analysis.created_at, score))
    return rows


def latest_analysis(svc: Services, user: User, *, with_results: bool) -> tuple[uuid.UUID, str] | None:
    """What Progress and Results show when no analysis was chosen: ``(id, filename)``, or ``None``.

    Progress: the user's own analysis whose newest run was queued last (a submission or a rerun; a clip
    still waiting for its box has no run). Results (``with_results``): the one whose newest succeeded run
    finished last, so an analysis rerunning now still shows its earlier results.
    """
    with svc.factory() as session:
        analysis = analyses.latest_analysis(session=session, user=user, with_results=with_results)
        return None if analysis is None else (analysis.id, analysis.filename or "")


def delete(svc: Services, user: User, analysis_id: uuid.UUID) -> None:
    """Delete the analysis, its runs and every stored file of it."""
    with svc.factory.begin() as session:
        keys = analyses.delete_analysis(session=session, user=user, analysis_id=analysis_id)
    svc.storage.delete(keys)


# -- results -----------------------------------------------------------------------------------------


def results_run_id(svc: Services, user: User, analysis_id: uuid.UUID) -> uuid.UUID:
    """The run the results come from (``NoResultsError`` when none succeeded yet)."""
    found = detail(svc, user, analysis_id)
    if found["results_run_id"] is None:
        raise NoResultsError("this analysis has no results yet")
    return found["results_run_id"]


def load_results(svc: Services, user: User, analysis_id: uuid.UUID, run_id: uuid.UUID | None = None) -> Results:
    """Turns, scores, per-frame edge angles, downloads and coaching findings of ``run_id`` (else the latest
    succeeded run)."""
    with svc.factory() as session:
        return results.load_results(
            session=session,
            storage=svc.storage,
            user=user,
            analysis_id=analysis_id,
            run_id=run_id,
            download_kinds=DOWNLOADS,
        )


def artifact_bytes(svc: Services, key: str) -> bytes:
    """The stored bytes of one artifact (overlay video, CSVs)."""
    return svc.storage.read(key)
