"""qa report: the QA sample's latest quality report, stored for export metadata

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The quality report (DESIGN §5.5) as last computed on the sample, with its time: the
    # published layers carry it in their metadata, and a weighted bootstrap is far too slow
    # to run on a page request.
    op.add_column(
        "qa_samples",
        sa.Column("report", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
    op.add_column("qa_samples", sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True))
    # The looks the reliability model counted for the decoder at the last campaign run (its
    # exposure): moderation's credible bounds must rest on the same evidence as the rates.
    op.add_column("decoder_quality", sa.Column("looks", sa.Integer(), nullable=True))
    # The report is published metadata now: a new sample or a new report is a new result
    # version (migration 0007), so cached metadata, pages and ETags follow it.
    op.execute(
        "CREATE CONSTRAINT TRIGGER qa_samples_result_version "
        "AFTER INSERT OR UPDATE OR DELETE ON qa_samples DEFERRABLE INITIALLY DEFERRED "
        "FOR EACH ROW EXECUTE FUNCTION bump_result_version()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER qa_samples_result_version ON qa_samples")
    op.drop_column("decoder_quality", "looks")
    op.drop_column("qa_samples", "reported_at")
    op.drop_column("qa_samples", "report")
