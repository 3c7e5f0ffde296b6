"""Request and response bodies of the remote-worker endpoints (claim, heartbeat, artifact uploads)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

ArtifactKind = Literal["overlay_video", "centred_video", "frames_csv", "turns_csv", "metrics_csv", "run_json"]
WorkerId = Field(min_length=1, max_length=200)


class ClaimIn(BaseModel):
    worker_id: str = WorkerId
    lease_s: float = Field(default=60.0, ge=1.0, le=3600.0, description="lease length, seconds")


class RunInputOut(BaseModel):
    """The run's input: box in pixels of the upright frame; times in seconds from the clip's start."""

    filename: str
    input_key: str
    box: tuple[float, float, float, float]
    start_s: float | None
    end_s: float | None
    at_s: float | None


class ClaimOut(BaseModel):
    run_id: uuid.UUID
    analysis_id: uuid.UUID
    worker_id: str
    lease_expires_at: datetime | None
    input: RunInputOut | None = Field(description="null when the analysis cannot be analysed (see input_error)")
    input_error: str | None = None
    clip_url: str | None = Field(default=None, description="presigned GET URL of the uploaded clip")


class HeartbeatIn(BaseModel):
    worker_id: str = WorkerId
    lease_s: float = Field(default=60.0, ge=1.0, le=3600.0)


class HeartbeatOut(BaseModel):
    ok: bool = True
    lease_expires_at: datetime | None


class ArtifactUploadsIn(BaseModel):
    worker_id: str = WorkerId
    kinds: list[ArtifactKind] = Field(min_length=1, max_length=6)


class ArtifactUploadOut(BaseModel):
    """PUT the file to ``url`` with exactly ``headers``, then register ``storage_key`` via ``…/artifacts``."""

    kind: ArtifactKind
    storage_key: str
    content_type: str
    url: str
    method: str
    headers: dict[str, str]
    expires_at: int


class ArtifactUploadsOut(BaseModel):
    uploads: list[ArtifactUploadOut]
