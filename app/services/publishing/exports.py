"""Complete dumps of a layer as GeoJSON, GeoJSON Text Sequences (RFC 8142) or CSV, streamed.

PostgreSQL encodes every row (properties.py) and sends the dump through COPY ... TO STDOUT,
which costs what the query costs: no row becomes a Python object on its way out. psycopg2's
COPY writes into a file, so it runs in a thread of its own that hands the stream over in
chunks through a short queue; a slow client holds the COPY back rather than filling memory,
and a client that goes away stops it.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Connection, Text, cast, func, literal, select
from sqlalchemy.orm import Session

from app.services.publishing import layers, properties
from app.services.publishing.layers import Layer, Metadata

BATCH = 2000
CHUNK = 256 * 1024  # bytes handed over at a time
RS = "\x1e"  # RFC 8142 record separator
MEDIA_TYPES = {
    "geojson": "application/geo+json",
    "geojsonseq": "application/geo+json-seq",
    "csv": "text/csv; charset=utf-8",
}
EXTENSIONS = {"geojson": "geojson", "geojsonseq": "geojsons", "csv": "csv"}
Progress = Callable[[int], None]
# A feature is one line of JSON (PostgreSQL escapes every control character in it), so a CSV
# COPY with a delimiter and a quote that never occur in it writes each one as it is.
_AS_IS = "FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01'"
_CSV = "FORMAT csv, HEADER true"


# One encoder for every call: json.dumps with options builds a new one each time, which
# costs as much as encoding a small feature.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def dumps(value: Any) -> str:
    """Compact JSON, UTF-8 as is."""
    return _ENCODER.encode(value)


def _connection(bind: Session | Connection) -> Connection:
    return bind.connection() if isinstance(bind, Session) else bind


def count(session: Session, *, layer: Layer) -> int:
    """How many features a dump of the layer will hold."""
    query = select(func.count()).select_from(layer.count_statement.order_by(None).subquery())
    return int(session.scalar(query) or 0)


def batches(bind: Session | Connection, *, layer: Layer) -> Iterator[list[dict[str, Any]]]:
    """The layer's rows (not features) in batches, through a server-side cursor."""
    result = _connection(bind).execute(layer.statement.execution_options(yield_per=BATCH))
    try:
        keys = list(result.keys())
        for part in result.partitions():
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
    connection = _connection(bind)
    statement, options = copy_statement(layer, fmt)
    chunks = _counted(copy_out(connection, statement, options), progress, header=fmt == "csv")
    if fmt != "geojson":
        yield from chunks
        return
    head = dumps({"type": "FeatureCollection", **meta.members()})
    yield (head[:-1] + ',"features":[\n').encode()
    first = True
    for chunk in chunks:
        # Every line starts with a comma; the first one's is dropped.
        yield chunk[1:] if first else chunk
        first = False
    yield b"]}\n"


def copy_statement(layer: Layer, fmt: str) -> tuple[Any, str]:
    """What COPY runs for a dump in `fmt`, and its options (GeoJSON: the features only)."""
    rows = layer.statement.subquery("r")
    if fmt == "csv":
        columns = properties.csv_columns(layer.props, rows)
        return select(*columns).order_by(rows.c[layer.key]), _CSV
    feature = cast(properties.feature(layer.props, rows, layer.key), Text)
    lead = RS if fmt == "geojsonseq" else ","
    return select(literal(lead) + feature).order_by(rows.c[layer.key]), _AS_IS


def _counted(
    chunks: Iterator[tuple[bytes, int]], progress: Progress | None, *, header: bool = False
) -> Iterator[bytes]:
    for data, rows in chunks:
        if progress is not None:
            progress(rows - 1 if header else rows)
            header = False
        yield data


def inline(connection: Connection, statement: Any) -> str:
    """The statement as SQL text with its parameters quoted in (COPY takes no parameters)."""
    return layers.inline(connection, statement)


class _Sink:
    """The file COPY writes into: rows gathered into chunks and put on the queue."""

    def __init__(self, out: queue.Queue[Any], stop: threading.Event) -> None:
        self.out, self.stop = out, stop
        self.parts: list[bytes] = []
        self.size = self.rows = 0

    def write(self, data: bytes | str) -> int:
        if self.stop.is_set():
            # Dropped, not refused: raising here would leave the COPY half read and the
            # connection out of step with the server; the cancel sent ends it soon instead.
            return len(data)
        raw = data.encode() if isinstance(data, str) else data
        self.parts.append(raw)
        self.size += len(raw)
        self.rows += 1
        if self.size >= CHUNK:
            self.flush()
        return len(raw)

    def flush(self) -> None:
        if self.parts:
            self.put((b"".join(self.parts), self.rows))
            self.parts, self.size, self.rows = [], 0, 0

    def put(self, item: Any) -> None:
        while not self.stop.is_set():
            try:
                self.out.put(item, timeout=0.1)
                return
            except queue.Full:
                continue


_DONE = object()


def copy_out(connection: Connection, statement: Any, options: str) -> Iterator[tuple[bytes, int]]:
    """COPY (statement) TO STDOUT WITH (options), as (chunk, rows in it) while it runs."""
    sql = f"COPY ({inline(connection, statement)}) TO STDOUT WITH ({options})"
    raw: Any = connection.connection.dbapi_connection
    cursor = raw.cursor()
    out: queue.Queue[Any] = queue.Queue(maxsize=8)
    stop = threading.Event()
    sink = _Sink(out, stop)

    def run() -> None:
        try:
            cursor.copy_expert(sql, sink, size=CHUNK)
            sink.flush()
            sink.put(_DONE)
        except BaseException as exc:  # handed to the consumer (if still there), raised there
            sink.put(exc)

    worker = threading.Thread(target=run, name="copy-out", daemon=True)
    worker.start()
    done = False
    try:
        while True:
            item = out.get()
            if item is _DONE:
                done = True
                return
            if isinstance(item, BaseException):
                done = True
                raise item
            yield item
    finally:
        if not done:
            stop.set()
            if worker.is_alive():
                raw.cancel()  # the server stops the COPY; what it still sends is dropped
        # A cancelled COPY ends in an error, which leaves the connection in step with the
        # server: its owner closes it and the pool's reset rolls the transaction back.
        worker.join()
        cursor.close()
