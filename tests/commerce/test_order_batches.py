"""Many buyers' 1-Click presses placed together: each gets its own outcome, the stock and
the keys stay exact, and the batch costs far fewer statements than its orders one by one."""

from __future__ import annotations

import threading
from collections.abc import Iterable

import pytest

from baro.commerce.catalog import ProductNotFound
from baro.commerce.customers import NotAuthenticated
from baro.commerce.orders import EmptyCart, OneClick, OrderStatus, Placement, placement
from baro.commerce.payments import Authorization, PaymentDeclined, SandboxGateway
from baro.core.clock import SimulatedClock
from baro.core.config import Settings
from baro.core.db import StatementCounter
from baro.core.events import read_log
from baro.core.idempotency import IdempotencyKeyInFlight
from baro.core.money import Money
from baro.network import FreeStock, OutOfStock, stock_level
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock


def _placed(outcomes: Iterable[object]) -> list[Placement]:
    return [outcome for outcome in outcomes if isinstance(outcome, Placement)]


def test_a_batch_places_every_buyers_order_with_shared_statements(platform: Platform) -> None:
    item = add_product(platform)
    facility = add_facility(platform, "SP", SAO_PAULO)
    stock(platform, facility, item.id, 100)
    buyers = [shopper(platform, name=f"B{n}") for n in range(10)]
    counter = StatementCounter().attach(platform.db.engine)

    platform.orders.place_one_click(buyers[0].principal, item.id, 1, idempotency_key="alone")
    alone = counter.statements
    counter.statements = 0
    presses = [OneClick(b.principal, item.id, 2, f"k{n}") for n, b in enumerate(buyers)]
    outcomes = platform.orders.place_one_click_all(presses)

    assert [o.order.status for o in _placed(outcomes)] == [OrderStatus.ALLOCATED] * 10
    assert [o.order.customer_id for o in _placed(outcomes)] == [b.customer_id for b in buyers]
    assert counter.statements <= 2 * alone  # ten orders for the statements of two
    with platform.db.read() as session:
        assert stock_level(session, facility, item.id).reserved == 1 + 10 * 2
        assert len(read_log(session, event_types=["order.allocated"])) == 11


def test_the_last_unit_goes_to_one_press_of_the_batch_and_the_loser_may_retry(
    platform: Platform,
) -> None:
    item = add_product(platform)
    facility = add_facility(platform, "SP", SAO_PAULO)
    stock(platform, facility, item.id, 1)
    first, second = shopper(platform, name="A"), shopper(platform, name="B")

    outcomes = platform.orders.place_one_click_all(
        [OneClick(first.principal, item.id, 1, "a"), OneClick(second.principal, item.id, 1, "b")]
    )

    assert isinstance(outcomes[0], Placement)
    assert isinstance(outcomes[1], OutOfStock)
    stock(platform, facility, item.id, 1)  # restocked: the same key now places the order
    retried = platform.orders.place_one_click(second.principal, item.id, 1, idempotency_key="b")
    assert not retried.replayed and retried.order.status is OrderStatus.ALLOCATED


def test_each_press_gets_its_own_error_and_errors_write_nothing(platform: Platform) -> None:
    item = add_product(platform)
    stock(platform, add_facility(platform, "SP", SAO_PAULO), item.id, 5)
    buyer, other = shopper(platform, name="A"), shopper(platform, name="B")
    admin = platform.customers.authenticate(platform.customers.issue_admin_key())

    outcomes = platform.orders.place_one_click_all(
        [
            OneClick(buyer.principal, "prd_missing", 1, "bad-product"),
            OneClick(admin, item.id, 1, "admin"),
            OneClick(other.principal, item.id, 1, "good"),
            OneClick(other.principal, item.id, 1, "good"),  # the same key again, same batch
        ]
    )

    assert isinstance(outcomes[0], ProductNotFound)
    assert isinstance(outcomes[1], NotAuthenticated)
    assert isinstance(outcomes[2], Placement)
    assert isinstance(outcomes[3], IdempotencyKeyInFlight)
    assert platform.orders.list(buyer.principal) == []
    again = platform.orders.place_one_click(other.principal, item.id, 1, idempotency_key="good")
    assert again.replayed and again.order == outcomes[2].order


@pytest.mark.parametrize(
    ("stale_reads", "reads"),
    [
        (1, 2),  # lost once: the batch is planned again, on fresh numbers
        (3, 5),  # lost on every attempt: then each order on its own
    ],
)
def test_stock_taken_by_another_process_makes_the_batch_plan_again(
    platform: Platform, monkeypatch: pytest.MonkeyPatch, stale_reads: int, reads: int
) -> None:
    """The batch planned on stock another process then took (simulated by a stale read):
    its reservation fails and it rolls back, and plans again; no unit is oversold."""
    item = add_product(platform)
    facility = add_facility(platform, "SP", SAO_PAULO)
    stock(platform, facility, item.id, 1)
    real_free_stock = placement.free_stock
    done: list[int] = []

    def stale_then_fresh(session: object, product_ids: Iterable[str]) -> list[FreeStock]:
        fresh = real_free_stock(session, product_ids)  # type: ignore[arg-type]
        done.append(1)
        if len(done) > stale_reads:
            return fresh
        return [FreeStock(s.facility_id, s.product_id, 5, s.lat, s.lng) for s in fresh]

    monkeypatch.setattr(placement, "free_stock", stale_then_fresh)
    buyers = [shopper(platform, name=f"B{n}") for n in range(2)]

    outcomes = platform.orders.place_one_click_all(
        [OneClick(b.principal, item.id, 1, f"k{n}") for n, b in enumerate(buyers)]
    )

    assert len(done) == reads
    assert isinstance(outcomes[0], Placement) and isinstance(outcomes[1], OutOfStock)
    with platform.db.read() as session:
        assert stock_level(session, facility, item.id).reserved == 1


class MeetingGateway(SandboxGateway):
    """The sandbox, but an authorization answers only once ``together`` of them are
    waiting at once: calls made one after another break the barrier and are declined."""

    def __init__(self, clock: SimulatedClock, together: int) -> None:
        super().__init__(clock)
        self._barrier = threading.Barrier(together, timeout=10)

    def authorize(self, token: str, amount: Money, *, idempotency_key: str) -> Authorization:
        try:
            self._barrier.wait()
        except threading.BrokenBarrierError as error:
            raise PaymentDeclined("the authorizations did not wait side by side") from error
        return super().authorize(token, amount, idempotency_key=idempotency_key)


def test_a_batchs_payments_wait_on_the_gateway_side_by_side(
    settings: Settings, clock: SimulatedClock
) -> None:
    platform = Platform.start(settings, clock=clock, gateway=MeetingGateway(clock, together=6))
    try:
        item = add_product(platform)
        stock(platform, add_facility(platform, "SP", SAO_PAULO), item.id, 10)
        presses = [
            OneClick(shopper(platform, name=f"B{n}").principal, item.id, 1, f"k{n}")
            for n in range(6)
        ]
        outcomes = platform.orders.place_one_click_all(presses)
    finally:
        platform.close()

    assert len(_placed(outcomes)) == 6


def test_checking_out_an_empty_cart_frees_the_key_for_a_retry(platform: Platform) -> None:
    item = add_product(platform)
    stock(platform, add_facility(platform, "SP", SAO_PAULO), item.id, 5)
    buyer = shopper(platform)

    with pytest.raises(EmptyCart):
        platform.orders.checkout_cart(buyer.principal, idempotency_key="checkout-1")
    platform.cart.put(buyer.customer_id, item.id, 2)
    placed = platform.orders.checkout_cart(buyer.principal, idempotency_key="checkout-1")

    assert not placed.replayed and placed.order.status is OrderStatus.ALLOCATED
