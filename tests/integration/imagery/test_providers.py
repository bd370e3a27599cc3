"""The Mapillary and Panoramax adapters against the local fake providers."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.imagery import BBox
from app.errors import ImageryInvalid, ImageryNotConfigured, ImageryUnavailable
from app.services import imagery
from app.settings import Settings
from tests.fake_imagery import FakeImagery

AROUND = BBox(-73.99, 40.755, -73.98, 40.76)  # 0.0001 square degrees around the fixtures


def _provider(name: str, settings: Settings, sleeps: list[float]) -> imagery.Provider:
    return imagery.provider_for(name, settings, sleep=sleeps.append)


def test_mapillary_follows_pages_and_skips_images_that_are_not_360(
    fake: FakeImagery, imagery_settings: Settings, sleeps: list[float]
) -> None:
    found = imagery.search_box(_provider("mapillary", imagery_settings, sleeps), AROUND)
    assert sorted(c.provider_id for c in found) == [
        "1000000000000001",
        "1000000000000002",
        "1000000000000004",
    ]  # …003 is a flat photo; 3 of 4 images in the box needed 2 pages
    calls = fake.calls("mapillary/images")
    assert len(calls) == 2
    first = calls[0]
    assert first["headers"]["Authorization"] == "OAuth MLY|test|token"
    assert first["query"]["is_pano"] == "true"
    assert set(first["query"]["fields"].split(",")) >= {"id", "geometry", "captured_at", "is_pano"}


def test_mapillary_image_in_our_terms(imagery_settings: Settings, sleeps: list[float]) -> None:
    found = imagery.search_box(_provider("mapillary", imagery_settings, sleeps), AROUND)
    image = next(c for c in found if c.provider_id == "1000000000000001")
    assert (image.lat, image.lon) == (40.758036, -73.9857)
    assert image.heading == 90.5  # the SfM-corrected compass angle wins over the raw one
    assert image.captured_at == date(2021, 6, 1)
    assert image.licence == "CC-BY-SA-4.0"
    assert image.creator == "street_walker"
    assert image.attribution == "© street_walker, Mapillary, CC BY-SA 4.0"
    assert image.image_url is None  # signed URLs expire: only the id is kept
    negative = next(c for c in found if c.provider_id == "1000000000000004")
    assert negative.heading == 345.0


def test_a_429_waits_for_retry_after_then_succeeds(
    fake: FakeImagery, imagery_settings: Settings, sleeps: list[float]
) -> None:
    fake.throttle["mapillary/images"] = (1, "2")
    found = imagery.search_box(_provider("mapillary", imagery_settings, sleeps), AROUND)
    assert len(found) == 3
    assert sleeps == [2.0]


def test_retry_after_is_capped(
    fake: FakeImagery, imagery_settings: Settings, sleeps: list[float]
) -> None:
    fake.throttle["panoramax/search"] = (1, "3600")
    imagery.search_box(_provider("panoramax", imagery_settings, sleeps), AROUND)
    assert sleeps == [5.0]


def test_retries_are_bounded(
    fake: FakeImagery, imagery_settings: Settings, sleeps: list[float]
) -> None:
    fake.throttle["mapillary/images"] = (10, "1")
    with pytest.raises(ImageryUnavailable) as caught:
        imagery.search_box(_provider("mapillary", imagery_settings, sleeps), AROUND)
    assert caught.value.code == "imagery_unavailable"
    assert len(fake.calls("mapillary/images")) == 3  # the first try and 2 retries
    assert sleeps == [1.0, 1.0]


def test_malformed_json_is_a_clear_error(
    fake: FakeImagery, imagery_settings: Settings, sleeps: list[float]
) -> None:
    fake.malformed.add("mapillary/images")
    with pytest.raises(ImageryInvalid, match="invalid JSON"):
        imagery.search_box(_provider("mapillary", imagery_settings, sleeps), AROUND)


@pytest.mark.parametrize("name", ["mapillary", "panoramax"])
def test_a_wrong_shape_is_a_clear_error(
    name: str, fake: FakeImagery, imagery_settings: Settings, sleeps: list[float]
) -> None:
    fake.malformed.add("shape")
    with pytest.raises(ImageryInvalid, match="geometry"):
        imagery.search_box(_provider(name, imagery_settings, sleeps), AROUND)


def test_a_bad_token_says_so(imagery_settings: Settings, sleeps: list[float]) -> None:
    wrong = imagery_settings.model_copy(update={"mapillary_token": "MLY|wrong"})
    with pytest.raises(ImageryNotConfigured, match="token"):
        imagery.search_box(_provider("mapillary", wrong, sleeps), AROUND)


def test_mapillary_needs_a_token(settings: Settings) -> None:
    with pytest.raises(ImageryNotConfigured, match="DECODERS_MAPILLARY_TOKEN"):
        imagery.provider_for("mapillary", settings.model_copy(update={"mapillary_token": None}))


def test_a_full_answer_is_split_into_quarters(
    fake: FakeImagery, imagery_settings: Settings, sleeps: list[float]
) -> None:
    provider = _provider("mapillary", imagery_settings, sleeps)
    provider.limit = 2  # type: ignore[misc]  # the cap, reached by a page of 2 without `next`
    fake.page_size = 2
    fake.mapillary = fake.mapillary[:2]  # two images in the box: one full page, no next
    found = imagery.search_box(provider, AROUND)
    assert sorted(c.provider_id for c in found) == ["1000000000000001", "1000000000000002"]
    assert len(fake.calls("mapillary/images")) > 1


def test_panoramax_follows_next_links_and_keeps_360_pictures_only(
    fake: FakeImagery, imagery_settings: Settings, sleeps: list[float]
) -> None:
    fake.page_size = 1
    found = imagery.search_box(_provider("panoramax", imagery_settings, sleeps), AROUND)
    assert sorted(c.provider_id for c in found) == [
        "00000000-0000-4000-8000-000000000001",
        "00000000-0000-4000-8000-000000000003",
    ]
    assert len(fake.calls("panoramax/search")) == 3


def test_panoramax_picture_in_our_terms(
    fake: FakeImagery, imagery_settings: Settings, sleeps: list[float]
) -> None:
    found = imagery.search_box(_provider("panoramax", imagery_settings, sleeps), AROUND)
    one = next(c for c in found if c.provider_id.endswith("1"))
    assert one.heading == 87.5
    assert one.captured_at == date(2023, 4, 10)
    assert one.licence == "CC-BY-SA-4.0"
    assert one.creator == "cartographe"
    host = fake.base.removeprefix("http://")
    assert one.attribution == f"© cartographe, Panoramax ({host}), CC BY-SA 4.0"
    assert one.image_url == f"{fake.panoramax_url}/pictures/{one.provider_id}/hd.jpg"
    assert one.tiles == {
        "url": f"{fake.panoramax_url}/pictures/{one.provider_id}/tiled/{{col}}_{{row}}.jpg",
        "cols": 8,
        "rows": 4,
        "width": 5760,
    }
    three = next(c for c in found if c.provider_id.endswith("3"))
    assert three.licence == "etalab-2.0"
    assert three.image_url and three.image_url.endswith("/sd.jpg")  # no hd: the sd one
    assert three.tiles is None


def test_capture_window_is_sent_to_the_provider(
    fake: FakeImagery, imagery_settings: Settings, sleeps: list[float]
) -> None:
    provider = _provider("panoramax", imagery_settings, sleeps)
    imagery.search_box(provider, AROUND, since=date(2019, 1, 1))
    assert fake.calls("panoramax/search")[0]["query"]["datetime"] == "2019-01-01T00:00:00Z/.."
