"""Orders: 1-Click, read, list, cancel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from baro.commerce.orders import Placement

from .deps import CallerDep, IdempotencyKey, OneClickDeskDep, PlatformDep
from .gateway_threads import GatewayThreadsDep
from .one_click import Press
from .schemas import OneClickIn, OrderOut, OrderPage

router = APIRouter(prefix="/v1/orders", tags=["orders"])

ERRORS = {
    400: {"description": "Missing or malformed Idempotency-Key, or malformed JSON"},
    401: {"description": "No or unknown API key"},
    402: {"description": "The card was declined"},
    404: {"description": "Unknown product, or not your order"},
    409: {"description": "Out of stock, key in flight, cancel window closed, no default card"},
    422: {"description": "Invalid quantity, or the key was used with other parameters"},
    502: {"description": "The payment gateway failed; retry with the same key"},
}


def placed(placement: Placement, response: Response, platform: PlatformDep) -> OrderOut:
    response.headers["Location"] = f"/v1/orders/{placement.order.id}"
    if placement.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return OrderOut.of(placement.order, platform.clock.now())


@router.post("/one-click", status_code=201, responses=ERRORS)  # type: ignore[arg-type]
async def one_click(
    body: OneClickIn,
    who: CallerDep,
    key: IdempotencyKey,
    desk: OneClickDeskDep,
    platform: PlatformDep,
    response: Response,
) -> OrderOut:
    """Buy now: the saved default card is charged and the order ships to the default address."""
    press = Press(who.bearer(), who.client, body.product_id, body.quantity, key)
    return placed(await desk.place(press), response, platform)


@router.get("", responses={401: ERRORS[401]})  # type: ignore[dict-item]
def list_orders(
    who: CallerDep,
    platform: PlatformDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    before: Annotated[str | None, Query(max_length=40)] = None,
) -> OrderPage:
    """Your orders, newest first (operators: everyone's)."""
    orders = platform.orders.list(who.principal(), limit=limit, before=before)
    now = platform.clock.now()
    return OrderPage(
        items=[OrderOut.of(order, now) for order in orders],
        next_before=orders[-1].id if len(orders) == limit else None,
    )


@router.get("/{order_id}", responses={401: ERRORS[401], 404: ERRORS[404]})  # type: ignore[dict-item]
def get_order(order_id: str, who: CallerDep, platform: PlatformDep) -> OrderOut:
    return OrderOut.of(platform.orders.get(who.principal(), order_id), platform.clock.now())


@router.post("/{order_id}/cancel", responses=ERRORS)  # type: ignore[arg-type]
async def cancel_order(
    order_id: str, who: CallerDep, platform: PlatformDep, threads: GatewayThreadsDep
) -> OrderOut:
    """Cancel within the cancel window; the payment is refunded at once. Safe to repeat."""
    order = await threads.run(lambda: platform.orders.cancel(who.principal(), order_id))
    return OrderOut.of(order, platform.clock.now())
