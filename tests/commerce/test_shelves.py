"""Stock by facility for operators: totals per facility, one facility's lines named."""

from __future__ import annotations

import pytest

from baro.commerce.catalog import InvalidSearch, Shelves
from baro.network import FacilityNotFound, adjust, reserve
from baro.network.allocation import Allocation
from baro.platform import Platform
from tests.builders import RIO, SAO_PAULO, add_facility, add_product, stock


def test_totals_per_facility_count_every_facility_even_an_empty_one(platform: Platform) -> None:
    kettle, mug, cup = (add_product(platform, sku=s, title=s) for s in ("K", "M", "C"))
    sp = add_facility(platform, "SP", SAO_PAULO)
    add_facility(platform, "Rio", RIO)
    stock(platform, sp, kettle.id, 7)
    stock(platform, sp, mug.id, 3)
    stock(platform, sp, cup.id, 1)
    with platform.db.transaction() as session:
        reserve(session, [Allocation(kettle.id, sp, 2)])
        adjust(session, sp, cup.id, -1)  # a row left at zero on hand: not a product held

    totals = {h.facility.name: h for h in Shelves(platform.db).facilities()}

    assert (totals["SP"].products, totals["SP"].on_hand, totals["SP"].reserved) == (2, 10, 2)
    assert totals["SP"].available == 8
    assert (totals["Rio"].products, totals["Rio"].on_hand, totals["Rio"].reserved) == (0, 0, 0)


def test_one_facility_lists_fewest_free_first_with_the_products_named(platform: Platform) -> None:
    kettle = add_product(platform, sku="K", title="Kettle")
    mug = add_product(platform, sku="M", title="Mug")
    sp = add_facility(platform, "SP", SAO_PAULO)
    stock(platform, sp, kettle.id, 9)
    stock(platform, sp, mug.id, 4)
    shelves = Shelves(platform.db)

    first, second = shelves.at(sp)
    (only_second,) = shelves.at(sp, limit=1, offset=1)

    assert (first.product.title_en, first.level.available) == ("Mug", 4)
    assert (second.product.title_en, second.level.available) == ("Kettle", 9)
    assert only_second == second


def test_an_unknown_facility_is_not_found_rather_than_empty(platform: Platform) -> None:
    with pytest.raises(FacilityNotFound):
        Shelves(platform.db).at("fac_nowhere")


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (101, 0), (10, -1)])
def test_a_page_outside_the_bounds_is_refused(platform: Platform, limit: int, offset: int) -> None:
    sp = add_facility(platform, "SP", SAO_PAULO)
    with pytest.raises(InvalidSearch):
        Shelves(platform.db).at(sp, limit=limit, offset=offset)
