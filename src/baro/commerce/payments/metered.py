"""A payment gateway that measures the one it wraps: the time of each call and its errors,
by operation (authorize, capture, refund), for ``/metrics``. ``Platform`` wraps whichever
gateway it is given in one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from time import perf_counter

from prometheus_client import Counter, Histogram

from baro.commerce.payments.gateway import Authorization, Capture, PaymentGateway, Refund
from baro.core.errors import DomainError
from baro.core.money import Money

GATEWAY_DURATION = Histogram(
    "baro_payment_gateway_duration_seconds",
    "Time the payment gateway took to answer, by operation",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
GATEWAY_ERRORS = Counter(
    "baro_payment_gateway_errors",
    "Gateway calls that failed, by operation and error code (payment_declined, "
    "payment_gateway_unavailable, unexpected)",
    ["operation", "code"],
)
UNEXPECTED = "unexpected"  # the code of an error that is not a DomainError (a bug, a crash)


class MeteredGateway:
    def __init__(self, gateway: PaymentGateway) -> None:
        self.gateway = gateway

    def authorize(self, token: str, amount: Money, *, idempotency_key: str) -> Authorization:
        with _metered("authorize"):
            return self.gateway.authorize(token, amount, idempotency_key=idempotency_key)

    def capture(
        self, authorization: Authorization, amount: Money, *, idempotency_key: str
    ) -> Capture:
        with _metered("capture"):
            return self.gateway.capture(authorization, amount, idempotency_key=idempotency_key)

    def refund(self, capture_id: str, amount: Money, *, idempotency_key: str) -> Refund:
        with _metered("refund"):
            return self.gateway.refund(capture_id, amount, idempotency_key=idempotency_key)


@contextmanager
def _metered(operation: str) -> Iterator[None]:
    started = perf_counter()
    try:
        yield
    except DomainError as error:
        GATEWAY_ERRORS.labels(operation, error.code).inc()
        raise
    except Exception:
        GATEWAY_ERRORS.labels(operation, UNEXPECTED).inc()
        raise
    finally:
        GATEWAY_DURATION.labels(operation).observe(perf_counter() - started)
