"""Re-ship races on real PostgreSQL, staged at failpoints so they run the same every time:
two reports of one lost parcel make one re-ship; two reports of two parcels by a customer
at the trust limit's edge make one re-ship, not two."""

from __future__ import annotations

import threading

import pytest

from baro.commerce.orders import NotLosable, OrderStatus, ReshipLimitReached
from baro.core.failpoints import armed
from baro.core.ids import new_id
from baro.platform import Platform
from tests.builders import SAO_PAULO, Shopper, add_facility, add_product, shopper, stock
from tests.integration.races import Rival, run_until_done_or_blocked

pytestmark = pytest.mark.postgres

SHIPPING = (OrderStatus.PICKING, OrderStatus.PACKED, OrderStatus.SHIPPED)


@pytest.fixture
def item(platform: Platform) -> str:
    product = add_product(platform, sku=new_id("SKU"))
    stock(platform, add_facility(platform, "FC", SAO_PAULO), product.id, 50)
    return product.id


def shipped(platform: Platform, buyer: Shopper, item: str) -> str:
    placed = platform.orders.place_one_click(buyer.principal, item, 1, idempotency_key=new_id("k"))
    platform.orders.advance(placed.order.id, *SHIPPING)
    return placed.order.id


def race(pg_url: str, first: object, second: Rival) -> list[str]:
    """Run ``first`` (a callable) with ``second`` started while the first holds its write
    transaction open; the second finishes before the first settles."""
    states: list[str] = []
    ours = threading.get_ident()  # the points are armed for every thread: act on ours only

    def start_the_second() -> None:
        if not states and threading.get_ident() == ours:
            states.append(run_until_done_or_blocked(pg_url, second))

    def let_the_second_finish() -> None:
        if threading.get_ident() == ours:
            second.join()

    with (
        armed("placement.before_commit", start_the_second),
        armed("placement.charged", let_the_second_finish),
    ):
        first()  # type: ignore[operator]
    second.join()
    return states


def test_two_reports_of_one_lost_parcel_make_one_reship(
    platform: Platform, pg_url: str, item: str
) -> None:
    buyer = shopper(platform, "Twice")
    lost = shipped(platform, buyer, item)
    reships = platform.orders.reships
    before = reships.figures().reships
    results = []
    second = Rival(lambda: reships.report_lost(buyer.principal, lost))

    states = race(
        pg_url, lambda: results.append(reships.report_lost(buyer.principal, lost)), second
    )

    assert states == ["blocked"]  # on the first's idempotency key
    assert isinstance(second.error, NotLosable), second.error
    assert results[0].order.reship_of == lost
    assert reships.figures().reships == before + 1
    assert platform.orders.get(buyer.principal, lost).status is OrderStatus.LOST
    # Once settled, a third report replays the one re-ship.
    again = reships.report_lost(buyer.principal, lost)
    assert again.replayed and again.order.id == results[0].order.id


def test_two_reports_at_the_trust_limit_make_one_reship(
    platform: Platform, pg_url: str, item: str
) -> None:
    buyer = shopper(platform, "Edge")
    reships = platform.orders.reships
    assert reships.policy.max_reships == 2
    reships.report_lost(buyer.principal, shipped(platform, buyer, item))  # one of two used
    a, b = shipped(platform, buyer, item), shipped(platform, buyer, item)
    second = Rival(lambda: reships.report_lost(buyer.principal, b))

    states = race(pg_url, lambda: reships.report_lost(buyer.principal, a), second)

    assert states == ["blocked"]  # on the customer's row, counting
    assert isinstance(second.error, ReshipLimitReached), second.error
    assert second.error.context["used"] == 2
    assert platform.orders.get(buyer.principal, a).status is OrderStatus.LOST
    assert platform.orders.get(buyer.principal, b).status is OrderStatus.SHIPPED
