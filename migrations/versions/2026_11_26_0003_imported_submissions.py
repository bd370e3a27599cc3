"""imported submissions: unique external refs; several per decoder and task

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 21:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Imported data (Decode Surveillance NYC) merges intersections that share a panorama into one
    # task, so one decoder may own two imported submissions on a task. Live submissions keep the
    # one-per-decoder-and-task guarantee.
    op.drop_constraint("uq_submissions_task_id_user_id", "submissions", type_="unique")
    op.create_index(
        "uq_submissions_task_id_user_id",
        "submissions",
        ["task_id", "user_id"],
        unique=True,
        postgresql_where=sa.text("external_ref IS NULL"),
    )
    # Re-running an import must not duplicate submissions: their external ids are unique.
    op.create_index(
        "uq_submissions_campaign_id_external_ref",
        "submissions",
        ["campaign_id", "external_ref"],
        unique=True,
        postgresql_where=sa.text("external_ref IS NOT NULL"),
    )


def downgrade() -> None:
    # Fails if a decoder owns two imported submissions on one task: delete the import first.
    op.drop_index("uq_submissions_campaign_id_external_ref", table_name="submissions")
    op.drop_index("uq_submissions_task_id_user_id", table_name="submissions")
    op.create_unique_constraint(
        "uq_submissions_task_id_user_id", "submissions", ["task_id", "user_id"]
    )
