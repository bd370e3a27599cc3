"""Health check against the database."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.errors import DatabaseUnavailable
from app.schemas.common import Health


def check(session: Session) -> Health:
    """Ask the database for its PostGIS version and the applied migration."""
    try:
        postgis = session.execute(text("SELECT postgis_lib_version()")).scalar_one()
        revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable("The database is not reachable or not migrated.") from exc
    return Health(status="ok", database="ok", postgis=str(postgis), migration=revision)
