"""Orders ship with a promise: placement chooses the option from what the batch read,
stores it on the order, and 1-Click honours the request, the preference, or the fastest
option without a fee (the fastest of all only when none is free). The fee is charged.

The world: a fulfilment centre at São Paulo, the shopper 10 km due north, 09:00 UTC.
From the engine's hand-worked numbers (tests/delivery/test_promise_rules.py): same-day
11:58-13:58 for 12.99, two-day the 26th 08:00-21:00, standard the 27th-29th.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from baro.commerce.catalog import Product
from baro.commerce.orders import Delivery, OneClick, Orders, promised_per_day
from baro.commerce.payments import Authorization, Capture, Refund, SandboxGateway
from baro.core.clock import SimulatedClock
from baro.core.config import Settings
from baro.core.ids import new_id
from baro.core.money import Money
from baro.delivery.drones import Weather
from baro.delivery.promise import (
    DeliveryOptionUnavailable,
    Mode,
    NoDeliveryOption,
    PromisedCounts,
    Promises,
)
from baro.network import FacilityKind, open_facility, stock_level
from baro.platform import Platform
from tests.builders import SAO_PAULO, Shopper, add_facility, product, shopper, stock

NORTH_10KM = (SAO_PAULO[0] + 10 / 111.19508, SAO_PAULO[1])
SAME_DAY = Delivery(
    "same_day",
    Money(1299, "BRL"),
    datetime(2026, 11, 25, 11, 58, tzinfo=UTC),
    datetime(2026, 11, 25, 13, 58, tzinfo=UTC),
)
TWO_DAY = Delivery(
    "two_day",
    Money(0, "BRL"),
    datetime(2026, 11, 26, 8, tzinfo=UTC),
    datetime(2026, 11, 26, 21, tzinfo=UTC),
)


def goods(platform: Platform, grams: int = 500) -> Product:
    item = replace(product(sku=new_id("SKU")), weight_g=grams)
    platform.catalog.add([item])
    return item


def world(platform: Platform, grams: int = 500) -> tuple[Product, str, Shopper]:
    item = goods(platform, grams)
    facility = add_facility(platform, "FC São Paulo", SAO_PAULO)
    stock(platform, facility, item.id, 10)
    return item, facility, shopper(platform, at=NORTH_10KM)


def drop_zone(platform: Platform, buyer: Shopper) -> None:
    """The shopper's drop zone, at their address; the promise's view reads it now."""
    platform.drones.set_drop_zone(buyer.customer_id, *NORTH_10KM, address=NORTH_10KM)
    platform.promises.refresh(platform.clock.now())


def drone_base(platform: Platform, item: Product) -> str:
    with platform.db.transaction() as session:
        base: str = open_facility(
            session,
            name="Drone base Sé",
            kind=FacilityKind.DRONE_BASE,
            lat=NORTH_10KM[0] - 2 / 111.19508,  # 2 km from the shopper, 8 km from the FC
            lng=SAO_PAULO[1],
            capacity_units=500,
        ).id
    stock(platform, base, item.id, 5)
    platform.promises.refresh(platform.clock.now())  # the view is read each minute; now
    return base


def test_1_click_ships_by_the_fastest_free_option_and_the_order_keeps_it(
    platform: Platform,
) -> None:
    """Same-day is faster but costs 12.99: nobody asked for it, so two-day (free)."""
    item, _fc, buyer = world(platform)
    placed = platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="k1")
    assert placed.order.delivery == TWO_DAY
    assert placed.order.total == item.price
    stored = platform.orders.get(buyer.principal, placed.order.id)
    assert stored.delivery == TWO_DAY
    again = platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="k1")
    assert again.replayed and again.order.delivery == TWO_DAY  # the stored outcome keeps it


class Recording(SandboxGateway):
    """The sandbox, remembering each amount it was asked to move."""

    def __init__(self, clock: SimulatedClock) -> None:
        super().__init__(clock)
        self.moved: list[tuple[str, Money]] = []

    def authorize(self, token: str, amount: Money, *, idempotency_key: str) -> Authorization:
        self.moved.append(("authorize", amount))
        return super().authorize(token, amount, idempotency_key=idempotency_key)

    def capture(
        self, authorization: Authorization, amount: Money, *, idempotency_key: str
    ) -> Capture:
        self.moved.append(("capture", amount))
        return super().capture(authorization, amount, idempotency_key=idempotency_key)

    def refund(self, capture_id: str, amount: Money, *, idempotency_key: str) -> Refund:
        self.moved.append(("refund", amount))
        return super().refund(capture_id, amount, idempotency_key=idempotency_key)


def test_the_fee_of_the_option_asked_for_is_charged_and_refunded(
    settings: Settings, clock: SimulatedClock
) -> None:
    """Same-day asked for: the card is authorized and charged the items and the 12.99; a
    cancel refunds both. The order, as stored and replayed, shows both parts."""
    gateway = Recording(clock)
    platform = Platform.start(settings, clock=clock, gateway=gateway)
    try:
        _charged_and_refunded(platform, gateway)
    finally:
        platform.close()


def _charged_and_refunded(platform: Platform, gateway: Recording) -> None:
    item, _fc, buyer = world(platform)
    placed = platform.orders.place_one_click(
        buyer.principal, item.id, 2, idempotency_key="k1", delivery_option="same_day"
    )
    order = placed.order
    assert order.delivery == SAME_DAY
    assert order.items_total == item.price * 2
    assert order.delivery_fee == Money(1299, "BRL")
    assert order.total == item.price * 2 + Money(1299, "BRL")
    assert order.payment is not None
    stored = platform.orders.get(buyer.principal, order.id)
    assert stored.total == order.total
    replay = platform.orders.place_one_click(
        buyer.principal, item.id, 2, idempotency_key="k1", delivery_option="same_day"
    )
    assert replay.replayed and replay.order.total == order.total
    cancelled = platform.orders.cancel(buyer.principal, order.id)
    assert cancelled.refund is not None and cancelled.refund.amount == order.total
    assert gateway.moved == [
        ("authorize", order.total),
        ("capture", order.total),
        ("refund", order.total),
    ]


def test_1_click_uses_the_preferred_option_when_it_holds(platform: Platform) -> None:
    item, _fc, buyer = world(platform)
    platform.customers.set_delivery_preference(buyer.customer_id, "two_day")
    principal = platform.customers.authenticate(buyer.api_key)
    assert principal.delivery_preference == "two_day"
    placed = platform.orders.place_one_click(principal, item.id, 1, idempotency_key="k1")
    assert placed.order.delivery == TWO_DAY


def test_a_preferred_option_that_does_not_hold_falls_back_to_the_fastest_free(
    platform: Platform,
) -> None:
    """Drone preferred, but no drone base holds the goods: not same-day (faster, but
    paid), two-day: the fastest free one."""
    item, _fc, buyer = world(platform)
    platform.customers.set_delivery_preference(buyer.customer_id, "drone")
    principal = platform.customers.authenticate(buyer.api_key)
    placed = platform.orders.place_one_click(principal, item.id, 1, idempotency_key="k1")
    assert placed.order.delivery == TWO_DAY


def test_an_option_asked_for_that_does_not_hold_is_refused_with_those_that_do(
    platform: Platform,
) -> None:
    item, fc, buyer = world(platform)
    with pytest.raises(DeliveryOptionUnavailable) as refused:
        platform.orders.place_one_click(
            buyer.principal, item.id, 1, idempotency_key="k1", delivery_option="drone"
        )
    assert [o["option"] for o in refused.value.context["options"]] == [
        "same_day",
        "two_day",
        "standard",
    ]
    with platform.db.read() as session:  # no order, no stock held
        assert stock_level(session, fc, item.id).reserved == 0
    assert platform.orders.list(buyer.principal) == []


def test_an_option_asked_for_that_holds_is_the_one(platform: Platform) -> None:
    item, _fc, buyer = world(platform)
    placed = platform.orders.place_one_click(
        buyer.principal, item.id, 1, idempotency_key="k1", delivery_option="two_day"
    )
    assert placed.order.delivery == TWO_DAY


def test_a_drone_base_with_the_stock_flies_light_parcels(platform: Platform) -> None:
    """The base is 2 km from the shopper, nearer than the FC, so it ships the order:
    ready 09:10, 5 min + 2 km at 80 km/h (1.5 min) = 09:16:30 -> 09:17-09:32, 9.99."""
    item, _fc, buyer = world(platform)
    base = drone_base(platform, item)
    drop_zone(platform, buyer)
    placed = platform.orders.place_one_click(
        buyer.principal, item.id, 1, idempotency_key="k1", delivery_option="drone"
    )
    assert placed.order.facility_id == base
    assert placed.order.delivery == Delivery(
        "drone",
        Money(999, "BRL"),
        datetime(2026, 11, 25, 9, 17, tzinfo=UTC),
        datetime(2026, 11, 25, 9, 32, tzinfo=UTC),
    )


def test_a_parcel_too_heavy_for_a_drone_goes_by_van(platform: Platform) -> None:
    """2.2 kg + 200 g of packaging: over 2.3 kg. The base is no van origin, so the
    fastest left is two-day from the base: ready 09:10, 12 h + 2.6 km road -> the 26th."""
    item, _fc, buyer = world(platform, grams=2200)
    drone_base(platform, item)
    placed = platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="k1")
    assert placed.order.delivery is not None and placed.order.delivery.option == "two_day"
    with pytest.raises(DeliveryOptionUnavailable, match="2400 g"):
        platform.orders.place_one_click(
            buyer.principal, item.id, 1, idempotency_key="k2", delivery_option="drone"
        )


def test_after_the_cut_off_the_promise_starts_the_next_day(
    platform: Platform, clock: SimulatedClock
) -> None:
    """21:00: past same-day's 13:00 and the FC's 20:00 cut-off. Ready the 26th 08:00;
    two-day: 20:13 -> the 27th 08:00-21:00."""
    item, _fc, buyer = world(platform)
    clock.set(datetime(2026, 11, 25, 21, tzinfo=UTC))
    placed = platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="k1")
    assert placed.order.delivery == Delivery(
        "two_day",
        Money(0, "BRL"),
        datetime(2026, 11, 27, 8, tzinfo=UTC),
        datetime(2026, 11, 27, 21, tzinfo=UTC),
    )


def test_a_full_van_fleet_stops_promising_same_day(
    platform: Platform, clock: SimulatedClock
) -> None:
    """Same-day capacity of one order a day at the FC: the first order takes it, the
    second gets two-day; a process that starts later counts it from the orders table."""
    item, fc, buyer = world(platform)

    def promised(since: datetime) -> list[tuple[str, str, date, int]]:
        with platform.db.read() as session:
            rows: list[tuple[str, str, date, int]] = promised_per_day(session, since)
            return rows

    def orders_with(counts: PromisedCounts) -> Orders:
        promises = Promises(platform.db, capacity=counts)
        promises.prepare(clock.now())
        return Orders(
            platform.db,
            clock,
            platform.gateway,
            cancel_window=timedelta(minutes=30),
            idempotency_ttl=timedelta(hours=24),
            max_quantity=100,
            gateway_calls=1,
            promises=promises,
        )

    platform.customers.set_delivery_preference(buyer.customer_id, "same_day")
    principal = platform.customers.authenticate(buyer.api_key)
    orders = orders_with(PromisedCounts(promised, {Mode.SAME_DAY: 1}))
    first = orders.place_one_click(principal, item.id, 1, idempotency_key="k1")
    second = orders.place_one_click(principal, item.id, 1, idempotency_key="k2")
    assert first.order.delivery == SAME_DAY
    assert second.order.delivery == TWO_DAY
    with platform.db.read() as session:
        assert (fc, "same_day", SAME_DAY.window_start.date(), 1) in promised_per_day(
            session, datetime(2026, 11, 25, tzinfo=UTC)
        )
    later = orders_with(PromisedCounts(promised, {Mode.SAME_DAY: 1}))
    third = later.place_one_click(principal, item.id, 1, idempotency_key="k3")
    assert third.order.delivery == TWO_DAY
    orders.close()
    later.close()


def test_an_address_no_option_reaches_gets_no_order(platform: Platform) -> None:
    """6,000 km north of the FC: beyond standard's 5,000 km."""
    item = goods(platform)
    fc = add_facility(platform, "FC São Paulo", SAO_PAULO)
    stock(platform, fc, item.id, 3)
    far = shopper(platform, at=(SAO_PAULO[0] + 6000 / 111.19508, SAO_PAULO[1]))
    with pytest.raises(NoDeliveryOption, match="standard"):
        platform.orders.place_one_click(far.principal, item.id, 1, idempotency_key="k1")
    with platform.db.read() as session:
        assert stock_level(session, fc, item.id).reserved == 0


def test_a_drone_base_standing_at_the_fc_flies_its_stock(platform: Platform) -> None:
    """baro.delivery.drones opens a base at the FC itself: a sortie is packed on the
    base's hours (10 min, ready 09:10) and flies the 10 km in 12.5 min -> 09:23-09:38.
    Grounded by wind, the base promises no drone: same-day again."""
    item, fc, buyer = world(platform)
    base = platform.drones.open_base(fc, 2)
    drop_zone(platform, buyer)
    platform.customers.set_delivery_preference(buyer.customer_id, "drone")
    principal = platform.customers.authenticate(buyer.api_key)
    placed = platform.orders.place_one_click(principal, item.id, 1, idempotency_key="k1")
    assert placed.order.delivery == Delivery(
        "drone",
        Money(999, "BRL"),
        datetime(2026, 11, 25, 9, 23, tzinfo=UTC),
        datetime(2026, 11, 25, 9, 38, tzinfo=UTC),
    )
    platform.drones.set_weather(base.id, Weather(wind_ms=20))
    platform.promises.refresh(platform.clock.now())
    grounded = platform.orders.place_one_click(principal, item.id, 1, idempotency_key="k2")
    assert grounded.order.delivery == TWO_DAY  # the preference does not hold: fastest free
    with pytest.raises(DeliveryOptionUnavailable, match="grounded: wind 20 m/s"):
        platform.orders.place_one_click(
            principal, item.id, 1, idempotency_key="k3", delivery_option="drone"
        )


def test_a_drone_needs_the_customers_drop_zone_and_clear_air(platform: Platform) -> None:
    """The drones' own check, on the promise's view (no SQL per order): without a drop
    zone no drone; with one inside a no-fly zone, none either; both are said."""
    item, fc, buyer = world(platform)
    platform.drones.open_base(fc, 2)
    platform.promises.refresh(platform.clock.now())
    with pytest.raises(DeliveryOptionUnavailable, match="drop zone") as refused:
        platform.orders.place_one_click(
            buyer.principal, item.id, 1, idempotency_key="k1", delivery_option="drone"
        )
    assert [o["option"] for o in refused.value.context["options"]] == [
        "same_day",
        "two_day",
        "standard",
    ]
    lat, lng = NORTH_10KM
    platform.drones.add_no_fly_zone(
        "Hospital", [[lat - 0.01, lng - 0.01], [lat - 0.01, lng + 0.01], [lat + 0.01, lng]]
    )
    drop_zone(platform, buyer)
    with pytest.raises(DeliveryOptionUnavailable, match="no-fly zone 'Hospital'"):
        platform.orders.place_one_click(
            buyer.principal, item.id, 1, idempotency_key="k2", delivery_option="drone"
        )


def test_the_view_is_read_again_before_a_batch_not_inside_it(
    platform: Platform, clock: SimulatedClock
) -> None:
    """Once the view has expired (a minute of wall time, or ``expire``), the next batch
    reads the facilities, drone bases and promised counts again: before its transaction,
    once for the batch, never inside it."""
    item, _fc, buyer = world(platform)
    sent: list[str] = []

    def remember(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if not statement.startswith("BEGIN"):
            sent.append(statement.split()[0] + " " + _table(statement))

    def batch(keys: str) -> None:
        event.listen(platform.db.engine, "before_cursor_execute", remember)
        platform.orders.place_one_click_all(
            [OneClick(buyer.principal, item.id, 1, f"{keys}{n}") for n in range(3)]
        )
        event.remove(platform.db.engine, "before_cursor_execute", remember)

    clock.advance(timedelta(days=1))  # simulated time alone: nothing read
    batch("a")
    assert not {"SELECT orders", "SELECT facilities", "SELECT drone_bases"} & set(sent)
    sent.clear()
    platform.promises.expire()
    batch("b")
    first_write = sent.index("INSERT idempotency_keys")
    assert {"SELECT orders", "SELECT facilities", "SELECT drone_bases"} <= set(sent[:first_write])
    assert not {"SELECT orders", "SELECT facilities"} & set(sent[first_write:])


def _table(statement: str) -> str:
    words = statement.replace("\n", " ").split()
    for word, after in itertools.pairwise(words):
        if word in ("FROM", "INTO", "UPDATE"):
            return after.strip('"')
    return "?"
