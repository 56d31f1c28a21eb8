"""The cart and its checkout, the orders list, and an order's page: its status, the cancel
button with a live countdown of the cancel window, the return button while a delivered
order's return window is open, and the refund once cancelled or returned."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from baro.commerce.catalog import Product, ProductNotFound
from baro.commerce.customers import (
    Forbidden,
    NoDefaultAddress,
    NoDefaultPaymentMethod,
    WebSession,
)
from baro.commerce.orders import Order, OrderNotFound, OrderStatus
from baro.core.errors import DomainError
from baro.core.money import total
from baro.platform import Platform

from ...deps import PlatformDep
from ...gateway_threads import GatewayThreads
from ...schemas import Id
from ..forms import Fields, FormState, whole_number
from ..rendering import render
from ..security import Shopper, customer_id
from .placing import new_key, place, usable_key

router = APIRouter()

PAGE_SIZE = 20
# Statuses after which nothing more happens to an order: its page stops polling.
FINAL = frozenset(
    {OrderStatus.DELIVERED, OrderStatus.REFUNDED, OrderStatus.PAYMENT_FAILED, OrderStatus.LOST}
)


# The cart -------------------------------------------------------------------------------


def _cart(
    request: Request,
    platform: Platform,
    who: WebSession,
    form: FormState | None = None,
    status: int = 200,
) -> Response:
    items = platform.cart.items(customer_id(who))
    currency = items[0].product.price.currency if items else platform.settings.currency
    return render(
        request,
        "storefront/cart.html",
        status=status,
        items=items,
        subtotal=total((i.product.price * i.quantity for i in items), currency),
        checkout_key=new_key(),
        card=who.principal.payment_method,
        address=who.principal.address,
        form=form or FormState(),
    )


@router.get("/cart")
def cart(request: Request, platform: PlatformDep, who: Shopper) -> Response:
    return _cart(request, platform, who)


@router.post("/cart/items")
def put_in_cart(request: Request, platform: PlatformDep, who: Shopper, fields: Fields) -> Response:
    form = FormState.of(fields)
    quantity = whole_number(
        form,
        request,
        fields,
        "quantity",
        1,
        platform.settings.max_order_quantity,
        "Choose how many to buy.",
    )
    if form.ok:
        try:
            platform.cart.put(customer_id(who), fields.get("product_id", ""), quantity)
        except DomainError as refused:
            form.refused(request, refused)
        else:
            return RedirectResponse("/cart", status_code=303)
    return _cart(request, platform, who, form, status=422)


@router.post("/cart/items/{product_id}/remove")
def remove_from_cart(
    request: Request, product_id: Id, platform: PlatformDep, who: Shopper
) -> Response:
    platform.cart.remove(customer_id(who), product_id)
    return RedirectResponse("/cart", status_code=303)


@router.post("/cart/checkout")
async def checkout(
    request: Request, platform: PlatformDep, who: Shopper, fields: Fields
) -> Response:
    form = FormState.of(fields)
    key = usable_key(fields.get("idempotency_key", ""))
    if key is None:
        form.fail(request, "_form", "This form has expired. Please press the button again.")
    else:
        try:
            placement = await place(
                request, lambda: platform.orders.checkout_cart(who.principal, idempotency_key=key)
            )
        except (NoDefaultAddress, NoDefaultPaymentMethod):
            return RedirectResponse("/account?next=/cart", status_code=303)
        except DomainError as refused:
            form.refused(request, refused)
        else:
            return RedirectResponse(f"/orders/{placement.order.id}", status_code=303)
    return await run_in_threadpool(_cart, request, platform, who, form, 409)


# Orders ---------------------------------------------------------------------------------


@router.get("/orders")
def orders(
    request: Request,
    platform: PlatformDep,
    who: Shopper,
    before: Annotated[Id | None, Query()] = None,
) -> Response:
    found = platform.orders.list(who.principal, limit=PAGE_SIZE, before=before)
    return render(
        request,
        "storefront/orders.html",
        orders=found,
        products=_products(platform, found),
        now=platform.clock.now(),
        next_page=f"/orders?before={found[-1].id}" if len(found) == PAGE_SIZE else None,
    )


def _products(platform: Platform, orders: list[Order]) -> dict[str, Product]:
    """The products of these orders, by id (one that was deleted is left out)."""
    ids = sorted({line.product_id for order in orders for line in order.lines})
    found = {}
    for product_id in ids:
        try:
            found[product_id] = platform.catalog.get(product_id).product
        except ProductNotFound:
            continue
    return found


def _order(
    request: Request,
    platform: Platform,
    order: Order,
    template: str = "storefront/order.html",
    form: FormState | None = None,
    status: int = 200,
) -> Response:
    now = platform.clock.now()
    return render(
        request,
        template,
        status=status,
        order=order,
        products=_products(platform, [order]),
        now=now,
        can_cancel=order.can_cancel(now),
        can_return=order.can_return(now, platform.orders.return_window),
        returnable_until=order.returnable_until(platform.orders.return_window),
        # Made now and posted back: a second post of the form is the same return.
        return_key=new_key(),
        live=order.status not in FINAL,
        tracking=platform.tracking.history(order.id),  # the _tracking.html include
        form=form or FormState(),
    )


@router.get("/orders/{order_id}")
def order_page(request: Request, order_id: Id, platform: PlatformDep, who: Shopper) -> Response:
    """Someone else's order is not found, exactly as one that does not exist."""
    return _order(request, platform, platform.orders.get(who.principal, order_id))


@router.get("/orders/{order_id}/live")
def order_live(request: Request, order_id: Id, platform: PlatformDep, who: Shopper) -> Response:
    """The order's status panel alone, polled by htmx while the order still moves."""
    order = platform.orders.get(who.principal, order_id)
    return _order(request, platform, order, "storefront/_order_status.html")


@router.post("/orders/{order_id}/cancel")
async def cancel(request: Request, order_id: Id, platform: PlatformDep, who: Shopper) -> Response:
    """Cancel inside the window; the refund is made at once (repeating is harmless). On
    the gateway threads: a slow refund must not hold a request thread."""
    threads: GatewayThreads = request.app.state.gateway_threads
    try:
        await threads.run(lambda: platform.orders.cancel(who.principal, order_id))
    except (OrderNotFound, Forbidden):
        raise
    except DomainError as refused:
        form = FormState()
        form.refused(request, refused)

        def refusal() -> Response:
            order = platform.orders.get(who.principal, order_id)
            return _order(request, platform, order, form=form, status=409)

        return await run_in_threadpool(refusal)
    return RedirectResponse(f"/orders/{order_id}", status_code=303)


@router.post("/orders/{order_id}/return")
async def return_order(
    request: Request, order_id: Id, platform: PlatformDep, who: Shopper, fields: Fields
) -> Response:
    """Send a delivered order back inside the return window: the same exactly-once return
    as ``POST /v1/orders/{order_id}/return`` (the form's key), refunded at once, on the
    gateway threads as a cancel is."""
    threads: GatewayThreads = request.app.state.gateway_threads
    form = FormState()
    key = usable_key(fields.get("idempotency_key", ""))
    if key is None:
        form.fail(request, "_form", "This form has expired. Please press the button again.")
    else:
        try:
            await threads.run(
                lambda: platform.orders.return_order(who.principal, order_id, idempotency_key=key)
            )
        except (OrderNotFound, Forbidden):
            raise
        except DomainError as refused:
            form.refused(request, refused)
        else:
            return RedirectResponse(f"/orders/{order_id}", status_code=303)

    def refusal() -> Response:
        order = platform.orders.get(who.principal, order_id)
        return _order(request, platform, order, form=form, status=422 if key is None else 409)

    return await run_in_threadpool(refusal)
