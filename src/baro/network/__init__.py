"""The physical network: facilities, the stock they hold and move between them, and which of
them ships what."""

from baro.network.allocation import Allocation as Allocation
from baro.network.allocation import AllocationChain as AllocationChain
from baro.network.allocation import HasStock as HasStock
from baro.network.allocation import InvalidLine as InvalidLine
from baro.network.allocation import Line as Line
from baro.network.allocation import NearestFirst as NearestFirst
from baro.network.allocation import OutOfStock as OutOfStock
from baro.network.allocation import StockAt as StockAt
from baro.network.allocation import StockFilter as StockFilter
from baro.network.allocation import StockOrder as StockOrder
from baro.network.allocation import WithinRange as WithinRange
from baro.network.facilities import Facility as Facility
from baro.network.facilities import FacilityKind as FacilityKind
from baro.network.facilities import FacilityNotFound as FacilityNotFound
from baro.network.facilities import InvalidFacility as InvalidFacility
from baro.network.facilities import get_facility as get_facility
from baro.network.facilities import list_facilities as list_facilities
from baro.network.facilities import open_facility as open_facility
from baro.network.holdings import FacilityHoldings as FacilityHoldings
from baro.network.holdings import holdings as holdings
from baro.network.holdings import stock_at as stock_at
from baro.network.inventory import FreeStock as FreeStock
from baro.network.inventory import InvalidStockChange as InvalidStockChange
from baro.network.inventory import StockChanged as StockChanged
from baro.network.inventory import StockLevel as StockLevel
from baro.network.inventory import UnknownProduct as UnknownProduct
from baro.network.inventory import adjust as adjust
from baro.network.inventory import available_by_product as available_by_product
from baro.network.inventory import consume as consume
from baro.network.inventory import free_stock as free_stock
from baro.network.inventory import has_units_free as has_units_free
from baro.network.inventory import open_stock as open_stock
from baro.network.inventory import receive as receive
from baro.network.inventory import release as release
from baro.network.inventory import reserve as reserve
from baro.network.inventory import seen_from as seen_from
from baro.network.inventory import stock_level as stock_level
from baro.network.inventory import stock_levels as stock_levels
from baro.network.service import Network as Network
from baro.network.transfers import Dispatch as Dispatch
from baro.network.transfers import Incoming as Incoming
from baro.network.transfers import InvalidTransfer as InvalidTransfer
from baro.network.transfers import Move as Move
from baro.network.transfers import NotEnoughToSend as NotEnoughToSend
from baro.network.transfers import PlanSummary as PlanSummary
from baro.network.transfers import Transfer as Transfer
from baro.network.transfers import TransferNotFound as TransferNotFound
from baro.network.transfers import TransferNotInTransit as TransferNotInTransit
from baro.network.transfers import TransferPlanRecord as TransferPlanRecord
from baro.network.transfers import TransferStatus as TransferStatus
from baro.network.transfers import arrive_due as arrive_due
from baro.network.transfers import cancel_transfer as cancel_transfer
from baro.network.transfers import dispatch as dispatch
from baro.network.transfers import incoming as incoming
from baro.network.transfers import incoming_by_facility as incoming_by_facility

__all__ = [
    "Allocation",
    "AllocationChain",
    "Dispatch",
    "Facility",
    "FacilityHoldings",
    "FacilityKind",
    "FacilityNotFound",
    "FreeStock",
    "HasStock",
    "Incoming",
    "InvalidFacility",
    "InvalidLine",
    "InvalidStockChange",
    "InvalidTransfer",
    "Line",
    "Move",
    "NearestFirst",
    "Network",
    "NotEnoughToSend",
    "OutOfStock",
    "PlanSummary",
    "StockAt",
    "StockChanged",
    "StockFilter",
    "StockLevel",
    "StockOrder",
    "Transfer",
    "TransferNotFound",
    "TransferNotInTransit",
    "TransferPlanRecord",
    "TransferStatus",
    "UnknownProduct",
    "WithinRange",
    "adjust",
    "arrive_due",
    "available_by_product",
    "cancel_transfer",
    "consume",
    "dispatch",
    "free_stock",
    "get_facility",
    "has_units_free",
    "holdings",
    "incoming",
    "incoming_by_facility",
    "list_facilities",
    "open_facility",
    "open_stock",
    "receive",
    "release",
    "reserve",
    "seen_from",
    "stock_at",
    "stock_level",
    "stock_levels",
]
