"""Real PostGIS for every test: one database per run, migrated by Alembic; each test rolls back."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app import migrate
from app.api.deps import get_read_session, get_session, get_session_opener, get_stream_opener
from app.main import create_app
from app.settings import Settings, get_settings
from tests import db as testdb
from tests.live import live_server

# One database per pytest process, so parallel runs on one machine never collide.
TEST_DB = f"decoders_test_{os.getpid()}"


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    url = testdb.create_database(TEST_DB)
    migrate.upgrade(url)
    yield url
    testdb.drop_database(TEST_DB)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url, pool_size=5, max_overflow=20)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test."""
    connection = engine.connect()
    transaction = connection.begin()
    # The result-version trigger (migration 0007) runs at COMMIT, which a rolled-back test
    # never reaches: run it at the end of each statement instead, so caches keyed by the
    # version see every change a test makes.
    connection.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        env="test",
        database_url=database_url,
        media_dir=tmp_path_factory.mktemp("media"),
        cookie_secure=False,
        reconcile_worker=False,
        # Rate-limit buckets are committed outside the test transaction and shared by the
        # whole run (one "testclient" address), so the suite must never reach these.
        anonymous_reads_per_minute=1_000_000,
        anonymous_map_per_minute=1_000_000,
        register_per_address=1_000_000,
        # Tests read progress and density right after changing the data.
        public_cache_seconds=0,
    )


@pytest.fixture
def settings_media(settings: Settings) -> Path:
    """The media directory the test app serves under /media."""
    return settings.media_root


@pytest.fixture
def app(settings: Settings, session: Session) -> FastAPI:
    """The app with every request joined to the test's rolled-back transaction."""
    application = create_app(settings)

    def _session() -> Iterator[Session]:
        # Each request is a savepoint: an error undoes that request only, as a real request's
        # rollback would, and the test's own data stays; the outer transaction rolls back last.
        request = session.begin_nested()
        try:
            yield session
            request.commit()
        except BaseException as exc:
            # As session_scope does: an error may report a change that must stand.
            if getattr(exc, "keep_changes", False):
                request.commit()
            else:
                request.rollback()
            raise

    application.dependency_overrides[get_session] = _session
    # The decoding loop opens its transaction itself (deps.DecoderUnit): the same savepoint.
    application.dependency_overrides[get_session_opener] = lambda: contextmanager(_session)
    application.dependency_overrides[get_read_session] = _session
    # Downloads read the test's transaction too; "closing" the borrowed connection is a no-op.
    application.dependency_overrides[get_stream_opener] = lambda: (
        lambda: _Borrowed(session.connection())
    )
    return application


class _Borrowed:
    """The test's connection, lent to a stream that will try to close it when done."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def __getattr__(self, name: str) -> object:
        return getattr(self._connection, name)

    def close(self) -> None:
        pass


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def live_database_url() -> Iterator[str]:
    """A migrated database whose writes are committed, for tests that use a live server.

    Tests on it must not depend on being alone: use unique slugs and e-mails.
    """
    name = f"decoders_test_{os.getpid()}_live"
    url = testdb.create_database(name)
    migrate.upgrade(url)
    yield url
    testdb.drop_database(name)


@pytest.fixture(scope="session")
def live_media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("live-media")


@pytest.fixture(scope="session")
def live_url(live_database_url: str, live_media_dir: Path) -> Iterator[str]:
    """Base URL of one uvicorn worker serving the live database."""
    generous = {
        "DECODERS_ANONYMOUS_READS_PER_MINUTE": "1000000",
        "DECODERS_ANONYMOUS_MAP_PER_MINUTE": "1000000",
        "DECODERS_PUBLIC_CACHE_SECONDS": "0",
    }
    with live_server(live_database_url, media_dir=live_media_dir, env=generous) as base:
        yield base


@pytest.fixture
def cli_runner(live_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A CLI runner whose commands use the live (committed) test database."""
    monkeypatch.setenv("DATABASE_URL", live_database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()
