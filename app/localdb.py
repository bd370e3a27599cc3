"""The embedded default database: a project-local PostgreSQL + PostGIS cluster under .data/postgres.

Used when DATABASE_URL is not set. It installs Debian's PostGIS package when it is missing and
we are root, runs the server as the `postgres` user (PostgreSQL refuses to run as root), and is
idempotent: re-runs, a stale pid file and an already-running cluster are all fine.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from app.settings import Settings


class LocalDbError(RuntimeError):
    """The local database cannot be provisioned; the message says what to do."""


@dataclass(frozen=True)
class LocalDb:
    """Paths and port of the project-local cluster."""

    root: Path
    port: int
    name: str

    @property
    def pgdata(self) -> Path:
        return self.root / "postgres"

    @property
    def logfile(self) -> Path:
        return self.root / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{self.name}"


def from_settings(settings: Settings) -> LocalDb:
    """The local cluster the settings describe."""
    return LocalDb(root=settings.data_dir.resolve(), port=settings.db_port, name=settings.db_name)


def _is_root() -> bool:
    return os.geteuid() == 0


def _pg_bindir() -> Path | None:
    """The newest installed server's bin directory (Debian layout), or the PATH's."""
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version_key)
    if dirs:
        return Path(dirs[-1]).parent
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def _version_key(path: str) -> float:
    try:
        return float(Path(path).parent.parent.name)
    except ValueError:
        return 0.0


def _pg_major(bindir: Path) -> str:
    out = subprocess.run(
        [str(bindir / "pg_ctl"), "--version"], capture_output=True, text=True, check=True
    )
    return out.stdout.strip().split()[-1].split(".")[0]


def _postgis_installed(major: str) -> bool:
    return bool(glob.glob(f"/usr/share/postgresql/{major}/extension/postgis.control"))


def ensure_packages() -> Path:
    """Make sure a PostgreSQL server with PostGIS is installed; return its bin directory."""
    bindir = _pg_bindir()
    major = _pg_major(bindir) if bindir else None
    if bindir and major and _postgis_installed(major):
        return bindir
    packages = [f"postgresql-{major}-postgis-3"] if major else ["postgresql", "postgis"]
    if not _is_root() or shutil.which("apt-get") is None:
        raise LocalDbError(
            "PostgreSQL with PostGIS is not installed. Install it (Debian/Ubuntu: "
            f"sudo apt-get install {' '.join(packages)}; macOS: brew install postgis) "
            "or set DATABASE_URL to an existing PostGIS database."
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True, env=env)
    if not major:
        # The generic "postgis" package pulls the distribution's server; name its version now.
        bindir = _pg_bindir()
        if bindir is None:
            raise LocalDbError("apt-get installed PostGIS but no PostgreSQL server was found")
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", f"postgresql-{_pg_major(bindir)}-postgis-3"],
            check=True,
            env=env,
        )
    found = _pg_bindir()
    if found is None:
        raise LocalDbError("no PostgreSQL server found after installing packages")
    return found


def _run_as_owner(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run a server command as `postgres` when we are root (PostgreSQL refuses root)."""
    if _is_root():
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, text=True, capture_output=True, **kwargs)  # type: ignore[call-overload, no-any-return]


def _chown_for_server(db: LocalDb) -> None:
    if not _is_root():
        return
    pg = pwd.getpwnam("postgres")
    for path in (db.root, db.pgdata):
        path.mkdir(parents=True, exist_ok=True)
        os.chown(path, pg.pw_uid, pg.pw_gid)
    db.logfile.touch(exist_ok=True)
    os.chown(db.logfile, pg.pw_uid, pg.pw_gid)
    # The server must be able to traverse every parent of its data directory.
    for parent in db.root.parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            os.chmod(parent, mode | 0o001)


def _initdb(db: LocalDb, bindir: Path) -> None:
    if (db.pgdata / "PG_VERSION").exists():
        return
    _chown_for_server(db)
    result = _run_as_owner(
        [
            str(bindir / "initdb"),
            "-D",
            str(db.pgdata),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ]
    )
    if result.returncode != 0:
        raise LocalDbError(f"initdb failed:\n{result.stdout}\n{result.stderr}")
    # Loopback only, trust auth: this cluster is a developer's and CI's, never a deployment's.
    with (db.pgdata / "postgresql.conf").open("a") as conf:
        conf.write(
            "\n# decoders local cluster\n"
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{db.pgdata}'\n"
            "max_connections = 300\n"
            "shared_buffers = 256MB\n"
            "synchronous_commit = off\n"
        )


def status(db: LocalDb) -> bool:
    """True when the local server is running."""
    bindir = _pg_bindir()
    if bindir is None or not (db.pgdata / "PG_VERSION").exists():
        return False
    result = _run_as_owner([str(bindir / "pg_ctl"), "-D", str(db.pgdata), "status"])
    return result.returncode == 0


def start(db: LocalDb) -> None:
    """Install if needed, initialise, start and create the database with PostGIS; idempotent."""
    bindir = ensure_packages()
    _initdb(db, bindir)
    _chown_for_server(db)
    if not status(db):
        pidfile = db.pgdata / "postmaster.pid"
        if pidfile.exists():
            # pg_ctl status said no server: the pid file is a leftover of a killed server.
            pidfile.unlink()
        result = _run_as_owner(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(db.pgdata),
                "-l",
                str(db.logfile),
                "-o",
                f"-p {db.port}",
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        if result.returncode != 0:
            tail = db.logfile.read_text(errors="replace")[-2000:] if db.logfile.exists() else ""
            raise LocalDbError(f"PostgreSQL did not start:\n{result.stderr}\n{tail}")
    create_database(db, db.name)


def _psql(db: LocalDb, sql: str, *, dbname: str = "postgres") -> str:
    bindir = _pg_bindir()
    psql = str(bindir / "psql") if bindir and (bindir / "psql").exists() else "psql"
    result = subprocess.run(
        [
            psql,
            "-h",
            "127.0.0.1",
            "-p",
            str(db.port),
            "-U",
            "postgres",
            "-d",
            dbname,
            "-v",
            "ON_ERROR_STOP=1",
            "-tA",
            "-c",
            sql,
        ],
        text=True,
        capture_output=True,
    )
    if result.returncode != 0:
        raise LocalDbError(f"psql failed: {result.stderr.strip()}")
    return result.stdout.strip()


def create_database(db: LocalDb, name: str) -> None:
    """Create a database with PostGIS on the local cluster if it does not exist."""
    # pg_ctl -w returned once the server took connections; after a crash (recovery) on a busy
    # machine it may still refuse a moment longer: wait on it, with a deadline, not a count.
    deadline = time.monotonic() + 90
    while True:
        try:
            exists = _psql(db, f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
            break
        except LocalDbError as exc:
            if time.monotonic() > deadline:
                raise LocalDbError(
                    f"the local server on port {db.port} does not answer: {exc}"
                ) from exc
            time.sleep(0.5)
    if exists != "1":
        _psql(db, f'CREATE DATABASE "{name}"')
    _psql(db, "CREATE EXTENSION IF NOT EXISTS postgis", dbname=name)


def stop(db: LocalDb) -> bool:
    """Stop the local server; False when it was not running."""
    bindir = _pg_bindir()
    if bindir is None or not status(db):
        return False
    result = _run_as_owner(
        [str(bindir / "pg_ctl"), "-D", str(db.pgdata), "-m", "fast", "-w", "stop"]
    )
    if result.returncode != 0:
        raise LocalDbError(f"pg_ctl stop failed: {result.stderr}")
    return True


def database_url(settings: Settings) -> str:
    """DATABASE_URL when set (normalised to the psycopg2 driver), else the local cluster's."""
    url = settings.database_url
    if not url:
        return from_settings(settings).url
    return _psycopg2(url)


def replica_url(settings: Settings) -> str | None:
    """DATABASE_REPLICA_URL (normalised like DATABASE_URL), or None when reads stay on it."""
    return _psycopg2(settings.database_replica_url) if settings.database_replica_url else None


def _psycopg2(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url
