-- The `hexagons` vector-tile layer: cameras per hexagon, on the grid of density_hexagons.sql
-- (same size rule, same origin), so tiles and the GeoJSON density agree cell for cell.
-- Cells crossing the tile's edge are counted whole and clipped by ST_AsMVTGeom.
WITH tile AS (
    SELECT ST_TileEnvelope(:z, :x, :y) AS env
),
hexes AS (
    SELECT h.i, h.j, h.geom AS mercator, ST_Transform(h.geom, 4326) AS geom
    FROM tile, ST_HexagonGrid(:size, tile.env) AS h
),
assigned AS (
    SELECT DISTINCT ON (c.id) x.i, x.j, c.attachment, c.camera_type
    FROM hexes AS x
    JOIN cameras AS c ON ST_Intersects(x.geom, c.geom)
    WHERE c.campaign_id = :campaign_id AND c.status = ANY(:statuses)
    ORDER BY c.id, x.i, x.j
),
counts AS (
    SELECT
        i,
        j,
        count(*) AS cameras,
        count(*) FILTER (WHERE attachment = 'street_furniture') AS street_furniture,
        count(*) FILTER (WHERE camera_type = 'dome_ptz') AS dome_ptz
    FROM assigned
    GROUP BY i, j
),
features AS (
    SELECT
        n.cameras,
        n.street_furniture,
        n.dome_ptz,
        round((n.cameras / (ST_Area(x.geom::geography) / 1e6))::numeric, 3)::float8 AS per_km2,
        ST_AsMVTGeom(x.mercator, tile.env, :extent, :buffer, true) AS geom
    FROM counts AS n
    JOIN hexes AS x USING (i, j), tile
)
SELECT ST_AsMVT(features, 'hexagons', :extent, 'geom')
FROM features
WHERE geom IS NOT NULL
