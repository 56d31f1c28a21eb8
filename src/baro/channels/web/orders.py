"""Orders: 1-Click, read, list, cancel, return."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from baro.commerce.orders import Order, Placement
from baro.platform import Platform

from .deps import CallerDep, IdempotencyKey, OneClickDeskDep, PlatformDep
from .gateway_threads import GatewayThreadsDep
from .one_click import Press
from .openapi import replayed
from .problems import AUTHENTICATED, errors
from .schemas import Id, OneClickIn, OrderOut, OrderPage, ReturnIn

router = APIRouter(prefix="/v1/orders", tags=["orders"])

PLACED = {
    404: "Unknown product, or one no longer sold",
    409: "Out of stock, the key's first request is still running, no default card or "
    "address, the delivery option named does not hold (`options` lists those that do), or "
    "the locker named is full, too far or too small for the parcel (`alternatives` lists "
    "lockers nearby that hold)",
    422: "Invalid input or quantity, or the key was used with other parameters",
}
PLACEMENT_ERRORS = errors(*AUTHENTICATED, 400, 402, 404, 409, 422, 502, described=PLACED)
NOT_YOURS = {404: "No such order, or not yours"}


def order_out(order: Order, platform: Platform) -> OrderOut:
    return OrderOut.of(order, platform.clock.now(), return_window=platform.orders.return_window)


def placed(placement: Placement, response: Response, platform: PlatformDep) -> OrderOut:
    response.headers["Location"] = f"/v1/orders/{placement.order.id}"
    if placement.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return order_out(placement.order, platform)


@router.post("/one-click", status_code=201, responses=errors(413) | PLACEMENT_ERRORS)
async def one_click(
    body: OneClickIn, who: CallerDep, key: IdempotencyKey, desk: OneClickDeskDep, response: Response
) -> OrderOut:
    """Buy now: the saved default card is charged and the order ships to the default address."""
    option = body.delivery_option.value if body.delivery_option else None
    press = Press(
        who.bearer(), who.client, body.product_id, body.quantity, key, option, body.locker_id
    )
    return placed(await desk.place(press), response, who.platform)


@router.get("", responses=errors(*AUTHENTICATED, 422))
def list_orders(
    who: CallerDep,
    platform: PlatformDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    before: Annotated[Id | None, Query(description="`next_before` of the previous page")] = None,
) -> OrderPage:
    """Your orders, newest first."""
    orders = platform.orders.list(who.customer(), limit=limit, before=before)
    return OrderPage(
        items=[order_out(order, platform) for order in orders],
        next_before=orders[-1].id if len(orders) == limit else None,
    )


@router.get("/{order_id}", responses=errors(*AUTHENTICATED, 404, 422, described=NOT_YOURS))
def get_order(order_id: Id, who: CallerDep, platform: PlatformDep) -> OrderOut:
    return order_out(platform.orders.get(who.customer(), order_id), platform)


@router.post(
    "/{order_id}/cancel",
    responses=errors(
        *AUTHENTICATED, 404, 409, 422, 502, described=NOT_YOURS | {409: "The cancel window closed"}
    ),
)
async def cancel_order(
    order_id: Id, who: CallerDep, platform: PlatformDep, threads: GatewayThreadsDep
) -> OrderOut:
    """Cancel within the cancel window; the payment is refunded at once. Safe to repeat."""
    order = await threads.run(lambda: platform.orders.cancel(who.customer(), order_id))
    return order_out(order, platform)


@router.post(
    "/{order_id}/return",
    responses=replayed(OrderOut, "The same return, asked again with its Idempotency-Key")
    | errors(
        *AUTHENTICATED,
        400,
        404,
        409,
        413,
        422,
        502,
        described=NOT_YOURS
        | {
            409: "Not delivered (`order_not_returnable`: still on its way, so cancel it, or "
            "already returned), the return window closed (`return_window_closed`, with "
            "`returnable_until`), more of a product than is left to return "
            "(`return_exceeds_order`, with `returnable`), a product the order does not hold "
            "(`product_not_in_order`), one named twice (`duplicate_return_line`: so at most "
            "the order's line count), or the key's first request is still running",
            422: "Invalid input: a body the schema refuses (no lines, a quantity below 1); "
            "or the key was used with other parameters",
            502: "The payment gateway failed: the order is returned and its refund is "
            "retried (repeat with the same key, or the platform's recovery does it)",
        },
    ),
)
async def return_order(
    order_id: Id,
    who: CallerDep,
    key: IdempotencyKey,
    platform: PlatformDep,
    threads: GatewayThreadsDep,
    response: Response,
    body: ReturnIn | None = None,
) -> OrderOut:
    """Send a delivered order back within the return window (BARO_RETURN_WINDOW_DAYS, 30
    days by default), refunded at once. Without a body, everything not yet returned: the
    order is `returned` and refunded what is left, items and delivery fee. With `lines`,
    those units only: it stays `delivered`, the return is listed in `returns` and refunded
    its lines' value; once all has come back it is `returned`, and the last return gets the
    delivery fee too. Safe to repeat with the same key (`Idempotent-Replayed: true`)."""
    lines = None if body is None else [(line.product_id, line.quantity) for line in body.lines]
    returned = await threads.run(
        lambda: platform.orders.return_order(
            who.customer(), order_id, idempotency_key=key, lines=lines
        )
    )
    if returned.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return order_out(returned.order, platform)
