"""Locker pickup: locker banks with S/M/L compartments, a compartment reserved per order (never
two orders in one compartment), a one-time pickup code once the parcel arrives, and the return
of what is not collected in time (``locker.uncollected``, for the orders side to refund)."""

from baro.delivery.lockers.domain import INNER as INNER
from baro.delivery.lockers.domain import AlreadyReserved as AlreadyReserved
from baro.delivery.lockers.domain import Box as Box
from baro.delivery.lockers.domain import Compartment as Compartment
from baro.delivery.lockers.domain import CompartmentSize as CompartmentSize
from baro.delivery.lockers.domain import InvalidLocker as InvalidLocker
from baro.delivery.lockers.domain import InvalidParcel as InvalidParcel
from baro.delivery.lockers.domain import InvalidPickupCode as InvalidPickupCode
from baro.delivery.lockers.domain import Item as Item
from baro.delivery.lockers.domain import LockerBank as LockerBank
from baro.delivery.lockers.domain import LockerEvent as LockerEvent
from baro.delivery.lockers.domain import LockerFull as LockerFull
from baro.delivery.lockers.domain import LockerNotFound as LockerNotFound
from baro.delivery.lockers.domain import LockerOption as LockerOption
from baro.delivery.lockers.domain import LockerOutOfRange as LockerOutOfRange
from baro.delivery.lockers.domain import LockerUse as LockerUse
from baro.delivery.lockers.domain import Opened as Opened
from baro.delivery.lockers.domain import OrderNotOpen as OrderNotOpen
from baro.delivery.lockers.domain import ParcelTooLarge as ParcelTooLarge
from baro.delivery.lockers.domain import PickupCode as PickupCode
from baro.delivery.lockers.domain import PickupCodeExpired as PickupCodeExpired
from baro.delivery.lockers.domain import PickupCodeNotFound as PickupCodeNotFound
from baro.delivery.lockers.domain import Reservation as Reservation
from baro.delivery.lockers.domain import ReservationNotFound as ReservationNotFound
from baro.delivery.lockers.domain import ReservationState as ReservationState
from baro.delivery.lockers.domain import ReservationStateConflict as ReservationStateConflict
from baro.delivery.lockers.domain import parcel_of as parcel_of
from baro.delivery.lockers.domain import sizes_that_fit as sizes_that_fit
from baro.delivery.lockers.service import PICKUP_CODE_PATTERN as PICKUP_CODE_PATTERN
from baro.delivery.lockers.service import Lockers as Lockers

__all__ = [
    "INNER",
    "PICKUP_CODE_PATTERN",
    "AlreadyReserved",
    "Box",
    "Compartment",
    "CompartmentSize",
    "InvalidLocker",
    "InvalidParcel",
    "InvalidPickupCode",
    "Item",
    "LockerBank",
    "LockerEvent",
    "LockerFull",
    "LockerNotFound",
    "LockerOption",
    "LockerOutOfRange",
    "LockerUse",
    "Lockers",
    "Opened",
    "OrderNotOpen",
    "ParcelTooLarge",
    "PickupCode",
    "PickupCodeExpired",
    "PickupCodeNotFound",
    "Reservation",
    "ReservationNotFound",
    "ReservationState",
    "ReservationStateConflict",
    "parcel_of",
    "sizes_that_fit",
]
