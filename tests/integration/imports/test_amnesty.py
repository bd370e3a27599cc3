"""The Decode Surveillance NYC import: every count and tag lands, idempotent, errors by file/row."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import Invalid
from app.models import Campaign, Location, Panorama, ReconcileJob, Submission, Tag, Task, User
from app.services.imports.amnesty import import_amnesty
from app.services.imports.amnesty_files import FILES
from app.services.imports.common import Report, normalise_heading
from tests.amnesty_data import Generated, append_rows, write_amnesty_files
from tests.factories import make_campaign

N_COLUMNS = {
    "n_all": "n_cameras",
    "n_street_furniture": "attached_street",
    "n_building": "attached_building",
    "n_other": "attached_unknown",
    "n_dome_ptz": "type_dome",
    "n_bullet": "type_bullet",
    "n_unknown_type": "type_unknown",
}
ATTACHED = {
    "street_light/traffic_signal/road_sign": "street_furniture",
    "building": "building",
    "unknown": "other",
}
TYPES = {"dome": "dome_ptz", "bullet": "bullet", "unknown": "unknown", "": None}


def rows(directory: Path, name: str) -> list[dict[str, str]]:
    with (directory / name).open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def files(directory: Path) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in FILES}


def run(session: Session, campaign: Campaign, directory: Path, **options: Any) -> Report:
    return import_amnesty(session, campaign=campaign, files=files(directory), **options)


@pytest.fixture
def data(tmp_path: Path) -> tuple[Path, Generated]:
    return tmp_path, write_amnesty_files(tmp_path, intersections=150, submissions=450, tags=300)


@pytest.fixture
def campaign(session: Session) -> Campaign:
    return make_campaign(session, votes_per_task=3)


def count(session: Session, model: Any, campaign: Campaign) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(model).where(model.campaign_id == campaign.id)
        )
        or 0
    )


def test_every_submission_lands_with_its_published_counts(
    session: Session, campaign: Campaign, data: tuple[Path, Generated]
) -> None:
    directory, generated = data
    report = run(session, campaign, directory)
    published = {r["SubmissionId"]: r for r in rows(directory, "counts.csv")}
    assert len(published) == generated.submissions
    stored = session.scalars(select(Submission).where(Submission.campaign_id == campaign.id)).all()
    assert {s.external_ref for s in stored} == set(published)
    for submission in stored:
        row = published[submission.external_ref or ""]
        for column, source in N_COLUMNS.items():
            assert getattr(submission, column) == int(row[source]), (column, row)
        assert submission.outcome == ("cameras" if int(row["n_cameras"]) else "no_cameras")
        assert submission.started_at.isoformat().startswith(row["StartTime"][:19])
        assert submission.submitted_at.isoformat().startswith(row["EndTime"][:19])
    assert report.created == generated.submissions
    assert report.counts["duplicates_skipped"] == 2


def test_every_tag_lands_with_mapped_attachment_type_and_angles(
    session: Session, campaign: Campaign, data: tuple[Path, Generated]
) -> None:
    directory, generated = data
    run(session, campaign, directory)
    published = {(r["SubmissionId"], r["Id"]): r for r in rows(directory, "cameras.csv")}
    assert len(published) == generated.tags
    stored = session.execute(
        select(Tag, Submission.external_ref)
        .join(Submission, Submission.id == Tag.submission_id)
        .where(Submission.campaign_id == campaign.id)
    ).all()
    assert len(stored) == generated.tags
    for tag, ref in stored:
        row = published[(ref, tag.external_ref)]
        assert tag.attachment == ATTACHED[row["Attached"]]
        assert tag.camera_type == TYPES[row["Type"]]
        assert tag.heading == pytest.approx(normalise_heading(float(row["Pov.heading"])))
        assert 0 <= tag.heading < 360
        assert tag.pitch == pytest.approx(float(row["Pov.pitch"]))
        assert tag.zoom == pytest.approx(float(row["Pov.zoom"]))
    # The tag rows of each submission add up to its published n_cameras.
    per_submission = Counter(ref for _, ref in stored)
    for submission in session.scalars(
        select(Submission).where(Submission.campaign_id == campaign.id)
    ):
        assert per_submission.get(submission.external_ref, 0) == submission.n_all


def test_intersections_sharing_a_panorama_become_one_task(
    session: Session, campaign: Campaign, data: tuple[Path, Generated]
) -> None:
    directory, generated = data
    report = run(session, campaign, directory)
    assert generated.shared_panorama_intersections > 0
    assert count(session, Task, campaign) == generated.panoramas
    assert count(session, Location, campaign) == generated.intersections
    assert report.merged == generated.shared_panorama_intersections
    by_pano = dict(
        session.execute(
            select(Location.external_id, Panorama.provider_id)
            .join(Panorama, Panorama.id == Location.panorama_id)
            .where(Location.campaign_id == campaign.id)
        ).all()
    )
    assert by_pano == {
        r["IntersectionId"]: r["PanoramaId"] for r in rows(directory, "intersections.csv")
    }
    tasks = session.scalars(select(Task).where(Task.campaign_id == campaign.id)).all()
    assert all(t.external_ref for t in tasks)
    assert {
        p.provider
        for p in session.scalars(select(Panorama).where(Panorama.campaign_id == campaign.id))
    } == {"google"}


def test_panoramas_sit_at_the_google_position_or_fall_back(
    session: Session, campaign: Campaign, data: tuple[Path, Generated]
) -> None:
    directory, generated = data
    report = run(session, campaign, directory)
    google = {r["PanoramaId"]: r for r in rows(directory, "panorama_url.csv")}
    positions = session.execute(
        select(Panorama.provider_id, func.ST_Y(Panorama.geom), func.ST_X(Panorama.geom)).where(
            Panorama.campaign_id == campaign.id
        )
    ).all()
    for pano, lat, lon in positions:
        if pano in google:
            assert (lat, lon) == pytest.approx(
                (float(google[pano]["GoogleLat"]), float(google[pano]["GoogleLong"]))
            )
    assert generated.missing_panoramas
    assert report.counts["panoramas_without_position"] == 1
    assert any(
        w["file"] == "intersections.csv" and "not in panorama_url.csv" in w["error"]
        for w in report.warnings
    )


def test_decoders_become_pseudonymous_users_without_emails(
    session: Session, campaign: Campaign, data: tuple[Path, Generated]
) -> None:
    directory, generated = data
    run(session, campaign, directory)
    decoders = {r["DecoderId"] for r in rows(directory, "counts.csv")}
    users = session.scalars(
        select(User).where(User.external_ref.in_([f"amnesty:{d}" for d in decoders]))
    ).all()
    assert len(users) == len(decoders) == generated.decoders
    for user in users:
        assert user.email is None and user.password_hash is None
        assert user.is_anonymous and user.role == "decoder"
        assert user.public_id.startswith("d-")
        assert user.public_id[2:] not in (user.external_ref or "")


def test_one_decoder_may_hold_two_submissions_on_a_merged_task(
    session: Session, campaign: Campaign, data: tuple[Path, Generated]
) -> None:
    directory, generated = data
    run(session, campaign, directory)
    (decoder, pano), *_ = generated.same_decoder_twice
    n = session.scalar(
        select(func.count(Submission.id))
        .join(User, User.id == Submission.user_id)
        .join(Task, Task.id == Submission.task_id)
        .where(User.external_ref == f"amnesty:{decoder}", Task.external_ref == pano)
    )
    assert n == 2


def test_tasks_count_votes_complete_at_three_and_enter_the_queue(
    session: Session, campaign: Campaign, data: tuple[Path, Generated]
) -> None:
    directory, generated = data
    report = run(session, campaign, directory)
    tasks = session.scalars(select(Task).where(Task.campaign_id == campaign.id)).all()
    votes = dict(
        session.execute(
            select(Submission.task_id, func.count())
            .where(Submission.campaign_id == campaign.id)
            .group_by(Submission.task_id)
        ).all()
    )
    short = 0
    for task in tasks:
        assert task.valid_submissions == votes.get(task.id, 0)
        assert task.status == ("complete" if task.valid_submissions >= 3 else "open")
        assert (task.completed_at is not None) == (task.status == "complete")
        short += task.valid_submissions < 3
    assert short == generated.short_panoramas > 0
    assert any(t.valid_submissions > 3 for t in tasks)  # more than N: all kept
    queued = set(
        session.scalars(select(ReconcileJob.task_id).where(ReconcileJob.campaign_id == campaign.id))
    )
    assert queued == {t.id for t in tasks if t.status == "complete"}
    assert report.counts["reconcile_jobs"] == len(queued)


def test_a_second_run_duplicates_nothing(
    session: Session, campaign: Campaign, data: tuple[Path, Generated]
) -> None:
    directory, generated = data
    run(session, campaign, directory)
    before = {
        m.__name__: count(session, m, campaign) for m in (Location, Panorama, Task, Submission)
    }
    tags_before = session.scalar(select(func.count(Tag.id)))
    users_before = session.scalar(select(func.count(User.id)))
    again = run(session, campaign, directory)
    after = {
        m.__name__: count(session, m, campaign) for m in (Location, Panorama, Task, Submission)
    }
    assert after == before
    assert session.scalar(select(func.count(Tag.id))) == tags_before
    assert session.scalar(select(func.count(User.id))) == users_before
    created = {k: v for k, v in again.counts.items() if k.endswith("_created")}
    assert set(created.values()) == {0}
    assert again.counts["submissions_already_present"] == generated.submissions
    assert again.counts["tags_already_present"] == generated.tags


def test_orphans_are_errors_with_file_and_row_and_nothing_is_written(
    session: Session, campaign: Campaign, data: tuple[Path, Generated]
) -> None:
    directory, _ = data
    counts = rows(directory, "counts.csv")[0]
    sub_rows = append_rows(
        directory / "counts.csv",
        ["orphan-sub", counts["DecoderId"], "1.0", "NO-SUCH-INTERSECTION", counts["StartTime"],
         counts["EndTime"], "0", "0", "0", "0", "0", "0", "0"],
    )  # fmt: skip
    tag_rows = append_rows(
        directory / "cameras.csv",
        ["D", "I", "NO-SUCH-SUBMISSION", "dome", "street_light/traffic_signal/road_sign",
         "", "1", "t", "10", "5", "1", "", ""],
    )  # fmt: skip
    with pytest.raises(Invalid) as raised:
        run(session, campaign, directory)
    details = raised.value.details
    assert {
        "file": "counts.csv",
        "row": sub_rows[0],
        "error": "IntersectionId 'NO-SUCH-INTERSECTION' is not in intersections.csv",
    } in details
    assert {
        "file": "cameras.csv",
        "row": tag_rows[0],
        "error": "unknown SubmissionId 'NO-SUCH-SUBMISSION'",
    } in details
    assert "skip_orphans" in raised.value.message
    assert count(session, Submission, campaign) == 0
    assert count(session, Location, campaign) == 0


def test_skip_orphans_imports_the_rest_and_lists_them(
    session: Session, campaign: Campaign, data: tuple[Path, Generated]
) -> None:
    directory, generated = data
    counts = rows(directory, "counts.csv")[0]
    append_rows(
        directory / "counts.csv",
        ["orphan-sub", counts["DecoderId"], "1.0", "NO-SUCH", counts["StartTime"],
         counts["EndTime"], "1", "0", "1", "0", "0", "0", "0"],
    )  # fmt: skip
    append_rows(
        directory / "cameras.csv",
        [
            counts["DecoderId"],
            "NO-SUCH",
            "orphan-sub",
            "",
            "building",
            "",
            "1",
            "t",
            "10",
            "5",
            "1",
            "",
            "",
        ],
    )
    report = run(session, campaign, directory, skip_orphans=True)
    assert report.counts["orphans_skipped"] == 2
    assert count(session, Submission, campaign) == generated.submissions
    messages = [w["error"] for w in report.warnings]
    assert any("(counts.csv row" in m and "is an orphan" in m for m in messages)


def test_bad_values_are_reported_by_file_and_row(
    session: Session, campaign: Campaign, data: tuple[Path, Generated]
) -> None:
    directory, _ = data
    first = rows(directory, "counts.csv")[0]
    inter = rows(directory, "intersections.csv")[0]
    r1 = append_rows(
        directory / "intersections.csv", ["X1", "1", "Queens", "", "forty", "-73.9", "P", "2020-01"]
    )
    r2 = append_rows(
        directory / "counts.csv",
        [
            "S-bad",
            first["DecoderId"],
            "",
            inter["IntersectionId"],
            "yesterday",
            "",
            "1",
            "1",
            "0",
            "0",
            "0",
            "0",
            "0",
        ],
    )
    r3 = append_rows(
        directory / "cameras.csv",
        [
            first["DecoderId"],
            inter["IntersectionId"],
            first["SubmissionId"],
            "fisheye",
            "building",
            "",
            "99",
            "t",
            "1",
            "2",
            "1",
            "",
            "",
        ],
    )
    with pytest.raises(Invalid) as raised:
        run(session, campaign, directory)
    details = raised.value.details
    assert [(d["file"], d["row"]) for d in details] == [
        ("intersections.csv", r1[0]),
        ("counts.csv", r2[0]),
        ("cameras.csv", r3[0]),
    ]
    assert "latitude is not a number" in details[0]["error"]
    assert "StartTime" in details[1]["error"]
    assert "Type 'fisheye'" in details[2]["error"]
    assert count(session, Task, campaign) == 0


def test_missing_files_are_named(tmp_path: Path) -> None:
    from app.services.imports.amnesty_files import read_directory_files

    (tmp_path / "counts.csv").write_text("SubmissionId\n")
    with pytest.raises(Invalid) as raised:
        read_directory_files(
            lambda n: (tmp_path / n).read_bytes() if (tmp_path / n).exists() else None
        )
    assert "intersections.csv" in raised.value.message and "counts.csv" not in raised.value.message


def test_pitch_is_clamped_and_zoom_defaults(
    session: Session, campaign: Campaign, data: tuple[Path, Generated]
) -> None:
    directory, _ = data
    first = next(r for r in rows(directory, "counts.csv") if r["n_cameras"] == "0")
    append_rows(
        directory / "cameras.csv",
        [
            first["DecoderId"],
            first["IntersectionId"],
            first["SubmissionId"],
            "",
            "unknown",
            "",
            "x1",
            "t",
            "-725",
            "90.4",
            "",
            "",
            "",
        ],
    )
    report = run(session, campaign, directory)
    assert report.counts["pitch_clamped"] == 1
    assert report.counts["tag_count_mismatches"] == 1
    tag = session.execute(
        select(Tag)
        .join(Submission, Submission.id == Tag.submission_id)
        .where(Submission.external_ref == first["SubmissionId"])
    ).scalar_one()
    assert (tag.heading, tag.pitch, tag.zoom, tag.attachment, tag.camera_type) == (
        355.0,
        90.0,
        1.0,
        "other",
        None,
    )
