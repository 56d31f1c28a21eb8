"""What the order path counts, for ``/metrics``: orders placed, replayed and failed (by error
code), the size of each batch, and each new plan after another process took the stock.

The order service calls these; they cost a lock and an addition each (prometheus_client),
and in multiprocess mode a write to a memory-mapped file.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from prometheus_client import Counter, Histogram

from baro.core.errors import DomainError

if TYPE_CHECKING:
    from baro.commerce.orders.placement import PlacementOutcome

UNEXPECTED = "internal_error"  # the code counted for a failure of ours, not the caller's

ORDERS_PLACED = Counter("baro_orders_placed", "Orders placed (not counting replays)")
ORDERS_REPLAYED = Counter(
    "baro_orders_replayed", "Requests answered with an earlier order (same Idempotency-Key)"
)
ORDERS_FAILED = Counter("baro_orders_failed", "Placements that failed, by error code", ["code"])
BATCH_SIZE = Histogram(
    "baro_order_batch_size",
    "Placements per batch (one transaction)",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024),
)
STOCK_CONTENTION_RETRIES = Counter(
    "baro_order_stock_contention_retries",
    "Batches planned again because another process took the stock they planned on",
)


def record_outcomes(outcomes: Iterable[PlacementOutcome]) -> None:
    """Count what each placement of a batch gave: placed, replayed, or failed by code."""
    placed = replayed = 0
    for outcome in outcomes:
        if isinstance(outcome, Exception):
            code = outcome.code if isinstance(outcome, DomainError) else UNEXPECTED
            ORDERS_FAILED.labels(code).inc()
        elif outcome.replayed:
            replayed += 1
        else:
            placed += 1
    if placed:
        ORDERS_PLACED.inc(placed)
    if replayed:
        ORDERS_REPLAYED.inc(replayed)


def record_batch(size: int) -> None:
    """One batch of ``size`` placements went to the database together."""
    BATCH_SIZE.observe(size)


def record_stock_contention_retry() -> None:
    """A batch lost stock it planned on to another process and is planned again."""
    STOCK_CONTENTION_RETRIES.inc()
