import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.services.publishing.features import osm_tags, point


@pytest.mark.parametrize(
    ("attachment", "camera_type", "expected"),
    [
        ("street_furniture", "dome_ptz", {"surveillance": "public", "camera:type": "dome",
                                          "camera:mount": "pole"}),
        ("building", "bullet", {"camera:type": "fixed", "camera:mount": "wall"}),
        ("other", "unknown", {}),
    ],
)  # fmt: skip
def test_osm_tags_map_our_vocabulary_and_omit_unknowns(
    attachment: str, camera_type: str, expected: dict[str, str]
) -> None:
    base = {"man_made": "surveillance", "surveillance:type": "camera"}
    assert osm_tags(attachment, camera_type) == {**base, **expected}


def test_camera_direction_only_when_known() -> None:
    assert "camera:direction" not in osm_tags("building", "bullet")
    assert osm_tags("building", "bullet", direction=359.6)["camera:direction"] == 0


@given(st.floats(-180, 180), st.floats(-90, 90))
def test_points_are_lon_lat_with_seven_decimals(lon: float, lat: float) -> None:
    coordinates = point(lon, lat)["coordinates"]
    assert coordinates == [round(lon, 7), round(lat, 7)]
    assert abs(coordinates[0] - lon) <= 5e-8 and abs(coordinates[1] - lat) <= 5e-8
