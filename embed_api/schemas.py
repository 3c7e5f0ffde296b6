"""Request and response bodies of the sidecar (Pydantic models)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator


class ProgressIn(BaseModel):
    stage: str = Field(max_length=64)
    percent: float = Field(ge=0, le=100)
    message: str = Field(default="", max_length=500)


class StatusIn(BaseModel):
    status: Literal["queued", "running", "succeeded", "failed"]
    error: str | None = Field(default=None, max_length=2000)
    error_log: str | None = None
    num_frames: int | None = Field(default=None, ge=0, le=10_000_000)
    fps: float | None = Field(default=None, gt=0, le=10_000)
    pipeline_version: str | None = Field(default=None, min_length=1, max_length=64)


class FramesIn(BaseModel):
    frames: list[dict[str, Any]] = Field(max_length=5000)


_FRAME = Field(ge=0, le=10_000_000)


class _TransitionRow(BaseModel):
    """One transition window, frame indices of the analysed window (checked, then passed on as a dict)."""

    transition_index: int = _FRAME
    window_start_frame: int = _FRAME
    center_frame: int = _FRAME
    window_end_frame: int = _FRAME


class _SegmentRow(BaseModel):
    """One turn; transition references must name transitions of the same request."""

    segment_index: int = _FRAME
    start_frame: int = _FRAME
    end_frame: int = _FRAME
    apex_frame: int | None = Field(default=None, ge=0, le=10_000_000)
    direction: str = Field(max_length=8)
    is_partial: bool = False
    start_transition_index: int | None = None
    end_transition_index: int | None = None
    confidence: float | None = None
    measurable: bool = True


class TurnStructureIn(BaseModel):
    """Transitions and segments as dicts (the reporter's format); each is validated so bad rows are a 422."""

    transitions: list[dict[str, Any]] = Field(max_length=10_000)
    segments: list[dict[str, Any]] = Field(max_length=10_000)

    @field_validator("transitions")
    @classmethod
    def _transitions(cls, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        checked = [{**row, **_TransitionRow.model_validate(row).model_dump()} for row in rows]
        _unique(checked, "transition_index")
        return checked

    @field_validator("segments")
    @classmethod
    def _segments(cls, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        checked = [{**row, **_SegmentRow.model_validate(row).model_dump()} for row in rows]
        _unique(checked, "segment_index")
        return checked

    @model_validator(mode="after")
    def _references(self) -> TurnStructureIn:
        known = {t["transition_index"] for t in self.transitions}
        for segment in self.segments:
            for key in ("start_transition_index", "end_transition_index"):
                if segment.get(key) is not None and segment[key] not in known:
                    raise ValueError(f"segment {segment['segment_index']}: {key} {segment[key]} is not a transition")
        return self


def _unique(rows: list[dict[str, Any]], key: str) -> None:
    values = [row[key] for row in rows]
    if len(set(values)) != len(values):
        raise ValueError(f"{key} values must be unique")


class MetricValuesIn(BaseModel):
    values: list[dict[str, Any]]


class ArtifactIn(BaseModel):
    kind: Literal["overlay_video", "centred_video", "frames_csv", "turns_csv", "metrics_csv", "run_json"]
    storage_key: str = Field(max_length=1024)
    size_bytes: int = Field(ge=0)
    content_type: str = Field(max_length=128)


class Accepted(BaseModel):
    ok: bool = True
    count: int | None = None


class RunCreated(BaseModel):
    run_id: uuid.UUID
    run_number: int


class CodeRequestIn(BaseModel):
    email: str = Field(max_length=320)


class CodeRequestOut(BaseModel):
    message: str


class CodeVerifyIn(BaseModel):
    email: str = Field(max_length=320)
    code: str = Field(min_length=6, max_length=6, pattern=r"^\d{6}$")


class SessionOut(BaseModel):
    token: str
    email: str
    is_admin: bool


class AnalysisOut(BaseModel):
    id: uuid.UUID
    filename: str | None
    status: str
    progress: dict[str, Any] | None
    created_at: datetime


class CreateUploadIn(BaseModel):
    filename: str = Field(min_length=1, max_length=512)
    size_bytes: int = Field(gt=0)
    content_type: str = Field(max_length=128)


class PresignedUploadOut(BaseModel):
    url: str
    method: str
    headers: dict[str, str]
    expires_at: int


class CreateUploadOut(BaseModel):
    analysis_id: uuid.UUID
    upload: PresignedUploadOut


class PromptIn(BaseModel):
    """The skier's box (pixels of the upright frame), the trim window (s) and the chosen frame's position in it."""

    bbox: tuple[float, float, float, float]
    trim_start_seconds: float = Field(ge=0)
    trim_end_seconds: float = Field(gt=0)
    click_normalized_time: float = Field(ge=0, le=1)


class ConfirmUploadIn(BaseModel):
    prompt: PromptIn | None = None


class ConfirmUploadOut(BaseModel):
    analysis_id: uuid.UUID
    status: str
    duration_s: float
    fps: float
    width: int
    height: int
    run_id: uuid.UUID | None = None


class ContactIn(BaseModel):
    name: str = Field(default="", max_length=200)
    email: str = Field(max_length=320)
    message: str = Field(max_length=5000)
