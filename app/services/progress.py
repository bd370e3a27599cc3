"""Campaign progress: totals, per area and per day.

Submissions of suspended decoders are left out: their votes count nowhere (issue 10.3).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.models import Campaign
from app.schemas.decoding import AreaProgress, DayProgress, ProgressRead

_TOTALS = text(
    """
    SELECT count(*) FILTER (WHERE NOT is_tutorial),
           count(*) FILTER (WHERE status = 'complete' AND NOT is_tutorial),
           count(*) FILTER (WHERE status = 'open' AND NOT is_tutorial AND EXISTS (
               SELECT 1 FROM assignments a WHERE a.task_id = t.id AND a.status = 'live'
               AND a.expires_at > now())),
           count(*) FILTER (WHERE status = 'review'),
           count(*) FILTER (WHERE status = 'excluded'),
           (SELECT count(*) FROM submissions s WHERE s.campaign_id = :c
              AND NOT EXISTS (SELECT 1 FROM users u
                              WHERE u.id = s.user_id AND u.suspended_at IS NOT NULL))
    FROM tasks t WHERE t.campaign_id = :c
    """
)
_BY_AREA = text(
    """
    SELECT a.name, a.kind, count(t.id), count(t.id) FILTER (WHERE t.status = 'complete')
    FROM areas a
    LEFT JOIN panoramas p ON p.campaign_id = a.campaign_id AND ST_Intersects(a.geom, p.geom)
    LEFT JOIN tasks t ON t.panorama_id = p.id AND NOT t.is_tutorial
    WHERE a.campaign_id = :c
    GROUP BY a.id, a.name, a.kind ORDER BY a.kind, a.name
    """
)
_BY_DAY = text(
    """
    WITH subs AS (
        SELECT (submitted_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n
        FROM submissions s WHERE campaign_id = :c
          AND NOT EXISTS (SELECT 1 FROM users u
                          WHERE u.id = s.user_id AND u.suspended_at IS NOT NULL)
        GROUP BY 1
    ), done AS (
        SELECT (completed_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n
        FROM tasks WHERE campaign_id = :c AND completed_at IS NOT NULL GROUP BY 1
    )
    SELECT coalesce(subs.day, done.day), coalesce(subs.n, 0), coalesce(done.n, 0)
    FROM subs FULL JOIN done ON done.day = subs.day ORDER BY 1
    """
)


def campaign_progress(session: Session, *, campaign: Campaign) -> ProgressRead:
    """Tasks total / complete / in progress, per area and per day."""
    total, complete, live, review, excluded, subs = session.execute(
        _TOTALS, {"c": campaign.id}
    ).one()
    return ProgressRead(
        tasks_total=total,
        tasks_complete=complete,
        tasks_in_progress=live,
        tasks_review=review,
        tasks_excluded=excluded,
        submissions=subs,
        by_area=[
            AreaProgress(area=n, kind=k, tasks_total=t, tasks_complete=c)
            for n, k, t, c in session.execute(_BY_AREA, {"c": campaign.id})
        ],
        by_day=[
            DayProgress(day=d, submissions=s, tasks_completed=c)
            for d, s, c in session.execute(_BY_DAY, {"c": campaign.id})
        ],
    )
