from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.services.publishing.features import (
    CAMERA_PROPERTIES,
    camera_feature,
    csv_header,
    csv_plan,
    csv_record,
    osm_tags,
    point,
)


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


def test_csv_record_flattens_osm_tags() -> None:
    row = {name: None for name in CAMERA_PROPERTIES}
    row.update(id=7, attachment="building", camera_type="bullet", lon=-74.0, lat=40.7,
               computed_at=datetime(2024, 1, 2, tzinfo=UTC))  # fmt: skip
    header = csv_header(CAMERA_PROPERTIES, osm=True)
    record = dict(zip(header, csv_record(camera_feature(row), csv_plan(header)), strict=True))
    assert record["lon"] == -74.0 and record["lat"] == 40.7 and record["id"] == 7
    assert record["osm:camera:mount"] == "wall" and record["osm:surveillance"] is None
    assert record["computed_at"] == "2024-01-02T00:00:00+00:00"


def test_csv_record_joins_the_imagery_lists() -> None:
    row = {name: None for name in CAMERA_PROPERTIES}
    row.update(id=8, attachment="building", camera_type="bullet", lon=-74.0, lat=40.7,
               imagery_licences=["CC-BY-SA-4.0", "etalab-2.0"], osm_compatible=True)  # fmt: skip
    header = csv_header([*CAMERA_PROPERTIES, "imagery_licences", "osm_compatible"], osm=True)
    record = dict(zip(header, csv_record(camera_feature(row), csv_plan(header)), strict=True))
    assert record["imagery_licences"] == "CC-BY-SA-4.0; etalab-2.0"
    assert record["osm_compatible"] is True
