"""Operators' reads across customers: filters by status, customer and day, and paging."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baro.commerce.orders import (
    InvalidPage,
    OrderBook,
    OrderFilter,
    OrderNotFound,
    OrderStatus,
)
from baro.core.clock import SimulatedClock
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock
from tests.conftest import START


@pytest.fixture
def book(platform: Platform) -> OrderBook:
    return OrderBook(platform.db)


def orders_of_two_buyers(platform: Platform, clock: SimulatedClock) -> tuple[str, str, list[str]]:
    """Ana orders at START and START+1 day (the second one cancelled), Bia at START+2 days."""
    item = add_product(platform)
    stock(platform, add_facility(platform, "SP", SAO_PAULO), item.id, 10)
    ana, bia = shopper(platform, "Ana"), shopper(platform, "Bia")
    ids = [platform.orders.place_one_click(ana.principal, item.id, 1, idempotency_key="a1")]
    clock.advance(timedelta(days=1))
    ids.append(platform.orders.place_one_click(ana.principal, item.id, 1, idempotency_key="a2"))
    platform.orders.cancel(ana.principal, ids[-1].order.id)
    clock.advance(timedelta(days=1))
    ids.append(platform.orders.place_one_click(bia.principal, item.id, 1, idempotency_key="b1"))
    return ana.customer_id, bia.customer_id, [p.order.id for p in ids]


def test_no_filter_pages_every_customers_orders_newest_first(
    platform: Platform, clock: SimulatedClock, book: OrderBook
) -> None:
    _, _, (first, second, third) = orders_of_two_buyers(platform, clock)

    page_one = book.page(OrderFilter(), limit=2)
    page_two = book.page(OrderFilter(), limit=2, before=page_one[-1].id)

    assert [o.id for o in page_one] == [third, second]
    assert [o.id for o in page_two] == [first]


def test_filters_by_status_and_by_customer(
    platform: Platform, clock: SimulatedClock, book: OrderBook
) -> None:
    ana, bia, (first, second, _) = orders_of_two_buyers(platform, clock)

    refunded = book.page(OrderFilter(status=OrderStatus.REFUNDED))
    anas = book.page(OrderFilter(customer_id=ana))
    bias_refunded = book.page(OrderFilter(status=OrderStatus.REFUNDED, customer_id=bia))

    assert [o.id for o in refunded] == [second]
    assert [o.id for o in anas] == [second, first]
    assert bias_refunded == []


def test_a_day_range_includes_its_start_and_excludes_its_end(
    platform: Platform, clock: SimulatedClock, book: OrderBook
) -> None:
    _, _, (first, second, third) = orders_of_two_buyers(platform, clock)
    day_two = START + timedelta(days=1)

    on_day_two = book.page(OrderFilter(placed_from=day_two, placed_until=day_two + timedelta(1)))
    from_day_two = book.page(OrderFilter(placed_from=day_two))
    until_day_two = book.page(OrderFilter(placed_until=day_two))

    assert [o.id for o in on_day_two] == [second]
    assert [o.id for o in from_day_two] == [third, second]
    assert [o.id for o in until_day_two] == [first]


def test_an_operator_reads_any_customers_order(
    platform: Platform, clock: SimulatedClock, book: OrderBook
) -> None:
    _, _, (first, _, _) = orders_of_two_buyers(platform, clock)

    assert book.get(first).status is OrderStatus.ALLOCATED
    with pytest.raises(OrderNotFound):
        book.get("ord_nobody")


@pytest.mark.parametrize("limit", [0, 101])
def test_a_page_size_outside_one_to_100_is_refused(book: OrderBook, limit: int) -> None:
    with pytest.raises(InvalidPage):
        book.page(OrderFilter(), limit=limit)
