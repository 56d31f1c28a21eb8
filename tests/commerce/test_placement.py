"""Placement's edges: gateway keys bound to the order, resuming after an outage, and one
press walked through every SQL statement it costs (a reading guide to the order path)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import event

from baro.commerce.orders import OrderStatus, Placement
from baro.commerce.payments import Authorization, GatewayUnavailable, SandboxGateway
from baro.core.clock import SimulatedClock
from baro.core.config import Settings
from baro.core.failpoints import armed
from baro.core.money import Money
from baro.network import OutOfStock
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock


def test_an_expired_key_claimed_again_mid_placement_gets_an_authorization_of_its_own(
    platform: Platform, clock: SimulatedClock
) -> None:
    """A retry two days later takes the expired key over while the first placement is
    still between writing its order and paying: two orders, each charged on its own."""
    item = add_product(platform)
    stock(platform, add_facility(platform, "SP", SAO_PAULO), item.id, 5)
    buyer = shopper(platform)
    later: list[Placement] = []

    def a_retry_after_the_ttl() -> None:
        if not later:
            later.append(None)  # type: ignore[arg-type] # guards against re-entry
            clock.advance(timedelta(hours=platform.settings.idempotency_ttl_hours, seconds=1))
            later[0] = platform.orders.place_one_click(
                buyer.principal, item.id, 1, idempotency_key="k"
            )

    with armed("placement.written", a_retry_after_the_ttl):
        first = platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="k")

    second = later[0]
    assert first.order.id != second.order.id
    assert first.order.payment and second.order.payment
    assert first.order.payment.authorization_id != second.order.payment.authorization_id


class DownOnce(SandboxGateway):
    """The sandbox, except that its first authorization does not answer."""

    def __init__(self, clock: SimulatedClock) -> None:
        super().__init__(clock)
        self.keys: list[str] = []

    def authorize(self, token: str, amount: Money, *, idempotency_key: str) -> Authorization:
        self.keys.append(idempotency_key)
        if len(self.keys) == 1:
            raise GatewayUnavailable("the payment gateway did not answer in time")
        return super().authorize(token, amount, idempotency_key=idempotency_key)


def test_the_retry_after_an_outage_pays_the_same_order_with_the_same_gateway_key(
    settings: Settings, clock: SimulatedClock
) -> None:
    gateway = DownOnce(clock)
    platform = Platform.start(settings, clock=clock, gateway=gateway)
    try:
        item = add_product(platform)
        stock(platform, add_facility(platform, "SP", SAO_PAULO), item.id, 5)
        buyer = shopper(platform)
        with pytest.raises(GatewayUnavailable):
            platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="k")

        retried = platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="k")
        replay = platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="k")
    finally:
        platform.close()

    assert retried.order.status is OrderStatus.ALLOCATED
    assert gateway.keys == [f"{retried.order.id}:authorize"] * 2
    assert replay.replayed and replay.order.id == retried.order.id
    assert [o.id for o in platform.orders.list(buyer.principal)] == [retried.order.id]


TABLE_AFTER = ("INTO", "FROM", "UPDATE")


def test_one_press_costs_these_statements_in_this_order(platform: Platform) -> None:
    """A reading guide to the order path: one 1-Click press, statement by statement.

    authenticate: one query for the key, its customer's default address and card.
    transaction 1 (claim, plan, write): claim the key; read the product and the free
    stock; insert the order, its lines and its event; reserve the stock (last).
    the gateway (no SQL). transaction 2 (settle): the order paid and allocated, its two
    events, the key's stored outcome.
    """
    item = add_product(platform)
    stock(platform, add_facility(platform, "SP", SAO_PAULO), item.id, 5)
    buyer = shopper(platform)
    sent: list[str] = []

    def remember(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        words = statement.split()
        if words[0] != "BEGIN":  # transaction control is not a statement of the path
            table = next(after for word, after in itertools.pairwise(words) if word in TABLE_AFTER)
            sent.append(f"{words[0]} {table}")

    event.listen(platform.db.engine, "before_cursor_execute", remember)
    [principal] = platform.customers.authenticate_all([buyer.api_key])
    platform.orders.place_one_click(principal, item.id, 1, idempotency_key="guide")  # type: ignore[arg-type]
    event.remove(platform.db.engine, "before_cursor_execute", remember)

    assert sent == [
        "SELECT api_keys",
        "INSERT idempotency_keys",
        "SELECT products",
        "SELECT inventory",
        "INSERT orders",
        "INSERT order_lines",
        "INSERT outbox_events",
        "UPDATE inventory",
        "UPDATE orders",
        "INSERT outbox_events",
        "UPDATE idempotency_keys",
    ]


def test_the_order_path_counts_what_it_places_replays_and_refuses(platform: Platform) -> None:
    item = add_product(platform)
    stock(platform, add_facility(platform, "SP", SAO_PAULO), item.id, 1)
    buyer = shopper(platform)

    def count(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(f"baro_{name}_total", labels) or 0.0

    before = (
        count("orders_placed"),
        count("orders_replayed"),
        count("orders_failed", code="out_of_stock"),
    )
    platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="m1")
    platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="m1")
    with pytest.raises(OutOfStock):
        platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="m2")
    after = (
        count("orders_placed"),
        count("orders_replayed"),
        count("orders_failed", code="out_of_stock"),
    )

    assert [b - a for a, b in zip(before, after, strict=True)] == [1, 1, 1]
