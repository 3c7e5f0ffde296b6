"""The upload lifecycle: create-upload → the browser PUTs the file → confirm → pick the skier → queued.

Nothing half-done is ever visible as done: an analysis is ``uploading`` until
its file is confirmed as a video PyAV can decode; a rejected upload leaves no
row and no file behind, only a clear reason for the person.
"""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db import queries
from db.models import Upload, User, utcnow
from db.vocabulary import AnalysisStatus
from poser_pipeline.boxes import validate_prompt_box
from poser_pipeline.errors import PoserInputError
from poser_pipeline.video.decode import probe_video
from services.analyses import owned_analysis
from services.storage import Storage
from services.storage.base import ObjectNotFoundError, PresignedUpload, StorageError, UploadTooLargeError

VIDEO_TYPES = ("video/", "image/gif", "application/octet-stream")


class UploadError(ValueError):
    """An upload refused, with a reason a person can act on."""


@dataclass(frozen=True)
class NewUpload:
    analysis_id: uuid.UUID
    upload: PresignedUpload
    storage_key: str  # where the clip is stored once the browser has put it


def _safe_name(filename: str) -> str:
    stem = "".join(c if c.isalnum() or c in "._-" else "_" for c in Path(filename).name)[-120:]
    return stem.lstrip(".") or "clip.mp4"


def create_upload(
    *,
    session: Session,
    storage: Storage,
    user: User | None,
    filename: str,
    size_bytes: int,
    content_type: str,
    max_bytes: int,
    partner_id: uuid.UUID | None = None,
) -> NewUpload:
    """Start an analysis in ``uploading`` and hand back where the browser should PUT the file."""
    if size_bytes <= 0:
        raise UploadError("the file is empty")
    if size_bytes > max_bytes:
        raise UploadError(f"the file is {size_bytes / 2**20:.0f} MB; the limit is {max_bytes / 2**20:.0f} MB")
    if not content_type.startswith(VIDEO_TYPES):
        raise UploadError(f"{filename!r} is not a video ({content_type})")
    analysis = queries.create_analysis(
        session=session, owner_id=user.id if user else None, filename=filename, partner_id=partner_id
    )
    key = f"uploads/{analysis.id}/{_safe_name(filename)}"
    session.add(Upload(analysis_id=analysis.id, storage_key=key, content_type=content_type, size_bytes=size_bytes))
    session.flush()
    presigned = storage.presign_upload(key, content_type=content_type, max_bytes=max_bytes)
    return NewUpload(analysis_id=analysis.id, upload=presigned, storage_key=key)


def confirm_upload(
    *,
    session_factory: sessionmaker[Session],
    storage: Storage,
    user: User | None,
    analysis_id: uuid.UUID,
    max_bytes: int,
) -> dict[str, float | int | str]:
    """Check the uploaded file really is a decodable video and record what it is.

    Raises
    ------
    UploadError
        The file is missing, too large or not a video. The analysis, its upload
        row and the stored object are deleted: a rejected upload leaves nothing.
    """
    with session_factory() as session:
        analysis = (
            owned_analysis(session=session, user=user, analysis_id=analysis_id)
            if user
            else (queries.get_analysis(session=session, analysis_id=analysis_id))
        )
        upload = session.scalar(select(Upload).where(Upload.analysis_id == analysis_id))
        if analysis is None or upload is None:
            raise UploadError("no upload is waiting for this analysis")
        if analysis.status != AnalysisStatus.UPLOADING:
            raise UploadError("this upload was already confirmed")
        key = upload.storage_key
    try:
        size = storage.confirm_upload(key, max_bytes=max_bytes)
        with tempfile.TemporaryDirectory(prefix="poser-confirm-") as tmp:
            local = Path(tmp) / Path(key).name
            storage.download_file(key, local)
            digest = hashlib.sha256(local.read_bytes()).hexdigest()
            info = probe_video(local)
    except (PoserInputError, StorageError) as exc:
        _discard(session_factory, storage, analysis_id, key)
        if isinstance(exc, UploadTooLargeError):
            raise UploadError(f"the file is larger than the limit of {max_bytes / 2**20:.0f} MB") from exc
        if isinstance(exc, ObjectNotFoundError):
            raise UploadError("the file never arrived: upload it again") from exc
        raise UploadError(str(exc).replace(Path(key).name, "the file")) from exc
    with session_factory.begin() as session:
        analysis = queries.get_analysis(session=session, analysis_id=analysis_id)
        upload = session.scalars(select(Upload).where(Upload.analysis_id == analysis_id)).one()
        upload.status, upload.size_bytes, upload.checksum_sha256 = "verified", size, digest
        analysis.s3_input_key = key
        analysis.duration_s, analysis.fps = info.duration_s, info.fps
        analysis.width, analysis.height, analysis.rotation_deg = info.width, info.height, info.rotation_deg
        analysis.status = AnalysisStatus.AWAITING_PROMPT
    return {"duration_s": info.duration_s, "fps": info.fps, "width": info.width, "height": info.height}


def _discard(session_factory: sessionmaker[Session], storage: Storage, analysis_id: uuid.UUID, key: str) -> None:
    with session_factory.begin() as session:
        queries.delete_analysis(session=session, analysis_id=analysis_id)
    storage.delete([key])


def submit_prompt(
    *,
    session: Session,
    user: User | None,
    analysis_id: uuid.UUID,
    box: tuple[float, float, float, float],
    trim_start_s: float,
    trim_end_s: float,
    click_normalized_time: float,
    max_window_s: float,
    queue: bool = True,
) -> uuid.UUID | None:
    """Record the trim window and the skier's box, then queue the first run (returns its id).

    ``queue=False`` leaves the analysis ``awaiting_confirmation`` (embed submissions wait for the
    emailed confirmation link).
    """
    analysis = (
        owned_analysis(session=session, user=user, analysis_id=analysis_id)
        if user
        else queries.get_analysis(session=session, analysis_id=analysis_id)
    )
    if analysis is None or analysis.status != AnalysisStatus.AWAITING_PROMPT:
        raise UploadError("this analysis is not waiting for a box (upload and confirm the video first)")
    duration = analysis.duration_s or 0.0
    if not 0 <= trim_start_s < trim_end_s <= duration + 1e-6:
        raise UploadError(
            f"the trim window {trim_start_s:g}–{trim_end_s:g} s is not inside the clip (0–{duration:.2f} s)"
        )
    if trim_end_s - trim_start_s > max_window_s + 1e-6:
        raise UploadError(
            f"the trim window is {trim_end_s - trim_start_s:.1f} s; at most {max_window_s:g} s is analysed"
        )
    if not 0 <= click_normalized_time <= 1:
        raise UploadError("the chosen frame must lie within the trim window")
    try:
        clipped = validate_prompt_box(np.asarray(box, dtype=float), analysis.width, analysis.height)
    except PoserInputError as exc:
        raise UploadError(str(exc)) from exc
    analysis.bbox_x1, analysis.bbox_y1, analysis.bbox_x2, analysis.bbox_y2 = (float(v) for v in clipped)
    analysis.trim_start_seconds, analysis.trim_end_seconds = trim_start_s, trim_end_s
    analysis.click_normalized_time = click_normalized_time
    analysis.confirmed_at = utcnow()
    if not queue:
        analysis.status = "awaiting_confirmation"
        return None
    return queries.create_run(session=session, analysis_id=analysis.id).id
