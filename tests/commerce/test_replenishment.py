"""Replenishment on SQLite: subscribe, a run orders once per cycle, pause and cancel,
failures retried at the next run, and suggestions read from a regular history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baro.commerce.orders import Order, OrderStatus
from baro.commerce.replenishment import (
    MOVES,
    AlreadySubscribed,
    InvalidSubscription,
    NoPurchaseCycle,
    Result,
    Status,
    SubscriptionClosed,
    SubscriptionNotFound,
)
from baro.core.clock import SimulatedClock
from baro.platform import Platform
from tests.builders import SAO_PAULO, Shopper, add_facility, add_product, shopper, stock

DAY = timedelta(days=1)


@pytest.fixture
def world(platform: Platform) -> tuple[str, str]:
    item = add_product(platform, sku="SKU-COFFEE", title="Café em grãos 1 kg", price_minor=4990)
    facility = add_facility(platform, "FC São Paulo", SAO_PAULO)
    stock(platform, facility, item.id, 50)
    return item.id, facility


def orders_of(platform: Platform, who: Shopper) -> list[Order]:
    return platform.orders.list(who.principal, limit=100)


def test_subscribe_sets_the_first_due_date_an_interval_from_now(
    platform: Platform, clock: SimulatedClock, world: tuple[str, str]
) -> None:
    ana = shopper(platform)
    subscribed = platform.replenishment.subscribe(
        ana.customer_id, world[0], quantity=2, interval_days=14, idempotency_key="k1"
    )
    sub = subscribed.subscription
    assert (sub.status, sub.cycle, sub.quantity) == (Status.ACTIVE, 1, 2)
    assert sub.next_due_at == clock.now() + 14 * DAY
    assert not subscribed.replayed


def test_the_same_key_returns_the_first_subscription(
    platform: Platform, world: tuple[str, str]
) -> None:
    ana = shopper(platform)
    first = platform.replenishment.subscribe(
        ana.customer_id, world[0], quantity=1, interval_days=7, idempotency_key="k1"
    )
    again = platform.replenishment.subscribe(
        ana.customer_id, world[0], quantity=1, interval_days=7, idempotency_key="k1"
    )
    assert again.replayed and again.subscription.id == first.subscription.id
    assert len(platform.replenishment.subscriptions_of(ana.customer_id)) == 1


def test_a_second_open_subscription_to_one_product_is_refused_until_cancelled(
    platform: Platform, world: tuple[str, str]
) -> None:
    ana = shopper(platform)
    first = platform.replenishment.subscribe(
        ana.customer_id, world[0], quantity=1, interval_days=7, idempotency_key="k1"
    )
    with pytest.raises(AlreadySubscribed):
        platform.replenishment.subscribe(
            ana.customer_id, world[0], quantity=1, interval_days=7, idempotency_key="k2"
        )
    platform.replenishment.cancel(ana.customer_id, first.subscription.id)
    second = platform.replenishment.subscribe(
        ana.customer_id, world[0], quantity=1, interval_days=7, idempotency_key="k3"
    )
    assert second.subscription.id != first.subscription.id


@pytest.mark.parametrize(("quantity", "interval"), [(0, 7), (100, 7), (1, 0), (1, 367)], ids=str)
def test_terms_out_of_range_are_refused(
    platform: Platform, world: tuple[str, str], quantity: int, interval: int
) -> None:
    ana = shopper(platform)
    with pytest.raises(InvalidSubscription):
        platform.replenishment.subscribe(
            ana.customer_id,
            world[0],
            quantity=quantity,
            interval_days=interval,
            idempotency_key="k",
        )


def test_terms_at_their_bounds_are_taken(platform: Platform, world: tuple[str, str]) -> None:
    ana, bia = shopper(platform, "Ana"), shopper(platform, "Bia")
    platform.replenishment.subscribe(
        ana.customer_id, world[0], quantity=1, interval_days=1, idempotency_key="k"
    )
    platform.replenishment.subscribe(
        bia.customer_id, world[0], quantity=99, interval_days=366, idempotency_key="k"
    )


def test_a_run_orders_once_per_cycle(
    platform: Platform, clock: SimulatedClock, world: tuple[str, str]
) -> None:
    """Given a subscription due, when two runs come at the same moment, then one order is
    placed, the customer is told once, and the next cycle is due an interval later."""
    ana = shopper(platform)
    sub = platform.replenishment.subscribe(
        ana.customer_id, world[0], quantity=2, interval_days=7, idempotency_key="k"
    ).subscription
    clock.advance(7 * DAY)

    first = platform.replenishment.run()
    second = platform.replenishment.run()

    (placed,) = first.of(Result.PLACED)
    assert second.outcomes == ()
    (order,) = orders_of(platform, ana)
    assert placed.order_id == order.id
    assert [(line.product_id, line.quantity) for line in order.lines] == [(world[0], 2)]
    assert placed.total == order.total
    after = platform.replenishment.get(ana.customer_id, sub.id)
    assert (after.cycle, after.last_order_id) == (2, order.id)
    assert after.next_due_at == clock.now() + 7 * DAY
    notes = platform.notifications.of(ana.customer_id)
    assert [(n.kind, n.link) for n in notes] == [("replenishment_order", f"/orders/{order.id}")]
    assert str(order.total) in notes[0].body
    (listed,) = platform.replenishment.placed_for(ana.customer_id)
    assert (listed.order_id, listed.cycle) == (order.id, 1)


def test_a_run_before_the_due_time_orders_nothing_and_at_it_orders(
    platform: Platform, clock: SimulatedClock, world: tuple[str, str]
) -> None:
    ana = shopper(platform)
    platform.replenishment.subscribe(
        ana.customer_id, world[0], quantity=1, interval_days=7, idempotency_key="k"
    )
    assert platform.replenishment.run(clock.now() + 7 * DAY - timedelta(seconds=1)).outcomes == ()
    assert len(platform.replenishment.run(clock.now() + 7 * DAY).of(Result.PLACED)) == 1


def test_the_next_cycle_orders_again(
    platform: Platform, clock: SimulatedClock, world: tuple[str, str]
) -> None:
    ana = shopper(platform)
    platform.replenishment.subscribe(
        ana.customer_id, world[0], quantity=1, interval_days=7, idempotency_key="k"
    )
    clock.advance(7 * DAY)
    platform.replenishment.run()
    clock.advance(7 * DAY)
    platform.replenishment.run()
    assert len(orders_of(platform, ana)) == 2
    assert [p.cycle for p in platform.replenishment.placed_for(ana.customer_id)] == [2, 1]


def test_a_run_that_died_after_placing_finds_its_order_on_rerun(
    platform: Platform, clock: SimulatedClock, world: tuple[str, str]
) -> None:
    """The order was placed with the cycle's key but the run died before recording it: the
    next run (after the claim expired) places with the same key and gets that order back."""
    ana = shopper(platform)
    sub = platform.replenishment.subscribe(
        ana.customer_id, world[0], quantity=1, interval_days=7, idempotency_key="k"
    ).subscription
    clock.advance(7 * DAY)
    earlier = platform.orders.place_one_click(
        ana.principal, world[0], 1, idempotency_key=f"replenish:{sub.id}:1"
    )
    clock.advance(timedelta(minutes=1))

    report = platform.replenishment.run()

    (placed,) = report.of(Result.PLACED)
    assert placed.order_id == earlier.order.id
    assert len(orders_of(platform, ana)) == 1


def test_paused_and_cancelled_subscriptions_are_not_ordered(
    platform: Platform, clock: SimulatedClock, world: tuple[str, str]
) -> None:
    ana, bia = shopper(platform, "Ana"), shopper(platform, "Bia")
    paused = platform.replenishment.subscribe(
        ana.customer_id, world[0], quantity=1, interval_days=7, idempotency_key="k"
    ).subscription
    cancelled = platform.replenishment.subscribe(
        bia.customer_id, world[0], quantity=1, interval_days=7, idempotency_key="k"
    ).subscription
    assert platform.replenishment.pause(ana.customer_id, paused.id).status is Status.PAUSED
    assert platform.replenishment.cancel(bia.customer_id, cancelled.id).status is Status.CANCELLED
    clock.advance(8 * DAY)

    assert platform.replenishment.run().outcomes == ()

    assert platform.replenishment.resume(ana.customer_id, paused.id).status is Status.ACTIVE
    (placed,) = platform.replenishment.run().of(Result.PLACED)
    assert placed.subscription.id == paused.id
    with pytest.raises(SubscriptionClosed):
        platform.replenishment.resume(bia.customer_id, cancelled.id)


def test_the_moves_a_customer_may_make() -> None:
    assert {action: {a.value: b.value for a, b in m.items()} for action, m in MOVES.items()} == {
        "pause": {"active": "paused", "paused": "paused"},
        "resume": {"paused": "active", "active": "active"},
        "cancel": {"active": "cancelled", "paused": "cancelled", "cancelled": "cancelled"},
    }


def test_another_customers_subscription_is_not_found(
    platform: Platform, world: tuple[str, str]
) -> None:
    ana, bia = shopper(platform, "Ana"), shopper(platform, "Bia")
    sub = platform.replenishment.subscribe(
        ana.customer_id, world[0], quantity=1, interval_days=7, idempotency_key="k"
    ).subscription
    for act in (
        platform.replenishment.get,
        platform.replenishment.pause,
        platform.replenishment.cancel,
    ):
        with pytest.raises(SubscriptionNotFound):
            act(bia.customer_id, sub.id)
    assert platform.replenishment.get(ana.customer_id, sub.id).status is Status.ACTIVE


def test_out_of_stock_fails_that_subscription_alone_and_is_retried_next_run(
    platform: Platform, clock: SimulatedClock, world: tuple[str, str]
) -> None:
    ana, bia = shopper(platform, "Ana"), shopper(platform, "Bia")
    scarce = add_product(platform, sku="SKU-RARE", title="Raro")
    short = platform.replenishment.subscribe(
        ana.customer_id, scarce.id, quantity=1, interval_days=7, idempotency_key="k"
    ).subscription
    platform.replenishment.subscribe(
        bia.customer_id, world[0], quantity=1, interval_days=7, idempotency_key="k"
    )
    clock.advance(7 * DAY)

    report = platform.replenishment.run()

    (failed,) = report.of(Result.FAILED)
    assert (failed.subscription.id, failed.code) == (short.id, "out_of_stock")
    assert len(report.of(Result.PLACED)) == 1
    after = platform.replenishment.get(ana.customer_id, short.id)
    assert after.cycle == 1 and after.last_failure.startswith("out_of_stock")
    assert orders_of(platform, ana) == []

    stock(platform, world[1], scarce.id, 3)
    (placed,) = platform.replenishment.run().of(Result.PLACED)
    assert placed.subscription.id == short.id
    assert platform.replenishment.get(ana.customer_id, short.id).last_failure is None


def test_a_declined_card_is_retried_with_a_new_key_once_the_card_is_fixed(
    platform: Platform, clock: SimulatedClock, world: tuple[str, str]
) -> None:
    ana = shopper(platform, token="tok_sandbox_decline")
    sub = platform.replenishment.subscribe(
        ana.customer_id, world[0], quantity=1, interval_days=7, idempotency_key="k"
    ).subscription
    clock.advance(7 * DAY)

    (failed,) = platform.replenishment.run().of(Result.FAILED)
    assert failed.code == "payment_declined"
    platform.customers.add_payment_method(
        ana.customer_id, gateway_token="tok_sandbox_success", brand="visa", last4="4242"
    )
    assert len(platform.replenishment.run().of(Result.PLACED)) == 1

    statuses = sorted(o.status for o in orders_of(platform, ana))
    assert statuses == sorted([OrderStatus.PAYMENT_FAILED, OrderStatus.ALLOCATED])
    assert platform.replenishment.get(ana.customer_id, sub.id).cycle == 2


def regular_history(
    platform: Platform, clock: SimulatedClock, who: Shopper, product: str, every: int
) -> None:
    """Four orders of ``product`` ``every`` days apart, the clock left after the last."""
    for number in range(4):
        platform.orders.place_one_click(who.principal, product, 1, idempotency_key=f"h{number}")
        clock.advance(every * DAY)


def test_a_product_bought_on_a_regular_cycle_is_suggested(
    platform: Platform, clock: SimulatedClock, world: tuple[str, str]
) -> None:
    ana = shopper(platform)
    once = add_product(platform, sku="SKU-ONCE", title="Uma vez")
    stock(platform, world[1], once.id, 5)
    platform.orders.place_one_click(ana.principal, once.id, 1, idempotency_key="once")
    regular_history(platform, clock, ana, world[0], every=10)
    last = clock.now() - 10 * DAY

    (suggestion,) = platform.replenishment.suggestions(ana.customer_id)

    assert suggestion.product_id == world[0]
    assert suggestion.cycle.purchases == 4
    assert suggestion.cycle.interval_days == pytest.approx(10.0)
    assert suggestion.cycle.expected_next == (last + 10 * DAY).date()
    assert orders_of(platform, ana)[0].lines[0].product_id == world[0]
    assert len(orders_of(platform, ana)) == 5  # suggesting orders nothing


def test_a_subscribed_product_is_no_longer_suggested(
    platform: Platform, clock: SimulatedClock, world: tuple[str, str]
) -> None:
    ana = shopper(platform)
    regular_history(platform, clock, ana, world[0], every=10)
    platform.replenishment.subscribe(
        ana.customer_id, world[0], quantity=1, interval_days=None, idempotency_key="k"
    )
    assert platform.replenishment.suggestions(ana.customer_id) == []


def test_from_my_cycle_is_due_on_the_expected_date_and_advances_by_the_cycle(
    platform: Platform, clock: SimulatedClock, world: tuple[str, str]
) -> None:
    ana = shopper(platform)
    regular_history(platform, clock, ana, world[0], every=10)
    sub = platform.replenishment.subscribe(
        ana.customer_id, world[0], quantity=1, interval_days=None, idempotency_key="k"
    ).subscription
    last = clock.now() - 10 * DAY
    expected = (last + 10 * DAY).replace(hour=0, minute=0, second=0, microsecond=0)
    assert sub.next_due_at == max(expected, clock.now())

    clock.advance(DAY)
    (placed,) = platform.replenishment.run().of(Result.PLACED)
    assert placed.next_due_at == pytest.approx(clock.now() + 10 * DAY, abs=timedelta(hours=1))


def test_from_my_cycle_needs_a_product_bought_twice(
    platform: Platform, world: tuple[str, str]
) -> None:
    ana = shopper(platform)
    platform.orders.place_one_click(ana.principal, world[0], 1, idempotency_key="once")
    with pytest.raises(NoPurchaseCycle):
        platform.replenishment.subscribe(
            ana.customer_id, world[0], quantity=1, interval_days=None, idempotency_key="k"
        )


def test_principals_of_gives_each_customer_their_one_click_defaults(platform: Platform) -> None:
    ana = shopper(platform)
    found = platform.customers.principals_of([ana.customer_id, "cus_nobody"])
    assert found == {ana.customer_id: ana.principal}
