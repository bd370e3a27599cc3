"""quality: expert labels on tasks, QA samples, decoder suspension, sign-up address reference

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Suspension (issue 10.3): a suspended decoder keeps their login (the app tells them), but
    # their submissions stop counting; who suspended them and why stay for the coordinators.
    op.add_column("users", sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("suspended_by", sa.BigInteger(), nullable=True))
    op.add_column("users", sa.Column("suspension_reason", sa.String(length=500), nullable=True))
    # A keyed hash of the registering client's address (never the address): sibling accounts.
    op.add_column("users", sa.Column("signup_ref", sa.String(length=48), nullable=True))
    op.create_foreign_key(
        op.f("fk_users_suspended_by_users"),
        "users",
        "users",
        ["suspended_by"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(
        "ix_users_signup_ref",
        "users",
        ["signup_ref"],
        postgresql_where=sa.text("signup_ref IS NOT NULL"),
    )
    op.create_index(
        "ix_users_suspended", "users", ["id"], postgresql_where=sa.text("suspended_at IS NOT NULL")
    )
    # Expert labels (issue 10.1): who placed a task's known answer, and when.
    op.add_column("tasks", sa.Column("labelled_by", sa.BigInteger(), nullable=True))
    op.add_column("tasks", sa.Column("labelled_at", sa.DateTime(timezone=True), nullable=True))
    op.create_foreign_key(
        op.f("fk_tasks_labelled_by_users"),
        "tasks",
        "users",
        ["labelled_by"],
        ["id"],
        ondelete="SET NULL",
    )
    # QA samples (DESIGN §5.5): one row per draw; its tasks are rows of `reviews`.
    op.create_table(
        "qa_samples",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("per_stratum", sa.Integer(), nullable=False),
        sa.Column("strata", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "per_stratum BETWEEN 1 AND 10000", name=op.f("ck_qa_samples_per_stratum")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_qa_samples_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_qa_samples_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_samples")),
    )
    op.create_index("ix_qa_samples_campaign_id", "qa_samples", ["campaign_id"])
    op.add_column("reviews", sa.Column("sample_id", sa.BigInteger(), nullable=True))
    op.add_column("reviews", sa.Column("rank", sa.Integer(), server_default="0", nullable=False))
    op.add_column("reviews", sa.Column("n_dome_ptz", sa.Integer(), nullable=True))
    op.add_column("reviews", sa.Column("n_bullet", sa.Integer(), nullable=True))
    op.add_column("reviews", sa.Column("claimed_by", sa.BigInteger(), nullable=True))
    op.add_column("reviews", sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_foreign_key(
        op.f("fk_reviews_sample_id_qa_samples"),
        "reviews",
        "qa_samples",
        ["sample_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.create_foreign_key(
        op.f("fk_reviews_claimed_by_users"),
        "reviews",
        "users",
        ["claimed_by"],
        ["id"],
        ondelete="SET NULL",
    )
    # A task may sit in several samples; one label completes all its rows.
    op.drop_constraint(op.f("uq_reviews_task_id_reviewer_id"), "reviews", type_="unique")
    op.create_unique_constraint(
        op.f("uq_reviews_sample_id_task_id"), "reviews", ["sample_id", "task_id"]
    )
    op.create_index("ix_reviews_task_id", "reviews", ["task_id"])


def downgrade() -> None:
    op.drop_index("ix_reviews_task_id", table_name="reviews")
    op.drop_constraint(op.f("uq_reviews_sample_id_task_id"), "reviews", type_="unique")
    op.create_unique_constraint(
        op.f("uq_reviews_task_id_reviewer_id"), "reviews", ["task_id", "reviewer_id"]
    )
    op.drop_constraint(op.f("fk_reviews_claimed_by_users"), "reviews", type_="foreignkey")
    op.drop_constraint(op.f("fk_reviews_sample_id_qa_samples"), "reviews", type_="foreignkey")
    for column in ("claimed_at", "claimed_by", "n_bullet", "n_dome_ptz", "rank", "sample_id"):
        op.drop_column("reviews", column)
    op.drop_index("ix_qa_samples_campaign_id", table_name="qa_samples")
    op.drop_table("qa_samples")
    op.drop_constraint(op.f("fk_tasks_labelled_by_users"), "tasks", type_="foreignkey")
    op.drop_column("tasks", "labelled_at")
    op.drop_column("tasks", "labelled_by")
    op.drop_index("ix_users_suspended", table_name="users")
    op.drop_index("ix_users_signup_ref", table_name="users")
    op.drop_constraint(op.f("fk_users_suspended_by_users"), "users", type_="foreignkey")
    for column in ("signup_ref", "suspension_reason", "suspended_by", "suspended_at"):
        op.drop_column("users", column)
