"""Complete dumps of a layer as GeoJSON, GeoJSON Text Sequences (RFC 8142) or CSV, streamed.

Rows come through a server-side cursor (`yield_per`), so memory stays flat however large the
layer is; each chunk is a batch of encoded features.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from app.services.publishing.features import csv_plan, csv_record
from app.services.publishing.layers import Layer, Metadata

BATCH = 2000
RS = "\x1e"  # RFC 8142 record separator
MEDIA_TYPES = {
    "geojson": "application/geo+json",
    "geojsonseq": "application/geo+json-seq",
    "csv": "text/csv; charset=utf-8",
}
EXTENSIONS = {"geojson": "geojson", "geojsonseq": "geojsons", "csv": "csv"}
Progress = Callable[[int], None]


# One encoder for every call: json.dumps with options builds a new one each time, which
# costs as much as encoding a small feature.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def dumps(value: Any) -> str:
    """Compact JSON, UTF-8 as is."""
    return _ENCODER.encode(value)


def count(session: Session, *, layer: Layer) -> int:
    """How many features a dump of the layer will hold."""
    query = select(func.count()).select_from(layer.statement.order_by(None).subquery())
    return int(session.scalar(query) or 0)


def batches(bind: Session | Connection, *, layer: Layer) -> Iterator[list[dict[str, Any]]]:
    """The layer's rows in batches, through a server-side cursor."""
    # Core, not ORM, execution: the rows are plain values and the ORM's loading costs as
    # much as the fetch itself.
    connection = bind.connection() if isinstance(bind, Session) else bind
    result = connection.execute(layer.statement.execution_options(yield_per=BATCH))
    try:
        keys = list(result.keys())
        for part in result.partitions():
            # Plain dicts: a row mapping's per-key lookups cost more than building the dict.
            yield [dict(zip(keys, row, strict=True)) for row in part]
    finally:
        # Closes the server-side cursor at once, also when the consumer stops early.
        result.close()


def stream(
    bind: Session | Connection,
    *,
    layer: Layer,
    meta: Metadata,
    fmt: str,
    progress: Progress | None = None,
) -> Iterator[bytes]:
    """The whole layer encoded as `fmt`, chunk by chunk (on a session or an owned connection)."""
    encoders = {"geojson": _geojson, "geojsonseq": _geojsonseq, "csv": _csv}
    rows = batches(bind, layer=layer)
    for chunk, n in encoders[fmt](rows, layer, meta):
        if progress is not None and n:
            progress(n)
        yield chunk.encode()


Chunks = Iterator[tuple[str, int]]


def _geojson(rows: Iterator[list[dict[str, Any]]], layer: Layer, meta: Metadata) -> Chunks:
    head = dumps({"type": "FeatureCollection", **meta.members()})
    yield head[:-1] + ',"features":[\n', 0
    first = True
    for batch in rows:
        # One encoding per batch, brackets dropped: the features of a batch are comma-joined.
        text = dumps([layer.to_feature(row) for row in batch])[1:-1]
        yield ("" if first else ",\n") + text, len(batch)
        first = False
    yield "\n]}\n", 0


def _geojsonseq(rows: Iterator[list[dict[str, Any]]], layer: Layer, meta: Metadata) -> Chunks:
    for batch in rows:
        yield "".join(f"{RS}{dumps(layer.to_feature(row))}\n" for row in batch), len(batch)


def _csv(rows: Iterator[list[dict[str, Any]]], layer: Layer, meta: Metadata) -> Chunks:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(layer.csv_header)
    plan = csv_plan(layer.csv_header)
    for batch in rows:
        writer.writerows(csv_record(layer.to_feature(row), plan) for row in batch)
        yield buffer.getvalue(), len(batch)
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue(), 0
