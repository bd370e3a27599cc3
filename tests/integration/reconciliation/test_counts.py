"""Published counts reproduced to the integer: an independent pandas recomputation (DESIGN §5.1).

Thousands of tasks with arbitrary per-submission counts (as imported data carries its
published counts), two to five valid answers each plus problem reports, and start times
that tie on purpose, are inserted in bulk; task_counts must equal a plain pandas
group-by over the same rows, category by category.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain.counts import ATTACHMENT_CATEGORIES, CATEGORIES
from app.models import Campaign
from app.services.imports.amnesty import import_amnesty
from app.services.imports.amnesty_files import FILES
from app.services.reconciliation.run import reconcile_campaign
from tests.amnesty_data import write_amnesty_files
from tests.factories import make_campaign

TASKS = 3000


def generate(session: Session, campaign: Campaign, *, tasks: int, seed: float) -> None:
    """Panoramas, tasks, decoders and submissions with random counts, set-based."""
    params = {"c": campaign.id, "n": tasks, "seed": seed}
    session.execute(text("SELECT setseed(:seed)"), params)
    session.execute(
        text(
            "INSERT INTO users (public_id, role, is_anonymous, is_active) "
            "SELECT 'pd-' || :c || '-' || g, 'decoder', true, true FROM generate_series(1, 60) g"
        ),
        params,
    )
    session.execute(
        text(
            "INSERT INTO panoramas (campaign_id, provider, provider_id, geom, heading) "
            "SELECT :c, 'google', 'pd' || g, "
            "ST_SetSRID(ST_MakePoint(-74 + g * 0.0001, 40.7), 4326), 0 "
            "FROM generate_series(1, :n) g"
        ),
        params,
    )
    session.execute(
        text(
            "INSERT INTO tasks (campaign_id, panorama_id, status, priority, is_tutorial, "
            "valid_submissions) SELECT :c, id, 'complete', 0, false, 0 FROM panoramas "
            "WHERE campaign_id = :c"
        ),
        params,
    )
    # 1-6 answers per task from distinct decoders; ~8 % are problem reports (not votes);
    # start times on a 5-minute grid so that ties (broken by id) are common. Counts are
    # skewed like real ones: mostly 0-2, sometimes many. (The `* 0` terms tie each random()
    # to its row: a LATERAL subquery without an outer reference is evaluated only once.)
    n_columns = ", ".join(f"n_{c}" for c in CATEGORIES)
    randoms = ", ".join(
        "CASE WHEN random() < 0.6 THEN floor(random() * 3) ELSE floor(random() * 9) END"
        for _ in CATEGORIES
    )
    session.execute(
        text(
            f"""
            INSERT INTO submissions (campaign_id, task_id, user_id, outcome, problem_kind,
                                     started_at, {n_columns})
            SELECT :c, t.id, u.id, x.outcome,
                   CASE WHEN x.outcome = 'problem' THEN 'no_image' END,
                   timestamptz '2021-05-01 12:00Z' + floor(random() * 4) * interval '5 min',
                   {randoms}
            FROM tasks t
            CROSS JOIN LATERAL (SELECT 1 + floor(random() * 6 + t.id * 0)::int AS k) AS m
            CROSS JOIN LATERAL (
                SELECT id FROM users WHERE public_id LIKE 'pd-' || :c || '-%'
                ORDER BY random() + t.id * 0 LIMIT m.k
            ) AS u
            CROSS JOIN LATERAL (
                SELECT CASE WHEN random() + u.id * 0 < 0.08 THEN 'problem'
                            WHEN random() < 0.3 THEN 'no_cameras' ELSE 'cameras' END AS outcome
            ) AS x
            WHERE t.campaign_id = :c
            """
        ),
        params,
    )


def agreement(values: pd.Series) -> str:
    """The published labels, extended for N != 3 as DESIGN §5.1 and app.domain.counts say."""
    tally = values.value_counts()
    n = len(values)
    if len(tally) == 1:
        return "Unanimous"
    if len(tally) == n:
        return "All disagree"
    if n == 3:
        return "2 vs 1"
    return "Majority" if tally.max() * 2 > n else "Split"


def expected(session: Session, campaign: Campaign) -> pd.DataFrame:
    """Independent recomputation: earliest N valid answers by (start, id), medians per task."""
    subs = pd.read_sql_query(
        text("SELECT * FROM submissions WHERE campaign_id = :c"),
        session.connection(),
        params={"c": campaign.id},
    )
    n = campaign.votes_per_task
    valid = subs[subs.outcome.isin(["cameras", "no_cameras"])]
    earliest = valid.sort_values(["task_id", "started_at", "id"]).groupby("task_id").head(n)
    earliest = earliest[earliest.groupby("task_id").id.transform("size") == n]
    grouped = earliest.groupby("task_id")
    out = pd.DataFrame({"submission_ids": grouped.id.apply(list)})
    for c in CATEGORIES:
        out[f"median_{c}"] = grouped[f"n_{c}"].median()
        out[f"agreement_{c}"] = grouped[f"n_{c}"].apply(agreement)
    out["total"] = sum(out[f"median_{c}"] for c in ATTACHMENT_CATEGORIES)
    return out.sort_index()


def stored(session: Session, campaign: Campaign) -> pd.DataFrame:
    frame = pd.read_sql_query(
        text("SELECT * FROM task_counts WHERE campaign_id = :c"),
        session.connection(),
        params={"c": campaign.id},
    )
    return frame.set_index("task_id").sort_index()


@pytest.mark.parametrize("votes", [3, 4])
def test_task_counts_equal_an_independent_pandas_recomputation(
    session: Session, votes: int
) -> None:
    campaign = make_campaign(session, votes_per_task=votes)
    generate(session, campaign, tasks=TASKS if votes == 3 else TASKS // 3, seed=0.25)
    reconcile_campaign(session, campaign=campaign, full=True)
    want, got = expected(session, campaign), stored(session, campaign)
    assert len(want) > TASKS // 10  # the generated campaign has plenty of complete tasks
    assert list(got.index) == list(want.index)
    assert (got.n == votes).all()
    assert [list(ids) for ids in got.submission_ids] == list(want.submission_ids)
    for c in CATEGORIES:
        pd.testing.assert_series_equal(
            got[f"median_{c}"], want[f"median_{c}"].astype(float), check_names=False
        )
        assert (got[f"agreement_{c}"] == want[f"agreement_{c}"]).all(), c
    pd.testing.assert_series_equal(got.total, want.total.astype(float), check_names=False)
    if votes == 3:
        # Medians of three integers are integers: "to the integer", literally.
        assert (got[[f"median_{c}" for c in CATEGORIES]] % 1 == 0).all().all()
        assert {"Unanimous", "2 vs 1", "All disagree"} == set(got.agreement_all)


def test_imported_amnesty_data_reproduces_the_published_procedure(
    session: Session, tmp_path: Path
) -> None:
    """`decoders import amnesty`, then reconcile: medians of the raw counts.csv, to the integer.

    The expected values come from the published files alone (counts.csv grouped by the
    intersections' PanoramaId, since intersections sharing a panorama are one task), with
    equal start times broken by submission order as stored.
    """
    write_amnesty_files(tmp_path, intersections=1500, submissions=4500, tags=3000, messy=False)
    campaign = make_campaign(session)
    files = {name: (tmp_path / name).read_bytes() for name in FILES}
    import_amnesty(session, campaign=campaign, files=files)
    reconcile_campaign(session, campaign=campaign, full=True)

    counts = pd.read_csv(tmp_path / "counts.csv", dtype={"SubmissionId": str})
    places = pd.read_csv(tmp_path / "intersections.csv", dtype=str)[
        ["IntersectionId", "PanoramaId"]
    ]
    raw = counts.merge(places, on="IntersectionId")
    ids = pd.read_sql_query(
        text('SELECT external_ref AS "SubmissionId", id FROM submissions WHERE campaign_id = :c'),
        session.connection(),
        params={"c": campaign.id},
    )
    raw = raw.merge(ids, on="SubmissionId")
    raw["start"] = pd.to_datetime(raw.StartTime, utc=True)
    first3 = raw.sort_values(["PanoramaId", "start", "id"]).groupby("PanoramaId").head(3)
    first3 = first3[first3.groupby("PanoramaId").id.transform("size") == 3]
    grouped = first3.groupby("PanoramaId")
    published = {
        "all": "n_cameras",
        "street_furniture": "attached_street",
        "building": "attached_building",
        "other": "attached_unknown",
        "dome_ptz": "type_dome",
        "bullet": "type_bullet",
        "unknown_type": "type_unknown",
    }
    want = pd.DataFrame({c: grouped[col].median() for c, col in published.items()})
    want["total"] = want.street_furniture + want.building + want.other
    want["agreement_all"] = grouped.n_cameras.apply(agreement)

    got = pd.read_sql_query(
        text(
            'SELECT p.provider_id AS "PanoramaId", tc.* FROM task_counts tc '
            "JOIN tasks t ON t.id = tc.task_id JOIN panoramas p ON p.id = t.panorama_id "
            "WHERE tc.campaign_id = :c"
        ),
        session.connection(),
        params={"c": campaign.id},
    ).set_index("PanoramaId")
    assert len(want) > 1000
    assert sorted(got.index) == sorted(want.index)
    got = got.loc[want.index]
    for c in published:
        assert (got[f"median_{c}"] == want[c]).all(), c
    assert (got.total == want.total).all()
    assert (got.agreement_all == want.agreement_all).all()
