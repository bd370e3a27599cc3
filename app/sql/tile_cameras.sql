-- The `cameras` vector-tile layer: one point per camera.
-- The caller passes the tile's box in WGS 84, widened by the buffer, so the GiST
-- index on cameras.geom picks the candidates; ST_AsMVTGeom projects them into tile space.
WITH tile AS (
    SELECT ST_TileEnvelope(:z, :x, :y) AS env
),
features AS (
    SELECT
        c.id AS fid,  -- the MVT feature id; `id` below stays a property too
        c.id,
        c.attachment,
        c.camera_type,
        c.status,
        round(c.confidence::numeric, 3)::float8 AS confidence,
        round(c.bearing::numeric, 1)::float8 AS bearing,
        ST_AsMVTGeom(ST_Transform(c.geom, 3857), tile.env, :extent, :buffer, true) AS geom
    FROM cameras AS c, tile
    WHERE c.campaign_id = :campaign_id
      AND c.status = ANY(:statuses)
      AND c.geom && ST_MakeEnvelope(:minlon, :minlat, :maxlon, :maxlat, 4326)
)
SELECT ST_AsMVT(features, 'cameras', :extent, 'geom', 'fid')
FROM features
WHERE geom IS NOT NULL
