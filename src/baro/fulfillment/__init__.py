"""The fulfillment center: the WMS (bins and their stock, receiving, putaway, the robot
floor's layout and pick stations, picking, packing, the hand-off to delivery) and
``robots``, the robot floor and its fleet planner (pure computation)."""

from baro.fulfillment.domain import MAX_GRID_SIDE as MAX_GRID_SIDE
from baro.fulfillment.domain import Bin as Bin
from baro.fulfillment.domain import Cell as Cell
from baro.fulfillment.domain import FloorLayout as FloorLayout
from baro.fulfillment.domain import FloorStatus as FloorStatus
from baro.fulfillment.domain import FloorView as FloorView
from baro.fulfillment.domain import FulfillmentEvent as FulfillmentEvent
from baro.fulfillment.domain import Item as Item
from baro.fulfillment.domain import Mismatch as Mismatch
from baro.fulfillment.domain import OrderStage as OrderStage
from baro.fulfillment.domain import PickRequest as PickRequest
from baro.fulfillment.domain import PickTask as PickTask
from baro.fulfillment.domain import PodOnFloor as PodOnFloor
from baro.fulfillment.domain import ProductFacts as ProductFacts
from baro.fulfillment.domain import Receipt as Receipt
from baro.fulfillment.domain import ReceiptLine as ReceiptLine
from baro.fulfillment.domain import Release as Release
from baro.fulfillment.domain import StationAtWork as StationAtWork
from baro.fulfillment.domain import Wave as Wave
from baro.fulfillment.errors import BadScan as BadScan
from baro.fulfillment.errors import BinNotFound as BinNotFound
from baro.fulfillment.errors import CellOutsideGrid as CellOutsideGrid
from baro.fulfillment.errors import CellTaken as CellTaken
from baro.fulfillment.errors import InboundNotFound as InboundNotFound
from baro.fulfillment.errors import InvalidBin as InvalidBin
from baro.fulfillment.errors import InvalidLayout as InvalidLayout
from baro.fulfillment.errors import NoBinRoom as NoBinRoom
from baro.fulfillment.errors import NoBoxFits as NoBoxFits
from baro.fulfillment.errors import NothingToStow as NothingToStow
from baro.fulfillment.errors import NotInFulfillment as NotInFulfillment
from baro.fulfillment.errors import StationInUse as StationInUse
from baro.fulfillment.errors import UnknownBarcode as UnknownBarcode
from baro.fulfillment.errors import WeightMismatch as WeightMismatch
from baro.fulfillment.errors import WrongBin as WrongBin
from baro.fulfillment.errors import WrongItem as WrongItem
from baro.fulfillment.errors import WrongStep as WrongStep
from baro.fulfillment.packing import BOXES as BOXES
from baro.fulfillment.packing import Box as Box
from baro.fulfillment.packing import Tolerance as Tolerance
from baro.fulfillment.packing import check_weight as check_weight
from baro.fulfillment.packing import choose_box as choose_box
from baro.fulfillment.service import Fulfillment as Fulfillment
from baro.fulfillment.stow import ClassBased as ClassBased
from baro.fulfillment.stow import DedicatedSlots as DedicatedSlots
from baro.fulfillment.stow import Putaway as Putaway
from baro.fulfillment.stow import RandomStow as RandomStow
from baro.fulfillment.stow import abc_classes as abc_classes

__all__ = [
    "BOXES",
    "MAX_GRID_SIDE",
    "BadScan",
    "Bin",
    "BinNotFound",
    "Box",
    "Cell",
    "CellOutsideGrid",
    "CellTaken",
    "ClassBased",
    "DedicatedSlots",
    "FloorLayout",
    "FloorStatus",
    "FloorView",
    "Fulfillment",
    "FulfillmentEvent",
    "InboundNotFound",
    "InvalidBin",
    "InvalidLayout",
    "Item",
    "Mismatch",
    "NoBinRoom",
    "NoBoxFits",
    "NotInFulfillment",
    "NothingToStow",
    "OrderStage",
    "PickRequest",
    "PickTask",
    "PodOnFloor",
    "ProductFacts",
    "Putaway",
    "RandomStow",
    "Receipt",
    "ReceiptLine",
    "Release",
    "StationAtWork",
    "StationInUse",
    "Tolerance",
    "UnknownBarcode",
    "Wave",
    "WeightMismatch",
    "WrongBin",
    "WrongItem",
    "WrongStep",
    "abc_classes",
    "check_weight",
    "choose_box",
]
