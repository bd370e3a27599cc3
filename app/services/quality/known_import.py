"""`decoders known import`: known cameras from a CSV, one row per camera (issue 10.1).

Columns: one task reference (`task_id`, `location_id` = a location's external id, or `pano_id` =
the panorama's provider id), then `heading`, `pitch`, `attachment`, `camera_type` and optional
`base_heading`, `base_pitch`. A row whose heading is empty says the task has no camera. Every
task named gets exactly the cameras listed for it (a re-import replaces its answer).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import ImportFailed
from app.models import Campaign, Location, Panorama, Task, User
from app.schemas.quality import KnownCameraIn, KnownUse
from app.services.imports.common import decode_text
from app.services.quality.labels import get_task, promote, set_known_answer
from app.services.quality.report import store_report

_REFERENCES = ("task_id", "location_id", "pano_id")


@dataclass(frozen=True)
class KnownImport:
    """What an import did."""

    tasks: int
    cameras: int


def _task_id(session: Session, campaign: Campaign, row: dict[str, str]) -> int | None:
    if row.get("task_id"):
        return session.scalar(
            select(Task.id).where(Task.campaign_id == campaign.id, Task.id == int(row["task_id"]))
        )
    if row.get("location_id"):
        return session.scalar(
            select(Location.task_id).where(
                Location.campaign_id == campaign.id, Location.external_id == row["location_id"]
            )
        )
    if row.get("pano_id"):
        return session.scalar(
            select(Task.id)
            .join(Panorama, Panorama.id == Task.panorama_id)
            .where(Task.campaign_id == campaign.id, Panorama.provider_id == row["pano_id"])
        )
    return None


_NUMBERS = ("heading", "pitch", "base_heading", "base_pitch")


def _camera(row: dict[str, str]) -> KnownCameraIn | None:
    if not (row.get("heading") or "").strip():
        return None
    fields: dict[str, Any] = {
        k: row[k].strip()
        for k in ("heading", "pitch", "attachment", "camera_type", *_NUMBERS[2:])
        if (row.get(k) or "").strip()
    }
    for key in _NUMBERS:
        if key in fields:
            try:
                # The schema takes numbers only (a JSON string is refused); CSV cells are text.
                fields[key] = float(fields[key])
            except ValueError:
                raise ValueError(f"{key} is not a number: {fields[key]!r}") from None
    return KnownCameraIn.model_validate(fields)


def _problem(exc: ValueError | ValidationError) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
    return str(exc).splitlines()[0]


def parse(
    session: Session, *, campaign: Campaign, lines: Iterable[str]
) -> dict[int, list[KnownCameraIn]]:
    """Known cameras per task id; every bad row is reported at once."""
    reader = csv.DictReader(lines)
    if not reader.fieldnames or not set(_REFERENCES) & set(reader.fieldnames):
        raise ImportFailed(f"The CSV needs one of the columns {', '.join(_REFERENCES)}.")
    answers: dict[int, list[KnownCameraIn]] = defaultdict(list)
    problems: list[str] = []
    for number, row in enumerate(reader, start=2):
        try:
            task_id = _task_id(session, campaign, row)
            camera = _camera(row)
        except (ValueError, ValidationError) as exc:
            problems.append(f"line {number}: {_problem(exc)}")
            continue
        if task_id is None:
            problems.append(f"line {number}: no task of '{campaign.slug}' matches this row")
            continue
        answers[task_id].extend([camera] if camera else [])
    if problems:
        raise ImportFailed("The known-answer CSV has errors.", details=problems[:50])
    return answers


def import_known(
    session: Session,
    *,
    campaign: Campaign,
    data: bytes | str,
    use: KnownUse | None,
    by: User | None = None,
) -> KnownImport:
    """Set the known answers a CSV lists; optionally promote those tasks.

    `by` is who uploaded it (recorded as the tasks' labeller); None from the CLI. Text that is
    not UTF-8, or that the CSV reader cannot go on with (a NUL byte, an unclosed quote, a field
    past its limit), is ImportFailed like any bad row.
    """
    text = decode_text(data)
    try:
        answers = parse(session, campaign=campaign, lines=io.StringIO(text, newline=""))
    except csv.Error as exc:
        raise ImportFailed(f"The CSV cannot be read: {exc}.") from exc
    for task_id, cameras in sorted(answers.items()):
        task = get_task(session, task_id=task_id, lock=True)
        # The uploader is recorded as the labeller, but an import completes no QA review:
        # the same file gives the same report from the CLI and from the page.
        set_known_answer(session, task=task, cameras=cameras, user=None, report=False)
        task.labelled_by = by.id if by is not None else None
        if use is not None:
            promote(session, task_id=task_id, use=use)
    if answers:
        store_report(session, campaign=campaign)  # a sampled task's truth may have changed
    return KnownImport(tasks=len(answers), cameras=sum(len(c) for c in answers.values()))
