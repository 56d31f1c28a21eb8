"""Replenishment: products that arrive when needed. A customer opts in to a product every so
many days, or when their own purchase cycle says (``baro.intelligence.replenish``); products
they buy on a regular cycle are suggested, never ordered without the opt-in. ``run`` places
the orders due, once per cycle, each cancellable in its own cancel window."""

from baro.commerce.replenishment.cycles import LINE_COLUMNS as LINE_COLUMNS
from baro.commerce.replenishment.cycles import ORDER_COLUMNS as ORDER_COLUMNS
from baro.commerce.replenishment.cycles import HistoryFrames as HistoryFrames
from baro.commerce.replenishment.domain import MAX_INTERVAL_DAYS as MAX_INTERVAL_DAYS
from baro.commerce.replenishment.domain import MAX_QUANTITY as MAX_QUANTITY
from baro.commerce.replenishment.domain import MOVES as MOVES
from baro.commerce.replenishment.domain import AlreadySubscribed as AlreadySubscribed
from baro.commerce.replenishment.domain import Cycle as Cycle
from baro.commerce.replenishment.domain import CycleModelUnavailable as CycleModelUnavailable
from baro.commerce.replenishment.domain import InvalidSubscription as InvalidSubscription
from baro.commerce.replenishment.domain import NoPurchaseCycle as NoPurchaseCycle
from baro.commerce.replenishment.domain import Outcome as Outcome
from baro.commerce.replenishment.domain import PlacedForYou as PlacedForYou
from baro.commerce.replenishment.domain import Result as Result
from baro.commerce.replenishment.domain import RunReport as RunReport
from baro.commerce.replenishment.domain import Status as Status
from baro.commerce.replenishment.domain import Subscription as Subscription
from baro.commerce.replenishment.domain import SubscriptionClosed as SubscriptionClosed
from baro.commerce.replenishment.domain import SubscriptionNotFound as SubscriptionNotFound
from baro.commerce.replenishment.domain import Suggestion as Suggestion
from baro.commerce.replenishment.service import Replenishment as Replenishment
from baro.commerce.replenishment.service import ReplenishmentSettings as ReplenishmentSettings
from baro.commerce.replenishment.service import Subscribed as Subscribed

__all__ = [
    "LINE_COLUMNS",
    "MAX_INTERVAL_DAYS",
    "MAX_QUANTITY",
    "MOVES",
    "ORDER_COLUMNS",
    "AlreadySubscribed",
    "Cycle",
    "CycleModelUnavailable",
    "HistoryFrames",
    "InvalidSubscription",
    "NoPurchaseCycle",
    "Outcome",
    "PlacedForYou",
    "Replenishment",
    "ReplenishmentSettings",
    "Result",
    "RunReport",
    "Status",
    "Subscribed",
    "Subscription",
    "SubscriptionClosed",
    "SubscriptionNotFound",
    "Suggestion",
]
