"""Runs remember when their owner was emailed, so each finished run is announced exactly once.

Runs that had already ended are marked as announced: the upgrade sends no email for history.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 03:50:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("analysis_runs") as batch:
        batch.add_column(sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE analysis_runs SET notified_at = COALESCE(finished_at, created_at)"
        " WHERE status IN ('succeeded', 'failed')"
    )


def downgrade() -> None:
    with op.batch_alter_table("analysis_runs") as batch:
        batch.drop_column("notified_at")
