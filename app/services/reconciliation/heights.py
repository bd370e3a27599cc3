"""Mounting heights measured on triangulated cameras place the single-panorama ones (§5.3c).

A camera seen from one panorama without a base click lies along its bearing at
(height - eye) / tan(pitch), and the height is a prior per attachment. Once a run has
triangulated enough cameras of an attachment, their measured heights replace that prior
(app.domain.locating.mount_heights); likewise the guess's clamp is measured on the
single-panorama cameras a base click located (app.domain.locating.range_clamp). Every
pitch-prior camera is placed again with them, and the run's stats keep both (`heights`,
`max_range_m`) for the incremental steps that follow.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain.cameras import place_by_pitch
from app.domain.locating import Heights

_PITCH_PRIORS = """
SELECT c.id, ST_Y(p.geom) AS lat, ST_X(p.geom) AS lon, c.bearing, c.pitch, c.attachment,
       c.support
FROM cameras c JOIN tasks t ON t.id = c.task_id JOIN panoramas p ON p.id = t.panorama_id
WHERE c.campaign_id = :c AND c.n_panoramas = 1 AND c.location_method = 'pitch_prior'
  AND c.bearing IS NOT NULL AND c.pitch IS NOT NULL
"""


def replace_pitch_priors(
    session: Session,
    *,
    campaign_id: int,
    heights: Heights,
    spread_deg: float,
    max_range_m: float | None = None,
) -> int:
    """Place every pitch-prior camera of the campaign with these heights and this clamp
    (None: MAX_RANGE_M); return how many.

    The direction is the stored one (already weighted by the decoders' noise); the
    uncertainty takes the campaign's noise per look, a close bound on the weighted one.
    """
    ids: list[int] = []
    lats: list[float] = []
    lons: list[float] = []
    sds: list[float] = []
    for r in session.execute(text(_PITCH_PRIORS), {"c": campaign_id}).mappings():
        lat, lon, sd = place_by_pitch(
            lat=float(r["lat"]),
            lon=float(r["lon"]),
            heading=float(r["bearing"]),
            pitch=float(r["pitch"]),
            attachment=str(r["attachment"]),
            looks=int(r["support"]),
            spread_deg=spread_deg,
            heights=heights,
            max_range_m=max_range_m,
        )
        ids.append(int(r["id"]))
        lats.append(lat)
        lons.append(lon)
        sds.append(sd)
    session.execute(
        text(
            "UPDATE cameras c SET geom = ST_SetSRID(ST_MakePoint(m.lon, m.lat), 4326), "
            "uncertainty_m = m.sd FROM unnest(CAST(:ids AS bigint[]), CAST(:lats AS float8[]), "
            "CAST(:lons AS float8[]), CAST(:sds AS float8[])) AS m(id, lat, lon, sd) "
            "WHERE c.id = m.id"
        ),
        {"ids": ids, "lats": lats, "lons": lons, "sds": sds},
    )
    return len(ids)
