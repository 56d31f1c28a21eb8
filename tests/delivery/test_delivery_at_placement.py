"""What placement does with the delivery pieces: a locker order holds its compartment from
the moment it is written (and gives it back when cancelled), a parcel left in its locker
is refunded once, in-car holds for a customer with a registered car, and fees are set per
currency.

The world (as in test_promise_orders.py): a fulfilment centre at São Paulo, the shopper
10 km due north, 09:00 UTC; a locker bank 1 km from the shopper.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from baro.commerce.orders import OrderStatus
from baro.commerce.payments import GatewayUnavailable, Refund, SandboxGateway
from baro.core.clock import SimulatedClock
from baro.core.config import Settings
from baro.core.events import read_log
from baro.core.money import Money
from baro.delivery.lockers import CompartmentSize, LockerFull, ReservationState
from baro.delivery.promise import DEFAULT_FEES, Mode, NoFeeTable, PromiseSettings
from baro.network import stock_level
from baro.platform import Platform
from tests.builders import SAO_PAULO, Shopper, add_facility, add_product, shopper, stock

KM = 1 / 111.19508
NORTH_10KM = (SAO_PAULO[0] + 10 * KM, SAO_PAULO[1])


def world(platform: Platform, compartments: int = 1) -> tuple[str, str, str, Shopper]:
    """A product, its FC, a locker bank near the shopper with ``compartments`` S boxes."""
    item = add_product(platform)
    fc = add_facility(platform, "FC São Paulo", SAO_PAULO)
    stock(platform, fc, item.id, 10)
    bank = platform.lockers.open_locker(
        "Locker Paulista", NORTH_10KM[0] + KM, NORTH_10KM[1], {CompartmentSize.S: compartments}
    )
    platform.promises.refresh(platform.clock.now())  # the view has the new bank now
    return item.id, fc, bank.id, shopper(platform, at=NORTH_10KM)


def reservation_state(platform: Platform, buyer: Shopper, order_id: str) -> ReservationState:
    return platform.lockers.reservation(buyer.customer_id, order_id).state


def test_an_order_to_a_locker_holds_its_compartment_from_placement(platform: Platform) -> None:
    item, _fc, bank, buyer = world(platform)
    placed = platform.orders.place_one_click(
        buyer.principal, item, 1, idempotency_key="k1", locker_id=bank
    )
    assert placed.order.delivery is not None and placed.order.delivery.option == "locker"
    held = platform.lockers.reservation(buyer.customer_id, placed.order.id)
    assert (held.locker_id, held.compartment_label, held.state) == (
        bank,
        "S01",
        ReservationState.RESERVED,
    )
    again = platform.orders.place_one_click(
        buyer.principal, item, 1, idempotency_key="k1", locker_id=bank
    )
    assert again.replayed and again.order.id == placed.order.id  # one compartment still


def test_the_promise_picks_the_bank_when_locker_is_preferred(platform: Platform) -> None:
    item, _fc, bank, buyer = world(platform)
    platform.customers.set_delivery_preference(buyer.customer_id, "locker")
    principal = platform.customers.authenticate(buyer.api_key)
    placed = platform.orders.place_one_click(principal, item, 1, idempotency_key="k1")
    assert placed.order.delivery is not None and placed.order.delivery.option == "locker"
    assert platform.lockers.reservation(buyer.customer_id, placed.order.id).locker_id == bank


def test_a_full_locker_fails_that_order_alone_and_names_lockers_that_hold(
    platform: Platform,
) -> None:
    """One compartment: the first order takes it; the second is refused with the other
    bank nearby, and nothing of it is written (no order, no stock held, key free)."""
    item, fc, bank, buyer = world(platform)
    other = platform.lockers.open_locker(
        "Locker Augusta", NORTH_10KM[0] - KM, NORTH_10KM[1], {CompartmentSize.S: 2}
    )
    platform.promises.refresh(platform.clock.now())
    platform.orders.place_one_click(buyer.principal, item, 1, idempotency_key="k1", locker_id=bank)
    with pytest.raises(LockerFull) as full:
        platform.orders.place_one_click(
            buyer.principal, item, 1, idempotency_key="k2", locker_id=bank
        )
    assert [a["id"] for a in full.value.context["alternatives"]] == [other.id]
    assert len(platform.orders.list(buyer.principal)) == 1
    with platform.db.read() as session:
        assert stock_level(session, fc, item).reserved == 1
    retried = platform.orders.place_one_click(
        buyer.principal, item, 1, idempotency_key="k2", locker_id=other.id
    )
    assert platform.lockers.reservation(buyer.customer_id, retried.order.id).locker_id == other.id


def test_a_locker_with_another_option_is_refused(platform: Platform) -> None:
    item, _fc, bank, buyer = world(platform)
    with pytest.raises(Exception, match="locker is for locker delivery"):
        platform.orders.place_one_click(
            buyer.principal,
            item,
            1,
            idempotency_key="k1",
            delivery_option="two_day",
            locker_id=bank,
        )


def test_cancelling_the_order_gives_its_compartment_back(platform: Platform) -> None:
    item, _fc, bank, buyer = world(platform)
    first = platform.orders.place_one_click(
        buyer.principal, item, 1, idempotency_key="k1", locker_id=bank
    )
    platform.orders.cancel(buyer.principal, first.order.id)
    assert reservation_state(platform, buyer, first.order.id) is ReservationState.RELEASED
    second = platform.orders.place_one_click(
        buyer.principal, item, 1, idempotency_key="k2", locker_id=bank
    )
    assert reservation_state(platform, buyer, second.order.id) is ReservationState.RESERVED


def test_an_uncollected_parcel_is_refunded_once(platform: Platform, clock: SimulatedClock) -> None:
    """Arrived, not collected in 3 days: ``locker.uncollected``; orders consume it: the
    order is returned and refunded in full with its own gateway key. The relay delivers
    at least once: a second delivery refunds nothing more."""
    item, _fc, bank, buyer = world(platform)
    placed = platform.orders.place_one_click(
        buyer.principal, item, 1, idempotency_key="k1", locker_id=bank
    )
    order_id = placed.order.id
    platform.orders.advance(order_id, OrderStatus.PICKING, OrderStatus.PACKED, OrderStatus.SHIPPED)
    platform.lockers.mark_arrived(order_id)
    clock.advance(platform.lockers.pickup_window + timedelta(seconds=1))
    platform.lockers.return_uncollected()
    with platform.db.read() as session:
        (uncollected,) = read_log(session, event_types=["locker.uncollected"])

    refunded = platform.orders.consume(uncollected)
    again = platform.orders.consume(uncollected)

    assert refunded is not None and refunded.status is OrderStatus.REFUNDED
    assert refunded.refund is not None and refunded.refund.amount == placed.order.total
    assert again is None
    with platform.db.read() as session:
        moves = [
            e.event_type
            for e in read_log(session, event_types=["order.returned", "order.refunded"])
        ]
    assert moves == ["order.returned", "order.refunded"]
    assert platform.orders.get(buyer.principal, order_id).status is OrderStatus.REFUNDED


def test_in_car_holds_for_a_customer_with_a_registered_car(platform: Platform) -> None:
    item, _fc, _bank, buyer = world(platform)
    with pytest.raises(Exception, match="no vehicle registered"):
        platform.orders.place_one_click(
            buyer.principal, item, 1, idempotency_key="k1", delivery_option="in_car"
        )
    platform.trunk.register_vehicle(
        buyer.customer_id,
        plate="ABC1D23",
        make="Fiat",
        model="Uno",
        lat=NORTH_10KM[0],
        lng=NORTH_10KM[1],
    )
    platform.promises.refresh(platform.clock.now())  # the view reads the car owners
    placed = platform.orders.place_one_click(
        buyer.principal, item, 1, idempotency_key="k2", delivery_option="in_car"
    )
    assert placed.order.delivery is not None and placed.order.delivery.option == "in_car"


def test_fees_are_money_per_currency() -> None:
    """Same-day costs R$12.99 in BRL and ₩15,000 in KRW, not "1299 minor units" in both;
    a currency without a table is refused, naming those that have one."""
    settings = PromiseSettings()
    assert settings.fee(Mode.SAME_DAY, "BRL") == Money.of("12.99", "BRL")
    assert settings.fee(Mode.SAME_DAY, "USD") == Money.of("12.99", "USD")
    assert settings.fee(Mode.SAME_DAY, "KRW") == Money.of("15000", "KRW")
    assert settings.fee(Mode.DRONE, "KRW") == Money.of("12000", "KRW")
    assert settings.fee(Mode.TWO_DAY, "KRW") == Money.zero("KRW")
    # The Online Retail replay's shop sells in pounds (a twin run placed nothing without it).
    assert settings.fee(Mode.SAME_DAY, "GBP") == Money.of("9.99", "GBP")
    assert set(DEFAULT_FEES) == {"BRL", "USD", "KRW", "GBP", "EUR"}
    with pytest.raises(NoFeeTable) as refused:
        settings.fee(Mode.STANDARD, "JPY")
    assert refused.value.context["currencies"] == ["BRL", "EUR", "GBP", "KRW", "USD"]
    with pytest.raises(ValueError, match="another currency"):
        PromiseSettings(fees={"KRW": DEFAULT_FEES["BRL"]})


class RefundDownOnce(SandboxGateway):
    """The sandbox, except that its first refund does not answer."""

    def __init__(self, clock: SimulatedClock) -> None:
        super().__init__(clock)
        self.refunds: list[str] = []

    def refund(self, capture_id: str, amount: Money, *, idempotency_key: str) -> Refund:
        self.refunds.append(idempotency_key)
        if len(self.refunds) == 1:
            raise GatewayUnavailable("the payment gateway did not answer in time")
        return super().refund(capture_id, amount, idempotency_key=idempotency_key)


def test_a_returned_order_whose_refund_met_an_outage_is_refunded_by_recovery(
    settings: Settings, clock: SimulatedClock
) -> None:
    """The event is consumed and the order returned; the gateway is down, so the refund
    waits: the recovery sweep refunds it with the same key, once."""
    gateway = RefundDownOnce(clock)
    platform = Platform.start(settings, clock=clock, gateway=gateway)
    try:
        item, _fc, bank, buyer = world(platform)
        placed = platform.orders.place_one_click(
            buyer.principal, item, 1, idempotency_key="k1", locker_id=bank
        )
        platform.lockers.mark_arrived(placed.order.id)
        clock.advance(platform.lockers.pickup_window + timedelta(seconds=1))
        platform.lockers.return_uncollected()
        with platform.db.read() as session:
            (uncollected,) = read_log(session, event_types=["locker.uncollected"])
        with pytest.raises(GatewayUnavailable):
            platform.orders.consume(uncollected)
        waiting = platform.orders.get(buyer.principal, placed.order.id)
        assert waiting.status is OrderStatus.RETURNED and waiting.refund is None
        assert platform.orders.consume(uncollected) is None  # handled: the sweep refunds
        clock.advance(timedelta(seconds=settings.abandoned_after_seconds + 1))
        (recovered,) = platform.orders.recover_abandoned()
    finally:
        platform.close()
    assert recovered.status is OrderStatus.REFUNDED
    assert gateway.refunds == [f"{placed.order.id}:refund"] * 2
