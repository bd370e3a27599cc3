-- Candidate tasks for a decoder, best first (DESIGN §4, issue 3):
-- needs votes (live leases count against them), never one the decoder submitted or skipped,
-- closest to completion first, then priority, then nearest to the decoder's previous task.
-- FOR UPDATE SKIP LOCKED: concurrent workers each take a different row instead of queueing.
-- Live leases and the decoder's own history are aggregated once and hash-joined: a per-row
-- subquery costs one index probe per open task, which dominated at 45k tasks.
WITH live AS (
  SELECT a.task_id, count(*) AS n
  FROM assignments AS a
  WHERE a.campaign_id = :campaign_id AND a.status = 'live' AND a.expires_at > now()
  GROUP BY a.task_id
), mine AS (
  SELECT a.task_id FROM assignments AS a
  WHERE a.user_id = :user_id AND a.campaign_id = :campaign_id
    AND a.status IN ('submitted', 'skipped')
  UNION
  SELECT s.task_id FROM submissions AS s
  WHERE s.user_id = :user_id AND s.campaign_id = :campaign_id
)
SELECT t.id
FROM tasks AS t
JOIN panoramas AS p ON p.id = t.panorama_id
LEFT JOIN live ON live.task_id = t.id
WHERE t.campaign_id = :campaign_id
  AND t.status = 'open'
  AND t.is_tutorial = :tutorial
  AND (NOT :known_only OR t.known_answer IS NOT NULL)
  AND t.id <> ALL(CAST(:exclude AS bigint[]))
  AND (:tutorial OR t.valid_submissions + coalesce(live.n, 0) < :votes)
  AND t.id NOT IN (SELECT task_id FROM mine)
ORDER BY t.valid_submissions DESC,
         t.priority DESC,
         CASE WHEN CAST(:prev_lon AS float8) IS NULL THEN 0
              ELSE p.geom <-> ST_SetSRID(ST_MakePoint(:prev_lon, :prev_lat), 4326) END,
         t.id
LIMIT :limit
FOR UPDATE OF t SKIP LOCKED
