"""In-car (trunk) delivery: the customer's vehicle, their consent per order, the courier
who delivers, and the one-time code that opens the trunk; no I/O.

A delivery's code is bound to the delivery (its hash is salted with the delivery id), to
one vehicle and one courier, and to the time window the customer consented to. It opens
the trunk once, dies when the car reports the trunk locked, when the window ends, or after
``MAX_WRONG_ATTEMPTS`` wrong tries (then even the right code is refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from baro.core.errors import Conflict, DomainError, InvalidRequest, NotFound
from baro.core.events import DomainEvent

MAX_WRONG_ATTEMPTS = 5
# A plate as typed: Latin letters, Hangul (Korean plates read 12가3456), digits and dashes,
# at least one letter or digit, with spaces anywhere (they are dropped). The API states the
# same pattern, so what it calls valid is what registration accepts.
PLATE_PATTERN = r"^[ -]*[0-9A-Za-z가-힣][0-9A-Za-z가-힣 -]*$"
MAX_PLATE_LENGTH = 16


class TrunkState(StrEnum):
    CONSENTED = "consented"  # the customer said yes for this order; no courier yet
    ASSIGNED = "assigned"  # an operator named the courier
    CODE_ISSUED = "code_issued"  # the courier holds the one-time code
    OPENED = "opened"  # the code opened the trunk (it cannot open it again)
    DELIVERED = "delivered"  # the car reported its trunk locked: the code is destroyed
    EXPIRED = "expired"  # the window ended first
    LOCKED_OUT = "locked_out"  # too many wrong codes
    REVOKED = "revoked"  # the customer withdrew consent


LIVE = (TrunkState.CONSENTED, TrunkState.ASSIGNED, TrunkState.CODE_ISSUED)


class Outcome(StrEnum):
    """What one attempt to open a trunk came to; every attempt is logged with one."""

    OPENED = "opened"
    WRONG_CODE = "wrong_code"
    WRONG_VEHICLE = "wrong_vehicle"
    WRONG_COURIER = "wrong_courier"
    OUTSIDE_WINDOW = "outside_window"
    EXPIRED = "expired"
    LOCKED_OUT = "locked_out"
    ALREADY_USED = "already_used"
    NO_CODE = "no_code"
    REVOKED = "revoked"
    UNKNOWN_DELIVERY = "unknown_delivery"


@dataclass(frozen=True)
class Vehicle:
    id: str
    customer_id: str
    plate: str
    make: str
    model: str
    lat: float
    lng: float
    registered_at: datetime


@dataclass(frozen=True)
class RegisteredVehicle:
    vehicle: Vehicle
    telematics_key: str  # shown once: the car's credential for reporting its trunk locked


@dataclass(frozen=True)
class Courier:
    id: str
    name: str


@dataclass(frozen=True)
class NewCourier:
    courier: Courier
    key: str  # shown once


@dataclass(frozen=True)
class TrunkDelivery:
    id: str
    order_id: str
    customer_id: str
    vehicle_id: str
    courier_id: str | None
    window_start: datetime
    window_end: datetime
    state: TrunkState
    failed_attempts: int
    code_issued_at: datetime | None
    opened_at: datetime | None
    ended_at: datetime | None


@dataclass(frozen=True)
class AccessCode:
    code: str  # shown once, to the courier
    delivery: TrunkDelivery
    valid_from: datetime
    valid_until: datetime


@dataclass(frozen=True)
class Attempt:
    id: str
    delivery_id: str
    courier_id: str | None
    vehicle_id: str | None
    outcome: Outcome
    at: datetime


class VehicleNotFound(NotFound):
    code = "vehicle_not_found"


class CourierNotFound(NotFound):
    code = "courier_not_found"


class TrunkDeliveryNotFound(NotFound):
    code = "trunk_delivery_not_found"


class InvalidVehicle(InvalidRequest):
    code = "invalid_vehicle"


class VehicleAlreadyRegistered(Conflict):
    code = "vehicle_already_registered"


class InvalidWindow(InvalidRequest):
    """The delivery window is in the past, ends before it starts or is too long;
    ``earliest_start`` and ``max_hours`` say what holds."""

    code = "invalid_delivery_window"


class AlreadyConsented(Conflict):
    code = "trunk_already_consented"


class OrderNotOpenForTrunk(Conflict):
    """The order is cancelled, refunded, failed or delivered: no in-car delivery for it."""

    code = "order_not_open_for_trunk"


class TrunkStateConflict(Conflict):
    code = "trunk_delivery_state"


class CodeAlreadyIssued(Conflict):
    code = "access_code_already_issued"


class CourierNotAuthenticated(InvalidRequest):
    code = "courier_not_authenticated"


class VehicleNotAuthenticated(InvalidRequest):
    code = "vehicle_not_authenticated"


class NotYourDelivery(DomainError):
    code = "not_your_delivery"


class AccessDenied(DomainError):
    """The trunk stays shut; ``reason`` is an ``Outcome`` and ``attempts_left`` how many
    wrong codes remain before the code locks."""

    code = "trunk_access_denied"


@dataclass(frozen=True, kw_only=True)
class TrunkEvent(DomainEvent):
    """``trunk.<what>``; ``aggregate_id`` is the trunk delivery. Never carries a code."""

    what: str

    @property
    def event_type(self) -> str:
        return f"trunk.{self.what}"


def event(what: str, delivery: TrunkDelivery, at: datetime, **extra: Any) -> TrunkEvent:
    data = {
        "order_id": delivery.order_id,
        "vehicle_id": delivery.vehicle_id,
        "courier_id": delivery.courier_id,
        **extra,
    }
    return TrunkEvent(aggregate_id=delivery.id, occurred_at=at, data=data, what=what)
