"""assignment pool: live-lease counter and position on the task row, tier and KNN indexes

Revision ID: 0006
Revises: 0005_imagery
Create Date: 2026-11-28 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005_imagery"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# tasks.leased counts the task's assignments in status 'live'. A trigger keeps it in the same
# transaction as every status change (lease, expiry, skip, submit, exclude, close, a cascade),
# so "room left" is a column of the locked task row: the candidate query needs no aggregate
# over assignments, and FOR UPDATE re-checks room on the latest row version.
_LEASE_COUNTER = """
CREATE FUNCTION tasks_count_leases() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status = NEW.status AND OLD.task_id = NEW.task_id THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'live' THEN
    UPDATE tasks SET leased = leased - 1 WHERE id = OLD.task_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'live' THEN
    UPDATE tasks SET leased = leased + 1 WHERE id = NEW.task_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER assignments_count_leases
AFTER INSERT OR DELETE OR UPDATE OF status, task_id ON assignments
FOR EACH ROW EXECUTE FUNCTION tasks_count_leases();
"""

# tasks.pos copies the panorama's position so that one GiST index on tasks can filter a tier
# and order it by distance (KNN); every path that creates tasks (COPY imports included) or
# moves a panorama keeps it in step. A native `point`, not a PostGIS geometry: KNN on
# geometry is lossy (float4 boxes) and its re-ordered tuples cannot be row-locked (PostgreSQL
# 15 + PostGIS 3.3 answer "attempted to lock invisible tuple"); point distances are exact.
_POSITION_COPY = """
CREATE FUNCTION tasks_copy_position() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.pos := (SELECT point(ST_X(p.geom), ST_Y(p.geom)) FROM panoramas p
              WHERE p.id = NEW.panorama_id);
  RETURN NEW;
END $$;
CREATE TRIGGER tasks_copy_position
BEFORE INSERT OR UPDATE OF panorama_id ON tasks
FOR EACH ROW EXECUTE FUNCTION tasks_copy_position();
CREATE FUNCTION panoramas_move_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE tasks SET pos = point(ST_X(NEW.geom), ST_Y(NEW.geom)) WHERE panorama_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER panoramas_move_tasks
AFTER UPDATE OF geom ON panoramas
FOR EACH ROW WHEN (OLD.geom IS DISTINCT FROM NEW.geom)
EXECUTE FUNCTION panoramas_move_tasks();
"""


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.add_column("tasks", sa.Column("leased", sa.Integer(), server_default="0", nullable=False))
    op.create_check_constraint(op.f("ck_tasks_leased_nonnegative"), "tasks", "leased >= 0")
    op.execute("ALTER TABLE tasks ADD COLUMN pos point")
    op.execute(
        "UPDATE tasks t SET leased = l.n FROM (SELECT task_id, count(*) AS n FROM assignments "
        "WHERE status = 'live' GROUP BY task_id) l WHERE l.task_id = t.id"
    )
    op.execute(
        "UPDATE tasks t SET pos = point(ST_X(p.geom), ST_Y(p.geom)) "
        "FROM panoramas p WHERE p.id = t.panorama_id"
    )
    op.execute(_LEASE_COUNTER)
    op.execute(_POSITION_COPY)
    # Tiers (votes, priority) are walked fullest first with a skip scan; id orders a tier when
    # the decoder has no previous position.
    op.drop_index("ix_tasks_pool", table_name="tasks")
    op.create_index(
        "ix_tasks_pool",
        "tasks",
        ["campaign_id", "status", "is_tutorial", "valid_submissions", "priority", "id"],
    )
    # Within a tier, the nearest open task by KNN; btree_gist lets the equality columns share
    # the GiST index with the position.
    op.create_index(
        "ix_tasks_open_nearest",
        "tasks",
        ["campaign_id", "valid_submissions", "priority", "pos"],
        postgresql_using="gist",
        postgresql_where=sa.text("status = 'open' AND NOT is_tutorial"),
    )
    # Tutorial and hidden known-answer tasks are few: walk only them.
    op.create_index(
        "ix_tasks_known_open",
        "tasks",
        ["campaign_id", "is_tutorial"],
        postgresql_where=sa.text("status = 'open' AND known_answer IS NOT NULL"),
    )
    # Tutorial tasks done by a decoder are counted from the campaign's few tutorial tasks.
    op.create_index(
        "ix_tasks_tutorial", "tasks", ["campaign_id"], postgresql_where=sa.text("is_tutorial")
    )
    # The decoder's own history: the previous position and the "never twice" probes.
    op.create_index("ix_assignments_user_created", "assignments", ["user_id", "created_at", "id"])
    op.drop_index("ix_submissions_user_id", table_name="submissions")
    op.create_index(
        "ix_submissions_user_campaign_task", "submissions", ["user_id", "campaign_id", "task_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_submissions_user_campaign_task", table_name="submissions")
    op.create_index("ix_submissions_user_id", "submissions", ["user_id"])
    op.drop_index("ix_assignments_user_created", table_name="assignments")
    op.drop_index("ix_tasks_tutorial", table_name="tasks")
    op.drop_index("ix_tasks_known_open", table_name="tasks")
    op.drop_index("ix_tasks_open_nearest", table_name="tasks")
    op.drop_index("ix_tasks_pool", table_name="tasks")
    op.create_index(
        "ix_tasks_pool",
        "tasks",
        ["campaign_id", "status", "is_tutorial", "valid_submissions", "priority"],
    )
    op.execute("DROP TRIGGER panoramas_move_tasks ON panoramas")
    op.execute("DROP FUNCTION panoramas_move_tasks()")
    op.execute("DROP TRIGGER tasks_copy_position ON tasks")
    op.execute("DROP FUNCTION tasks_copy_position()")
    op.execute("DROP TRIGGER assignments_count_leases ON assignments")
    op.execute("DROP FUNCTION tasks_count_leases()")
    op.drop_column("tasks", "pos")
    op.drop_constraint(op.f("ck_tasks_leased_nonnegative"), "tasks", type_="check")
    op.drop_column("tasks", "leased")
