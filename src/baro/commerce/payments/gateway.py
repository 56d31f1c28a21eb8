"""The payment gateway interface. baro never sees card numbers: only the gateway's tokens.

Every call takes an idempotency key: a retry after a timeout must not charge twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from baro.core.errors import Conflict, Unavailable
from baro.core.money import Money


class PaymentDeclined(Conflict):
    code = "payment_declined"


class GatewayUnavailable(Unavailable):
    """The gateway failed or did not answer in time. Retrying with the same key is safe."""

    code = "payment_gateway_unavailable"


@dataclass(frozen=True)
class Authorization:
    id: str
    amount: Money
    authorized_at: datetime


@dataclass(frozen=True)
class Capture:
    id: str
    authorization_id: str
    amount: Money
    captured_at: datetime


@dataclass(frozen=True)
class Refund:
    id: str
    capture_id: str
    amount: Money
    refunded_at: datetime


class PaymentGateway(Protocol):
    def authorize(self, token: str, amount: Money, *, idempotency_key: str) -> Authorization:
        """Hold ``amount`` on the card behind ``token``; PaymentDeclined or GatewayUnavailable."""
        ...

    def capture(
        self, authorization: Authorization, amount: Money, *, idempotency_key: str
    ) -> Capture:
        """Take the held money."""
        ...

    def refund(self, capture_id: str, amount: Money, *, idempotency_key: str) -> Refund:
        """Give captured money back."""
        ...
