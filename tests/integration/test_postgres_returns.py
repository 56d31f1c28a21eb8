"""Two returns of one order at once, on PostgreSQL: the order is returned and refunded
once, whichever key the second request carries."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from baro.commerce.orders import NotReturnable, OrderStatus, Returned
from baro.core.events import read_log
from baro.core.failpoints import armed
from baro.core.ids import new_id
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock
from tests.integration.races import Rival, run_until_done_or_blocked

pytestmark = pytest.mark.postgres


def once(pg_url: str, rival: Rival, states: list[str]) -> Callable[[], None]:
    """A failpoint action that starts ``rival`` the first time only."""
    started: list[bool] = []

    def action() -> None:
        if not started:
            started.append(True)
            states.append(run_until_done_or_blocked(pg_url, rival))

    return action


@pytest.mark.parametrize("second_key", ["same", "other"])
def test_two_returns_of_one_order_at_once_refund_it_once(
    platform: Platform, pg_url: str, second_key: str
) -> None:
    """The first return has moved the order to returned and not committed. The second
    waits: with the same key on the key's row (then replays the first), with another key on
    the order's row (then finds it returned: ``order_not_returnable``). One ``order.returned``,
    one ``order.refunded``, one refund."""
    item = add_product(platform, sku=new_id("SKU"))
    stock(platform, add_facility(platform, "FC São Paulo", SAO_PAULO), item.id, 5)
    buyer = shopper(platform)
    placed = platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="buy")
    order_id = placed.order.id
    platform.orders.advance(
        order_id,
        OrderStatus.PICKING,
        OrderStatus.PACKED,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    )
    key = "r1" if second_key == "same" else "r2"
    second = Rival(
        lambda: platform.orders.return_order(buyer.principal, order_id, idempotency_key=key)
    )
    states: list[str] = []

    with armed("return.before_commit", once(pg_url, second, states)):
        first = platform.orders.return_order(buyer.principal, order_id, idempotency_key="r1")
        second.join()

    assert states == ["blocked"]
    assert first.order.status is OrderStatus.REFUNDED and first.order.refund is not None
    if second_key == "same":
        assert second.error is None and isinstance(second.result, Returned)
        assert second.result.replayed
        assert second.result.order.refund == first.order.refund
    else:
        assert isinstance(second.error, NotReturnable)
    with platform.db.read() as session:
        moves = [
            e.event_type
            for e in read_log(session, event_types=["order.returned", "order.refunded"])
            if e.aggregate_id == order_id
        ]
    assert moves == ["order.returned", "order.refunded"]


def test_two_partial_returns_racing_for_the_last_unit_one_wins(
    platform: Platform, pg_url: str
) -> None:
    """Two units; one already returned. Two partial returns of the last unit, with
    different keys: the first holds the order's row uncommitted; the second waits on it,
    then sees the unit back (the first made the order returned: ``order_not_returnable``).
    The unit is returned and refunded once."""
    item = add_product(platform, sku=new_id("SKU"))
    stock(platform, add_facility(platform, "FC São Paulo", SAO_PAULO), item.id, 5)
    buyer = shopper(platform)
    placed = platform.orders.place_one_click(buyer.principal, item.id, 2, idempotency_key="buy")
    order_id = placed.order.id
    platform.orders.advance(
        order_id,
        OrderStatus.PICKING,
        OrderStatus.PACKED,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    )
    last = [(item.id, 1)]
    platform.orders.return_order(buyer.principal, order_id, idempotency_key="p1", lines=last)
    second = Rival(
        lambda: platform.orders.return_order(
            buyer.principal, order_id, idempotency_key="p3", lines=last
        )
    )
    states: list[str] = []

    with armed("return.before_commit", once(pg_url, second, states)):
        first = platform.orders.return_order(
            buyer.principal, order_id, idempotency_key="p2", lines=last
        )
        second.join()

    assert states == ["blocked"]
    assert first.order.status is OrderStatus.REFUNDED
    assert isinstance(second.error, NotReturnable)
    assert [line.returned for line in first.order.lines] == [2]
    with platform.db.read() as session:
        moves = [
            (e.event_type, e.data.get("return_no"))
            for e in read_log(session, event_types=["order.returned", "order.refunded"])
            if e.aggregate_id == order_id
        ]
    assert moves == [
        ("order.returned", 1),
        ("order.refunded", 1),
        ("order.returned", None),
        ("order.refunded", None),
    ]


def test_two_partial_returns_of_different_units_both_count(platform: Platform, pg_url: str) -> None:
    """Three units. Two partial returns of one unit each race: the second waits for the
    first, then takes the next return number: two refunds, each with its own key."""
    item = add_product(platform, sku=new_id("SKU"))
    stock(platform, add_facility(platform, "FC São Paulo", SAO_PAULO), item.id, 5)
    buyer = shopper(platform)
    placed = platform.orders.place_one_click(buyer.principal, item.id, 3, idempotency_key="buy")
    order_id = placed.order.id
    platform.orders.advance(
        order_id,
        OrderStatus.PICKING,
        OrderStatus.PACKED,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    )
    one = [(item.id, 1)]
    second = Rival(
        lambda: platform.orders.return_order(
            buyer.principal, order_id, idempotency_key="q2", lines=one
        )
    )
    states: list[str] = []

    with armed("return.before_commit", once(pg_url, second, states)):
        platform.orders.return_order(buyer.principal, order_id, idempotency_key="q1", lines=one)
        second.join()

    assert states == ["blocked"] and second.error is None
    order = platform.orders.get(buyer.principal, order_id)
    assert order.status is OrderStatus.DELIVERED
    assert [(r.number, r.refund is not None) for r in order.returns] == [(1, True), (2, True)]
    assert [line.returned for line in order.lines] == [2]
