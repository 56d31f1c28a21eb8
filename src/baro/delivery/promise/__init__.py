"""The delivery promise: for goods, an address and now, the ways baro can deliver
(standard, two-day, same-day, drone, locker, in-car), each with its fee and the window it
arrives in, from where the stock is, the facilities' cut-offs and processing, transit per
mode and distance, and capacity. Rules are small classes behind ``ModeRule``, chained
like the network's allocation policies."""

from baro.delivery.promise.capacity import DEFAULT_LIMITS as DEFAULT_LIMITS
from baro.delivery.promise.capacity import CapacityCheck as CapacityCheck
from baro.delivery.promise.capacity import PromisedCounts as PromisedCounts
from baro.delivery.promise.capacity import PromisedReader as PromisedReader
from baro.delivery.promise.capacity import PromisedRow as PromisedRow
from baro.delivery.promise.capacity import Unlimited as Unlimited
from baro.delivery.promise.engine import PromiseChain as PromiseChain
from baro.delivery.promise.engine import default_rules as default_rules
from baro.delivery.promise.model import DeliveryOptionUnavailable as DeliveryOptionUnavailable
from baro.delivery.promise.model import DroneWorld as DroneWorld
from baro.delivery.promise.model import Mode as Mode
from baro.delivery.promise.model import NoDeliveryOption as NoDeliveryOption
from baro.delivery.promise.model import Option as Option
from baro.delivery.promise.model import Origin as Origin
from baro.delivery.promise.model import PromiseRequest as PromiseRequest
from baro.delivery.promise.model import Quote as Quote
from baro.delivery.promise.model import Refusal as Refusal
from baro.delivery.promise.model import Site as Site
from baro.delivery.promise.model import UnknownDeliveryOption as UnknownDeliveryOption
from baro.delivery.promise.model import parse_mode as parse_mode
from baro.delivery.promise.rules import Drone as Drone
from baro.delivery.promise.rules import InCar as InCar
from baro.delivery.promise.rules import Locker as Locker
from baro.delivery.promise.rules import ModeRule as ModeRule
from baro.delivery.promise.rules import SameDay as SameDay
from baro.delivery.promise.rules import Standard as Standard
from baro.delivery.promise.rules import TwoDay as TwoDay
from baro.delivery.promise.service import BoxedItem as BoxedItem
from baro.delivery.promise.service import Item as Item
from baro.delivery.promise.service import Promises as Promises
from baro.delivery.promise.timing import DEFAULT_FEES as DEFAULT_FEES
from baro.delivery.promise.timing import DEFAULT_TIMING as DEFAULT_TIMING
from baro.delivery.promise.timing import DEFAULT_TRANSIT as DEFAULT_TRANSIT
from baro.delivery.promise.timing import FacilityTiming as FacilityTiming
from baro.delivery.promise.timing import NoFeeTable as NoFeeTable
from baro.delivery.promise.timing import PromiseSettings as PromiseSettings
from baro.delivery.promise.timing import Transit as Transit

__all__ = [
    "DEFAULT_FEES",
    "DEFAULT_LIMITS",
    "DEFAULT_TIMING",
    "DEFAULT_TRANSIT",
    "BoxedItem",
    "CapacityCheck",
    "DeliveryOptionUnavailable",
    "Drone",
    "DroneWorld",
    "FacilityTiming",
    "InCar",
    "Item",
    "Locker",
    "Mode",
    "ModeRule",
    "NoDeliveryOption",
    "NoFeeTable",
    "Option",
    "Origin",
    "PromiseChain",
    "PromiseRequest",
    "PromiseSettings",
    "PromisedCounts",
    "PromisedReader",
    "PromisedRow",
    "Promises",
    "Quote",
    "Refusal",
    "SameDay",
    "Site",
    "Standard",
    "Transit",
    "TwoDay",
    "UnknownDeliveryOption",
    "Unlimited",
    "default_rules",
    "parse_mode",
]
