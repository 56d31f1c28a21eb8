"""Orders: 1-Click and cart checkout, exactly once, with a cancel window and refunds."""

from baro.commerce.orders.benefits import FreeFastDelivery as FreeFastDelivery
from baro.commerce.orders.benefits import MemberBenefits as MemberBenefits
from baro.commerce.orders.best_sellers import LATEST_ORDER_ID as LATEST_ORDER_ID
from baro.commerce.orders.best_sellers import BestSellers as BestSellers
from baro.commerce.orders.best_sellers import Purchase as Purchase
from baro.commerce.orders.best_sellers import SoldLine as SoldLine
from baro.commerce.orders.best_sellers import last_purchase as last_purchase
from baro.commerce.orders.best_sellers import purchases_of as purchases_of
from baro.commerce.orders.best_sellers import sold_lines as sold_lines
from baro.commerce.orders.browse import OrderBook as OrderBook
from baro.commerce.orders.browse import OrderFilter as OrderFilter
from baro.commerce.orders.cart import Cart as Cart
from baro.commerce.orders.cart import CartItem as CartItem
from baro.commerce.orders.delivery import DeliveryPromises as DeliveryPromises
from baro.commerce.orders.delivery import PromisedOption as PromisedOption
from baro.commerce.orders.domain import TRANSITIONS as TRANSITIONS
from baro.commerce.orders.domain import AlreadyShipped as AlreadyShipped
from baro.commerce.orders.domain import CancelWindowClosed as CancelWindowClosed
from baro.commerce.orders.domain import Delivery as Delivery
from baro.commerce.orders.domain import DuplicateReturnLine as DuplicateReturnLine
from baro.commerce.orders.domain import EmptyCart as EmptyCart
from baro.commerce.orders.domain import EmptyReturn as EmptyReturn
from baro.commerce.orders.domain import IllegalTransition as IllegalTransition
from baro.commerce.orders.domain import InvalidQuantity as InvalidQuantity
from baro.commerce.orders.domain import MemberBenefit as MemberBenefit
from baro.commerce.orders.domain import NotReturnable as NotReturnable
from baro.commerce.orders.domain import Order as Order
from baro.commerce.orders.domain import OrderEvent as OrderEvent
from baro.commerce.orders.domain import OrderLine as OrderLine
from baro.commerce.orders.domain import OrderNotFound as OrderNotFound
from baro.commerce.orders.domain import OrderStatus as OrderStatus
from baro.commerce.orders.domain import PartialReturn as PartialReturn
from baro.commerce.orders.domain import ProductNotInOrder as ProductNotInOrder
from baro.commerce.orders.domain import ReturnExceedsOrder as ReturnExceedsOrder
from baro.commerce.orders.domain import ReturnWindowClosed as ReturnWindowClosed
from baro.commerce.orders.placement import Placement as Placement
from baro.commerce.orders.placement import PlacementOutcome as PlacementOutcome
from baro.commerce.orders.placement import StockContention as StockContention
from baro.commerce.orders.repository import benefits_used as benefits_used
from baro.commerce.orders.repository import promised_per_day as promised_per_day
from baro.commerce.orders.reship import NotLosable as NotLosable
from baro.commerce.orders.reship import ReshipFigures as ReshipFigures
from baro.commerce.orders.reship import ReshipLimitReached as ReshipLimitReached
from baro.commerce.orders.reship import Reships as Reships
from baro.commerce.orders.reship import TrustPolicy as TrustPolicy
from baro.commerce.orders.service import UNCOLLECTED_CONSUMER as UNCOLLECTED_CONSUMER
from baro.commerce.orders.service import InvalidPage as InvalidPage
from baro.commerce.orders.service import LockerNeedsLockerOption as LockerNeedsLockerOption
from baro.commerce.orders.service import OneClick as OneClick
from baro.commerce.orders.service import Orders as Orders
from baro.commerce.orders.service import Returned as Returned

__all__ = [
    "LATEST_ORDER_ID",
    "TRANSITIONS",
    "UNCOLLECTED_CONSUMER",
    "AlreadyShipped",
    "BestSellers",
    "CancelWindowClosed",
    "Cart",
    "CartItem",
    "Delivery",
    "DeliveryPromises",
    "DuplicateReturnLine",
    "EmptyCart",
    "EmptyReturn",
    "FreeFastDelivery",
    "IllegalTransition",
    "InvalidPage",
    "InvalidQuantity",
    "LockerNeedsLockerOption",
    "MemberBenefit",
    "MemberBenefits",
    "NotLosable",
    "NotReturnable",
    "OneClick",
    "Order",
    "OrderBook",
    "OrderEvent",
    "OrderFilter",
    "OrderLine",
    "OrderNotFound",
    "OrderStatus",
    "Orders",
    "PartialReturn",
    "Placement",
    "PlacementOutcome",
    "ProductNotInOrder",
    "PromisedOption",
    "Purchase",
    "ReshipFigures",
    "ReshipLimitReached",
    "Reships",
    "ReturnExceedsOrder",
    "ReturnWindowClosed",
    "Returned",
    "SoldLine",
    "StockContention",
    "TrustPolicy",
    "benefits_used",
    "last_purchase",
    "promised_per_day",
    "purchases_of",
    "sold_lines",
]
