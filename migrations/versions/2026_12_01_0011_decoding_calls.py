"""decoding calls: a lease and a submission each in one server-side function call

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Issue 14: a lease request ran ten statements and a submission eight, each a round trip with
# its own parse and plan. The same steps, in the same order and under the same locks, now run
# inside one PL/pgSQL call each: one round trip, and plans PostgreSQL prepares once per
# connection. app/services/decoding/ calls them and turns each outcome into its named error.
#
# Locks, as before: the decoder's advisory lock (two tabs are serialised), the campaign FOR
# SHARE (a coordinator's change waits for the call), then assignment, then task. Every
# statement of a VOLATILE function takes a fresh snapshot, so a retried pick sees what other
# transactions committed meanwhile.

# PL/pgSQL, not SQL: a PL/pgSQL function keeps its plans for the connection's life, an SQL one
# plans its statement at every call.
# Leases past their expiry are reclaimed by every lease request (no cron). Both rows are locked
# with SKIP LOCKED, so reclaiming never waits: a lease whose task row is locked right now is
# reclaimed by a later request; the lease-count trigger then frees the slot on the task row.
_EXPIRE = """
CREATE FUNCTION decoders_expire_stale(p_campaign bigint) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  UPDATE assignments SET status = 'expired', finished_at = now()
  WHERE id IN (
    SELECT a.id FROM assignments AS a JOIN tasks AS t ON t.id = a.task_id
    WHERE a.campaign_id = p_campaign AND a.status = 'live' AND a.expires_at <= now()
    FOR UPDATE OF a, t SKIP LOCKED);
END
$$;
"""

# Whether the decoder's lease is a hidden known-answer check, with probability 1/M: the first
# 56 bits of SHA-256(key || "campaign:tasks done"), where the key is an HMAC of the app's
# secret over the decoder, made by the caller. Keyed, so no client can predict its checks from
# its own count; a hash, not a random draw, so simulations and tests are reproducible. The
# secret itself never reaches the database.
_CHECK_TURN = """
CREATE FUNCTION decoders_check_turn(p_key bytea, p_campaign bigint, p_done integer,
                                    p_every integer)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_every > 0 THEN ('x' || encode(substring(
    sha256(p_key || convert_to(p_campaign || ':' || p_done, 'UTF8')) FROM 1 FOR 7), 'hex')
  )::bit(56)::bigint % p_every = 0 ELSE false END
$$;
"""

# The pool pick (DESIGN §4): one row, locked with SKIP LOCKED. The tiers of open tasks (votes
# already in, then priority) are walked fullest first by a skip scan of ix_tasks_pool, one index
# probe per tier. Within a tier, `near` takes the candidates nearest to the decoder's latest
# lease from a KNN scan of ix_tasks_open_nearest (without a previous lease, by id from
# ix_tasks_pool instead), and the outer query locks the first of them that nobody holds. Each
# LATERAL runs for one tier at a time and the outer LIMIT stops at the first hit, so at most one
# row is locked and the cost grows with neither the campaign nor the decoder's history: the
# "never twice" checks are index probes on the few candidates visited.
# Why two levels: with FOR UPDATE on the KNN scan itself the planner sorts the whole tier (it
# cannot count on LIMIT when locked rows may be skipped). Room is read from the row (leased =
# live leases) and re-checked on its latest version once locked. NO KEY UPDATE, not UPDATE:
# other transactions' foreign-key checks (KEY SHARE) must not make a task look taken.
_POOL_PICK = """
    WITH RECURSIVE tiers AS (
      (SELECT t.valid_submissions AS votes_in, t.priority
       FROM tasks AS t
       WHERE t.campaign_id = c.id AND t.status = 'open' AND NOT t.is_tutorial
         AND t.valid_submissions < c.votes_per_task
       ORDER BY t.valid_submissions DESC, t.priority DESC
       LIMIT 1)
      UNION ALL
      SELECT lower_tier.votes_in, lower_tier.priority
      FROM tiers CROSS JOIN LATERAL (
        SELECT t.valid_submissions AS votes_in, t.priority
        FROM tasks AS t
        WHERE t.campaign_id = c.id AND t.status = 'open' AND NOT t.is_tutorial
          AND (t.valid_submissions, t.priority) < (tiers.votes_in, tiers.priority)
        ORDER BY t.valid_submissions DESC, t.priority DESC
        LIMIT 1
      ) AS lower_tier
    )
    SELECT pick.id INTO v_task
    FROM tiers CROSS JOIN LATERAL (
      SELECT t.id
      FROM (
        SELECT k.id, {rank} AS rank
        FROM tasks AS k
        WHERE k.campaign_id = c.id AND k.status = 'open' AND NOT k.is_tutorial
          AND k.valid_submissions = tiers.votes_in AND k.priority = tiers.priority
          AND k.valid_submissions + k.leased < c.votes_per_task
          -- OFFSET 0 keeps each check a per-candidate index probe: as an anti join, the
          -- planner would hash the decoder's whole history (5,000 rows) to visit a few.
          AND NOT EXISTS (
            SELECT 1 FROM assignments AS a
            WHERE a.user_id = p_user AND a.task_id = k.id
              AND a.status IN ('submitted', 'skipped')
            OFFSET 0)
          AND NOT EXISTS (
            SELECT 1 FROM submissions AS s
            WHERE s.user_id = p_user AND s.campaign_id = c.id AND s.task_id = k.id
            OFFSET 0)
          -- Sybil guard (issue 10.4): a fresh account is steered away from tasks that another
          -- account registered from the same address leased lately. NULL: not fresh, the
          -- guard off, or the second pass (see decoders_lease).
          AND (v_guard IS NULL OR NOT EXISTS (
            SELECT 1 FROM assignments AS a JOIN users AS u ON u.id = a.user_id
            WHERE a.task_id = k.id AND u.signup_ref = v_guard AND a.user_id <> p_user
              AND a.created_at > now() - make_interval(mins => p_sibling_minutes)
            OFFSET 0))
        ORDER BY {rank}
        LIMIT 32
      ) AS near
      JOIN tasks AS t ON t.id = near.id
      WHERE t.status = 'open' AND t.valid_submissions = tiers.votes_in
        AND t.valid_submissions + t.leased < c.votes_per_task
      ORDER BY near.rank, near.id
      LIMIT 1
      FOR NO KEY UPDATE OF t SKIP LOCKED
    ) AS pick
    LIMIT 1;
"""

# Task `t` is open to the caller: never answered or skipped by them, and (in the steered pass)
# not leased lately by a sibling account, tutorials aside. The tutorial/check pick and the
# "is anything left?" check must agree on it, or a 204 could come while a task is open.
_OPEN_TO_CALLER = """\
              AND NOT EXISTS (
                SELECT 1 FROM assignments AS a
                WHERE a.user_id = p_user AND a.task_id = t.id
                  AND a.status IN ('submitted', 'skipped'))
              AND NOT EXISTS (
                SELECT 1 FROM submissions AS s
                WHERE s.user_id = p_user AND s.campaign_id = c.id AND s.task_id = t.id)
              AND (v_guard IS NULL OR v_kind = 'tutorial' OR NOT EXISTS (
                SELECT 1 FROM assignments AS a JOIN users AS u ON u.id = a.user_id
                WHERE a.task_id = t.id AND u.signup_ref = v_guard AND a.user_id <> p_user
                  AND a.created_at > now() - make_interval(mins => p_sibling_minutes)))"""

_LEASE = (
    """
CREATE FUNCTION decoders_lease(
  p_campaign bigint, p_slug text, p_staff boolean, p_user bigint,
  p_signup_ref text, p_sibling_minutes integer, p_fresh_below integer, p_check_key bytea,
  p_pauses double precision[]
) RETURNS TABLE (
  outcome text, campaign_id bigint, campaign_slug text, campaign_status text,
  assignment_id bigint, expires_at timestamptz, task_id bigint, is_tutorial boolean,
  known boolean, done integer, tutorials_done integer, tutorial_tasks integer,
  provider text, provider_id text, image_url text, image_tiles jsonb,
  lon double precision, lat double precision, captured_at date, heading double precision,
  licence text, attribution text, creator text, page_url text
) LANGUAGE plpgsql VOLATILE
-- Every statement here is an index walk whatever the parameters: the generic plan, made once
-- per connection, does as well as a custom one, which would be planned again at each call
-- (measured: 0.6 ms of the 2.5 ms a lease cost).
SET plan_cache_mode = force_generic_plan
AS $fn$
#variable_conflict use_column
-- The caller's live lease ('live'), else a new lease on the best task left ('created'), else
-- 'none' (nothing left for them), 'busy' (tasks are left but all were being handed out through
-- every pause), 'not_found' (no such campaign, or a draft the caller may not see), 'closed'
-- (not open).
DECLARE
  c campaigns%ROWTYPE;
  v_live assignments%ROWTYPE;
  v_lon double precision;
  v_lat double precision;
  v_sibling text;
  v_guard text;
  v_kinds text[] := '{}';
  v_kind text;
  v_pause double precision;
  v_attempt integer := 0;
  v_busy boolean;
  v_task bigint;
BEGIN
  -- One decoder's requests (two tabs, a double click) are serialised; different decoders
  -- never wait on each other here.
  PERFORM pg_advisory_xact_lock(7301, CAST(p_user AS integer));
  -- Status and votes are read under the campaign's share lock: a coordinator's change waits.
  IF p_campaign IS NOT NULL THEN
    SELECT * INTO c FROM campaigns AS x WHERE x.id = p_campaign FOR SHARE;
  ELSE
    SELECT * INTO c FROM campaigns AS x WHERE x.slug = p_slug FOR SHARE;
  END IF;
  IF NOT FOUND OR (c.status = 'draft' AND NOT p_staff) THEN
    outcome := 'not_found';
    RETURN NEXT;
    RETURN;
  END IF;
  campaign_id := c.id;
  campaign_slug := c.slug;
  campaign_status := c.status;
  tutorial_tasks := c.tutorial_tasks;
  IF c.status <> 'open' THEN
    outcome := 'closed';
    RETURN NEXT;
    RETURN;
  END IF;
  PERFORM decoders_expire_stale(c.id);
  -- The decoder: tasks done in the campaign (ix_submissions_user_campaign_task), tutorial tasks
  -- done (the campaign's few tutorial tasks, ix_tasks_tutorial, each probed), and the position
  -- of their latest lease in any campaign (ix_assignments_user_created).
  SELECT count(*) INTO done FROM submissions AS s
  WHERE s.user_id = p_user AND s.campaign_id = c.id;
  SELECT count(*) INTO tutorials_done FROM tasks AS t
  WHERE t.campaign_id = c.id AND t.is_tutorial
    AND EXISTS (
      SELECT 1 FROM submissions AS s
      WHERE s.user_id = p_user AND s.campaign_id = c.id AND s.task_id = t.id);
  SELECT t.pos[0], t.pos[1] INTO v_lon, v_lat
  FROM assignments AS a JOIN tasks AS t ON t.id = a.task_id
  WHERE a.user_id = p_user
  ORDER BY a.created_at DESC, a.id DESC
  LIMIT 1;

  SELECT * INTO v_live FROM assignments AS a
  WHERE a.campaign_id = c.id AND a.user_id = p_user AND a.status = 'live';
  IF FOUND THEN
    -- A live lease is handed back while its task can still take an answer; a full, complete
    -- or excluded task must not be handed back until the lease expires: the lease ends.
    IF v_live.expires_at > clock_timestamp() AND EXISTS (
      SELECT 1 FROM tasks AS t
      WHERE t.id = v_live.task_id AND t.status IN ('open', 'review')
        AND (t.is_tutorial OR t.valid_submissions < c.votes_per_task)
    ) THEN
      outcome := 'live';
      assignment_id := v_live.id;
      expires_at := v_live.expires_at;
      v_task := v_live.task_id;
    ELSE
      UPDATE assignments AS a SET status = 'expired', finished_at = clock_timestamp()
      WHERE a.id = v_live.id;
    END IF;
  END IF;

  IF v_task IS NULL THEN
    -- Tutorial first, a hidden known-answer task 1 in M, else the best task of the pool.
    IF tutorials_done < c.tutorial_tasks THEN
      v_kinds := v_kinds || 'tutorial'::text;
    END IF;
    IF decoders_check_turn(p_check_key, c.id, done, c.known_answer_every) THEN
      v_kinds := v_kinds || 'known'::text;
    END IF;
    v_kinds := v_kinds || 'pool'::text;
    v_sibling := CASE WHEN done < p_fresh_below THEN p_signup_ref END;
    -- A pick that finds every candidate locked waits before each new attempt (p_pauses):
    -- locks on task rows are held by lease and submit transactions of a few milliseconds.
    -- A hidden known-answer pick is opportunistic: when those are taken it falls through to
    -- the pool instead of waiting.
    -- Sybil guard (issue 10.4), steered away, not excluded: a fresh account's first pass
    -- skips the tasks its siblings leased lately, for every kind; only when that pass finds
    -- nothing free for it (and nothing it could have is merely being handed out, or this is
    -- the last attempt) does a second pass without the guard give it one of those tasks,
    -- rather than nothing or a 503: accounts behind one shared address are never starved.
    -- Tutorial tasks are not steered: every newcomer is meant to answer the same few, and
    -- their answers are not votes.
    <<attempts>>
    FOREACH v_pause IN ARRAY p_pauses LOOP
      v_attempt := v_attempt + 1;
      IF v_pause > 0 THEN
        PERFORM pg_sleep(v_pause);
      END IF;
      v_guard := v_sibling;
      <<passes>>
      LOOP
        v_busy := false;
        FOREACH v_kind IN ARRAY v_kinds LOOP
          IF v_kind <> 'pool' THEN
            -- Tutorial and hidden known-answer tasks are few (ix_tasks_known_open): simply
            -- sorted, fullest first, then priority, then nearest. Tutorial tasks take any
            -- number of decoders.
            SELECT t.id INTO v_task
            FROM tasks AS t
            WHERE t.campaign_id = c.id AND t.status = 'open' AND t.known_answer IS NOT NULL
              AND t.is_tutorial = (v_kind = 'tutorial')
              AND (v_kind = 'tutorial' OR t.valid_submissions + t.leased < c.votes_per_task)
{open_to_caller}
            ORDER BY t.valid_submissions DESC, t.priority DESC,
                     CASE WHEN v_lon IS NULL THEN 0 ELSE t.pos <-> point(v_lon, v_lat) END,
                     t.id
            LIMIT 1
            FOR NO KEY UPDATE OF t SKIP LOCKED;
          ELSIF v_lon IS NULL THEN
{first}
          ELSE
{nearest}
          END IF;
          EXIT attempts WHEN v_task IS NOT NULL;
          CONTINUE WHEN v_kind = 'known';
          -- Nothing unlocked: is a task left at all, locked by others or not? A plain read
          -- never waits on a lock. A lease past its expiry that could not be reclaimed yet
          -- because its task row was locked frees a slot in a moment, so it counts too.
          v_busy := EXISTS (
            SELECT 1 FROM tasks AS t
            WHERE t.campaign_id = c.id AND t.status = 'open'
              AND t.is_tutorial = (v_kind = 'tutorial')
              AND (v_kind = 'pool' OR t.known_answer IS NOT NULL)
              AND (v_kind = 'tutorial' OR t.valid_submissions + t.leased < c.votes_per_task)
{open_to_caller}
          ) OR EXISTS (
            SELECT 1 FROM assignments AS a JOIN tasks AS t ON t.id = a.task_id
            WHERE a.campaign_id = c.id AND a.status = 'live' AND a.expires_at <= now()
              AND t.status = 'open' AND t.is_tutorial = (v_kind = 'tutorial')
              AND a.user_id <> p_user
          );
          EXIT WHEN v_busy;
        END LOOP;
        EXIT passes WHEN v_guard IS NULL;
        EXIT passes WHEN v_busy AND v_attempt < cardinality(p_pauses);
        v_guard := NULL;
      END LOOP passes;
      IF NOT v_busy THEN
        outcome := 'none';
        RETURN NEXT;
        RETURN;
      END IF;
      PERFORM decoders_expire_stale(c.id);
    END LOOP;
    IF v_task IS NULL THEN
      outcome := 'busy';
      RETURN NEXT;
      RETURN;
    END IF;
    -- The partial unique indexes refuse a second live lease (unique_violation: the caller
    -- answers lease_race).
    INSERT INTO assignments AS a (campaign_id, task_id, user_id, known_answer, created_at,
                                  expires_at)
    SELECT c.id, t.id, p_user, t.known_answer IS NOT NULL, clock_timestamp(),
           clock_timestamp() + make_interval(mins => c.lease_minutes)
    FROM tasks AS t WHERE t.id = v_task
    RETURNING a.id, a.expires_at INTO assignment_id, expires_at;
    outcome := 'created';
  END IF;

  SELECT t.id, t.is_tutorial, t.known_answer IS NOT NULL, p.provider, p.provider_id,
         p.image_url, p.image_tiles, ST_X(p.geom), ST_Y(p.geom), p.captured_at, p.heading,
         p.licence, p.attribution, p.creator, p.page_url
  INTO task_id, is_tutorial, known, provider, provider_id, image_url, image_tiles, lon, lat,
       captured_at, heading, licence, attribution, creator, page_url
  FROM tasks AS t JOIN panoramas AS p ON p.id = t.panorama_id
  WHERE t.id = v_task;
  RETURN NEXT;
END
$fn$;
""".replace("{open_to_caller}", _OPEN_TO_CALLER)
    .replace("{first}", _POOL_PICK.replace("{rank}", "k.id"))
    .replace("{nearest}", _POOL_PICK.replace("{rank}", "k.pos <-> point(v_lon, v_lat)"))
)

_SUBMIT = """
CREATE FUNCTION decoders_submit(
  p_assignment bigint, p_user bigint, p_key text, p_hash text, p_outcome text,
  p_problem_kind text, p_problem_comment text, p_started timestamptz, p_counts jsonb,
  p_tags jsonb, p_reports_to_review integer
) RETURNS TABLE (
  outcome text, detail text, submission_id bigint, task_id bigint, campaign_id bigint,
  is_tutorial boolean, known_answer jsonb
) LANGUAGE plpgsql VOLATILE AS $fn$
#variable_conflict use_column
-- Store a decoder's answer once (DESIGN §4). Outcomes: 'stored'; 'replay' (this key was
-- stored before, with this body and lease); 'not_found', 'not_yours', 'conflict' (the key was
-- used with another request), 'closed' (detail: slug), 'used' (detail: the lease's status),
-- 'expired', and 'excluded' and 'full', which end the lease: the caller commits that end alone
-- so the decoder's next lease request gets another task instead of this one again.
DECLARE
  a assignments%ROWTYPE;
  c campaigns%ROWTYPE;
  t tasks%ROWTYPE;
  s submissions%ROWTYPE;
  v_valid integer;
  v_same integer;
  v_started timestamptz;
  v_submission bigint;
BEGIN
  -- The assignment row is locked first, so a concurrent retry has committed: replay it.
  SELECT * INTO a FROM assignments AS x WHERE x.id = p_assignment FOR UPDATE;
  IF NOT FOUND THEN
    outcome := 'not_found';
    RETURN NEXT;
    RETURN;
  END IF;
  IF a.user_id <> p_user THEN
    outcome := 'not_yours';
    RETURN NEXT;
    RETURN;
  END IF;
  SELECT * INTO s FROM submissions AS x WHERE x.user_id = p_user AND x.idempotency_key = p_key;
  IF FOUND THEN
    -- The same body sent for another lease is a new answer that reused a key, not a retry.
    IF s.request_hash IS DISTINCT FROM p_hash OR s.assignment_id IS DISTINCT FROM p_assignment
    THEN
      outcome := 'conflict';
      RETURN NEXT;
      RETURN;
    END IF;
    SELECT 'replay', s.id, x.id, x.campaign_id, x.is_tutorial, x.known_answer
    INTO outcome, submission_id, task_id, campaign_id, is_tutorial, known_answer
    FROM tasks AS x WHERE x.id = s.task_id;
    RETURN NEXT;
    RETURN;
  END IF;
  -- Status and votes under the campaign's share lock: a coordinator's change waits. A closed
  -- campaign takes no more answers; a paused one finishes its leases.
  SELECT * INTO c FROM campaigns AS x WHERE x.id = a.campaign_id FOR SHARE;
  IF c.status = 'closed' THEN
    outcome := 'closed';
    detail := c.slug;
    RETURN NEXT;
    RETURN;
  END IF;
  IF a.status IN ('submitted', 'skipped') THEN
    outcome := 'used';
    detail := a.status;
    RETURN NEXT;
    RETURN;
  END IF;
  IF a.status = 'expired' OR a.expires_at <= clock_timestamp() THEN
    outcome := 'expired';
    RETURN NEXT;
    RETURN;
  END IF;
  SELECT * INTO t FROM tasks AS x WHERE x.id = a.task_id FOR KEY SHARE;
  task_id := t.id;
  campaign_id := t.campaign_id;
  is_tutorial := t.is_tutorial;
  known_answer := t.known_answer;
  -- A task that left or is full takes no answer: the lease ends before anything is written.
  -- The conditional UPDATE is the last guard against over-voting.
  IF t.status = 'excluded' THEN
    outcome := 'excluded';
  ELSIF p_outcome <> 'problem' THEN
    UPDATE tasks AS x SET valid_submissions = x.valid_submissions + 1
    WHERE x.id = t.id AND x.valid_submissions < c.votes_per_task
    RETURNING x.valid_submissions INTO v_valid;
    IF NOT FOUND AND NOT t.is_tutorial THEN
      outcome := 'full';
    END IF;
  END IF;
  IF outcome IS NOT NULL THEN
    UPDATE assignments AS x SET status = 'expired', finished_at = clock_timestamp()
    WHERE x.id = a.id;
    RETURN NEXT;
    RETURN;
  END IF;
  -- The lease's creation is when the task was shown; a client's own clock is trusted only
  -- inside the lease's lifetime, so nobody can jump the "earliest N" queue.
  v_started := CASE WHEN p_started IS NULL THEN a.created_at
                    ELSE least(greatest(p_started, a.created_at), clock_timestamp()) END;
  -- A second answer to the task (uq_submissions_task_id_user_id) is a unique_violation: the
  -- caller answers already_submitted, and the whole call is undone.
  INSERT INTO submissions AS x (
    campaign_id, task_id, user_id, assignment_id, idempotency_key, request_hash, outcome,
    problem_kind, problem_comment, started_at, n_all, n_street_furniture, n_building, n_other,
    n_dome_ptz, n_bullet, n_unknown_type)
  VALUES (
    a.campaign_id, a.task_id, p_user, a.id, p_key, p_hash, p_outcome, p_problem_kind,
    p_problem_comment, v_started, (p_counts->>'all')::integer,
    (p_counts->>'street_furniture')::integer, (p_counts->>'building')::integer,
    (p_counts->>'other')::integer, (p_counts->>'dome_ptz')::integer,
    (p_counts->>'bullet')::integer, (p_counts->>'unknown_type')::integer)
  RETURNING x.id INTO v_submission;
  submission_id := v_submission;
  INSERT INTO tags (submission_id, task_id, user_id, ordinal, heading, pitch, zoom, attachment,
                    camera_type, base_heading, base_pitch)
  SELECT v_submission, a.task_id, p_user, g.ordinal, g.heading, g.pitch, g.zoom, g.attachment,
         g.camera_type, g.base_heading, g.base_pitch
  FROM jsonb_to_recordset(p_tags) AS g(
    ordinal integer, heading double precision, pitch double precision, zoom double precision,
    attachment text, camera_type text, base_heading double precision,
    base_pitch double precision);
  IF p_outcome = 'problem' THEN
    -- Two decoders reporting the same problem take a task out of the pool for a coordinator.
    SELECT count(*) INTO v_same FROM submissions AS x
    WHERE x.task_id = t.id AND x.outcome = 'problem' AND x.problem_kind = p_problem_kind;
    IF v_same >= p_reports_to_review AND t.status = 'open' THEN
      UPDATE tasks AS x SET status = 'review' WHERE x.id = t.id;
    END IF;
  ELSIF t.status = 'open' AND NOT t.is_tutorial AND v_valid >= c.votes_per_task THEN
    -- Only an open task completes: one in review waits for its coordinator.
    UPDATE tasks AS x SET status = 'complete', completed_at = clock_timestamp()
    WHERE x.id = t.id;
    INSERT INTO reconcile_jobs AS x (task_id, campaign_id) VALUES (t.id, t.campaign_id)
    ON CONFLICT ON CONSTRAINT pk_reconcile_jobs DO NOTHING;
  END IF;
  UPDATE assignments AS x SET status = 'submitted', finished_at = clock_timestamp()
  WHERE x.id = a.id;
  outcome := 'stored';
  RETURN NEXT;
END
$fn$;
"""


def upgrade() -> None:
    op.execute(_EXPIRE)
    op.execute(_CHECK_TURN)
    op.execute(_LEASE)
    op.execute(_SUBMIT)


def downgrade() -> None:
    op.execute("DROP FUNCTION decoders_submit")
    op.execute("DROP FUNCTION decoders_lease")
    op.execute("DROP FUNCTION decoders_check_turn")
    op.execute("DROP FUNCTION decoders_expire_stale")
