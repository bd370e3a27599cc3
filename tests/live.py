"""A real server for tests that need HTTP from outside the process (ogrinfo, Chromium, load)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """An unused loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server(
    database_url: str, *, media_dir: Path, workers: int = 1, env: dict[str, str] | None = None
) -> Iterator[str]:
    """Run `uvicorn app.main:app` on a free port against `database_url`; yield its base URL."""
    port = free_port()
    environ = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DECODERS_ENV": "test",
        "DECODERS_MEDIA_DIR": str(media_dir),
        "DECODERS_COOKIE_SECURE": "false",
        "DECODERS_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        # Tests that seed cameras directly must not see a background worker re-rate them.
        "DECODERS_RECONCILE_WORKER": "false",
        # Load tests register hundreds of decoders from one address and poll progress.
        "DECODERS_REGISTER_PER_ADDRESS": "1000000",
        "DECODERS_ANONYMOUS_MAP_PER_MINUTE": "1000000",
        "DECODERS_PUBLIC_CACHE_SECONDS": "0",
        **(env or {}),
    }
    cmd = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--workers", str(workers)]
    # uvicorn's supervisor kills a worker that misses a 5 s health ping, dropping every
    # connection it holds. On a machine shared at load 10+ that is the likely cause of a
    # "Server disconnected" seen once in the hundred-decoder test; tests give it longer.
    cmd += ["--timeout-worker-healthcheck", "60"]
    cmd += ["--log-level", os.environ.get("DECODERS_TEST_SERVER_LOG", "warning")]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=environ)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, proc)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not become ready in 60 s")
