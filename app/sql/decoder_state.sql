-- What a lease request needs to know about the decoder (issue 14), in one round trip, each part
-- an index range of their own history: tasks done in the campaign (ix_submissions_user_campaign_task),
-- tutorial tasks done (the campaign's few tutorial tasks, ix_tasks_tutorial, each probed), and
-- the position of their latest lease in any campaign (ix_assignments_user_created).
SELECT c.done, c.tutorials, prev.pos[0] AS lon, prev.pos[1] AS lat
FROM (
  SELECT
    (SELECT count(*) FROM submissions AS s
     WHERE s.user_id = :user_id AND s.campaign_id = :campaign_id) AS done,
    (SELECT count(*) FROM tasks AS t
     WHERE t.campaign_id = :campaign_id AND t.is_tutorial
       AND EXISTS (
         SELECT 1 FROM submissions AS s
         WHERE s.user_id = :user_id AND s.campaign_id = :campaign_id AND s.task_id = t.id)
    ) AS tutorials
) AS c
LEFT JOIN LATERAL (
  SELECT t.pos
  FROM assignments AS a
  JOIN tasks AS t ON t.id = a.task_id
  WHERE a.user_id = :user_id
  ORDER BY a.created_at DESC, a.id DESC
  LIMIT 1
) AS prev ON true
