"""The console's inventory map: facilities placed by latitude and longitude, sized by stock."""

from __future__ import annotations

import math

from baro.channels.web.pages.console.inventory import LARGEST_DOT, SMALLEST_DOT, place_on_map
from baro.network import Facility, FacilityHoldings, FacilityKind


def holding(name: str, lat: float, lng: float, on_hand: int) -> FacilityHoldings:
    facility = Facility(
        f"fac_{name}", name, FacilityKind.FULFILLMENT_CENTER, lat, lng, "cell", 1000, True
    )
    return FacilityHoldings(facility, products=1, on_hand=on_hand, reserved=0)


# Three real cities: São Paulo (south-west), Rio (east), Belo Horizonte (north).
SAO_PAULO = holding("sp", -23.55, -46.63, 400)
RIO = holding("rio", -22.91, -43.17, 100)
BELO_HORIZONTE = holding("bh", -19.92, -43.93, 0)


def test_east_is_right_and_north_is_up() -> None:
    sp, rio, bh = place_on_map([SAO_PAULO, RIO, BELO_HORIZONTE], width=800, height=400, margin=50)

    assert sp.x < bh.x < rio.x
    assert bh.y < rio.y < sp.y


def test_the_network_fills_the_view_inside_its_margin_without_stretching() -> None:
    sp, rio, bh = place_on_map([SAO_PAULO, RIO, BELO_HORIZONTE], width=800, height=400, margin=50)

    # The latitude span (3.63 degrees) is the tighter fit: it spans the height less margins.
    assert (bh.y, sp.y) == (50.0, 350.0)
    # A degree of longitude at ~21.7° S is cos(21.7°) of a degree of latitude.
    east_west = (rio.x - sp.x) / (sp.y - bh.y)
    assert math.isclose(east_west, 3.46 * math.cos(math.radians(21.735)) / 3.63, rel_tol=0.01)
    assert all(50 <= p.x <= 750 for p in (sp, rio, bh))


def test_a_dots_area_follows_the_stock_from_a_smallest_visible_dot() -> None:
    sp, rio, bh = place_on_map([SAO_PAULO, RIO, BELO_HORIZONTE])

    assert (sp.r, bh.r) == (LARGEST_DOT, SMALLEST_DOT)
    # A quarter of the stock: half the radius above the smallest dot.
    assert math.isclose(rio.r - SMALLEST_DOT, (LARGEST_DOT - SMALLEST_DOT) / 2, abs_tol=0.1)


def test_one_facility_sits_in_the_middle_and_no_stock_anywhere_draws_smallest_dots() -> None:
    (only,) = place_on_map([BELO_HORIZONTE], width=800, height=400)

    assert (only.x, only.y, only.r) == (400.0, 200.0, SMALLEST_DOT)
    assert place_on_map([]) == []
