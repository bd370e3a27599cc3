"""Tasks from locations and panoramas: the merge rule of DESIGN §4."""

from __future__ import annotations

from geoalchemy2 import Geography
from sqlalchemy import cast, func, select
from sqlalchemy.orm import Session

from app.models import Location

# Locations closer than this are the same street corner seen from one panorama (issue 3).
MERGE_RADIUS_M = 5.0
# 2e-4 degrees is at least 22 m of latitude and, below 75° latitude, 5.7 m of longitude.
_BOX_DEG = 2e-4


def task_near(session: Session, *, campaign_id: int, lon: float, lat: float) -> int | None:
    """The task of an existing location within MERGE_RADIUS_M of (lon, lat), if any."""
    point = cast(func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326), Geography)
    query = (
        select(Location.task_id)
        .where(
            Location.campaign_id == campaign_id,
            Location.task_id.is_not(None),
            # A small box lets the GiST index answer first; geography alone can't use it.
            Location.geom.intersects(
                func.ST_Expand(func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326), _BOX_DEG)
            ),
            func.ST_DWithin(cast(Location.geom, Geography), point, MERGE_RADIUS_M),
        )
        .order_by(func.ST_Distance(cast(Location.geom, Geography), point))
        .limit(1)
    )
    return session.scalar(query)
