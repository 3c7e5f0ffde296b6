"""The states and kinds the tables store, as string enums (no database code: any layer may import them).

A member compares equal to its stored string (``RunStatus.FAILED == "failed"``), so rows and
JSON carry plain strings.
"""

from __future__ import annotations

from enum import StrEnum


class AnalysisStatus(StrEnum):
    UPLOADING = "uploading"
    AWAITING_PROMPT = "awaiting_prompt"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class UploadStatus(StrEnum):
    PENDING = "pending"
    UPLOADED = "uploaded"
    VERIFIED = "verified"
    REJECTED = "rejected"


class ArtifactKind(StrEnum):
    OVERLAY_VIDEO = "overlay_video"
    CENTRED_VIDEO = "centred_video"
    FRAMES_CSV = "frames_csv"
    TURNS_CSV = "turns_csv"
    METRICS_CSV = "metrics_csv"
    RUN_JSON = "run_json"


class MetricScope(StrEnum):
    RUN = "run"
    SEGMENT = "segment"


class TurnDirection(StrEnum):
    LEFT = "left"
    RIGHT = "right"
