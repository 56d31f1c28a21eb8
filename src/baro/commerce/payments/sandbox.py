"""SandboxGateway: a FAKE gateway for demos and tests. It moves no money.

It implements the real ``PaymentGateway`` interface with deterministic test tokens:

====================== ==================================================
``tok_sandbox_visa``   every call succeeds (any other ``tok_sandbox_…`` too)
``tok_sandbox_decline`` authorization is declined
``tok_sandbox_timeout`` the gateway never answers in time (GatewayUnavailable)
====================== ==================================================

Results are derived from the idempotency key, so a repeated call returns the same
authorization, capture or refund, as a real gateway's idempotency would, in any process.
"""

from __future__ import annotations

import hashlib

from baro.commerce.payments.gateway import (
    Authorization,
    Capture,
    GatewayUnavailable,
    PaymentDeclined,
    Refund,
)
from baro.core.clock import Clock
from baro.core.money import Money

SANDBOX_PREFIX = "tok_sandbox_"
SUCCEEDS = "tok_sandbox_visa"
DECLINES = "tok_sandbox_decline"
TIMES_OUT = "tok_sandbox_timeout"


def _derived_id(prefix: str, idempotency_key: str) -> str:
    return f"{prefix}_{hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]}"


class SandboxGateway:
    """Sandbox only: refuses tokens that are not sandbox test tokens."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def authorize(self, token: str, amount: Money, *, idempotency_key: str) -> Authorization:
        if not token.startswith(SANDBOX_PREFIX):
            raise PaymentDeclined("the sandbox gateway accepts only tok_sandbox_… test tokens")
        if token == DECLINES:
            raise PaymentDeclined(f"the card was declined for {amount}")
        if token == TIMES_OUT:
            raise GatewayUnavailable("the payment gateway did not answer in time")
        if amount.minor <= 0:
            raise PaymentDeclined(f"cannot authorize {amount}")
        return Authorization(_derived_id("auth", idempotency_key), amount, self._clock.now())

    def capture(
        self, authorization: Authorization, amount: Money, *, idempotency_key: str
    ) -> Capture:
        if authorization.amount < amount:
            raise PaymentDeclined(f"cannot capture {amount}: only {authorization.amount} held")
        return Capture(
            _derived_id("cap", idempotency_key), authorization.id, amount, self._clock.now()
        )

    def refund(self, capture_id: str, amount: Money, *, idempotency_key: str) -> Refund:
        return Refund(_derived_id("ref", idempotency_key), capture_id, amount, self._clock.now())
