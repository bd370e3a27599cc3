"""Confirmed cameras as an OsmChange file (JOSM opens it; the OSM API 0.6 takes it as a diff).

Only cameras every panorama of which allows deriving data for OpenStreetMap go in: imagery
from Mapillary or Panoramax, never Google's (its terms forbid it) and never imagery of
unknown licence. Each camera is a new node with a negative id and the OSM surveillance tags.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from sqlalchemy.orm import Session

from app.models import Campaign
from app.schemas.publishing import Filters
from app.services.publishing import exports, features
from app.services.publishing.layers import layer


@dataclass
class OsmTally:
    """How many confirmed cameras went in, and how many were left out for their imagery."""

    written: int = 0
    not_compatible: int = 0


def osm_change(session: Session, *, campaign: Campaign, tally: OsmTally) -> Iterator[bytes]:
    """The OsmChange document, chunk by chunk; `tally` counts as it goes."""
    cameras = layer(
        session, campaign=campaign, name="cameras", filters=Filters(status="confirmed"), whole=True
    )
    yield b'<?xml version="1.0" encoding="UTF-8"?>\n'
    yield b'<osmChange version="0.6" generator="Decoders">\n<create>\n'
    for batch in exports.batches(session, layer=cameras):
        parts = []
        for row in batch:
            if not row["osm_compatible"]:
                tally.not_compatible += 1
                continue
            tally.written += 1
            parts.append(_node(-tally.written, row["lat"], row["lon"], row))
        yield "".join(parts).encode()
    yield b"</create>\n</osmChange>\n"


def _node(node_id: int, lat: float, lon: float, row: dict[str, object]) -> str:
    tags = features.osm_tags(str(row["attachment"]), str(row["camera_type"]))
    lines = [
        f'  <node id="{node_id}" version="0" lat="{lat:.{features.DECIMALS}f}" '
        f'lon="{lon:.{features.DECIMALS}f}">\n'
    ]
    lines += [f"    <tag k={quoteattr(k)} v={quoteattr(str(v))}/>\n" for k, v in tags.items()]
    lines.append("  </node>\n")
    return "".join(lines)
