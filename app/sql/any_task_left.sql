-- A lease past its expiry that could not be reclaimed yet because its task row was locked
-- (issue 14): it frees a slot in a moment, so "nothing left" would be premature.
SELECT EXISTS (
  SELECT 1
  FROM assignments AS a
  JOIN tasks AS t ON t.id = a.task_id
  WHERE a.campaign_id = :campaign_id AND a.status = 'live' AND a.expires_at <= now()
    AND t.status = 'open' AND t.is_tutorial = :tutorial AND a.user_id <> :user_id
)
