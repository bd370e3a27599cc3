-- Cameras per hexagon over a box, for the public density map.
--
-- Hexagons come from ST_HexagonGrid in EPSG:3857 with an edge of `size` Mercator units. The
-- caller sets size = metres / cos(reference latitude), because Mercator stretches ground
-- distances by 1/cos(latitude): cells then have the requested edge at the campaign's latitude,
-- the grid stays put while the map pans (it is aligned on the projection's origin), and it is
-- the very grid the hexagon vector tiles draw. Densities divide by each cell's geodesic area,
-- so they stay exact where the Mercator scale drifts away from the reference latitude.
--
-- Each cell is tested in WGS 84 so the GiST index on cameras.geom does the work; a camera on a
-- shared edge is counted in one cell only (DISTINCT ON).
WITH bounds AS (
    SELECT ST_Transform(ST_MakeEnvelope(:minlon, :minlat, :maxlon, :maxlat, 4326), 3857) AS geom
),
hexes AS (
    SELECT h.i, h.j, ST_Transform(h.geom, 4326) AS geom
    FROM bounds, ST_HexagonGrid(:size, bounds.geom) AS h
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
        count(*) FILTER (WHERE attachment = 'building') AS building,
        count(*) FILTER (WHERE attachment = 'other') AS other,
        count(*) FILTER (WHERE camera_type = 'dome_ptz') AS dome_ptz,
        count(*) FILTER (WHERE camera_type = 'bullet') AS bullet,
        count(*) FILTER (WHERE camera_type = 'unknown') AS unknown_type
    FROM assigned
    GROUP BY i, j
)
SELECT
    n.*,
    ST_Area(x.geom::geography) / 1e6 AS area_km2,
    ST_AsGeoJSON(ST_ForcePolygonCCW(x.geom), 7) AS geometry
FROM counts AS n
JOIN hexes AS x USING (i, j)
ORDER BY n.i, n.j
