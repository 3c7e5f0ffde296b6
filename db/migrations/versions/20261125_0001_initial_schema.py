"""Initial schema: every table of the seed (hand-checked autogenerate output).

Revision ID: 0001
Revises:
Create Date: 2026-11-25 22:59:22.401389

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# JSONB on PostgreSQL, JSON (text) on SQLite.
JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
# BIGINT on PostgreSQL; INTEGER on SQLite, where only INTEGER PRIMARY KEY autoincrements.
BIGINT_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "metric_definitions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("scope IN ('run', 'segment')", name=op.f("ck_metric_definitions_scope_valid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_definitions")),
        sa.UniqueConstraint("key", name=op.f("uq_metric_definitions_key")),
    )
    op.create_table(
        "partners",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column(
            "allowed_domains",
            JSON_TYPE,
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("contact_email", sa.String(length=320), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
        sa.UniqueConstraint("slug", name=op.f("uq_partners_slug")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_users_email_lower_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "verification_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("code_hash", sa.String(length=128), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_verification_codes_attempts_non_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_codes")),
    )
    op.create_index(
        "ix_verification_codes_email_created_at", "verification_codes", ["email", "created_at"], unique=False
    )
    op.create_table(
        "analyses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("progress", JSON_TYPE, nullable=True),
        sa.Column("error_log", sa.Text(), nullable=True),
        sa.Column("filename", sa.String(length=512), nullable=True),
        sa.Column("s3_input_key", sa.String(length=1024), nullable=True),
        sa.Column("trim_start_seconds", sa.Float(), nullable=True),
        sa.Column("trim_end_seconds", sa.Float(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bbox_x1", sa.Float(), nullable=True),
        sa.Column("bbox_y1", sa.Float(), nullable=True),
        sa.Column("bbox_x2", sa.Float(), nullable=True),
        sa.Column("bbox_y2", sa.Float(), nullable=True),
        sa.Column("click_normalized_time", sa.Float(), nullable=True),
        sa.Column("click_object_id", sa.Integer(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("fps", sa.Float(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("rotation_deg", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('uploading', 'awaiting_prompt', 'awaiting_confirmation', 'queued', 'running', "
            "'succeeded', 'failed')",
            name=op.f("ck_analyses_status_valid"),
        ),
        sa.CheckConstraint(
            "bbox_x1 IS NULL OR bbox_x2 IS NULL OR bbox_x2 > bbox_x1", name=op.f("ck_analyses_bbox_x_ordered")
        ),
        sa.CheckConstraint(
            "bbox_y1 IS NULL OR bbox_y2 IS NULL OR bbox_y2 > bbox_y1", name=op.f("ck_analyses_bbox_y_ordered")
        ),
        sa.CheckConstraint(
            "click_normalized_time IS NULL OR (click_normalized_time >= 0 AND click_normalized_time <= 1)",
            name=op.f("ck_analyses_click_normalized_time_0_1"),
        ),
        sa.CheckConstraint("duration_s IS NULL OR duration_s >= 0", name=op.f("ck_analyses_duration_non_negative")),
        sa.CheckConstraint("fps IS NULL OR fps > 0", name=op.f("ck_analyses_fps_positive")),
        sa.CheckConstraint("height IS NULL OR height > 0", name=op.f("ck_analyses_height_positive")),
        sa.CheckConstraint(
            "rotation_deg IS NULL OR rotation_deg IN (0, 90, 180, 270)", name=op.f("ck_analyses_rotation_valid")
        ),
        sa.CheckConstraint(
            "trim_start_seconds IS NULL OR trim_end_seconds IS NULL OR trim_end_seconds > trim_start_seconds",
            name=op.f("ck_analyses_trim_end_after_start"),
        ),
        sa.CheckConstraint(
            "trim_start_seconds IS NULL OR trim_start_seconds >= 0", name=op.f("ck_analyses_trim_start_non_negative")
        ),
        sa.CheckConstraint("width IS NULL OR width > 0", name=op.f("ck_analyses_width_positive")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_analyses_owner_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_analyses_partner_id_partners"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analyses")),
    )
    op.create_index("ix_analyses_owner_id_created_at", "analyses", ["owner_id", "created_at"], unique=False)
    op.create_index(op.f("ix_analyses_partner_id"), "analyses", ["partner_id"], unique=False)
    op.create_index("ix_analyses_status", "analyses", ["status"], unique=False)
    op.create_table(
        "email_change_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("new_email", sa.String(length=320), nullable=False),
        sa.Column("token_hash", sa.String(length=128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_email_change_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_change_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_email_change_tokens_token_hash")),
    )
    op.create_index(op.f("ix_email_change_tokens_user_id"), "email_change_tokens", ["user_id"], unique=False)
    op.create_table(
        "analysis_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("analysis_id", sa.Uuid(), nullable=False),
        sa.Column("run_number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("pipeline_version", sa.String(length=64), nullable=True),
        sa.Column("num_frames", sa.Integer(), nullable=True),
        sa.Column("fps", sa.Float(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.String(length=200), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed')", name=op.f("ck_analysis_runs_status_valid")
        ),
        sa.CheckConstraint("fps IS NULL OR fps > 0", name=op.f("ck_analysis_runs_fps_positive")),
        sa.CheckConstraint(
            "num_frames IS NULL OR num_frames >= 0", name=op.f("ck_analysis_runs_num_frames_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["analysis_id"], ["analyses.id"], name=op.f("fk_analysis_runs_analysis_id_analyses"), ondelete="CASCADE"
        ),
        sa.CheckConstraint("run_number >= 1", name=op.f("ck_analysis_runs_run_number_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_runs")),
        sa.UniqueConstraint("analysis_id", "run_number", name=op.f("uq_analysis_runs_analysis_id_run_number")),
    )
    op.create_index("ix_analysis_runs_status_created_at", "analysis_runs", ["status", "created_at"], unique=False)
    op.create_table(
        "embed_confirmation_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("analysis_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["analysis_id"],
            ["analyses.id"],
            name=op.f("fk_embed_confirmation_tokens_analysis_id_analyses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_embed_confirmation_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_embed_confirmation_tokens_token_hash")),
    )
    op.create_index(
        op.f("ix_embed_confirmation_tokens_analysis_id"), "embed_confirmation_tokens", ["analysis_id"], unique=False
    )
    op.create_table(
        "uploads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("analysis_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("content_type", sa.String(length=200), nullable=True),
        sa.Column("checksum_sha256", sa.String(length=64), nullable=True),
        sa.Column("storage_key", sa.String(length=1024), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'uploaded', 'verified', 'rejected')", name=op.f("ck_uploads_status_valid")
        ),
        sa.CheckConstraint("size_bytes IS NULL OR size_bytes >= 0", name=op.f("ck_uploads_size_non_negative")),
        sa.ForeignKeyConstraint(
            ["analysis_id"], ["analyses.id"], name=op.f("fk_uploads_analysis_id_analyses"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploads")),
    )
    op.create_index(op.f("ix_uploads_analysis_id"), "uploads", ["analysis_id"], unique=False)
    op.create_table(
        "artifacts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("analysis_run_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("storage_key", sa.String(length=1024), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("content_type", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('overlay_video', 'centred_video', 'frames_csv', 'turns_csv', 'metrics_csv', 'run_json')",
            name=op.f("ck_artifacts_kind_valid"),
        ),
        sa.CheckConstraint("size_bytes IS NULL OR size_bytes >= 0", name=op.f("ck_artifacts_size_non_negative")),
        sa.ForeignKeyConstraint(
            ["analysis_run_id"],
            ["analysis_runs.id"],
            name=op.f("fk_artifacts_analysis_run_id_analysis_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artifacts")),
        sa.UniqueConstraint("analysis_run_id", "kind", name=op.f("uq_artifacts_analysis_run_id_kind")),
    )
    op.create_table(
        "turn_transitions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("analysis_run_id", sa.Uuid(), nullable=False),
        sa.Column("transition_index", sa.Integer(), nullable=False),
        sa.Column("window_start_frame", sa.Integer(), nullable=False),
        sa.Column("center_frame", sa.Integer(), nullable=False),
        sa.Column("window_end_frame", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "window_start_frame >= 0 AND window_start_frame <= center_frame AND center_frame <= window_end_frame",
            name=op.f("ck_turn_transitions_window_ordered"),
        ),
        sa.ForeignKeyConstraint(
            ["analysis_run_id"],
            ["analysis_runs.id"],
            name=op.f("fk_turn_transitions_analysis_run_id_analysis_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_turn_transitions")),
        sa.UniqueConstraint(
            "analysis_run_id", "transition_index", name=op.f("uq_turn_transitions_analysis_run_id_transition_index")
        ),
    )
    op.create_table(
        "turn_segments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("analysis_run_id", sa.Uuid(), nullable=False),
        sa.Column("segment_index", sa.Integer(), nullable=False),
        sa.Column("start_frame", sa.Integer(), nullable=False),
        sa.Column("end_frame", sa.Integer(), nullable=False),
        sa.Column("apex_frame", sa.Integer(), nullable=True),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("is_partial", sa.Boolean(), nullable=False),
        sa.Column("start_transition_id", sa.Uuid(), nullable=True),
        sa.Column("end_transition_id", sa.Uuid(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("measurable", sa.Boolean(), nullable=False),
        sa.CheckConstraint("direction IN ('left', 'right')", name=op.f("ck_turn_segments_direction_valid")),
        sa.CheckConstraint(
            "apex_frame IS NULL OR (apex_frame >= start_frame AND apex_frame <= end_frame)",
            name=op.f("ck_turn_segments_apex_in_segment"),
        ),
        sa.CheckConstraint(
            "confidence IS NULL OR (confidence >= 0 AND confidence <= 1)", name=op.f("ck_turn_segments_confidence_0_1")
        ),
        sa.CheckConstraint(
            "start_frame >= 0 AND start_frame <= end_frame", name=op.f("ck_turn_segments_frames_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["analysis_run_id"],
            ["analysis_runs.id"],
            name=op.f("fk_turn_segments_analysis_run_id_analysis_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["end_transition_id"],
            ["turn_transitions.id"],
            name=op.f("fk_turn_segments_end_transition_id_turn_transitions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["start_transition_id"],
            ["turn_transitions.id"],
            name=op.f("fk_turn_segments_start_transition_id_turn_transitions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_turn_segments")),
        sa.UniqueConstraint(
            "analysis_run_id", "segment_index", name=op.f("uq_turn_segments_analysis_run_id_segment_index")
        ),
    )
    op.create_index(op.f("ix_turn_segments_end_transition_id"), "turn_segments", ["end_transition_id"], unique=False)
    op.create_index(
        op.f("ix_turn_segments_start_transition_id"), "turn_segments", ["start_transition_id"], unique=False
    )
    op.create_table(
        "frames",
        sa.Column("id", BIGINT_KEY, autoincrement=True, nullable=False),
        sa.Column("analysis_run_id", sa.Uuid(), nullable=False),
        sa.Column("frame_index", sa.Integer(), nullable=False),
        sa.Column("timestamp_ms", sa.Float(), nullable=True),
        sa.Column("box_x1_px", sa.Float(), nullable=True),
        sa.Column("box_y1_px", sa.Float(), nullable=True),
        sa.Column("box_x2_px", sa.Float(), nullable=True),
        sa.Column("box_y2_px", sa.Float(), nullable=True),
        sa.Column("track_confidence", sa.Float(), nullable=True),
        sa.Column("track_lost", sa.Boolean(), nullable=False),
        sa.Column("com_x_m", sa.Float(), nullable=True),
        sa.Column("com_y_m", sa.Float(), nullable=True),
        sa.Column("com_z_m", sa.Float(), nullable=True),
        sa.Column("edge_angle_left_deg", sa.Float(), nullable=True),
        sa.Column("edge_angle_right_deg", sa.Float(), nullable=True),
        sa.Column("inclination_deg", sa.Float(), nullable=True),
        sa.Column("angulation_deg", sa.Float(), nullable=True),
        sa.Column("counter_rotation_deg", sa.Float(), nullable=True),
        sa.Column("shin_parallelism_deg", sa.Float(), nullable=True),
        sa.Column("turn_signal_raw", sa.Float(), nullable=True),
        sa.Column("turn_segment_id", sa.Uuid(), nullable=True),
        sa.Column("turn_transition_id", sa.Uuid(), nullable=True),
        sa.Column("turn_phase_01", sa.Float(), nullable=True),
        sa.Column("transition_phase_signed", sa.Float(), nullable=True),
        sa.Column("in_transition_window", sa.Boolean(), nullable=False),
        sa.CheckConstraint("frame_index >= 0", name=op.f("ck_frames_frame_index_non_negative")),
        sa.CheckConstraint(
            "track_confidence IS NULL OR (track_confidence >= 0 AND track_confidence <= 1)",
            name=op.f("ck_frames_track_confidence_0_1"),
        ),
        sa.CheckConstraint(
            "transition_phase_signed IS NULL OR (transition_phase_signed >= -1 AND transition_phase_signed <= 1)",
            name=op.f("ck_frames_transition_phase_signed_range"),
        ),
        sa.CheckConstraint(
            "turn_phase_01 IS NULL OR (turn_phase_01 >= 0 AND turn_phase_01 <= 1)", name=op.f("ck_frames_phase_0_1")
        ),
        sa.ForeignKeyConstraint(
            ["analysis_run_id"],
            ["analysis_runs.id"],
            name=op.f("fk_frames_analysis_run_id_analysis_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["turn_segment_id"],
            ["turn_segments.id"],
            name=op.f("fk_frames_turn_segment_id_turn_segments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["turn_transition_id"],
            ["turn_transitions.id"],
            name=op.f("fk_frames_turn_transition_id_turn_transitions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_frames")),
        sa.UniqueConstraint("analysis_run_id", "frame_index", name=op.f("uq_frames_analysis_run_id_frame_index")),
    )
    op.create_index(op.f("ix_frames_turn_segment_id"), "frames", ["turn_segment_id"], unique=False)
    op.create_index(op.f("ix_frames_turn_transition_id"), "frames", ["turn_transition_id"], unique=False)
    op.create_table(
        "metric_values",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("analysis_run_id", sa.Uuid(), nullable=False),
        sa.Column("metric_definition_id", sa.Uuid(), nullable=False),
        sa.Column("turn_segment_id", sa.Uuid(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("measurable", sa.Boolean(), nullable=False),
        sa.Column("details", JSON_TYPE, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["analysis_run_id"],
            ["analysis_runs.id"],
            name=op.f("fk_metric_values_analysis_run_id_analysis_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["metric_definition_id"],
            ["metric_definitions.id"],
            name=op.f("fk_metric_values_metric_definition_id_metric_definitions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["turn_segment_id"],
            ["turn_segments.id"],
            name=op.f("fk_metric_values_turn_segment_id_turn_segments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_values")),
    )
    op.create_index(
        op.f("ix_metric_values_metric_definition_id"), "metric_values", ["metric_definition_id"], unique=False
    )
    op.create_index("ix_metric_values_turn_segment_id", "metric_values", ["turn_segment_id"], unique=False)
    # One value per (run, definition) for run-level metrics, per (run, definition, segment) for segment ones:
    # two partial unique indexes, because NULL segment ids never collide in a plain unique constraint.
    op.create_index(
        "uq_metric_values_run_level",
        "metric_values",
        ["analysis_run_id", "metric_definition_id"],
        unique=True,
        sqlite_where=sa.text("turn_segment_id IS NULL"),
        postgresql_where=sa.text("turn_segment_id IS NULL"),
    )
    op.create_index(
        "uq_metric_values_segment_level",
        "metric_values",
        ["analysis_run_id", "metric_definition_id", "turn_segment_id"],
        unique=True,
        sqlite_where=sa.text("turn_segment_id IS NOT NULL"),
        postgresql_where=sa.text("turn_segment_id IS NOT NULL"),
    )


def downgrade() -> None:
    """Drop every table of the initial schema, children first (their indexes go with them)."""
    for table in (
        "metric_values",
        "frames",
        "turn_segments",
        "turn_transitions",
        "artifacts",
        "uploads",
        "embed_confirmation_tokens",
        "analysis_runs",
        "email_change_tokens",
        "analyses",
        "verification_codes",
        "users",
        "partners",
        "metric_definitions",
    ):
        op.drop_table(table)
