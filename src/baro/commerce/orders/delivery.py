"""What an order needs from delivery, declared here and injected by ``baro.platform``
(``baro.delivery.promise.Promises`` and ``baro.delivery.lockers.Lockers`` satisfy it):
commerce never imports delivery.

At placement the order is planned (its lines, their weights and boxes, the facility the
allocation chose, the address); ``choose`` returns the option it ships with. It must not
touch the database: placement sends a fixed number of statements per batch. ``prepare``
may read (caches it refreshes on a timer), and is called before the batch's transaction.

An order that ships to a locker holds a compartment from the moment it is written:
``LockerCompartments.hold`` runs in placement's write transaction (only for such orders),
and ``let_go`` in the transaction that cancels the order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from baro.core.money import Money


@dataclass(frozen=True)
class ShippedItem:
    """One line as delivery sees it: the product's weight and box, and how many."""

    product_id: str
    weight_g: int
    length_cm: int
    width_cm: int
    height_cm: int
    quantity: int


class PromisedOption(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def fee(self) -> Money: ...

    @property
    def window_start(self) -> datetime: ...

    @property
    def window_end(self) -> datetime: ...

    @property
    def via(self) -> str | None:
        """Where the parcel is handed over (the locker bank, for a locker)."""
        ...


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
        customer_id: str | None = None,
        items: Sequence[ShippedItem] = (),
        locker_id: str | None = None,
    ) -> PromisedOption:
        """The option the order ships with: ``requested`` or a DomainError saying which
        options hold; else ``preferred`` if it holds; else the fastest without a fee."""
        ...


class LockerCompartments(Protocol):
    def hold(
        self,
        session: Session,
        *,
        customer_id: str,
        order_id: str,
        locker_id: str,
        items: Sequence[ShippedItem],
        near: tuple[float, float],
    ) -> None:
        """Reserve a fitting compartment of ``locker_id`` for the order, in ``session``'s
        transaction; a DomainError (a full locker, naming those that hold) otherwise, with
        nothing written."""
        ...

    def let_go(self, session: Session, order_id: str) -> None:
        """Free the order's compartment, if it holds one not yet filled, in ``session``."""
        ...
