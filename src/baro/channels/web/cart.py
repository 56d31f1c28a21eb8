"""The cart, and checkout: the same placement code as 1-Click."""

from __future__ import annotations

from fastapi import APIRouter, Response

from .deps import CallerDep, IdempotencyKey, PlatformDep
from .gateway_threads import GatewayThreadsDep
from .orders import PLACEMENT_ERRORS, placed
from .problems import AUTHENTICATED, JSON_BODY, errors
from .schemas import CartOut, CartQuantityIn, Id, OrderOut

router = APIRouter(prefix="/v1/cart", tags=["cart"])


@router.get("", responses=errors(*AUTHENTICATED))
def view_cart(who: CallerDep, platform: PlatformDep) -> CartOut:
    return CartOut.of(platform.cart.items(who.customer_id()))


@router.put(
    "/items/{product_id}",
    responses=errors(*AUTHENTICATED, *JSON_BODY, 404, described={404: "No such product"}),
)
def put_item(
    product_id: Id, body: CartQuantityIn, who: CallerDep, platform: PlatformDep
) -> CartOut:
    """Set the quantity of a product in the cart (repeating it changes nothing)."""
    return CartOut.of(platform.cart.put(who.customer_id(), product_id, body.quantity))


@router.delete("/items/{product_id}", responses=errors(*AUTHENTICATED, 422))
def remove_item(product_id: Id, who: CallerDep, platform: PlatformDep) -> CartOut:
    return CartOut.of(platform.cart.remove(who.customer_id(), product_id))


@router.post("/checkout", status_code=201, responses=PLACEMENT_ERRORS)
async def checkout(
    who: CallerDep,
    key: IdempotencyKey,
    platform: PlatformDep,
    threads: GatewayThreadsDep,
    response: Response,
) -> OrderOut:
    """Order everything in the cart with the default card and address."""
    placement = await threads.run(
        lambda: platform.orders.checkout_cart(who.customer(), idempotency_key=key)
    )
    return placed(placement, response, platform)
