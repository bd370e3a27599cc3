"""Score a reconciled simulated campaign against its truth.

Matching: a reconciled camera and a true camera match when, from a panorama that
saw the reconciled camera (any of its sightings), their directions are within
MATCH_DEG; pairs are taken closest first, one-to-one. Location error is the
ground distance between the reconciled and the true position, whatever the
direction match, reported per location method.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain.sphere import angular_distance
from app.domain.triangulation import to_local

if TYPE_CHECKING:
    from app.models import Campaign
    from bench.sim_world import Spot, Truth

MATCH_DEG = 4.0

_CAMERAS = """
SELECT c.id, c.task_id, c.status, c.merged_into_id, c.attachment, c.camera_type, c.bearing,
       c.pitch, c.location_method, c.uncertainty_m, ST_Y(c.geom), ST_X(c.geom), c.n_panoramas,
       c.confidence
FROM cameras c WHERE c.campaign_id = :c ORDER BY c.id
"""


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def score(
    session: Session, *, campaign: Campaign, spots: dict[int, Spot], truth: Truth
) -> dict[str, Any]:
    """Precision, recall, attributes, location error and count error against the truth."""
    rows = list(session.execute(text(_CAMERAS), {"c": campaign.id}))
    sightings: dict[int, list[tuple[int, float, float]]] = defaultdict(list)
    for r in rows:
        owner = r.merged_into_id if r.status == "merged" else r.id
        if r.n_panoramas == 1:
            sightings[owner].append((r.task_id, r.bearing, r.pitch))
    published = [r for r in rows if r.status != "merged"]
    counted = {
        int(t): float(m)
        for t, m in session.execute(
            text("SELECT task_id, median_all FROM task_counts WHERE campaign_id = :c"),
            {"c": campaign.id},
        )
    }
    true_by_id = {c.camera_id: c for c in truth.world.cameras}
    wanted = {c.camera_id for t in counted for c, *_ in spots[t].visible}
    confirmed = [r for r in published if r.status == "confirmed"]
    match, near = _match(confirmed, sightings, spots)
    any_match, _ = _match(published, sightings, spots)
    hits = [r for r in confirmed if r.id in match]
    metrics: dict[str, Any] = {
        "true_cameras": len(wanted),
        "confirmed": len(confirmed),
        "candidates": sum(r.status == "candidate" for r in published),
        "rejected": sum(r.status == "rejected" for r in published),
        "precision": len(hits) / len(confirmed) if confirmed else float("nan"),
        "recall": len({match[r.id] for r in hits} & wanted) / len(wanted)
        if wanted
        else float("nan"),
        "recall_any_status": len(set(any_match.values()) & wanted) / len(wanted)
        if wanted
        else float("nan"),
        "duplicates": sum(1 for r in confirmed if r.id not in match and r.id in near),
        "attachment_accuracy": _share(
            r.attachment == true_by_id[match[r.id]].attachment for r in hits
        ),
        "type_accuracy": _share(r.camera_type == true_by_id[match[r.id]].camera_type for r in hits),
        "type_unknown": _share(r.camera_type == "unknown" for r in hits),
    }
    # The alternative rule a researcher can apply with ?min_confidence=0.5: any status
    # but rejected/merged, posterior at least even, majority or not.
    likely = [r for r in published if r.status != "rejected" and r.confidence >= 0.5]
    likely_match, _ = _match(likely, sightings, spots)
    metrics["posterior_rule"] = {
        "cameras": len(likely),
        "precision": len(likely_match) / len(likely) if likely else float("nan"),
        "recall": len(set(likely_match.values()) & wanted) / len(wanted)
        if wanted
        else float("nan"),
        "counts": _counts(likely, sightings, counted, spots),
    }
    metrics["location"] = _location(hits, match, true_by_id)
    metrics["counts"] = _counts(confirmed, sightings, counted, spots)
    metrics["brier"] = _share_mean(
        (r.confidence - (1.0 if r.id in any_match else 0.0)) ** 2 for r in published
    )
    metrics["spammers"] = _spammers(session, campaign=campaign, truth=truth)
    return metrics


def _match(
    cameras: list[Any], sightings: dict[int, list[tuple[int, float, float]]], spots: dict[int, Any]
) -> tuple[dict[int, int], set[int]]:
    """One-to-one camera -> true camera, closest directions first; and cameras near any."""
    pairs = []
    for r in cameras:
        for task_id, bearing, pitch in sightings[r.id]:
            for cam, tb, tp, _ in spots[task_id].visible:
                d = angular_distance(bearing, pitch, tb, tp)
                if d <= MATCH_DEG:
                    pairs.append((d, r.id, cam.camera_id))
    pairs.sort()
    match: dict[int, int] = {}
    taken: set[int] = set()
    for _, cid, tid in pairs:
        if cid not in match and tid not in taken:
            match[cid] = tid
            taken.add(tid)
    return match, {cid for _, cid, _ in pairs}


def _share(flags: Any) -> float:
    values = [bool(f) for f in flags]
    return sum(values) / len(values) if values else float("nan")


def _share_mean(values: Any) -> float:
    xs = list(values)
    return sum(xs) / len(xs) if xs else float("nan")


def _location(hits: list[Any], match: dict[int, int], true_by_id: dict[int, Any]) -> dict[str, Any]:
    errors: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for r in hits:
        cam = true_by_id[match[r.id]]
        x, y = to_local(cam.lat, cam.lon, r[10], r[11])
        errors[r.location_method].append((math.hypot(x, y), r.uncertainty_m))
    out = {}
    for method, pairs in sorted(errors.items()):
        errs = [e for e, _ in pairs]
        out[method] = {
            "n": len(errs),
            "median_m": _quantile(errs, 0.5),
            "p90_m": _quantile(errs, 0.9),
            "within_15m": _share(e <= 15 for e in errs),
            "within_2_sigma": _share(e <= 2 * u for e, u in pairs),
        }
    return out


def _counts(
    confirmed: list[Any],
    sightings: dict[int, list[tuple[int, float, float]]],
    counted: dict[int, float],
    spots: dict[int, Any],
) -> dict[str, float]:
    ours: dict[int, int] = defaultdict(int)
    for r in confirmed:
        for task_id in {t for t, _, _ in sightings[r.id]}:
            ours[task_id] += 1
    base_err, our_err = [], []
    for task_id, median in counted.items():
        true_n = len(spots[task_id].visible)
        base_err.append(median - true_n)
        our_err.append(ours.get(task_id, 0) - true_n)
    return {
        "tasks": len(counted),
        "true_mean": _share_mean(len(spots[t].visible) for t in counted),
        "median_of_n_mae": _share_mean(abs(e) for e in base_err),
        "median_of_n_bias": _share_mean(base_err),
        "median_of_n_exact": _share(e == 0 for e in base_err),
        "cameras_mae": _share_mean(abs(e) for e in our_err),
        "cameras_bias": _share_mean(our_err),
        "cameras_exact": _share(e == 0 for e in our_err),
    }


def _spammers(session: Session, *, campaign: Campaign, truth: Truth) -> dict[str, Any]:
    rows = session.execute(
        text(
            "SELECT q.user_id, q.sensitivity, q.false_alarm, count(s.id) FROM decoder_quality q "
            "JOIN submissions s ON s.user_id = q.user_id AND s.campaign_id = q.campaign_id "
            "WHERE q.campaign_id = :c AND q.sensitivity IS NOT NULL "
            "GROUP BY q.user_id, q.sensitivity, q.false_alarm HAVING count(s.id) >= 10"
        ),
        {"c": campaign.id},
    ).all()
    # Ranked as GET /campaigns/{slug}/decoder-quality lists them: least sensitive first.
    ranked = sorted(rows, key=lambda r: r[1])
    spam = {r[0] for r in rows if truth.profiles[r[0]].kind == "spammer"}
    bottom = {r[0] for r in ranked[: len(spam)]}
    return {"rated": len(rows), "spammers": len(spam), "spammers_in_bottom": len(spam & bottom)}


def _row(label: str, *cells: Any) -> str:
    return "| " + " | ".join([label, *(str(c) for c in cells)]) + " |"


def report(m: dict[str, Any]) -> str:
    """The figures as the README's methodology tables."""
    c, pr = m["counts"], m["posterior_rule"]
    q, sp = pr["counts"], m["spammers"]
    statuses = f"{m['confirmed']} / {m['candidates']} / {m['rejected']}"
    lines = [
        "| metric | value |",
        "|---|---|",
        _row("true cameras in reconciled tasks", m["true_cameras"]),
        _row("confirmed / candidate / rejected", statuses),
        _row("precision of confirmed cameras", f"{m['precision']:.3f}"),
        _row(
            "recall of confirmed cameras",
            f"{m['recall']:.3f} (any status: {m['recall_any_status']:.3f})",
        ),
        _row("confirmed duplicates of one true camera", m["duplicates"]),
        _row("attachment accuracy (matched)", f"{m['attachment_accuracy']:.3f}"),
        _row(
            "camera type accuracy (matched)",
            f"{m['type_accuracy']:.3f} ({m['type_unknown']:.3f} 'unknown')",
        ),
        _row("Brier score of confidence", f"{m['brier']:.3f}"),
        _row("spammers among the lowest-rated", f"{sp['spammers_in_bottom']} of {sp['spammers']}"),
        "",
        "| location method | n | median error | p90 error | within 15 m | within 2σ stated |",
        "|---|---|---|---|---|---|",
    ]
    for method, loc in m["location"].items():
        lines.append(
            _row(
                method,
                loc["n"],
                f"{loc['median_m']:.1f} m",
                f"{loc['p90_m']:.1f} m",
                f"{loc['within_15m']:.2f}",
                f"{loc['within_2_sigma']:.2f}",
            )
        )
    lines += [
        "",
        f"| per-task count ({c['tasks']} tasks, true mean {c['true_mean']:.2f}) "
        "| MAE | bias | exact |",
        "|---|---|---|---|",
    ]
    for label, x, key in (
        ("median of N (published method)", c, "median_of_n"),
        ("confirmed cameras", c, "cameras"),
        ("cameras with confidence >= 0.5", q, "cameras"),
    ):
        lines.append(
            _row(
                label,
                f"{x[key + '_mae']:.3f}",
                f"{x[key + '_bias']:+.3f}",
                f"{x[key + '_exact']:.3f}",
            )
        )
    lines += [
        "",
        f"Confidence >= 0.5 instead of confirmed: {pr['cameras']} cameras, precision "
        f"{pr['precision']:.3f}, recall {pr['recall']:.3f}.",
    ]
    return "\n".join(lines)
