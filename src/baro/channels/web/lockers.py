"""Locker pickup: customers find lockers near their address and reserve a compartment for an
order; operators and couriers open locker banks, mark parcels arrived and send back what
was not collected; a locker's keypad opens a compartment for a pickup code."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field, StringConstraints

from baro.commerce.customers import NoDefaultAddress, Principal
from baro.commerce.orders import Order, OrderStatus
from baro.delivery.lockers import (
    PICKUP_CODE_PATTERN,
    Box,
    CompartmentSize,
    InvalidPickupCode,
    Item,
    LockerBank,
    LockerOption,
    OrderNotOpen,
    PickupCodeNotFound,
    Reservation,
    parcel_of,
)
from baro.platform import Platform

from .deps import CallerDep, IdempotencyKey, PlatformDep
from .openapi import replayed
from .problems import AUTHENTICATED, JSON_BODY, errors
from .ratelimit import FailedAttempts, TooManyAttempts
from .schemas import NO_CONTROL_CHARACTERS, Id, Input

router = APIRouter(tags=["lockers"])

CLOSED = {
    OrderStatus.CANCELLED,
    OrderStatus.REFUNDED,
    OrderStatus.RETURNED,
    OrderStatus.PAYMENT_FAILED,
    OrderStatus.DELIVERED,
}
NOT_YOURS = {404: "No such order or locker, or not yours"}


class LockerOptionOut(BaseModel):
    id: str
    name: str
    lat: float
    lng: float
    distance_km: float
    free: dict[str, int] = Field(description="Free compartments per size (S, M, L)")
    fits: bool = Field(description="A free compartment holds the parcel asked about")

    @classmethod
    def of(cls, option: LockerOption) -> LockerOptionOut:
        return cls(
            id=option.id,
            name=option.name,
            lat=option.lat,
            lng=option.lng,
            distance_km=option.distance_km,
            free={size.value: n for size, n in option.free.items()},
            fits=option.fits,
        )


class ReservationOut(BaseModel):
    id: str
    order_id: str
    locker_id: str
    compartment: str = Field(description="The compartment's label, e.g. M03")
    size: str
    state: str
    reserved_at: datetime
    arrived_at: datetime | None
    collect_by: datetime | None = Field(description="Uncollected by then, it is sent back")

    @classmethod
    def of(cls, reservation: Reservation) -> ReservationOut:
        return cls(
            id=reservation.id,
            order_id=reservation.order_id,
            locker_id=reservation.locker_id,
            compartment=reservation.compartment_label,
            size=reservation.size.value,
            state=reservation.state.value,
            reserved_at=reservation.reserved_at,
            arrived_at=reservation.arrived_at,
            collect_by=reservation.collect_by,
        )


class ReserveIn(Input):
    locker_id: Id


class PickupCodeOut(BaseModel):
    code: str = Field(description="Shown this once; asking again replaces it")
    locker_id: str
    expires_at: datetime


class PickupIn(Input):
    code: Annotated[
        str,
        StringConstraints(min_length=1, max_length=32, pattern=PICKUP_CODE_PATTERN),
        Field(description="The 8 characters shown (ABCD-EFGH); any case, dashes and spaces"),
    ]


class OpenedOut(BaseModel):
    compartment: str = Field(description="The compartment that opens")
    order_id: str


class LockerIn(Input):
    name: Annotated[
        str, StringConstraints(min_length=1, max_length=200, pattern=NO_CONTROL_CHARACTERS)
    ]
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)
    compartments: dict[Literal["S", "M", "L"], Annotated[int, Field(ge=0, le=500)]] = Field(
        description="How many compartments of each size (inner cm: S 40×30×10, M 40×30×25, "
        "L 60×45×40), 1 to 500 in all"
    )


class LockerOut(BaseModel):
    id: str
    name: str
    lat: float
    lng: float
    compartments: dict[str, int]

    @classmethod
    def of(cls, bank: LockerBank) -> LockerOut:
        counts = {size.value: n for size, n in bank.compartments.items()}
        return cls(id=bank.id, name=bank.name, lat=bank.lat, lng=bank.lng, compartments=counts)


# -- customers ---------------------------------------------------------------------------


@router.get("/v1/lockers", responses=errors(*AUTHENTICATED, 404, 409, 422, described=NOT_YOURS))
def lockers_near_me(
    who: CallerDep,
    platform: PlatformDep,
    order_id: Annotated[Id | None, Query(description="Lockers that fit this order")] = None,
    product_id: Annotated[Id | None, Query(description="…or this product")] = None,
    quantity: Annotated[int, Query(ge=1, le=1000)] = 1,
    radius_km: Annotated[float, Query(gt=0, le=50)] = 10.0,
) -> list[LockerOptionOut]:
    """Lockers near your order's address (or your default address), nearest first, with
    their free compartments and whether one fits the order (or product × quantity)."""
    principal = who.customer()
    parcel: Box | None = None
    if order_id is not None:
        order = platform.orders.get(principal, order_id)
        at = _address_of(platform, principal, order.address_id)
        parcel = _parcel(platform, order)
    else:
        at = _address_of(platform, principal, None)
        if product_id is not None:
            dims = platform.catalog.get(product_id).product.dimensions
            parcel = parcel_of([Item(Box(dims.length_cm, dims.width_cm, dims.height_cm), quantity)])
    options = platform.lockers.near(*at, parcel, radius_km)
    return [LockerOptionOut.of(option) for option in options]


@router.post(
    "/v1/orders/{order_id}/locker",
    status_code=201,
    responses=replayed(ReservationOut, "Reserved before: the order's compartment")
    | errors(
        *AUTHENTICATED,
        *JSON_BODY,
        404,
        409,
        described=NOT_YOURS
        | {
            409: "The locker is full or too far from the order's address (`alternatives` "
            "lists lockers near it that hold the parcel), the parcel is too large for any "
            "compartment, the order holds another locker, or it is closed",
        },
    ),
)
def reserve(
    order_id: Id, body: ReserveIn, who: CallerDep, platform: PlatformDep, response: Response
) -> ReservationOut:
    """Reserve the smallest free compartment that fits the order. Safe to repeat: the order
    keeps its first compartment (200, `Idempotent-Replayed: true`)."""
    principal = who.customer()
    order = platform.orders.get(principal, order_id)
    if order.status in CLOSED:
        raise OrderNotOpen(f"order {order_id} is {order.status.value}; no locker for it")
    at = _address_of(platform, principal, order.address_id)
    reservation, replayed = platform.lockers.reserve(
        order.customer_id, order.id, body.locker_id, _parcel(platform, order), near=at
    )
    if replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/v1/orders/{order_id}/locker"
    return ReservationOut.of(reservation)


@router.get(
    "/v1/orders/{order_id}/locker",
    responses=errors(*AUTHENTICATED, 404, 422, described=NOT_YOURS),
)
def reservation(order_id: Id, who: CallerDep, platform: PlatformDep) -> ReservationOut:
    return ReservationOut.of(platform.lockers.reservation(who.customer_id(), order_id))


@router.delete(
    "/v1/orders/{order_id}/locker",
    responses=errors(*AUTHENTICATED, 404, 409, 422, described=NOT_YOURS),
)
def release(order_id: Id, who: CallerDep, platform: PlatformDep) -> ReservationOut:
    """Give the compartment up before the parcel arrives."""
    return ReservationOut.of(platform.lockers.release(who.customer_id(), order_id))


@router.post(
    "/v1/orders/{order_id}/locker/pickup-code",
    status_code=201,
    responses=errors(
        *AUTHENTICATED,
        404,
        409,
        422,
        described=NOT_YOURS | {409: "The parcel has not arrived, or the code expired"},
    ),
)
def pickup_code(
    order_id: Id, who: CallerDep, platform: PlatformDep, response: Response
) -> PickupCodeOut:
    """Your pickup code, once the parcel is in the locker. Shown once and stored only as a
    hash: asking again gives a new code and the old one stops working."""
    issued = platform.lockers.issue_pickup_code(who.customer_id(), order_id)
    response.headers["Cache-Control"] = "no-store"
    return PickupCodeOut(
        code=issued.code, locker_id=issued.reservation.locker_id, expires_at=issued.expires_at
    )


# -- the locker's keypad -----------------------------------------------------------------


@router.post(
    "/v1/lockers/{locker_id}/pickup",
    responses=errors(
        *JSON_BODY,
        404,
        409,
        429,
        described={
            404: "No parcel at this locker has that code (wrong, used or replaced)",
            409: "The code has expired",
            429: "Too many wrong codes from this address: wait `Retry-After` seconds",
        },
    ),
)
def pickup(locker_id: Id, body: PickupIn, request: Request, platform: PlatformDep) -> OpenedOut:
    """The locker's keypad: a valid code opens its compartment, once."""
    failed: FailedAttempts = request.app.state.failed_auth
    guesser = f"locker-code:{request.client.host[:64] if request.client else 'unknown'}"
    refused = failed.refused(guesser)
    if refused is not None:
        raise refused
    try:
        opened = platform.lockers.pickup(locker_id, body.code)
    except (InvalidPickupCode, PickupCodeNotFound) as error:
        if failed.failed(guesser) is not None:
            raise TooManyAttempts(
                "too many wrong pickup codes from your address; wait a minute"
            ) from error
        raise
    return OpenedOut(
        compartment=opened.reservation.compartment_label, order_id=opened.reservation.order_id
    )


# -- operators and couriers --------------------------------------------------------------


@router.post(
    "/v1/admin/lockers",
    status_code=201,
    responses=errors(
        *AUTHENTICATED,
        *JSON_BODY,
        409,
        described={
            409: "The first request with this Idempotency-Key is still running",
            422: "Invalid input, or not 1 to 500 compartments in all (a sum JSON Schema "
            "cannot check)",
        },
    ),
)
def open_locker(
    body: LockerIn, key: IdempotencyKey, who: CallerDep, platform: PlatformDep
) -> LockerOut:
    """A locker bank with so many S, M and L compartments; a repeated request (same key)
    opens nothing new."""
    who.admin()
    sizes = {CompartmentSize(size): n for size, n in body.compartments.items()}
    bank = platform.lockers.open_locker(body.name, body.lat, body.lng, sizes, idempotency_key=key)
    return LockerOut.of(bank)


@router.post(
    "/v1/admin/orders/{order_id}/locker/arrived",
    responses=errors(*AUTHENTICATED, 404, 422, described={404: "No active locker reservation"}),
)
def arrived(order_id: Id, who: CallerDep, platform: PlatformDep) -> ReservationOut:
    """The courier put the parcel in its compartment; the customer may now ask for the
    pickup code. Safe to repeat."""
    who.admin()
    return ReservationOut.of(platform.lockers.mark_arrived(order_id))


@router.post("/v1/admin/lockers/returns", responses=errors(*AUTHENTICATED))
def send_back_uncollected(who: CallerDep, platform: PlatformDep) -> list[ReservationOut]:
    """Send back every parcel past its collection deadline (`locker.uncollected` events)."""
    who.admin()
    return [ReservationOut.of(r) for r in platform.lockers.return_uncollected()]


def _address_of(
    platform: Platform, principal: Principal, address_id: str | None
) -> tuple[float, float]:
    if address_id is None:
        if principal.address is None:
            raise NoDefaultAddress("add an address first: lockers are found near it")
        return principal.address.lat, principal.address.lng
    assert principal.customer_id is not None
    for address in platform.customers.addresses(principal.customer_id):
        if address.id == address_id:
            return address.lat, address.lng
    raise NoDefaultAddress(f"address {address_id} is gone")


def _parcel(platform: Platform, order: Order) -> Box:
    items = []
    for line in order.lines:
        dims = platform.catalog.get(line.product_id).product.dimensions
        items.append(Item(Box(dims.length_cm, dims.width_cm, dims.height_cm), line.quantity))
    return parcel_of(items)
