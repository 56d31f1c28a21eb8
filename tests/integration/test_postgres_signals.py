"""Cart signals under concurrency, on PostgreSQL: two puts of one new product at once each
record their own change, so the events add up to what the cart holds."""

from __future__ import annotations

import pytest

from baro.core.events import read_log
from baro.core.failpoints import armed
from baro.core.ids import new_id
from baro.platform import Platform
from tests.builders import add_product, shopper
from tests.integration.races import Rival, run_until_done_or_blocked

pytestmark = pytest.mark.postgres


def test_two_first_puts_of_one_product_record_their_own_changes(
    platform: Platform, pg_url: str
) -> None:
    """The first put has inserted the product's row and not committed; the second read no
    row, so it inserts too, waits on the first's row, then reads what the first left (2) and
    records 2 -> 7 (added 5), not 0 -> 7."""
    item = add_product(platform, sku=new_id("SKU"))
    buyer = shopper(platform, "Doubler")
    rival = Rival(lambda: platform.cart.put(buyer.customer_id, item.id, 7))
    states: list[str] = []

    def second_put() -> None:
        if not states:
            states.append(run_until_done_or_blocked(pg_url, rival))

    with armed("cart.put", second_put):
        platform.cart.put(buyer.customer_id, item.id, 2)
        rival.join()

    assert states == ["blocked"] and rival.error is None
    with platform.db.read() as session:
        changes = [
            (e.event_type, e.data["quantity"], e.data["cart_quantity"])
            for e in read_log(session, event_types=["cart.item_added", "cart.item_removed"])
            if e.aggregate_id == buyer.customer_id
        ]
    assert changes == [("cart.item_added", 2, 2), ("cart.item_added", 5, 7)]
    assert [(i.product.id, i.quantity) for i in platform.cart.items(buyer.customer_id)] == [
        (item.id, 7)
    ]
