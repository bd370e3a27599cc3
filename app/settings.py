"""Configuration: one Settings object read from the environment (prefix DECODERS_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The development default must never reach production: tokens and CSRF secrets derive from it.
DEFAULT_SECRET = "insecure-development-secret-change-me"


class Settings(BaseSettings):
    """Every knob of the platform, from DECODERS_* variables (DATABASE_URL is honoured too)."""

    model_config = SettingsConfigDict(env_prefix="DECODERS_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DECODERS_DATABASE_URL", "DATABASE_URL")
    )
    # Optional read replica (a streaming standby): researcher, OGC, tile and density reads and
    # downloads go there; everything that writes stays on DATABASE_URL.
    database_replica_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DECODERS_DATABASE_REPLICA_URL", "DATABASE_REPLICA_URL"),
    )
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    data_dir: Path = Path(".data")
    db_port: int = Field(default=55432, ge=1024, le=65535)
    db_name: str = "decoders"
    media_dir: Path | None = None
    public_base_url: str = "http://127.0.0.1:8000"
    cookie_secure: bool = True
    login_per_account: int = Field(default=10, ge=1)
    login_per_address: int = Field(default=50, ge=1)
    session_days: int = Field(default=30, ge=1, le=365)
    cors_origins: list[str] = ["*"]
    google_maps_key: str | None = None
    mapillary_token: str | None = None
    # Street imagery APIs (issue 11); a test or a private mirror may stand in for either.
    mapillary_api_url: str = "https://graph.mapillary.com"
    panoramax_url: str = "https://api.panoramax.xyz/api"  # an instance's or the meta-catalogue's
    imagery_timeout_seconds: float = Field(default=20.0, gt=0)
    imagery_retries: int = Field(default=4, ge=0, le=10)
    # A Retry-After longer than this is cut to it (and counts as a retry), so a run never hangs.
    imagery_max_wait_seconds: float = Field(default=60.0, ge=0)
    basemap_style_url: str | None = None
    licence: str = "ODbL-1.0"
    # Researcher/public reads (issue 5), requests per minute: anonymous callers per address on
    # the data API and OGC, on the public map (density, tiles: a map view pulls dozens of
    # tiles), and the default for new API keys.
    anonymous_reads_per_minute: int = Field(default=120, ge=1)
    anonymous_map_per_minute: int = Field(default=1200, ge=1)
    api_key_per_minute: int = Field(default=600, ge=1)
    # Reads are counted in each worker and written to PostgreSQL this often, in one statement.
    rate_limit_flush_seconds: float = Field(default=1.0, gt=0)
    # Rendered vector tiles are kept per result version: in memory (this many MiB per worker)
    # and, when set, in this directory, shared by the workers of one host.
    tile_cache_mib: int = Field(default=64, ge=0)
    tile_cache_dir: Path | None = None
    # Server-side bounds on every request session (milliseconds; 0 turns one off): a runaway
    # query, or a session left idle inside a transaction, is ended by PostgreSQL itself.
    db_statement_timeout_ms: int = Field(default=30_000, ge=0)
    db_idle_in_transaction_timeout_ms: int = Field(default=30_000, ge=0)
    # Streamed downloads (CSV, GeoJSONSeq, whole GeoJSON) each hold a connection for their whole
    # lifetime, from a pool of their own so slow clients cannot starve decoding: this many per
    # worker process, waiting this long for one (then 503 downloads_busy), and a stream whose
    # client reads nothing for this long is ended by the server.
    export_connections: int = Field(default=4, ge=1)
    export_wait_seconds: float = Field(default=2.0, gt=0)
    export_idle_timeout_s: int = Field(default=300, ge=1)
    # Registrations per client address per hour (argon2 costs 64 MiB and tens of ms each).
    register_per_address: int = Field(default=20, ge=1)
    # Sybil guard (issue 10.4): a fresh account is steered away from tasks that an account
    # registered from the same client address leased this many minutes back: those come
    # after every other task left for it, never instead of nothing, so accounts sharing one
    # address (behind a proxy that does not pass the client's) are not starved. 0: off.
    sibling_guard_minutes: int = Field(default=60, ge=0, le=10_080)
    # Public aggregates (progress, density) are cached per worker for this long (0: never).
    public_cache_seconds: float = Field(default=10.0, ge=0)
    # Threads serving the synchronous endpoints of one worker process (AnyIO's default is 40).
    # The request pool holds as many connections and never opens more (downloads and the
    # reconciliation worker have pools of their own), and at most this many requests run at
    # once (the rest queue in the event loop), so no request ever waits for a connection and
    # none is opened per request.
    threads: int = Field(default=40, ge=1, le=1000)
    # Leases, answers and skips of one worker run at most this many at once (each is a few
    # milliseconds of database work); the rest wait their turn in order. With every thread in
    # the database at once, PostgreSQL spends much more per request than with a few: on this
    # 2-core machine 4 per worker gave the most pairs per second (bench/assignment.py). About
    # 4 x the database's cores / the workers of all app servers.
    decoding_concurrency: int = Field(default=4, ge=1, le=1000)
    reconcile_worker: bool = True
    # The worker polls the queue this often when idle, and re-runs cross-task matching and
    # reliability for campaigns with new results this often (0 turns periodic runs off).
    reconcile_poll_seconds: float = Field(default=2.0, gt=0)
    reconcile_campaign_every_seconds: float = Field(default=300.0, ge=0)

    @model_validator(mode="after")
    def _secret_must_be_set_outside_development(self) -> Settings:
        if self.env == "production" and self.secret_key.get_secret_value() == DEFAULT_SECRET:
            raise ValueError("DECODERS_SECRET_KEY must be set to a private value in production")
        if self.env == "production" and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("DECODERS_SECRET_KEY must be at least 32 characters in production")
        return self

    @property
    def media_root(self) -> Path:
        """Where panorama images and other served files live."""
        return self.media_dir or self.data_dir / "media"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
