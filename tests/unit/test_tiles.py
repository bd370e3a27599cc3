import math

import pytest

from app.errors import Invalid
from app.services.publishing.density import hexagon_size
from app.services.publishing.tiles import CELL_LADDER, cell_for_zoom, check_tile, etag, tile_bounds


def test_tile_bounds_of_the_world_and_a_quarter() -> None:
    west, south, east, north = tile_bounds(0, 0, 0)
    assert (west, east) == (-180, 180)
    assert math.isclose(north, 85.0511287798, abs_tol=1e-9) and math.isclose(south, -north)
    assert tile_bounds(1, 1, 0)[:3] == (0.0, 0.0, 180.0)


def test_a_margin_widens_the_box_but_stays_in_the_world() -> None:
    inner = tile_bounds(12, 1205, 1539)
    outer = tile_bounds(12, 1205, 1539, margin=64 / 4096)
    assert outer[0] < inner[0] and outer[1] < inner[1] and outer[2] > inner[2]
    assert tile_bounds(0, 0, 0, margin=0.1) == (-180.0, -90.0, 180.0, 90.0)


@pytest.mark.parametrize(("z", "x", "y"), [(-1, 0, 0), (23, 0, 0), (3, 8, 0), (3, 0, -1)])
def test_tiles_outside_the_grid_are_invalid(z: int, x: int, y: int) -> None:
    with pytest.raises(Invalid):
        check_tile(z, x, y)


def test_hexagon_cells_shrink_with_zoom_within_the_ladder() -> None:
    cells = [cell_for_zoom(z, 40.7) for z in range(23)]
    assert cells == sorted(cells, reverse=True)
    assert set(cells) <= set(CELL_LADDER)
    assert cell_for_zoom(12, 40.7) == 500 and cell_for_zoom(22, 40.7) == 50


def test_hexagon_size_undoes_the_mercator_stretch() -> None:
    assert hexagon_size(500, 0) == 500
    assert math.isclose(hexagon_size(500, 60), 1000)


def test_etag_is_strong_and_content_addressed() -> None:
    assert etag(b"a") == etag(b"a") != etag(b"b")
    assert etag(b"a").startswith('"') and etag(b"a").endswith('"')
