from datetime import UTC, date, datetime

import pytest

from app.services.publishing.ogc import BadParameter, parse_datetime


def test_instants_and_intervals() -> None:
    assert parse_datetime("2021-06-01") == (date(2021, 6, 1), date(2021, 6, 1))
    start = datetime(2021, 1, 1, tzinfo=UTC)
    assert parse_datetime("2021-01-01T00:00:00Z/..") == (start, None)
    assert parse_datetime("../2021-12-31") == (None, date(2021, 12, 31))


@pytest.mark.parametrize("text", ["yesterday", "..", "2021-13-01", "2021-01-01T25:00:00Z/.."])
def test_bad_datetimes_are_400(text: str) -> None:
    with pytest.raises(BadParameter):
        parse_datetime(text)
