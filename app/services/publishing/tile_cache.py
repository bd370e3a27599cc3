"""Rendered vector tiles kept by campaign, result version, layer and z/x/y.

A tile changes only when the campaign's results do, and the result version (migration 0007)
changes exactly then, so a kept tile is never stale and nothing needs expiring by time: a
new version simply makes new keys. Tiles are kept in memory (least recently used first out)
and, when a directory is given, on disk, where every worker of the host shares them; the
directories of a campaign's older versions are removed when a newer one is first written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TileKey:
    """What a tile's bytes depend on."""

    campaign_id: int
    version: int
    layer: str
    status: str
    z: int
    x: int
    y: int
    variant: str = ""  # the hexagon grid's reference latitude

    def path(self) -> Path:
        """Where it lies under the cache directory."""
        flavour = "-".join(p for p in (self.layer, self.status, self.variant) if p)
        return Path(str(self.campaign_id), str(self.version), flavour, str(self.z), str(self.x),
                    f"{self.y}.mvt")  # fmt: skip


class TileCache:
    """Tiles by key, in memory up to `max_bytes` and optionally in `directory`."""

    def __init__(self, *, max_bytes: int, directory: Path | None = None) -> None:
        self.max_bytes = max_bytes
        self.directory = directory
        self._tiles: OrderedDict[TileKey, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._versions: dict[int, int] = {}  # the version last written to disk, per campaign
        self.hits = self.misses = 0

    def get(self, key: TileKey) -> bytes | None:
        """The kept tile, if any (b"" for a kept empty tile)."""
        with self._lock:
            data = self._tiles.get(key)
            if data is not None:
                self._tiles.move_to_end(key)
                self.hits += 1
                return data
        if self.directory is not None:
            try:
                data = (self.directory / key.path()).read_bytes()
            except OSError:
                data = None
            if data is not None:
                self._remember(key, data)
                self.hits += 1
                return data
        self.misses += 1
        return None

    def put(self, key: TileKey, data: bytes) -> None:
        """Keep a rendered tile."""
        self._remember(key, data)
        if self.directory is not None:
            self._write(key, data)

    def _remember(self, key: TileKey, data: bytes) -> None:
        if len(data) > self.max_bytes:
            return
        with self._lock:
            if key in self._tiles:
                return
            self._tiles[key] = data
            self._size += len(data) + 64
            while self._size > self.max_bytes and self._tiles:
                _, old = self._tiles.popitem(last=False)
                self._size -= len(old) + 64

    def _write(self, key: TileKey, data: bytes) -> None:
        assert self.directory is not None
        target = self.directory / key.path()
        try:
            if self._versions.get(key.campaign_id) != key.version:
                self._versions[key.campaign_id] = key.version
                self._drop_older(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            # Written aside and renamed: another worker never reads half a tile.
            fd, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, target)
        except OSError:
            pass  # a full or read-only disk costs the cache, never the request

    def _drop_older(self, key: TileKey) -> None:
        assert self.directory is not None
        campaign = self.directory / str(key.campaign_id)
        if campaign.is_dir():
            for version in campaign.iterdir():
                if version.name != str(key.version):
                    shutil.rmtree(version, ignore_errors=True)
