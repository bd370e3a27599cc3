"""Import the raw Decode Surveillance NYC export (DESIGN §8), keeping every submission and tag.

Validated rows (import_amnesty_files) are COPYed into temporary staging tables and written
with a handful of set-based INSERT … SELECT statements, so ~140k submissions load in seconds.
Idempotent: every row is keyed by its published id (PanoramaId, IntersectionId, DecoderId,
SubmissionId) and a re-run adds only what is missing; tags come with new submissions only.
Intersections sharing a PanoramaId become one task; the 5 m rule is not applied, so tasks are
exactly the published panoramas and the published medians can be reproduced.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import CursorResult, text
from sqlalchemy.orm import Session

from app.errors import ImportFailed
from app.models import Campaign
from app.services.accounts import new_public_id
from app.services.bulk import copy_rows, staging_table
from app.services.imports.amnesty_files import AmnestyData, ProgressFn, read_amnesty
from app.services.imports.common import Report

DECODER_PREFIX = "amnesty:"
N_COLUMNS = (
    "n_all",
    "n_street_furniture",
    "n_building",
    "n_other",
    "n_dome_ptz",
    "n_bullet",
    "n_unknown_type",
)
_STAGING = {
    "stg_am_panoramas": "panorama_id text PRIMARY KEY, lon float8, lat float8, captured_at date",
    "stg_am_locations": "intersection_id text PRIMARY KEY, panorama_id text, lon float8, "
    "lat float8, properties jsonb",
    "stg_am_decoders": "ref text PRIMARY KEY, public_id text",
    "stg_am_submissions": "ref text PRIMARY KEY, decoder_ref text, intersection_id text, "
    "started_at timestamptz, submitted_at timestamptz, outcome text, "
    + ", ".join(f"{c} int" for c in N_COLUMNS),
    "stg_am_tags": "submission_ref text, ordinal int, external_ref text, heading float8, "
    "pitch float8, zoom float8, attachment text, camera_type text, created_at timestamptz",
    "stg_am_new": "id bigint, external_ref text, task_id bigint, user_id bigint, "
    "submitted_at timestamptz",
}

# Each statement is (report counter, SQL); the counter receives the statement's row count.
_WRITES: tuple[tuple[str, str], ...] = (
    (
        "users_created",
        "INSERT INTO users (public_id, role, is_anonymous, is_active, external_ref) "
        f"SELECT public_id, 'decoder', true, true, '{DECODER_PREFIX}' || ref FROM stg_am_decoders "
        "ON CONFLICT (external_ref) DO NOTHING",
    ),
    (
        "panoramas_created",
        "INSERT INTO panoramas (campaign_id, provider, provider_id, geom, captured_at, heading) "
        "SELECT :campaign, 'google', panorama_id, ST_SetSRID(ST_MakePoint(lon, lat), 4326), "
        "captured_at, 0 FROM stg_am_panoramas "
        "ON CONFLICT (campaign_id, provider, provider_id) DO NOTHING",
    ),
    (
        "tasks_created",
        "INSERT INTO tasks (campaign_id, panorama_id, external_ref) "
        "SELECT :campaign, p.id, p.provider_id FROM stg_am_panoramas s "
        "JOIN panoramas p ON p.campaign_id = :campaign AND p.provider = 'google' "
        "AND p.provider_id = s.panorama_id ON CONFLICT (panorama_id) DO NOTHING",
    ),
    (
        "locations_created",
        "INSERT INTO locations (campaign_id, external_id, properties, geom, panorama_id, task_id) "
        "SELECT :campaign, s.intersection_id, s.properties, "
        "ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326), p.id, t.id FROM stg_am_locations s "
        "LEFT JOIN panoramas p ON p.campaign_id = :campaign AND p.provider = 'google' "
        "AND p.provider_id = s.panorama_id LEFT JOIN tasks t ON t.panorama_id = p.id "
        "ON CONFLICT (campaign_id, external_id) DO NOTHING",
    ),
    (
        "locations_linked",
        # A location imported earlier without its panorama gets it now.
        "UPDATE locations AS l SET panorama_id = p.id, task_id = t.id FROM stg_am_locations s "
        "JOIN panoramas p ON p.campaign_id = :campaign AND p.provider = 'google' "
        "AND p.provider_id = s.panorama_id JOIN tasks t ON t.panorama_id = p.id "
        "WHERE l.campaign_id = :campaign AND l.external_id = s.intersection_id "
        "AND l.task_id IS NULL",
    ),
    (
        "submissions_created",
        "WITH inserted AS (INSERT INTO submissions (campaign_id, task_id, user_id, outcome, "
        f"{', '.join(N_COLUMNS)}, external_ref, started_at, submitted_at) "
        f"SELECT :campaign, l.task_id, u.id, s.outcome, {', '.join('s.' + c for c in N_COLUMNS)}, "
        "s.ref, s.started_at, s.submitted_at FROM stg_am_submissions s "
        "JOIN locations l ON l.campaign_id = :campaign AND l.external_id = s.intersection_id "
        f"JOIN users u ON u.external_ref = '{DECODER_PREFIX}' || s.decoder_ref "
        "WHERE l.task_id IS NOT NULL "
        "ON CONFLICT (campaign_id, external_ref) WHERE external_ref IS NOT NULL DO NOTHING "
        "RETURNING id, external_ref, task_id, user_id, submitted_at) "
        "INSERT INTO stg_am_new SELECT * FROM inserted",
    ),
    (
        "tags_created",
        "INSERT INTO tags (submission_id, task_id, user_id, ordinal, heading, pitch, zoom, "
        "attachment, camera_type, external_ref, created_at) "
        "SELECT n.id, n.task_id, n.user_id, t.ordinal, t.heading, t.pitch, t.zoom, t.attachment, "
        "t.camera_type, t.external_ref, coalesce(t.created_at, n.submitted_at) "
        "FROM stg_am_tags t JOIN stg_am_new n ON n.external_ref = t.submission_ref",
    ),
    (
        "tasks_updated",
        # Votes are recounted over every valid submission of the task, imported or live.
        # A task may hold more than it needs: reconciliation takes the earliest N.
        "WITH votes AS (SELECT s.task_id, count(*) AS n, max(s.submitted_at) AS last "
        "FROM submissions s WHERE s.task_id IN (SELECT task_id FROM stg_am_new) "
        "AND s.outcome <> 'problem' GROUP BY s.task_id), "
        "done AS (SELECT v.*, t.status = 'open' AND NOT t.is_tutorial AND v.n >= :votes AS is_full "
        "FROM votes v JOIN tasks t ON t.id = v.task_id) "
        "UPDATE tasks AS t SET valid_submissions = d.n, "
        "status = CASE WHEN d.is_full THEN 'complete' ELSE t.status END, "
        "completed_at = CASE WHEN d.is_full THEN coalesce(t.completed_at, d.last) "
        "ELSE t.completed_at END FROM done d WHERE t.id = d.task_id",
    ),
    (
        "reconcile_jobs",
        "INSERT INTO reconcile_jobs (task_id, campaign_id) SELECT t.id, t.campaign_id "
        "FROM tasks t WHERE t.id IN (SELECT task_id FROM stg_am_new) AND t.status = 'complete' "
        "ON CONFLICT (task_id) DO NOTHING",
    ),
)


def import_amnesty(
    session: Session,
    *,
    campaign: Campaign,
    files: Mapping[str, bytes],
    skip_orphans: bool = False,
    progress: ProgressFn | None = None,
) -> Report:
    """Load the four files into the campaign; Invalid with file/row errors, nothing written."""
    data = read_amnesty(files, skip_orphans=skip_orphans, progress=progress)
    report = data.report
    _stage(session, data, progress)
    params = {"campaign": campaign.id, "votes": campaign.votes_per_task}
    for step, (counter, sql) in enumerate(_WRITES, start=1):
        result = cast(CursorResult[Any], session.execute(text(sql), params))
        report.counts[counter] = result.rowcount
        if progress is not None:
            progress("Writing", step, len(_WRITES))
    _check_linked(session, campaign, data, report)
    shared = sum(1 for i in data.intersections.values() if i.panorama_id) - len(data.panoramas)
    report.counts.update(
        intersections=len(data.intersections),
        submissions=len(data.submissions),
        tags=len(data.tags),
        shared_panorama_intersections=shared,
    )
    report.created = report.counts["submissions_created"]
    report.merged = shared
    session.expire_all()
    return report


def _columns(table: str) -> list[str]:
    """Column names of a staging table, in the order its rows are built."""
    return [c.split()[0] for c in _STAGING[table].split(", ")]


def _staged_rows(data: AmnestyData) -> dict[str, list[tuple[Any, ...]]]:
    decoders = sorted({s.decoder for s in data.submissions.values()})
    ordinals: dict[str, int] = {}
    tags = []
    for t in data.tags:
        ordinal = ordinals[t.submission] = ordinals.get(t.submission, -1) + 1
        tags.append(
            (
                t.submission,
                ordinal,
                t.external_ref,
                t.heading,
                t.pitch,
                t.zoom,
                t.attachment,
                t.camera_type,
                t.created_at,
            )
        )
    return {
        "stg_am_panoramas": [
            (pid, lon, lat, day) for pid, (lat, lon, day) in data.panoramas.items()
        ],
        "stg_am_locations": [
            (ref, i.panorama_id, i.lon, i.lat, i.properties)
            for ref, i in data.intersections.items()
        ],
        "stg_am_decoders": [(d, new_public_id()) for d in decoders],
        "stg_am_submissions": [
            (
                ref,
                s.decoder,
                s.intersection,
                s.started_at,
                s.submitted_at,
                "cameras" if s.counts[0] > 0 else "no_cameras",
                *s.counts,
            )
            for ref, s in data.submissions.items()
        ],
        "stg_am_tags": tags,
    }


def _stage(session: Session, data: AmnestyData, progress: ProgressFn | None) -> None:
    for name, columns in _STAGING.items():
        staging_table(session, name, columns)
    tables = _staged_rows(data)
    total = sum(len(rows) for rows in tables.values())
    done = 0

    def advance(rows: int) -> None:
        nonlocal done
        done += rows
        if progress is not None:
            progress("Staging", done, total)

    for table, rows in tables.items():
        copy_rows(session, table, _columns(table), rows, on_chunk=advance, analyze=True)


def _check_linked(session: Session, campaign: Campaign, data: AmnestyData, report: Report) -> None:
    """Every staged submission must now exist; the rest were already imported before."""
    present = session.execute(
        text(
            "SELECT count(*) FROM stg_am_submissions s JOIN submissions x "
            "ON x.campaign_id = :campaign AND x.external_ref = s.ref"
        ),
        {"campaign": campaign.id},
    ).scalar_one()
    if present != len(data.submissions):
        # Only possible when this campaign already holds an intersection without a task.
        raise ImportFailed(
            f"{len(data.submissions) - present} submission(s) could not be linked to a task; "
            "nothing was imported.",
        )
    report.counts["submissions_already_present"] = present - report.counts["submissions_created"]
    report.counts["tags_already_present"] = len(data.tags) - report.counts["tags_created"]
