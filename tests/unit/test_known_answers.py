"""Tests for app.domain.known_answers: tutorial feedback against known cameras."""

from app.domain.known_answers import KnownCamera, TagDirection, match_known


def tag(heading: float, pitch: float = 10.0, attachment: str = "building") -> TagDirection:
    return TagDirection(heading, pitch, attachment, "dome_ptz")


def cam(heading: float, pitch: float = 10.0, camera_type: str = "dome_ptz") -> KnownCamera:
    return KnownCamera(heading, pitch, "building", camera_type)


def test_tag_on_a_known_camera_matches_it() -> None:
    feedback = match_known([tag(100.0)], [cam(101.0)])
    assert feedback.matched == ((0, 0),)
    assert (feedback.recall, feedback.precision) == (1.0, 1.0)


def test_match_wraps_around_north() -> None:
    assert match_known([tag(359.0)], [cam(1.0)]).matched == ((0, 0),)


def test_closest_tag_wins_and_the_other_is_false() -> None:
    feedback = match_known([tag(104.0), tag(100.5)], [cam(100.0)])
    assert feedback.matched == ((1, 0),)
    assert feedback.false_tags == (0,)


def test_greedy_matching_is_one_to_one() -> None:
    feedback = match_known([tag(100.0), tag(103.0)], [cam(101.0), cam(104.0)])
    assert sorted(k for _, k in feedback.matched) == [0, 1]
    assert sorted(t for t, _ in feedback.matched) == [0, 1]


def test_tag_beyond_tolerance_is_false_and_camera_missed() -> None:
    feedback = match_known([tag(100.0)], [cam(110.0)], tolerance_deg=5.0)
    assert feedback.matched == ()
    assert feedback.missed == (0,)
    assert feedback.false_tags == (0,)
    assert (feedback.recall, feedback.precision) == (0.0, 0.0)


def test_recall_and_precision_count_matches() -> None:
    feedback = match_known([tag(10.0), tag(200.0)], [cam(10.0), cam(90.0), cam(300.0)])
    assert feedback.recall == 1 / 3
    assert feedback.precision == 1 / 2


def test_empty_inputs_score_one() -> None:
    feedback = match_known([], [])
    assert (feedback.recall, feedback.precision) == (1.0, 1.0)


def test_attribute_agreement_reports_attachment_and_type() -> None:
    tags = [TagDirection(50.0, 5.0, "street_furniture", "bullet")]
    feedback = match_known(tags, [KnownCamera(50.0, 5.0, "building", "bullet")])
    assert feedback.attribute_agreement == ((0, False, True),)


def test_known_unknown_type_accepts_any_type() -> None:
    feedback = match_known([tag(50.0)], [cam(50.0, camera_type="unknown")])
    assert feedback.attribute_agreement == ((0, True, True),)
