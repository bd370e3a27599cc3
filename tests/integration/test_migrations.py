from sqlalchemy import create_engine, inspect, text

from app import migrate
from tests import db as testdb


def test_upgrade_downgrade_upgrade_round_trips() -> None:
    name = "decoders_test_migrations"
    url = testdb.create_database(name)
    try:
        migrate.upgrade(url)
        engine = create_engine(url)
        tables = set(inspect(engine).get_table_names())
        assert {"campaigns", "tasks", "submissions", "tags", "cameras"} <= tables
        migrate.downgrade(url, "base")
        assert "tasks" not in set(inspect(engine).get_table_names())
        migrate.upgrade(url)
        with engine.connect() as conn:
            head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        assert head
        engine.dispose()
    finally:
        testdb.drop_database(name)
