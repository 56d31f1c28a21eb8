"""A placement whose process dies between reserving stock and paying is finished later:
by the client's retry with the same key, or by the recovery sweep — charged at most once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from baro.commerce.orders import OrderStatus
from baro.commerce.payments import Authorization, Capture, Refund, SandboxGateway
from baro.core.clock import SimulatedClock
from baro.core.config import Settings
from baro.core.events import read_log
from baro.core.idempotency import IdempotencyKeyInFlight
from baro.core.money import Money
from baro.network import stock_level
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock


class ProcessDied(Exception):
    """Stands for the server process being killed in the middle of a payment."""


class DiesOnFirstAuthorization:
    """A PaymentGateway that kills the 'process' once, then behaves as the sandbox."""

    def __init__(self, clock: SimulatedClock) -> None:
        self.sandbox = SandboxGateway(clock)
        self.authorizations: list[str] = []

    def authorize(self, token: str, amount: Money, *, idempotency_key: str) -> Authorization:
        self.authorizations.append(idempotency_key)
        if len(self.authorizations) == 1:
            raise ProcessDied("killed while talking to the gateway")
        return self.sandbox.authorize(token, amount, idempotency_key=idempotency_key)

    def capture(
        self, authorization: Authorization, amount: Money, *, idempotency_key: str
    ) -> Capture:
        return self.sandbox.capture(authorization, amount, idempotency_key=idempotency_key)

    def refund(self, capture_id: str, amount: Money, *, idempotency_key: str) -> Refund:
        return self.sandbox.refund(capture_id, amount, idempotency_key=idempotency_key)


@pytest.fixture
def gateway(clock: SimulatedClock) -> DiesOnFirstAuthorization:
    return DiesOnFirstAuthorization(clock)


@pytest.fixture
def crashy(settings: Settings, clock: SimulatedClock, gateway) -> Iterator[Platform]:
    started = Platform.start(settings, clock=clock, gateway=gateway)
    yield started
    started.close()


def die_mid_placement(platform: Platform):
    item = add_product(platform)
    facility = add_facility(platform, "SP", SAO_PAULO)
    stock(platform, facility, item.id, 5)
    buyer = shopper(platform)
    with pytest.raises(ProcessDied):
        platform.orders.place_one_click(buyer.principal, item.id, 2, idempotency_key="k")
    return buyer, item, facility


def test_a_retry_soon_after_is_told_to_wait(crashy: Platform) -> None:
    buyer, item, _ = die_mid_placement(crashy)
    with pytest.raises(IdempotencyKeyInFlight):
        crashy.orders.place_one_click(buyer.principal, item.id, 2, idempotency_key="k")


def test_a_later_retry_finishes_the_abandoned_order(
    crashy: Platform, clock: SimulatedClock, gateway: DiesOnFirstAuthorization
) -> None:
    buyer, item, facility = die_mid_placement(crashy)
    clock.advance(timedelta(minutes=3))

    placement = crashy.orders.place_one_click(buyer.principal, item.id, 2, idempotency_key="k")

    assert placement.replayed and placement.order.status is OrderStatus.ALLOCATED
    assert [o.id for o in crashy.orders.list(buyer.principal)] == [placement.order.id]
    assert len(set(gateway.authorizations)) == 1  # the same gateway key both times
    with crashy.db.transaction() as session:
        assert stock_level(session, facility, item.id).reserved == 2
    again = crashy.orders.place_one_click(buyer.principal, item.id, 2, idempotency_key="k")
    assert again.replayed and again.order.id == placement.order.id


def test_the_recovery_sweep_finishes_it_once(crashy: Platform, clock: SimulatedClock) -> None:
    buyer, item, _ = die_mid_placement(crashy)
    assert crashy.orders.recover_abandoned() == []  # not abandoned yet: maybe still paying
    clock.advance(timedelta(minutes=3))

    [finished] = crashy.orders.recover_abandoned()

    assert finished.status is OrderStatus.ALLOCATED
    assert crashy.orders.recover_abandoned() == []
    replay = crashy.orders.place_one_click(buyer.principal, item.id, 2, idempotency_key="k")
    assert replay.replayed and replay.order.id == finished.id
    with crashy.db.read() as session:
        paid = [e for e in read_log(session) if e.event_type == "order.paid"]
    assert len(paid) == 1
