"""The metered gateway times every call of the gateway it wraps and counts its errors."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from baro.commerce.payments import (
    DECLINES,
    SUCCEEDS,
    PaymentDeclined,
    PaymentGateway,
    SandboxGateway,
)
from baro.commerce.payments.metered import MeteredGateway
from baro.core.clock import SimulatedClock
from baro.core.money import Money

TEN = Money(1000, "BRL")


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def calls(operation: str) -> float:
    return value("baro_payment_gateway_duration_seconds_count", operation=operation)


def errors(operation: str, code: str) -> float:
    return value("baro_payment_gateway_errors_total", operation=operation, code=code)


class Broken:
    """A gateway with a bug: every call raises something that is not a DomainError."""

    def authorize(self, token, amount, *, idempotency_key):
        raise KeyError("bug")

    def capture(self, authorization, amount, *, idempotency_key):
        raise KeyError("bug")

    def refund(self, capture_id, amount, *, idempotency_key):
        raise KeyError("bug")


def test_it_is_a_payment_gateway_that_answers_as_the_one_it_wraps(clock: SimulatedClock) -> None:
    gateway: PaymentGateway = MeteredGateway(SandboxGateway(clock))

    held = gateway.authorize(SUCCEEDS, TEN, idempotency_key="a")
    taken = gateway.capture(held, TEN, idempotency_key="c")
    given = gateway.refund(taken.id, TEN, idempotency_key="r")

    assert (held.amount, taken.authorization_id, given.capture_id) == (TEN, held.id, taken.id)


def test_each_operation_is_timed(clock: SimulatedClock) -> None:
    gateway = MeteredGateway(SandboxGateway(clock))
    before = {op: calls(op) for op in ("authorize", "capture", "refund")}

    held = gateway.authorize(SUCCEEDS, TEN, idempotency_key="a")
    taken = gateway.capture(held, TEN, idempotency_key="c")
    gateway.refund(taken.id, TEN, idempotency_key="r")

    assert {op: calls(op) - before[op] for op in before} == {
        "authorize": 1,
        "capture": 1,
        "refund": 1,
    }


def test_a_decline_is_timed_and_counted_by_its_code_and_still_raised(clock) -> None:
    gateway = MeteredGateway(SandboxGateway(clock))
    timed, declined = calls("authorize"), errors("authorize", "payment_declined")

    with pytest.raises(PaymentDeclined):
        gateway.authorize(DECLINES, TEN, idempotency_key="d")

    assert calls("authorize") == timed + 1
    assert errors("authorize", "payment_declined") == declined + 1


def test_an_unexpected_failure_is_counted_as_unexpected_and_still_raised() -> None:
    gateway = MeteredGateway(Broken())
    before = errors("refund", "unexpected")

    with pytest.raises(KeyError):
        gateway.refund("cap_1", TEN, idempotency_key="r")

    assert errors("refund", "unexpected") == before + 1


def test_the_platform_meters_the_gateway_it_is_given(platform) -> None:
    assert isinstance(platform.gateway, MeteredGateway)
    assert isinstance(platform.gateway.gateway, SandboxGateway)
