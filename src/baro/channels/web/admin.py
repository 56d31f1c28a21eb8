"""Operators: facilities, stock, and moving orders along."""

from __future__ import annotations

from fastapi import APIRouter

from baro.commerce.orders import OrderStatus

from .deps import CallerDep, IdempotencyKey, PlatformDep
from .problems import AUTHENTICATED, JSON_BODY, errors
from .schemas import AdvanceIn, FacilityOut, Id, OrderOut, ReceiveIn, StockOut

router = APIRouter(prefix="/v1/admin", tags=["operators"])


@router.get("/facilities", responses=errors(*AUTHENTICATED))
def facilities(who: CallerDep, platform: PlatformDep) -> list[FacilityOut]:
    who.admin()
    return [FacilityOut.of(f) for f in platform.network.facilities()]


@router.post(
    "/facilities/{facility_id}/stock/{product_id}/receive",
    responses=errors(
        *AUTHENTICATED,
        *JSON_BODY,
        404,
        409,
        described={
            404: "No such facility or product",
            409: "The first request with this Idempotency-Key is still running",
            422: "Invalid input, a key used with other parameters, or more stock than a count "
            "can hold (2,147,483,647 units)",
        },
    ),
)
def receive_stock(
    facility_id: Id,
    product_id: Id,
    body: ReceiveIn,
    key: IdempotencyKey,
    who: CallerDep,
    platform: PlatformDep,
) -> StockOut:
    """Goods arrived at a facility; a repeated delivery note (same key) counts once."""
    who.admin()
    level = platform.network.receive(facility_id, product_id, body.quantity, idempotency_key=key)
    return StockOut.of(level)


@router.post(
    "/orders/{order_id}/advance",
    responses=errors(
        *AUTHENTICATED,
        *JSON_BODY,
        404,
        409,
        described={404: "No such order", 409: "The order cannot take that step now"},
    ),
)
def advance_order(order_id: Id, body: AdvanceIn, who: CallerDep, platform: PlatformDep) -> OrderOut:
    """Move an order to picking, packed, shipped or delivered; illegal steps are refused."""
    who.admin()
    order = platform.orders.advance(order_id, OrderStatus(body.status))
    return OrderOut.of(order, platform.clock.now(), return_window=platform.orders.return_window)
