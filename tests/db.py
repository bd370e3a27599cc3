"""Throwaway PostGIS databases for tests, on the local cluster or a given server."""

from __future__ import annotations

import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import localdb
from app.settings import Settings


def server_url() -> str:
    """URL of an existing database on the server tests may create databases on."""
    explicit = os.environ.get("DECODERS_TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if explicit:
        return localdb.database_url(Settings(database_url=explicit))
    db = localdb.from_settings(Settings(database_url=None))
    if not localdb.status(db):
        localdb.start(db)
    return db.url


def create_database(name: str) -> str:
    """Create an empty database with PostGIS; return its URL."""
    base = make_url(server_url())
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = base.set(database=name)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    engine.dispose()
    return url.render_as_string(hide_password=False)


def drop_database(name: str) -> None:
    """Drop a test database, disconnecting whoever is still on it."""
    base = make_url(server_url())
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
