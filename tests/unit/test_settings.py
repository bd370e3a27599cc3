from pathlib import Path

import pytest
from pydantic import ValidationError

from app.localdb import database_url
from app.settings import DEFAULT_SECRET, Settings


def test_plain_database_url_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db:5432/x")
    assert Settings().database_url == "postgresql://u:p@db:5432/x"


def test_prefixed_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DECODERS_DB_PORT", "54999")
    monkeypatch.setenv("DECODERS_DATA_DIR", "/tmp/somewhere")
    settings = Settings()
    assert settings.db_port == 54999
    assert settings.data_dir == Path("/tmp/somewhere")


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(env="production", secret_key=DEFAULT_SECRET)


def test_production_refuses_a_short_secret() -> None:
    with pytest.raises(ValidationError, match="32 characters"):
        Settings(env="production", secret_key="short")


def test_production_accepts_a_real_secret() -> None:
    assert Settings(env="production", secret_key="x" * 40).env == "production"


def test_development_allows_the_default_secret() -> None:
    assert Settings(env="development").secret_key.get_secret_value() == DEFAULT_SECRET


def test_database_url_is_normalised_to_psycopg2() -> None:
    settings = Settings(database_url="postgres://u@h/d")
    assert database_url(settings) == "postgresql+psycopg2://u@h/d"


def test_without_database_url_the_local_cluster_is_used() -> None:
    settings = Settings(database_url=None, db_port=55555, db_name="demo")
    assert database_url(settings) == "postgresql+psycopg2://postgres@127.0.0.1:55555/demo"


def test_port_out_of_range_is_rejected() -> None:
    with pytest.raises(ValidationError):
        Settings(db_port=80)
