"""Locker banks, their compartments and what fits in them; no I/O.

A locker bank is a network facility of kind ``LOCKER``; its compartments come in three sizes
with fixed inner dimensions. A parcel fits a compartment when its sides, longest first, are
each no longer than the compartment's, longest first (a parcel may be turned, not bent).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from baro.core.errors import Conflict, InvalidRequest, NotFound
from baro.core.events import DomainEvent


class CompartmentSize(StrEnum):
    S = "S"
    M = "M"
    L = "L"


@dataclass(frozen=True, order=True)
class Box:
    """Outer (parcel) or inner (compartment) dimensions in whole centimetres."""

    length_cm: int
    width_cm: int
    height_cm: int

    def __post_init__(self) -> None:
        if min(self.length_cm, self.width_cm, self.height_cm) <= 0:
            raise InvalidParcel(f"dimensions must be positive, got {self.sides} cm")

    @property
    def sides(self) -> tuple[int, int, int]:
        """Longest first."""
        a, b, c = sorted((self.length_cm, self.width_cm, self.height_cm), reverse=True)
        return (a, b, c)

    def fits_in(self, inner: Box) -> bool:
        return all(p <= c for p, c in zip(self.sides, inner.sides, strict=True))


INNER: Mapping[CompartmentSize, Box] = {
    CompartmentSize.S: Box(40, 30, 10),
    CompartmentSize.M: Box(40, 30, 25),
    CompartmentSize.L: Box(60, 45, 40),
}


def sizes_that_fit(parcel: Box) -> list[CompartmentSize]:
    """The compartment sizes a parcel fits, smallest first."""
    return [size for size, inner in INNER.items() if parcel.fits_in(inner)]


@dataclass(frozen=True)
class Item:
    """One order line as the locker sees it: the product's box and how many."""

    box: Box
    quantity: int


def parcel_of(items: Sequence[Item]) -> Box:
    """The parcel an order's items make: laid flat on their largest face and stacked (the
    longest and second-longest sides of the largest item, the shortest sides added up).
    An estimate that never understates the height of a stack."""
    if not items or any(item.quantity < 1 for item in items):
        raise InvalidParcel("a parcel needs at least one item, each with a quantity of 1 or more")
    sides = [(item.box.sides, item.quantity) for item in items]
    return Box(
        max(s[0] for s, _ in sides),
        max(s[1] for s, _ in sides),
        sum(s[2] * quantity for s, quantity in sides),
    )


class ReservationState(StrEnum):
    RESERVED = "reserved"  # a compartment is held for the order; the parcel is on its way
    ARRIVED = "arrived"  # the parcel is in the compartment; the customer may collect it
    COLLECTED = "collected"
    RETURNED = "returned"  # not collected in time: sent back, compartment freed
    RELEASED = "released"  # given up before arrival


ACTIVE = (ReservationState.RESERVED, ReservationState.ARRIVED)


@dataclass(frozen=True)
class Compartment:
    id: str
    locker_id: str
    label: str
    size: CompartmentSize
    inner: Box


@dataclass(frozen=True)
class LockerBank:
    id: str
    name: str
    lat: float
    lng: float
    compartments: Mapping[CompartmentSize, int]


@dataclass(frozen=True)
class LockerUse:
    """A locker bank as operators watch it: compartments, how many hold an order (on its
    way or waiting), how many parcels wait to be collected, and how many are past their
    deadline (the next tick sends those back)."""

    id: str
    name: str
    compartments: int
    held: int
    waiting: int
    overdue: int


@dataclass(frozen=True)
class LockerOption:
    """A locker near the customer, with what it has free now."""

    id: str
    name: str
    lat: float
    lng: float
    distance_km: float
    free: Mapping[CompartmentSize, int]
    fits: bool  # a free compartment holds the parcel asked about


@dataclass(frozen=True)
class Reservation:
    id: str
    order_id: str
    customer_id: str
    locker_id: str
    compartment_id: str
    compartment_label: str
    size: CompartmentSize
    state: ReservationState
    reserved_at: datetime
    arrived_at: datetime | None
    collect_by: datetime | None
    ended_at: datetime | None


@dataclass(frozen=True)
class PickupCode:
    """The code as handed to the customer, once; only its hash is kept."""

    code: str
    reservation: Reservation
    expires_at: datetime


@dataclass(frozen=True)
class Opened:
    """What the locker does for a good code: open this compartment."""

    reservation: Reservation


class LockerNotFound(NotFound):
    code = "locker_not_found"


class ReservationNotFound(NotFound):
    code = "locker_reservation_not_found"


class InvalidParcel(InvalidRequest):
    code = "invalid_parcel"


class InvalidLocker(InvalidRequest):
    code = "invalid_locker"


class ParcelTooLarge(Conflict):
    """No compartment size holds the parcel: no locker can take this order."""

    code = "parcel_too_large"


class LockerOutOfRange(Conflict):
    """The chosen locker is too far from the delivery address; ``alternatives`` lists
    lockers in range that hold the parcel."""

    code = "locker_out_of_range"


class LockerFull(Conflict):
    """The chosen locker has no free compartment that fits; ``alternatives`` lists nearby
    lockers that do."""

    code = "locker_full"


class AlreadyReserved(Conflict):
    """The order already holds a compartment at another locker."""

    code = "locker_already_reserved"


class ReservationStateConflict(Conflict):
    code = "locker_reservation_state"


class OrderNotOpen(Conflict):
    """The order is cancelled, refunded, failed or delivered: no locker for it."""

    code = "order_not_open_for_locker"


class InvalidPickupCode(InvalidRequest):
    """Not even the shape of a pickup code (eight letters and digits of the code alphabet)."""

    code = "invalid_pickup_code"


class PickupCodeNotFound(NotFound):
    """A well-formed code that opens nothing at this locker (wrong, used, or replaced)."""

    code = "pickup_code_not_found"


class PickupCodeExpired(Conflict):
    code = "pickup_code_expired"


@dataclass(frozen=True, kw_only=True)
class LockerEvent(DomainEvent):
    """``locker.<what>``; ``aggregate_id`` is the reservation, ``data`` names the order."""

    what: str

    @property
    def event_type(self) -> str:
        return f"locker.{self.what}"


def event(what: str, reservation: Reservation, at: datetime, **extra: Any) -> LockerEvent:
    data = {
        "order_id": reservation.order_id,
        "customer_id": reservation.customer_id,
        "locker_id": reservation.locker_id,
        "compartment": reservation.compartment_label,
        **extra,
    }
    return LockerEvent(aggregate_id=reservation.id, occurred_at=at, data=data, what=what)
