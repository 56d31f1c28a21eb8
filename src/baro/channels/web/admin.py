"""Operators: facilities, stock, and moving orders along."""

from __future__ import annotations

from fastapi import APIRouter

from baro.commerce.orders import OrderStatus

from .deps import CallerDep, IdempotencyKey, PlatformDep
from .schemas import AdvanceIn, FacilityOut, OrderOut, ReceiveIn, StockOut

router = APIRouter(prefix="/v1/admin", tags=["operators"])


@router.get("/facilities")
def facilities(who: CallerDep, platform: PlatformDep) -> list[FacilityOut]:
    who.admin()
    return [FacilityOut.of(f) for f in platform.network.facilities()]


@router.post("/facilities/{facility_id}/stock/{product_id}/receive")
def receive_stock(
    facility_id: str,
    product_id: str,
    body: ReceiveIn,
    key: IdempotencyKey,
    who: CallerDep,
    platform: PlatformDep,
) -> StockOut:
    """Goods arrived at a facility; a repeated delivery note (same key) counts once."""
    who.admin()
    level = platform.network.receive(facility_id, product_id, body.quantity, idempotency_key=key)
    return StockOut.of(level)


@router.post("/orders/{order_id}/advance")
def advance_order(
    order_id: str, body: AdvanceIn, who: CallerDep, platform: PlatformDep
) -> OrderOut:
    """Move an order to picking, packed, shipped or delivered; illegal steps are refused."""
    who.admin()
    order = platform.orders.advance(order_id, OrderStatus(body.status))
    return OrderOut.of(order, platform.clock.now())
