"""What an order needs from delivery, declared here and injected by ``baro.platform``
(``baro.delivery.promise.Promises`` satisfies it): commerce never imports delivery.

At placement the order is planned (its lines, their weights, the facility the allocation
chose, the address); ``choose`` returns the option it ships with. It must not touch the
database: placement sends a fixed number of statements per batch. ``prepare`` may read
(caches it refreshes on a timer), and is called before the batch's transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from baro.core.money import Money


class PromisedOption(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def fee(self) -> Money: ...

    @property
    def window_start(self) -> datetime: ...

    @property
    def window_end(self) -> datetime: ...


class DeliveryPromises(Protocol):
    def prepare(self, now: datetime) -> None: ...

    def choose(
        self,
        *,
        items_weight_g: int,
        lat: float,
        lng: float,
        facility_id: str,
        facility_lat: float,
        facility_lng: float,
        currency: str,
        now: datetime,
        preferred: str | None = None,
        requested: str | None = None,
    ) -> PromisedOption:
        """The option the order ships with: ``requested`` or a DomainError saying which
        options hold; else ``preferred`` if it holds; else the fastest."""
        ...
