"""result versions: one token per campaign, changed whenever its published results change

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables whose rows the published layers, their metadata and the tiles are made of.
TABLES = ("cameras", "task_counts", "reconcile_runs", "panoramas", "areas")

# A deferred constraint trigger runs at COMMIT, so the campaign's version row is locked only
# while the writing transaction commits: reconciliations of one campaign never wait for each
# other on it, and no reader can cache a tile under the new version before the rows it
# describes are visible. The version is random rather than a counter, so a cache that outlives
# its database (a disk cache, a browser's ETag) never takes a new database's campaign for an
# old one with the same id. One bump per campaign per statement (the COMMIT is one statement,
# however many rows it touched); SET CONSTRAINTS ALL IMMEDIATE (the tests) bumps per statement.
_BUMP = """
CREATE FUNCTION bump_result_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  cid bigint;
  mark text := statement_timestamp()::text;
BEGIN
  IF TG_OP = 'DELETE' THEN cid := OLD.campaign_id; ELSE cid := NEW.campaign_id; END IF;
  IF current_setting('decoders.version_bumped_' || cid, true) = mark THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('decoders.version_bumped_' || cid, mark, true);
  -- A campaign being deleted takes its rows along: nothing to version then.
  INSERT INTO result_versions AS v (campaign_id, version)
  SELECT c.id, (random() * 9e15)::bigint FROM campaigns AS c WHERE c.id = cid
  ON CONFLICT (campaign_id)
  DO UPDATE SET version = (random() * 9e15)::bigint, changed_at = now();
  RETURN NULL;
END $$;
"""


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE result_versions (
            campaign_id bigint NOT NULL,
            version bigint NOT NULL,
            changed_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_result_versions PRIMARY KEY (campaign_id),
            CONSTRAINT fk_result_versions_campaign_id_campaigns FOREIGN KEY (campaign_id)
                REFERENCES campaigns (id) ON DELETE CASCADE
        )
        """
    )
    op.execute(_BUMP)
    for table in TABLES:
        op.execute(
            f"CREATE CONSTRAINT TRIGGER {table}_result_version "
            f"AFTER INSERT OR UPDATE OR DELETE ON {table} DEFERRABLE INITIALLY DEFERRED "
            "FOR EACH ROW EXECUTE FUNCTION bump_result_version()"
        )
    op.execute(
        "INSERT INTO result_versions (campaign_id, version) "
        "SELECT id, (random() * 9e15)::bigint FROM campaigns"
    )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_result_version ON {table}")
    op.execute("DROP FUNCTION bump_result_version()")
    op.execute("DROP TABLE result_versions")
