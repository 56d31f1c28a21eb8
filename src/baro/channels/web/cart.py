"""The cart, and checkout: the same placement code as 1-Click."""

from __future__ import annotations

from fastapi import APIRouter, Response

from .deps import CallerDep, IdempotencyKey, PlatformDep
from .gateway_threads import GatewayThreadsDep
from .orders import ERRORS, placed
from .schemas import CartOut, CartQuantityIn, OrderOut

router = APIRouter(prefix="/v1/cart", tags=["cart"])


@router.get("")
def view_cart(who: CallerDep, platform: PlatformDep) -> CartOut:
    return CartOut.of(platform.cart.items(who.customer_id()))


@router.put("/items/{product_id}")
def put_item(
    product_id: str, body: CartQuantityIn, who: CallerDep, platform: PlatformDep
) -> CartOut:
    """Set the quantity of a product in the cart (repeating it changes nothing)."""
    return CartOut.of(platform.cart.put(who.customer_id(), product_id, body.quantity))


@router.delete("/items/{product_id}")
def remove_item(product_id: str, who: CallerDep, platform: PlatformDep) -> CartOut:
    return CartOut.of(platform.cart.remove(who.customer_id(), product_id))


@router.post("/checkout", status_code=201, responses=ERRORS)  # type: ignore[arg-type]
async def checkout(
    who: CallerDep,
    key: IdempotencyKey,
    platform: PlatformDep,
    threads: GatewayThreadsDep,
    response: Response,
) -> OrderOut:
    """Order everything in the cart with the default card and address."""
    placement = await threads.run(
        lambda: platform.orders.checkout_cart(who.principal(), idempotency_key=key)
    )
    return placed(placement, response, platform)
