"""The upload lifecycle: create-upload → the browser PUTs the file → confirm → pick the skier → queued.

Nothing half-done is ever visible as done: an analysis is ``uploading`` until
its file is confirmed as a video PyAV can decode; a rejected upload leaves no
row and no file behind, only a clear reason for the person.
"""

from __future__ import annotations

import hashlib
import math
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
from services.run_input import input_key
from services.storage import Storage
from services.storage.base import (
    ObjectNotFoundError,
    PresignedUpload,
    StorageError,
    UploadTooLargeError,
    key_safe_name,
)

VIDEO_TYPES = ("video/", "image/gif", "application/octet-stream")

#: Where uploaded clips are stored, one folder per analysis.
UPLOAD_PREFIX = "uploads/"


class UploadError(ValueError):
    """An upload refused, with a reason a person can act on."""


@dataclass(frozen=True)
class NewUpload:
    analysis_id: uuid.UUID
    upload: PresignedUpload
    storage_key: str  # where the clip is stored once the browser has put it


def size_text(size_bytes: int, *, up: bool = True) -> str:
    """``size_bytes`` for a person in MB (MiB), or KB under 1 MB, rounded so that a size over a limit
    never reads as equal to it (``up`` rounds up, else down)."""
    unit, scale = ("MB", 2**20) if size_bytes >= 2**20 else ("KB", 2**10)
    tenths = size_bytes / scale * 10
    value = (math.ceil(tenths) if up else math.floor(tenths)) / 10
    return f"{value:.1f} {unit}".replace(".0 ", " ")


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
        raise UploadError(f"the file is {size_text(size_bytes)}; the limit is {size_text(max_bytes, up=False)}")
    if not content_type.startswith(VIDEO_TYPES):
        raise UploadError(f"{filename!r} is not a video ({content_type})")
    analysis = queries.create_analysis(
        session=session, owner_id=user.id if user else None, filename=filename, partner_id=partner_id
    )
    key = f"{UPLOAD_PREFIX}{analysis.id}/{key_safe_name(filename)}"
    session.add(Upload(analysis_id=analysis.id, storage_key=key, content_type=content_type, size_bytes=size_bytes))
    session.flush()
    # The link takes the declared size and no more: browsers know a file's exact size.
    presigned = storage.presign_upload(key, content_type=content_type, max_bytes=size_bytes)
    return NewUpload(analysis_id=analysis.id, upload=presigned, storage_key=key)


@dataclass(frozen=True)
class PromptChoice:
    """The skier's box (px of the upright frame), the trim window (s) and the chosen frame's place in it (0–1)."""

    box: tuple[float, float, float, float]
    trim_start_s: float
    trim_end_s: float
    click_normalized_time: float
    max_window_s: float


def closed_upload_reason(*, session: Session, storage_key: str) -> str | None:
    """Why a browser may no longer PUT to ``storage_key`` (``None``: it may, or the key is not an upload's).

    An upload link lives only while its analysis waits for the file: once the clip is confirmed
    (and checked) or the analysis deleted, a late or repeated PUT must not store a file.
    """
    if not storage_key.startswith(UPLOAD_PREFIX):
        return None
    upload = session.scalar(select(Upload).where(Upload.storage_key == storage_key))
    analysis = queries.get_analysis(session=session, analysis_id=upload.analysis_id) if upload else None
    if analysis is None:
        return "this upload was cancelled: start a new upload"
    if analysis.status != AnalysisStatus.UPLOADING:
        return "this clip was already uploaded and checked: it cannot be replaced"
    return None


def confirm_upload(
    *,
    session_factory: sessionmaker[Session],
    storage: Storage,
    user: User | None,
    analysis_id: uuid.UUID,
    max_bytes: int,
    prompt: PromptChoice | None = None,
) -> dict[str, Any]:
    """Check the uploaded file really is a decodable video and record what it is.

    With a ``prompt``, the box and window are checked against the video and the first run is
    queued in the same transaction (its id under ``"run_id"``): a prompt refused leaves the
    upload unconfirmed, so the same call with a better box succeeds.

    Raises
    ------
    UploadError
        The file is missing, too large or not a video: the analysis, its upload row and the
        stored object are deleted, a rejected upload leaves nothing. Or the stored size is not
        the announced one (a cut-off upload): the object is deleted and the upload stays open
        for the same link. Or the prompt does not fit the video: nothing changes.
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
        key, declared_bytes = upload.storage_key, upload.size_bytes
    try:
        size = storage.confirm_upload(key, max_bytes=max_bytes)
        if declared_bytes is not None and size != declared_bytes:
            # A cut-off or different file: the upload stays open, so the same link can send it again.
            storage.delete([key])
            if size < declared_bytes:
                raise UploadError(
                    f"only {size_text(size, up=False)} of the {size_text(declared_bytes)} file arrived: upload it again"
                )
            raise UploadError(f"the file is {size_text(size)}, not the {size_text(declared_bytes)} announced")
        with tempfile.TemporaryDirectory(prefix="poser-confirm-") as tmp:
            local = Path(tmp) / Path(key).name
            storage.download_file(key, local)
            digest = hashlib.sha256(local.read_bytes()).hexdigest()
            info = probe_video(local)
    except (PoserInputError, StorageError) as exc:
        if not _discard(session_factory, storage, analysis_id, key):
            raise UploadError("this analysis was deleted while its file was being checked") from exc
        if isinstance(exc, UploadTooLargeError):
            raise UploadError(f"the file is larger than the limit of {size_text(max_bytes, up=False)}") from exc
        if isinstance(exc, ObjectNotFoundError):
            raise UploadError("the file never arrived: upload it again") from exc
        raise UploadError(str(exc).replace(Path(key).name, "the file")) from exc
    checked_key = input_key(analysis_id, Path(key).name)
    with session_factory.begin() as session:
        analysis = queries.get_analysis(session=session, analysis_id=analysis_id)
        upload = session.scalar(select(Upload).where(Upload.analysis_id == analysis_id))
        if analysis is None or upload is None:
            storage.delete([key])
            raise UploadError("this analysis was deleted while its file was being checked")
        upload.status, upload.size_bytes, upload.checksum_sha256 = "verified", size, digest
        analysis.s3_input_key = checked_key
        analysis.duration_s, analysis.fps = info.duration_s, info.fps
        analysis.width, analysis.height, analysis.rotation_deg = info.width, info.height, info.rotation_deg
        analysis.status = AnalysisStatus.AWAITING_PROMPT
        found: dict[str, Any] = {"duration_s": info.duration_s, "fps": info.fps, "width": info.width}
        found["height"], found["storage_key"] = info.height, checked_key
        if prompt is not None:  # raises UploadError before the commit: the upload stays unconfirmed
            session.flush()
            found["run_id"] = submit_prompt(session=session, user=user, analysis_id=analysis_id, prompt=prompt)
        # Last before the commit: a refused prompt leaves the file at its upload key, to confirm again.
        storage.move(key, checked_key)
    return found


def _discard(session_factory: sessionmaker[Session], storage: Storage, analysis_id: uuid.UUID, key: str) -> bool:
    """Delete a refused upload's analysis and object; ``False`` when the analysis was already gone."""
    with session_factory.begin() as session:
        existed = queries.delete_analysis(session=session, analysis_id=analysis_id) is not None
    storage.delete([key])
    return existed


def submit_prompt(
    *,
    session: Session,
    user: User | None,
    analysis_id: uuid.UUID,
    prompt: PromptChoice,
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
    trim_start_s, trim_end_s, max_window_s = prompt.trim_start_s, prompt.trim_end_s, prompt.max_window_s
    duration = analysis.duration_s or 0.0
    if trim_end_s <= trim_start_s:
        raise UploadError(f"the trim window ends ({trim_end_s:g} s) before it starts ({trim_start_s:g} s)")
    if not 0 <= trim_start_s < trim_end_s <= duration + 1e-6:
        raise UploadError(
            f"the trim window {trim_start_s:g}–{trim_end_s:g} s is not inside the clip (0–{duration:.2f} s)"
        )
    if trim_end_s - trim_start_s > max_window_s + 1e-6:
        raise UploadError(
            f"the trim window is {trim_end_s - trim_start_s:.1f} s; at most {max_window_s:g} s is analysed"
        )
    if not 0 <= prompt.click_normalized_time <= 1:
        raise UploadError("the chosen frame must lie within the trim window")
    try:
        clipped = validate_prompt_box(np.asarray(prompt.box, dtype=float), analysis.width, analysis.height)
    except PoserInputError as exc:
        raise UploadError(str(exc)) from exc
    analysis.bbox_x1, analysis.bbox_y1, analysis.bbox_x2, analysis.bbox_y2 = (float(v) for v in clipped)
    analysis.trim_start_seconds, analysis.trim_end_seconds = trim_start_s, trim_end_s
    analysis.click_normalized_time = prompt.click_normalized_time
    analysis.confirmed_at = utcnow()
    if not queue:
        analysis.status = "awaiting_confirmation"
        return None
    return queries.create_run(session=session, analysis_id=analysis.id).id
