"""Races on real PostgreSQL, each staged at a named failpoint so it runs the same every time."""

from __future__ import annotations

import threading

import pytest

from baro.commerce.orders import EmptyCart, OneClick, OrderStatus, Placement
from baro.core.events import DomainEvent, OutboxRelay, StoredEvent, record
from baro.core.failpoints import armed
from baro.core.ids import new_id
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock
from tests.conftest import START
from tests.integration.races import Rival, run_until_done_or_blocked

pytestmark = pytest.mark.postgres


@pytest.fixture
def shop(platform: Platform) -> tuple[str, str, str]:
    """Two products with stock in one facility: (facility, product a, product b)."""
    facility = add_facility(platform, "FC", SAO_PAULO)
    a, b = (add_product(platform, sku=new_id("SKU")) for _ in range(2))
    stock(platform, facility, a.id, 50)
    stock(platform, facility, b.id, 50)
    return facility, a.id, b.id


def test_two_checkouts_of_one_cart_make_one_order(
    platform: Platform, pg_url: str, shop: tuple[str, str, str]
) -> None:
    """The second checkout waits for the first and then finds the cart empty."""
    _, a, _ = shop
    buyer = shopper(platform, "Twice")
    platform.cart.put(buyer.customer_id, a, 2)
    second = Rival(lambda: platform.orders.checkout_cart(buyer.principal, idempotency_key="c2"))
    states = []

    def start_the_second() -> None:
        if not states:
            states.append(run_until_done_or_blocked(pg_url, second))

    with armed("placement.before_commit", start_the_second):
        first = platform.orders.checkout_cart(buyer.principal, idempotency_key="c1")
        second.join()

    assert states == ["blocked"]
    assert first.order.status is OrderStatus.ALLOCATED
    assert isinstance(second.error, EmptyCart)
    assert [o.id for o in platform.orders.list(buyer.principal)] == [first.order.id]


def test_a_put_during_checkout_is_neither_lost_nor_ordered(
    platform: Platform, pg_url: str, shop: tuple[str, str, str]
) -> None:
    """A quantity changed while the checkout holds the cart lands in the emptied cart; a
    new product put meanwhile stays in the cart."""
    _, a, b = shop
    buyer = shopper(platform, "Racer")
    platform.cart.put(buyer.customer_id, a, 1)
    change = Rival(lambda: platform.cart.put(buyer.customer_id, a, 5))
    addition = Rival(lambda: platform.cart.put(buyer.customer_id, b, 3))
    states: list[str] = []

    def put_while_checking_out() -> None:
        if not states:
            states.append(run_until_done_or_blocked(pg_url, addition))
            states.append(run_until_done_or_blocked(pg_url, change))

    with armed("placement.before_commit", put_while_checking_out):
        placed = platform.orders.checkout_cart(buyer.principal, idempotency_key="race")
        change.join(), addition.join()

    assert states == ["done", "blocked"]
    assert change.error is None and addition.error is None
    assert [(ln.product_id, ln.quantity) for ln in placed.order.lines] == [(a, 1)]
    in_cart = {item.product.id: item.quantity for item in platform.cart.items(buyer.customer_id)}
    assert in_cart == {a: 5, b: 3}


def test_two_puts_of_one_new_product_both_succeed(
    platform: Platform, pg_url: str, shop: tuple[str, str, str]
) -> None:
    """The second put waits on the first's row and then updates it: no unique-key 500."""
    _, a, _ = shop
    buyer = shopper(platform, "Doubler")
    rival = Rival(lambda: platform.cart.put(buyer.customer_id, a, 7))
    states: list[str] = []

    def second_put() -> None:
        if not states:
            states.append(run_until_done_or_blocked(pg_url, rival))

    with armed("cart.put", second_put):
        platform.cart.put(buyer.customer_id, a, 2)
        rival.join()

    assert states == ["blocked"] and rival.error is None
    assert [(i.product.id, i.quantity) for i in platform.cart.items(buyer.customer_id)] == [(a, 7)]


def test_a_press_with_a_value_postgres_cannot_store_fails_alone(
    platform: Platform, shop: tuple[str, str, str]
) -> None:
    """Behind the edge's validation, the batch still isolates a press whose values break
    the batch's transaction: the others are placed."""
    _, a, _ = shop
    buyers = [shopper(platform, f"Batch{n}") for n in range(3)]
    presses = [OneClick(b.principal, a, 1, f"nul-{n}") for n, b in enumerate(buyers)]
    presses[1] = OneClick(buyers[1].principal, "prd_\x00", 1, "nul-1")

    outcomes = platform.orders.place_one_click_all(presses)

    assert isinstance(outcomes[0], Placement) and isinstance(outcomes[2], Placement)
    assert isinstance(outcomes[1], Exception) and not isinstance(outcomes[1], Placement)


def test_one_relay_at_a_time_and_writers_never_wait_on_it(platform: Platform) -> None:
    """While one relay's consumer is slow, a second relay delivers nothing (the order of
    events is kept) and a writer commits at once (no transaction is held open)."""
    with platform.db.transaction() as session:
        record(session, [DomainEvent(aggregate_id="agg_relay", occurred_at=START)])
    held, release = threading.Event(), threading.Event()

    def slow(_stored: StoredEvent) -> None:
        held.set()
        release.wait(10)

    first = Rival(OutboxRelay(platform.db, slow, lambda: START).run_once).start()
    assert held.wait(10)
    try:
        second = OutboxRelay(platform.db, lambda _e: None, lambda: START).run_once()
        with platform.db.transaction() as session:
            record(session, [DomainEvent(aggregate_id="agg_writer", occurred_at=START)])
    finally:
        release.set()
    assert first.join() >= 1 and second == 0
