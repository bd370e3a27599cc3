-- The next pool task for a decoder (DESIGN §4, issue 14): one row, locked with SKIP LOCKED.
-- The tiers of open tasks (votes already in, then priority) are walked fullest first by a skip
-- scan of ix_tasks_pool, one index probe per tier. Within a tier, `near` takes the candidates
-- nearest to the decoder's latest lease from a KNN scan of ix_tasks_open_nearest (without a
-- previous lease, the services order by id from ix_tasks_pool instead), and the outer query
-- locks the first of them that nobody holds. Each LATERAL runs for one tier at a time and the
-- outer LIMIT stops at the first hit, so at most one row is locked and the cost grows with
-- neither the campaign nor the decoder's history: the "never twice" checks are index probes
-- on the few candidates visited.
-- Why two levels: with FOR UPDATE on the KNN scan itself the planner sorts the whole tier
-- (it cannot count on LIMIT when locked rows may be skipped). Room is read from the row
-- (leased = live leases) and re-checked on its latest version once locked. NO KEY UPDATE,
-- not UPDATE: other transactions' foreign-key checks (KEY SHARE) must not make a task look
-- taken.
WITH RECURSIVE tiers AS (
  (SELECT t.valid_submissions AS votes_in, t.priority
   FROM tasks AS t
   WHERE t.campaign_id = :campaign_id AND t.status = 'open' AND NOT t.is_tutorial
     AND t.valid_submissions < :votes
   ORDER BY t.valid_submissions DESC, t.priority DESC
   LIMIT 1)
  UNION ALL
  SELECT lower_tier.votes_in, lower_tier.priority
  FROM tiers CROSS JOIN LATERAL (
    SELECT t.valid_submissions AS votes_in, t.priority
    FROM tasks AS t
    WHERE t.campaign_id = :campaign_id AND t.status = 'open' AND NOT t.is_tutorial
      AND (t.valid_submissions, t.priority) < (tiers.votes_in, tiers.priority)
    ORDER BY t.valid_submissions DESC, t.priority DESC
    LIMIT 1
  ) AS lower_tier
)
SELECT pick.id
FROM tiers CROSS JOIN LATERAL (
  SELECT t.id
  FROM (
    SELECT c.id, c.pos <-> point(:lon, :lat) AS rank
    FROM tasks AS c
    -- bigint: the btree_gist column of the index takes no cross-type comparison.
    WHERE c.campaign_id = CAST(:campaign_id AS bigint) AND c.status = 'open'
      AND NOT c.is_tutorial
      AND c.valid_submissions = tiers.votes_in AND c.priority = tiers.priority
      AND c.valid_submissions + c.leased < :votes
      -- OFFSET 0 keeps each check a per-candidate index probe: as an anti join, the planner
      -- would hash the decoder's whole history (5,000 rows) to visit a few candidates.
      AND NOT EXISTS (
        SELECT 1 FROM assignments AS a
        WHERE a.user_id = :user_id AND a.task_id = c.id AND a.status IN ('submitted', 'skipped')
        OFFSET 0)
      AND NOT EXISTS (
        SELECT 1 FROM submissions AS s
        WHERE s.user_id = :user_id AND s.campaign_id = :campaign_id AND s.task_id = c.id
        OFFSET 0)
      -- Sybil guard (issue 10.4): a fresh account is not handed a task that another account
      -- registered from the same address leased lately, while another one is left (pool.pick
      -- asks again without the guard when none is). NULL: not fresh, the guard off, or that
      -- second pass.
      AND (CAST(:sibling_ref AS text) IS NULL OR NOT EXISTS (
        SELECT 1 FROM assignments AS a JOIN users AS u ON u.id = a.user_id
        WHERE a.task_id = c.id AND u.signup_ref = :sibling_ref AND a.user_id <> :user_id
          AND a.created_at > now() - make_interval(mins => :sibling_minutes)
        OFFSET 0))
    ORDER BY c.pos <-> point(:lon, :lat)
    LIMIT 32
  ) AS near
  JOIN tasks AS t ON t.id = near.id
  WHERE t.status = 'open' AND t.valid_submissions = tiers.votes_in
    AND t.valid_submissions + t.leased < :votes
  ORDER BY near.rank, near.id
  LIMIT 1
  FOR NO KEY UPDATE OF t SKIP LOCKED
) AS pick
LIMIT 1
