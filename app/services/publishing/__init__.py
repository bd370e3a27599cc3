"""Publishing: researcher layers and exports, OGC API - Features, density and vector tiles."""

from app.services.publishing import density, exports, ogc, osm, tiles
from app.services.publishing.exports import dumps
from app.services.publishing.layers import (
    WHOLE_ABOVE,
    Metadata,
    Published,
    layer,
    metadata,
    published_campaign,
    published_page,
    quality_block,
)
from app.services.publishing.ogc_openapi import OGC_DEFAULT_LIMIT, OPENAPI_MEDIA_TYPE, document

__all__ = [
    "OGC_DEFAULT_LIMIT",
    "OPENAPI_MEDIA_TYPE",
    "WHOLE_ABOVE",
    "Metadata",
    "Published",
    "density",
    "document",
    "dumps",
    "exports",
    "layer",
    "metadata",
    "ogc",
    "osm",
    "published_campaign",
    "published_page",
    "quality_block",
    "tiles",
]
