"""In-car (trunk) delivery: a customer's vehicle and consent per order, couriers, and the
one-time trunk code bound to the delivery, the vehicle, the courier and the time window."""

from baro.delivery.access.domain import MAX_PLATE_LENGTH as MAX_PLATE_LENGTH
from baro.delivery.access.domain import MAX_WRONG_ATTEMPTS as MAX_WRONG_ATTEMPTS
from baro.delivery.access.domain import PLATE_PATTERN as PLATE_PATTERN
from baro.delivery.access.domain import AccessCode as AccessCode
from baro.delivery.access.domain import AccessDenied as AccessDenied
from baro.delivery.access.domain import AlreadyConsented as AlreadyConsented
from baro.delivery.access.domain import Attempt as Attempt
from baro.delivery.access.domain import CodeAlreadyIssued as CodeAlreadyIssued
from baro.delivery.access.domain import Courier as Courier
from baro.delivery.access.domain import CourierNotAuthenticated as CourierNotAuthenticated
from baro.delivery.access.domain import CourierNotFound as CourierNotFound
from baro.delivery.access.domain import InvalidVehicle as InvalidVehicle
from baro.delivery.access.domain import InvalidWindow as InvalidWindow
from baro.delivery.access.domain import NewCourier as NewCourier
from baro.delivery.access.domain import NotYourDelivery as NotYourDelivery
from baro.delivery.access.domain import OrderNotOpenForTrunk as OrderNotOpenForTrunk
from baro.delivery.access.domain import Outcome as Outcome
from baro.delivery.access.domain import RegisteredVehicle as RegisteredVehicle
from baro.delivery.access.domain import TrunkDelivery as TrunkDelivery
from baro.delivery.access.domain import TrunkDeliveryNotFound as TrunkDeliveryNotFound
from baro.delivery.access.domain import TrunkEvent as TrunkEvent
from baro.delivery.access.domain import TrunkState as TrunkState
from baro.delivery.access.domain import TrunkStateConflict as TrunkStateConflict
from baro.delivery.access.domain import Vehicle as Vehicle
from baro.delivery.access.domain import VehicleAlreadyRegistered as VehicleAlreadyRegistered
from baro.delivery.access.domain import VehicleNotAuthenticated as VehicleNotAuthenticated
from baro.delivery.access.domain import VehicleNotFound as VehicleNotFound
from baro.delivery.access.service import TrunkAccess as TrunkAccess

__all__ = [
    "MAX_PLATE_LENGTH",
    "MAX_WRONG_ATTEMPTS",
    "PLATE_PATTERN",
    "AccessCode",
    "AccessDenied",
    "AlreadyConsented",
    "Attempt",
    "CodeAlreadyIssued",
    "Courier",
    "CourierNotAuthenticated",
    "CourierNotFound",
    "InvalidVehicle",
    "InvalidWindow",
    "NewCourier",
    "NotYourDelivery",
    "OrderNotOpenForTrunk",
    "Outcome",
    "RegisteredVehicle",
    "TrunkAccess",
    "TrunkDelivery",
    "TrunkDeliveryNotFound",
    "TrunkEvent",
    "TrunkState",
    "TrunkStateConflict",
    "Vehicle",
    "VehicleAlreadyRegistered",
    "VehicleNotAuthenticated",
    "VehicleNotFound",
]
