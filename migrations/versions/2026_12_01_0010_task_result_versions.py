"""task result versions: a task's panorama or tutorial flag changing changes the campaign's results

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# What is kept per result version reads two columns of tasks: the counts layer and its counts
# reach a task's panorama through panorama_id, and the imagery a campaign's data rests on
# (collection metadata) counts the panoramas of its tasks that are not tutorials. Promoting a
# task to a tutorial changed that count with no new version until a reconciliation followed.
# Only those columns (and rows coming or going) bump it: a task's status, lease and submission
# counters change with every vote and would throw every kept tile away each time; the tags
# layer, which reads them, is never kept (README, Result versions).
def upgrade() -> None:
    op.execute(
        "CREATE CONSTRAINT TRIGGER tasks_result_version "
        "AFTER INSERT OR DELETE OR UPDATE OF panorama_id, is_tutorial ON tasks "
        "DEFERRABLE INITIALLY DEFERRED "
        "FOR EACH ROW EXECUTE FUNCTION bump_result_version()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER tasks_result_version ON tasks")
