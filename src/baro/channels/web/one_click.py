"""1-Click presses from every connection this process serves, placed in batches.

The route awaits its press on the event loop; the desk hands every press waiting when the
database is free to ``Orders.place_one_click_all`` in one go (see ``baro.core.batching``),
after checking all their API keys with one query. Under load a worker process then runs a
handful of transactions for dozens of orders, instead of three per order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from baro.commerce.customers import Principal
from baro.commerce.orders import OneClick, Placement, PlacementOutcome
from baro.core.batching import MicroBatcher
from baro.core.errors import DomainError
from baro.platform import Platform

from .ratelimit import FailedAttempts


@dataclass(frozen=True)
class Press:
    api_key: str
    client: str  # where it came from, to slow down whoever guesses keys
    product_id: str
    quantity: int
    idempotency_key: str


class OneClickDesk:
    def __init__(
        self, platform: Platform, failed: FailedAttempts, *, max_batch: int, in_flight: int
    ) -> None:
        self._platform = platform
        self._failed = failed
        self._batcher: MicroBatcher[Press, Placement] = MicroBatcher(
            self._place_all, max_batch=max_batch, in_flight=in_flight, name="one-click"
        )

    @property
    def batches(self) -> int:
        """How many batches this desk has placed."""
        return self._batcher.batches

    async def place(self, press: Press) -> Placement:
        return await self._batcher.submit(press)

    def _place_all(self, presses: Sequence[Press]) -> list[PlacementOutcome]:
        bearers = self._platform.customers.authenticate_all([press.api_key for press in presses])
        known: list[tuple[Press, Principal]] = []
        for press, bearer in zip(presses, bearers, strict=True):
            if isinstance(bearer, DomainError):
                self._failed.failed(press.client)
            else:
                known.append((press, bearer))
        clicks = [
            OneClick(bearer, press.product_id, press.quantity, press.idempotency_key)
            for press, bearer in known
        ]
        placed = iter(self._platform.orders.place_one_click_all(clicks))
        return [bearer if isinstance(bearer, DomainError) else next(placed) for bearer in bearers]

    def close(self) -> None:
        self._batcher.close()
