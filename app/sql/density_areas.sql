-- Per area: cameras and their density, and what the area's surveyed locations saw.
--
-- A location is surveyed when its task has counts. share_with_camera counts surveyed locations
-- whose median count is at least one; coverage those within reach_m (120 m, the radius of
-- Amnesty's published analysis) of a confirmed street-furniture camera. The distance is
-- measured on the sphere (within 0.5 % of the spheroid at 120 m, and several times faster);
-- the box test before it (generous: 110 km per degree) lets the GiST index of cameras.geom
-- pick the candidates.
WITH chosen AS (
    SELECT a.id, a.name, a.kind, a.geom
    FROM areas AS a
    WHERE a.campaign_id = :campaign_id
      AND (CAST(:kind AS text) IS NULL OR a.kind = CAST(:kind AS text))
      AND (CAST(:area_id AS bigint) IS NULL OR a.id = CAST(:area_id AS bigint))
      AND (
          CAST(:bbox AS text) IS NULL
          OR ST_Intersects(a.geom, ST_GeomFromText(CAST(:bbox AS text), 4326))
      )
    ORDER BY a.id
    LIMIT :limit OFFSET :offset
),
surveyed AS (
    SELECT l.geom, tc.median_all
    FROM locations AS l
    JOIN task_counts AS tc ON tc.task_id = l.task_id
    WHERE l.campaign_id = :campaign_id
)
SELECT
    a.id,
    a.name,
    a.kind,
    ST_Area(a.geom::geography) / 1e6 AS area_km2,
    (
        SELECT count(*)
        FROM cameras AS c
        WHERE c.campaign_id = :campaign_id
          AND c.status = ANY(:statuses)
          AND ST_Intersects(a.geom, c.geom)
    ) AS cameras,
    s.locations,
    s.with_camera,
    s.covered,
    ST_AsGeoJSON(
        ST_ForcePolygonCCW(
            CASE WHEN :tolerance > 0
                THEN ST_SimplifyPreserveTopology(a.geom, :tolerance)
                ELSE a.geom
            END
        ),
        7
    ) AS geometry
FROM chosen AS a
CROSS JOIN LATERAL (
    SELECT
        count(*) AS locations,
        count(*) FILTER (WHERE l.median_all >= 1) AS with_camera,
        count(*) FILTER (
            WHERE EXISTS (
                SELECT 1
                FROM cameras AS c
                WHERE c.campaign_id = :campaign_id
                  AND c.status = 'confirmed'
                  AND c.attachment = 'street_furniture'
                  AND c.geom && ST_Expand(
                      l.geom,
                      :reach_m / (110000.0 * greatest(cos(radians(ST_Y(l.geom))), 0.01)),
                      :reach_m / 110000.0
                  )
                  AND ST_DWithin(c.geom::geography, l.geom::geography, :reach_m, false)
            )
        ) AS covered
    FROM surveyed AS l
    WHERE ST_Intersects(a.geom, l.geom)
) AS s
ORDER BY a.id
