-- The next tutorial or hidden known-answer task (DESIGN §4): these are few (ix_tasks_known_open),
-- so they are simply sorted: fullest first, then priority, then nearest to the previous lease.
-- One row, FOR UPDATE SKIP LOCKED; tutorial tasks take any number of decoders.
SELECT t.id
FROM tasks AS t
WHERE t.campaign_id = :campaign_id AND t.status = 'open' AND t.known_answer IS NOT NULL
  AND t.is_tutorial = :tutorial
  AND (:tutorial OR t.valid_submissions + t.leased < :votes)
  AND NOT EXISTS (
    SELECT 1 FROM assignments AS a
    WHERE a.user_id = :user_id AND a.task_id = t.id AND a.status IN ('submitted', 'skipped'))
  AND NOT EXISTS (
    SELECT 1 FROM submissions AS s
    WHERE s.user_id = :user_id AND s.campaign_id = :campaign_id AND s.task_id = t.id)
  AND (CAST(:sibling_ref AS text) IS NULL OR NOT EXISTS (
    SELECT 1 FROM assignments AS a JOIN users AS u ON u.id = a.user_id
    WHERE a.task_id = t.id AND u.signup_ref = :sibling_ref AND a.user_id <> :user_id
      AND a.created_at > now() - make_interval(mins => :sibling_minutes)))
ORDER BY t.valid_submissions DESC,
         t.priority DESC,
         CASE WHEN CAST(:lon AS float8) IS NULL THEN 0
              ELSE t.pos <-> point(:lon, :lat) END,
         t.id
LIMIT 1
FOR NO KEY UPDATE OF t SKIP LOCKED
