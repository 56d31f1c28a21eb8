"""Drones: who may get a parcel by drone (payload, range, drop zone, no-fly zones,
weather), how long a sortie takes, which drone flies it (FIFO, earliest-ready drone), and
the bases, fleets and drop zones in the database."""

from baro.delivery.drones.dispatch import DroneState as DroneState
from baro.delivery.drones.dispatch import NoDroneAvailable as NoDroneAvailable
from baro.delivery.drones.dispatch import Sortie as Sortie
from baro.delivery.drones.dispatch import assign as assign
from baro.delivery.drones.dispatch import assign_all as assign_all
from baro.delivery.drones.model import FLIGHT as FLIGHT
from baro.delivery.drones.model import MAX_DISTANCE_KM as MAX_DISTANCE_KM
from baro.delivery.drones.model import MAX_PAYLOAD_G as MAX_PAYLOAD_G
from baro.delivery.drones.model import Base as Base
from baro.delivery.drones.model import DroneNotEligible as DroneNotEligible
from baro.delivery.drones.model import DronesGrounded as DronesGrounded
from baro.delivery.drones.model import Eligibility as Eligibility
from baro.delivery.drones.model import FlightModel as FlightModel
from baro.delivery.drones.model import InNoFlyZone as InNoFlyZone
from baro.delivery.drones.model import InvalidZone as InvalidZone
from baro.delivery.drones.model import Item as Item
from baro.delivery.drones.model import NoDropZone as NoDropZone
from baro.delivery.drones.model import NoFlyZone as NoFlyZone
from baro.delivery.drones.model import OutOfDroneRange as OutOfDroneRange
from baro.delivery.drones.model import Route as Route
from baro.delivery.drones.model import TooBigForDrone as TooBigForDrone
from baro.delivery.drones.model import TooHeavyForDrone as TooHeavyForDrone
from baro.delivery.drones.model import Weather as Weather
from baro.delivery.drones.model import check as check
from baro.delivery.drones.model import payload_g as payload_g
from baro.delivery.drones.model import zone_polygon as zone_polygon
from baro.delivery.drones.store import BaseView as BaseView
from baro.delivery.drones.store import DroneBaseExists as DroneBaseExists
from baro.delivery.drones.store import DroneBaseNotFound as DroneBaseNotFound
from baro.delivery.drones.store import Drones as Drones
from baro.delivery.drones.store import DroneView as DroneView
from baro.delivery.drones.store import DropZoneTooFar as DropZoneTooFar
from baro.delivery.drones.store import InvalidDropZone as InvalidDropZone
from baro.delivery.drones.store import InvalidFleet as InvalidFleet
from baro.delivery.drones.store import SortieView as SortieView
