"""SandboxGateway: a FAKE gateway for demos and tests. It moves no money.

It implements the real ``PaymentGateway`` interface with deterministic test tokens:

====================== ==================================================
``tok_sandbox_visa``   every call succeeds (any other ``tok_sandbox_…`` too)
``tok_sandbox_decline`` authorization is declined
``tok_sandbox_timeout`` the gateway never answers in time (GatewayUnavailable)
====================== ==================================================

Results are derived from the idempotency key, so a repeated call returns the same
authorization, capture or refund, as a real gateway's idempotency would, in any process.

With a ``SandboxLedger`` (``BARO_SANDBOX_LEDGER=<file>``), every answer is also written down,
by every server process, so that a test can audit the money afterwards: what each card was
charged and refunded, against the orders baro kept.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class LedgerEntry:
    operation: str  # authorize, capture or refund
    idempotency_key: str
    id: str  # the authorization, capture or refund the gateway answered with
    acts_on: str  # authorize: the card's token; capture: the authorization; refund: the capture
    amount_minor: int
    currency: str


class SandboxLedger:
    """The sandbox's answers as JSON lines appended to ``path``, by any number of
    processes: each entry is one ``write`` of one short line to the file opened for
    appending, which the kernel keeps whole. Nothing is held open between entries."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, entry: LedgerEntry) -> None:
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, (json.dumps(asdict(entry)) + "\n").encode())
        finally:
            os.close(descriptor)

    @staticmethod
    def read(path: Path) -> Iterator[LedgerEntry]:
        with path.open() as lines:
            for line in lines:
                yield LedgerEntry(**json.loads(line))


class SandboxGateway:
    """Sandbox only: refuses tokens that are not sandbox test tokens."""

    def __init__(self, clock: Clock, ledger: SandboxLedger | None = None) -> None:
        self._clock = clock
        self._ledger = ledger

    def _write_down(self, operation: str, key: str, id_: str, acts_on: str, amount: Money) -> None:
        if self._ledger is not None:
            entry = LedgerEntry(operation, key, id_, acts_on, amount.minor, amount.currency)
            self._ledger.write(entry)

    def authorize(self, token: str, amount: Money, *, idempotency_key: str) -> Authorization:
        if not token.startswith(SANDBOX_PREFIX):
            raise PaymentDeclined("the sandbox gateway accepts only tok_sandbox_… test tokens")
        if token == DECLINES:
            raise PaymentDeclined(f"the card was declined for {amount}")
        if token == TIMES_OUT:
            raise GatewayUnavailable("the payment gateway did not answer in time")
        if amount.minor <= 0:
            raise PaymentDeclined(f"cannot authorize {amount}")
        authorization = Authorization(
            _derived_id("auth", idempotency_key), amount, self._clock.now()
        )
        self._write_down("authorize", idempotency_key, authorization.id, token, amount)
        return authorization

    def capture(
        self, authorization: Authorization, amount: Money, *, idempotency_key: str
    ) -> Capture:
        if authorization.amount < amount:
            raise PaymentDeclined(f"cannot capture {amount}: only {authorization.amount} held")
        capture = Capture(
            _derived_id("cap", idempotency_key), authorization.id, amount, self._clock.now()
        )
        self._write_down("capture", idempotency_key, capture.id, authorization.id, amount)
        return capture

    def refund(self, capture_id: str, amount: Money, *, idempotency_key: str) -> Refund:
        refund = Refund(_derived_id("ref", idempotency_key), capture_id, amount, self._clock.now())
        self._write_down("refund", idempotency_key, refund.id, capture_id, amount)
        return refund
