"""reconciliation: merged sightings, per-task camera lookup, queue back-off, run statistics

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = "'confirmed', 'candidate', 'rejected'"


def upgrade() -> None:
    # A camera seen from several panoramas is one triangulated row; the single-panorama
    # sightings it was built from stay (status 'merged', pointing at it) so that cross-task
    # matching can be redone without re-clustering every task.
    op.drop_constraint(op.f("ck_cameras_status"), "cameras", type_="check")
    op.create_check_constraint(
        op.f("ck_cameras_status"), "cameras", f"status IN ({_STATUSES}, 'merged')"
    )
    op.add_column("cameras", sa.Column("merged_into_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_cameras_merged_into_id_cameras"),
        "cameras",
        "cameras",
        ["merged_into_id"],
        ["id"],
        ondelete="SET NULL",
    )
    # Only a merged sighting points at another camera. (Not "iff": deleting the triangulated
    # camera sets the pointer to NULL before the sighting's status can be restored.)
    op.create_check_constraint(
        op.f("ck_cameras_merged_into_only_if_merged"),
        "cameras",
        "merged_into_id IS NULL OR status = 'merged'",
    )
    op.create_index(
        "ix_cameras_merged_into_id",
        "cameras",
        ["merged_into_id"],
        postgresql_where=sa.text("merged_into_id IS NOT NULL"),
    )
    # Re-reconciling one task replaces its cameras: find them without a scan.
    op.create_index(op.f("ix_cameras_task_id"), "cameras", ["task_id"])
    # A failed job waits before its next attempt instead of spinning.
    op.add_column(
        "reconcile_jobs",
        sa.Column(
            "available_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    )
    op.add_column(
        "reconcile_runs", sa.Column("stats", postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("reconcile_runs", "stats")
    op.drop_column("reconcile_jobs", "available_at")
    op.drop_index(op.f("ix_cameras_task_id"), table_name="cameras")
    op.drop_index("ix_cameras_merged_into_id", table_name="cameras")
    op.drop_constraint(op.f("ck_cameras_merged_into_only_if_merged"), "cameras", type_="check")
    op.drop_constraint(op.f("fk_cameras_merged_into_id_cameras"), "cameras", type_="foreignkey")
    op.drop_column("cameras", "merged_into_id")
    # Sightings merged under the new method go back to being plain candidates.
    op.execute("UPDATE cameras SET status = 'candidate' WHERE status = 'merged'")
    op.drop_constraint(op.f("ck_cameras_status"), "cameras", type_="check")
    op.create_check_constraint(op.f("ck_cameras_status"), "cameras", f"status IN ({_STATUSES})")
