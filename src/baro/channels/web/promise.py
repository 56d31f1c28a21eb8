"""Delivery promise: the options for a product (or the cart) to the caller's default
address, each with its fee and the window it arrives in; and the option 1-Click prefers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from baro.commerce.catalog import Product
from baro.commerce.customers import NoDefaultAddress, Principal
from baro.commerce.orders import EmptyCart
from baro.commerce.orders.domain import check_quantity
from baro.delivery.promise import Item, Mode, Option, Quote
from baro.platform import Platform

from .deps import CallerDep, PlatformDep
from .problems import AUTHENTICATED, JSON_BODY, errors
from .schemas import Id, Input, MoneyOut

router = APIRouter(tags=["delivery"])

QUOTED = {
    404: "Unknown product",
    409: "Out of stock, no default address, or the cart is empty",
    422: "Invalid input, or no delivery option reaches the address (`refused` says why, "
    "`options` lists those that hold)",
}
VEHICLE = "The customer has a car registered for in-car delivery (until vehicles are stored)"


class OptionOut(BaseModel):
    option: Mode
    fee: MoneyOut
    window_start: datetime = Field(description="Earliest arrival, UTC")
    window_end: datetime = Field(description="Latest arrival, UTC")
    facility_id: str = Field(description="Ships from here (the drone base for drones)")
    via: str | None = Field(description="Handed over here (the locker bank for lockers)")

    @classmethod
    def of(cls, option: Option) -> OptionOut:
        return cls(
            option=option.mode,
            fee=MoneyOut.of(option.fee),
            window_start=option.window_start,
            window_end=option.window_end,
            facility_id=option.facility_id,
            via=option.via,
        )


class RefusedOut(BaseModel):
    option: Mode
    code: str
    reason: str


class PromiseOut(BaseModel):
    address_id: str
    options: list[OptionOut] = Field(description="Those that hold, fastest first")
    refused: list[RefusedOut] = Field(description="The other modes, and why not")
    preferred: Mode | None = Field(description="The option 1-Click uses when it holds")

    @classmethod
    def of(cls, principal: Principal, quote: Quote) -> PromiseOut:
        assert principal.address is not None
        preferred = principal.delivery_preference
        return cls(
            address_id=principal.address.id,
            options=[OptionOut.of(o) for o in quote.options],
            refused=[
                RefusedOut(option=r.mode, code=r.code, reason=r.reason) for r in quote.refused
            ],
            preferred=Mode(preferred) if preferred in set(Mode) else None,
        )


class PreferenceIn(Input):
    option: Annotated[
        Mode | None, Field(strict=False, description="null: the fastest option that holds")
    ]


class PreferenceOut(BaseModel):
    option: Mode | None


def quote_for(
    platform: Platform,
    principal: Principal,
    wanted: Sequence[tuple[Product, int]],
    *,
    has_vehicle: bool = False,
) -> Quote:
    """The promise for these products and quantities to the customer's default address
    (the storefront's product page uses it too)."""
    if principal.address is None:
        raise NoDefaultAddress("set a default shipping address to see delivery options")
    for _product, quantity in wanted:
        check_quantity(quantity, platform.settings.max_order_quantity)
    return platform.promises.quote(
        [Item(p.id, quantity, p.weight_g) for p, quantity in wanted],
        lat=principal.address.lat,
        lng=principal.address.lng,
        currency=wanted[0][0].price.currency,
        now=platform.clock.now(),
        has_vehicle=has_vehicle,
        customer_id=principal.customer_id,  # their drop zone and car, as placement sees them
    )


@router.get("/v1/promise", responses=errors(*AUTHENTICATED, 404, 409, 422, described=QUOTED))
def promise(
    who: CallerDep,
    platform: PlatformDep,
    product_id: Annotated[Id, Query()],
    quantity: Annotated[
        int, Query(ge=1, description="At most the shop's per-order limit (BARO_MAX_ORDER_QUANTITY)")
    ] = 1,
    has_vehicle: Annotated[bool, Query(description=VEHICLE)] = False,
) -> PromiseOut:
    """How this product can reach your default address, and when."""
    principal = who.customer()
    product = platform.catalog.get(product_id).product
    quote = quote_for(platform, principal, [(product, quantity)], has_vehicle=has_vehicle)
    return PromiseOut.of(principal, quote)


@router.get("/v1/cart/promise", responses=errors(*AUTHENTICATED, 409, 422, described=QUOTED))
def cart_promise(
    who: CallerDep,
    platform: PlatformDep,
    has_vehicle: Annotated[bool, Query(description=VEHICLE)] = False,
) -> PromiseOut:
    """How the whole cart, as one order, can reach your default address, and when."""
    principal = who.customer()
    assert principal.customer_id is not None
    items = platform.cart.items(principal.customer_id)
    if not items:
        raise EmptyCart("the cart is empty")
    wanted = [(item.product, item.quantity) for item in items]
    return PromiseOut.of(principal, quote_for(platform, principal, wanted, has_vehicle=has_vehicle))


@router.put("/v1/promise/preference", responses=errors(*AUTHENTICATED, *JSON_BODY))
def set_preference(body: PreferenceIn, who: CallerDep, platform: PlatformDep) -> PreferenceOut:
    """The option 1-Click ships with when it holds (null: the fastest that holds)."""
    option = body.option.value if body.option else None
    platform.customers.set_delivery_preference(who.customer_id(), option)
    return PreferenceOut(option=body.option)
