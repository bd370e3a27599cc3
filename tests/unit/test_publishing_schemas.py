import pytest

from app.schemas.publishing import BBox


def test_bbox_parses_four_numbers_and_drops_heights() -> None:
    assert BBox.parse("-74,40.5,-73.7,40.9") == BBox(-74, 40.5, -73.7, 40.9)
    assert BBox.parse("-74,40.5,0,-73.7,40.9,100") == BBox(-74, 40.5, -73.7, 40.9)


@pytest.mark.parametrize(
    "text", ["", "1,2,3", "a,b,c,d", "nan,0,1,1", "-181,0,0,1", "0,-91,1,1", "0,10,1,5"]
)
def test_bad_bboxes_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        BBox.parse(text)


def test_a_box_across_the_antimeridian_splits_in_two() -> None:
    box = BBox.parse("170,-10,-170,10")
    assert box.parts() == [(170, -10, 180, 10), (-180, -10, -170, 10)]
    assert box.wkt().startswith("MULTIPOLYGON(((170.0 -10.0,180.0 -10.0")
