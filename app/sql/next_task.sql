-- Candidate tasks for a decoder, best first (DESIGN §4, issue 3):
-- needs votes (live leases count against them), never one the decoder submitted or skipped,
-- closest to completion first, then priority, then nearest to the decoder's previous task.
-- FOR UPDATE SKIP LOCKED: concurrent workers each take a different row instead of queueing.
SELECT t.id
FROM tasks AS t
JOIN panoramas AS p ON p.id = t.panorama_id
WHERE t.campaign_id = :campaign_id
  AND t.status = 'open'
  AND t.is_tutorial = :tutorial
  AND (NOT :known_only OR t.known_answer IS NOT NULL)
  AND t.id <> ALL(CAST(:exclude AS bigint[]))
  AND (
    :tutorial
    OR t.valid_submissions + (
      SELECT count(*) FROM assignments AS a
      WHERE a.task_id = t.id AND a.status = 'live' AND a.expires_at > now()
    ) < :votes
  )
  AND NOT EXISTS (
    SELECT 1 FROM assignments AS a
    WHERE a.task_id = t.id AND a.user_id = :user_id AND a.status IN ('submitted', 'skipped')
  )
  AND NOT EXISTS (
    SELECT 1 FROM submissions AS s WHERE s.task_id = t.id AND s.user_id = :user_id
  )
ORDER BY t.valid_submissions DESC,
         t.priority DESC,
         CASE WHEN CAST(:prev_lon AS float8) IS NULL THEN 0
              ELSE p.geom <-> ST_SetSRID(ST_MakePoint(:prev_lon, :prev_lat), 4326) END,
         t.id
LIMIT :limit
FOR UPDATE OF t SKIP LOCKED
