"""SQLAlchemy 2 models of Poser's tables (the seed's schema, adapted to SQLite and PostgreSQL).

Conventions
-----------
- Keys are UUIDs (``Uuid``: native ``uuid`` on PostgreSQL, ``CHAR(32)`` on SQLite), except ``frames``,
  which has an integer key (one row per decoded frame; never referenced from outside the run).
- Timestamps are timezone-aware UTC (``timestamptz`` on PostgreSQL); on SQLite, which stores no zone,
  :class:`UTCDateTime` attaches UTC on read, so callers always see aware datetimes.
- JSON columns are ``JSONB`` on PostgreSQL and ``JSON`` (text) on SQLite.
- Status and kind columns are short strings guarded by named ``CHECK`` constraints (no native enums,
  so adding a value is a one-line migration on both engines). Allowed values are the ``StrEnum`` classes.
- Foreign keys cascade from ``analyses`` → ``analysis_runs`` → frames / turns / metrics / artifacts, so
  deleting an analysis removes every row that belongs to it (storage objects are the caller's job).

The schema is built by Alembic (``db/migrations``); no code calls ``create_all``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.vocabulary import AnalysisStatus as AnalysisStatus
from db.vocabulary import ArtifactKind as ArtifactKind
from db.vocabulary import MetricScope as MetricScope
from db.vocabulary import RunStatus as RunStatus
from db.vocabulary import TurnDirection as TurnDirection
from db.vocabulary import UploadStatus as UploadStatus
from poser_pipeline.metrics.frame_fields import PHASE_NAMES, SERIES_NAMES

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (the default of every timestamp column)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)`` that stores UTC and always returns aware UTC datetimes.

    Naive datetimes are refused on write (they are ambiguous); on SQLite, which drops the zone,
    the value read back is marked UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware (UTC) datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")
# BIGINT on PostgreSQL; plain INTEGER on SQLite, where only INTEGER PRIMARY KEY autoincrements.
BigIntKey = BigInteger().with_variant(Integer(), "sqlite")


def _in(column: str, values: type[StrEnum]) -> str:
    """SQL text ``column IN ('a', 'b', …)`` for a CHECK constraint."""
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(Uuid(), primary_key=True, default=uuid.uuid4)


def _created_at() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), nullable=False, default=utcnow)


def _updated_at() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)


# --- accounts -------------------------------------------------------------------------------------


class User(Base):
    """A signed-in person. ``email`` is stored normalised (stripped, lower-case) and unique."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lower_case"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    email: Mapped[str] = mapped_column(String(320), nullable=False, unique=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = _updated_at()


class VerificationCode(Base):
    """A hashed 6-digit sign-in code for an email (the user may not exist yet)."""

    __tablename__ = "verification_codes"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        Index("ix_verification_codes_email_created_at", "email", "created_at"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    email: Mapped[str] = mapped_column(String(320), nullable=False)
    code_hash: Mapped[str] = mapped_column(String(128), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    requested_ip: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = _created_at()


class UserSession(Base):
    """A signed-in session: the token is given to the browser, only its hash is stored, so it can be revoked."""

    __tablename__ = "user_sessions"

    id: Mapped[uuid.UUID] = _uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(128), nullable=False, unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = _created_at()


class EmailChangeToken(Base):
    """A single-use, expiring token confirming a user's new email address (stored hashed)."""

    __tablename__ = "email_change_tokens"

    id: Mapped[uuid.UUID] = _uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    new_email: Mapped[str] = mapped_column(String(320), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(128), nullable=False, unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = _created_at()


# --- partners and embed ---------------------------------------------------------------------------


class Partner(Base):
    """A site that embeds the widget; ``allowed_domains`` is a JSON list of host names."""

    __tablename__ = "partners"

    id: Mapped[uuid.UUID] = _uuid_pk()
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    slug: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    allowed_domains: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    contact_email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = _updated_at()


# --- analyses and runs ----------------------------------------------------------------------------


class Analysis(Base):
    """The user's clip and box prompt. ``status`` mirrors the latest run once one exists."""

    __tablename__ = "analyses"
    __table_args__ = (
        CheckConstraint(_in("status", AnalysisStatus), name="status_valid"),
        CheckConstraint(
            "click_normalized_time IS NULL OR (click_normalized_time >= 0 AND click_normalized_time <= 1)",
            name="click_normalized_time_0_1",
        ),
        CheckConstraint("trim_start_seconds IS NULL OR trim_start_seconds >= 0", name="trim_start_non_negative"),
        CheckConstraint(
            "trim_start_seconds IS NULL OR trim_end_seconds IS NULL OR trim_end_seconds > trim_start_seconds",
            name="trim_end_after_start",
        ),
        CheckConstraint("bbox_x1 IS NULL OR bbox_x2 IS NULL OR bbox_x2 > bbox_x1", name="bbox_x_ordered"),
        CheckConstraint("bbox_y1 IS NULL OR bbox_y2 IS NULL OR bbox_y2 > bbox_y1", name="bbox_y_ordered"),
        CheckConstraint("duration_s IS NULL OR duration_s >= 0", name="duration_non_negative"),
        CheckConstraint("fps IS NULL OR fps > 0", name="fps_positive"),
        CheckConstraint("width IS NULL OR width > 0", name="width_positive"),
        CheckConstraint("height IS NULL OR height > 0", name="height_positive"),
        CheckConstraint("rotation_deg IS NULL OR rotation_deg IN (0, 90, 180, 270)", name="rotation_valid"),
        Index("ix_analyses_owner_id_created_at", "owner_id", "created_at"),
        Index("ix_analyses_status", "status"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    partner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(32), nullable=False, default=AnalysisStatus.UPLOADING.value)
    progress: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    error_log: Mapped[str | None] = mapped_column(Text)
    filename: Mapped[str | None] = mapped_column(String(512))
    s3_input_key: Mapped[str | None] = mapped_column(String(1024))
    trim_start_seconds: Mapped[float | None] = mapped_column(Float)
    trim_end_seconds: Mapped[float | None] = mapped_column(Float)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    bbox_x1: Mapped[float | None] = mapped_column(Float)
    bbox_y1: Mapped[float | None] = mapped_column(Float)
    bbox_x2: Mapped[float | None] = mapped_column(Float)
    bbox_y2: Mapped[float | None] = mapped_column(Float)
    click_normalized_time: Mapped[float | None] = mapped_column(Float)
    click_object_id: Mapped[int | None] = mapped_column(Integer)
    duration_s: Mapped[float | None] = mapped_column(Float)
    fps: Mapped[float | None] = mapped_column(Float)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    rotation_deg: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = _updated_at()


class AnalysisRun(Base):
    """One execution of the pipeline on an analysis; reruns add rows, old runs stay."""

    __tablename__ = "analysis_runs"
    __table_args__ = (
        CheckConstraint(_in("status", RunStatus), name="status_valid"),
        CheckConstraint("num_frames IS NULL OR num_frames >= 0", name="num_frames_non_negative"),
        CheckConstraint("fps IS NULL OR fps > 0", name="fps_positive"),
        CheckConstraint("run_number >= 1", name="run_number_positive"),
        # The read path: the latest (or latest succeeded) run of an analysis, by run_number.
        UniqueConstraint("analysis_id", "run_number"),
        # The queue: oldest queued run first; expired leases among running runs.
        Index("ix_analysis_runs_status_created_at", "status", "created_at"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    analysis_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"), nullable=False)
    run_number: Mapped[int] = mapped_column(Integer, nullable=False)
    """1, 2, 3, … per analysis: orders the runs (the latest run has the highest number)."""
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=RunStatus.QUEUED.value)
    pipeline_version: Mapped[str | None] = mapped_column(String(64))
    num_frames: Mapped[int | None] = mapped_column(Integer)
    fps: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the owner was emailed that this run ended: set once, by whichever path claims it first.
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = _created_at()


class Upload(Base):
    """The input upload's lifecycle: pending → uploaded → verified | rejected."""

    __tablename__ = "uploads"
    __table_args__ = (
        CheckConstraint(_in("status", UploadStatus), name="status_valid"),
        CheckConstraint("size_bytes IS NULL OR size_bytes >= 0", name="size_non_negative"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    analysis_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("analyses.id", ondelete="CASCADE"), nullable=False, index=True
    )
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=UploadStatus.PENDING.value)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    content_type: Mapped[str | None] = mapped_column(String(200))
    checksum_sha256: Mapped[str | None] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(1024), nullable=False)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = _updated_at()


class Artifact(Base):
    """One output file of a run, by kind (one per kind and run)."""

    __tablename__ = "artifacts"
    __table_args__ = (
        CheckConstraint(_in("kind", ArtifactKind), name="kind_valid"),
        CheckConstraint("size_bytes IS NULL OR size_bytes >= 0", name="size_non_negative"),
        UniqueConstraint("analysis_run_id", "kind"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    analysis_run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("analysis_runs.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    storage_key: Mapped[str] = mapped_column(String(1024), nullable=False)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    content_type: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = _created_at()


class EmbedConfirmationToken(Base):
    """A single-use, expiring link the skier clicks before an embed analysis is queued (hashed)."""

    __tablename__ = "embed_confirmation_tokens"

    id: Mapped[uuid.UUID] = _uuid_pk()
    analysis_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("analyses.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(128), nullable=False, unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = _created_at()


class ShareLink(Base):
    """A read-only, revocable link to one analysis's results for someone without an account (a coach).

    Only the token's SHA-256 is stored (``services.checks.hash_token``): the raw token is shown once,
    when the link is made. A link is live while ``revoked_at`` is NULL and ``expires_at`` (if any) is
    in the future; revoked links stay as a record of who shared what.
    """

    __tablename__ = "share_links"
    __table_args__ = (CheckConstraint("expires_at IS NULL OR expires_at > created_at", name="expires_after_created"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    analysis_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("analyses.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(128), nullable=False, unique=True)
    # Who made the link; the link outlives a deleted admin account (the analysis owner's deletion cascades anyway).
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = _created_at()
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# --- turn structure and frames --------------------------------------------------------------------


class TurnTransition(Base):
    """A left↔right transition window of a run (frames ``window_start_frame..window_end_frame``)."""

    __tablename__ = "turn_transitions"
    __table_args__ = (
        CheckConstraint(
            "window_start_frame >= 0 AND window_start_frame <= center_frame AND center_frame <= window_end_frame",
            name="window_ordered",
        ),
        UniqueConstraint("analysis_run_id", "transition_index"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    analysis_run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("analysis_runs.id", ondelete="CASCADE"), nullable=False
    )
    transition_index: Mapped[int] = mapped_column(Integer, nullable=False)
    window_start_frame: Mapped[int] = mapped_column(Integer, nullable=False)
    center_frame: Mapped[int] = mapped_column(Integer, nullable=False)
    window_end_frame: Mapped[int] = mapped_column(Integer, nullable=False)


class TurnSegment(Base):
    """A left or right turn of a run (frames ``start_frame..end_frame``)."""

    __tablename__ = "turn_segments"
    __table_args__ = (
        CheckConstraint(_in("direction", TurnDirection), name="direction_valid"),
        CheckConstraint("start_frame >= 0 AND start_frame <= end_frame", name="frames_ordered"),
        CheckConstraint(
            "apex_frame IS NULL OR (apex_frame >= start_frame AND apex_frame <= end_frame)", name="apex_in_segment"
        ),
        CheckConstraint("confidence IS NULL OR (confidence >= 0 AND confidence <= 1)", name="confidence_0_1"),
        UniqueConstraint("analysis_run_id", "segment_index"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    analysis_run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("analysis_runs.id", ondelete="CASCADE"), nullable=False
    )
    segment_index: Mapped[int] = mapped_column(Integer, nullable=False)
    start_frame: Mapped[int] = mapped_column(Integer, nullable=False)
    end_frame: Mapped[int] = mapped_column(Integer, nullable=False)
    apex_frame: Mapped[int | None] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(8), nullable=False)
    is_partial: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    start_transition_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("turn_transitions.id", ondelete="SET NULL"), index=True
    )
    end_transition_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("turn_transitions.id", ondelete="SET NULL"), index=True
    )
    confidence: Mapped[float | None] = mapped_column(Float)
    measurable: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


FRAME_METRIC_COLUMNS: tuple[str, ...] = SERIES_NAMES
"""Per-frame series stored as columns of ``frames`` (all nullable floats), from the pipeline's registry."""

PHASE_COLUMNS: tuple[str, ...] = PHASE_NAMES
"""Per-frame turn-phase fields, derived from the run's stored turn structure."""


class Frame(Base):
    """One decoded frame of a run: box, track state, body series and turn phase."""

    __tablename__ = "frames"
    __table_args__ = (
        CheckConstraint("frame_index >= 0", name="frame_index_non_negative"),
        CheckConstraint(
            "track_confidence IS NULL OR (track_confidence >= 0 AND track_confidence <= 1)",
            name="track_confidence_0_1",
        ),
        CheckConstraint("turn_phase_01 IS NULL OR (turn_phase_01 >= 0 AND turn_phase_01 <= 1)", name="phase_0_1"),
        CheckConstraint(
            "transition_phase_signed IS NULL OR (transition_phase_signed >= -1 AND transition_phase_signed <= 1)",
            name="transition_phase_signed_range",
        ),
        UniqueConstraint("analysis_run_id", "frame_index"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    analysis_run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("analysis_runs.id", ondelete="CASCADE"), nullable=False
    )
    frame_index: Mapped[int] = mapped_column(Integer, nullable=False)
    timestamp_ms: Mapped[float | None] = mapped_column(Float)
    box_x1_px: Mapped[float | None] = mapped_column(Float)
    box_y1_px: Mapped[float | None] = mapped_column(Float)
    box_x2_px: Mapped[float | None] = mapped_column(Float)
    box_y2_px: Mapped[float | None] = mapped_column(Float)
    track_confidence: Mapped[float | None] = mapped_column(Float)
    track_lost: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    turn_segment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("turn_segments.id", ondelete="SET NULL"), index=True
    )
    turn_transition_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("turn_transitions.id", ondelete="SET NULL"), index=True
    )
    turn_phase_01: Mapped[float | None] = mapped_column(Float)
    transition_phase_signed: Mapped[float | None] = mapped_column(Float)
    in_transition_window: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


# One nullable float column per registered series (SQLAlchemy adds a column set on a mapped class to its
# table and mapper), so a new series needs no edit here; read them by name (``getattr(frame, name)``).
for _series_name in FRAME_METRIC_COLUMNS:
    setattr(Frame, _series_name, mapped_column(_series_name, Float))
del _series_name


# --- metrics --------------------------------------------------------------------------------------


class MetricDefinition(Base):
    """The metric catalog: one row per run- or segment-level metric (new metrics need no migration)."""

    __tablename__ = "metric_definitions"
    __table_args__ = (CheckConstraint(_in("scope", MetricScope), name="scope_valid"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    key: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    unit: Mapped[str] = mapped_column(String(64), nullable=False)
    scope: Mapped[str] = mapped_column(String(16), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = _updated_at()


class MetricValue(Base):
    """A run-level (``turn_segment_id`` NULL) or segment-level metric value of a run.

    ``value`` is NULL when the metric could not be measured; ``measurable`` and ``details`` say why.
    Uniqueness per (run, definition, segment) is two partial unique indexes, because NULL segment ids
    never collide in a plain unique constraint.
    """

    __tablename__ = "metric_values"
    __table_args__ = (
        Index(
            "uq_metric_values_run_level",
            "analysis_run_id",
            "metric_definition_id",
            unique=True,
            sqlite_where=text("turn_segment_id IS NULL"),
            postgresql_where=text("turn_segment_id IS NULL"),
        ),
        Index(
            "uq_metric_values_segment_level",
            "analysis_run_id",
            "metric_definition_id",
            "turn_segment_id",
            unique=True,
            sqlite_where=text("turn_segment_id IS NOT NULL"),
            postgresql_where=text("turn_segment_id IS NOT NULL"),
        ),
        Index("ix_metric_values_turn_segment_id", "turn_segment_id"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    analysis_run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("analysis_runs.id", ondelete="CASCADE"), nullable=False
    )
    metric_definition_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("metric_definitions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    turn_segment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("turn_segments.id", ondelete="CASCADE"))
    value: Mapped[float | None] = mapped_column(Float)
    measurable: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = _created_at()
