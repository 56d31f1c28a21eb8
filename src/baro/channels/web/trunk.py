"""In-car (trunk) delivery: customers register a car and consent per order; operators add
couriers and assign them; the assigned courier gets a one-time code and opens the trunk with
it; the car reports its trunk locked with its own telematics key, which destroys the code.

Couriers and cars authenticate with their own bearer keys (``ck_…``, ``tk_…``), not API keys.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import APIRouter, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from baro.delivery.access import (
    MAX_PLATE_LENGTH,
    PLATE_PATTERN,
    AccessDenied,
    Attempt,
    Courier,
    CourierNotAuthenticated,
    OrderNotOpenForTrunk,
    TrunkDelivery,
    TrunkDeliveryNotFound,
    Vehicle,
    VehicleNotAuthenticated,
)
from baro.platform import Platform

from .deps import CallerDep, PlatformDep
from .lockers import CLOSED
from .openapi import replayed
from .problems import AUTHENTICATED, JSON_BODY, errors
from .ratelimit import FailedAttempts, TooManyAttempts
from .schemas import NO_CONTROL_CHARACTERS, Id, Input

T = TypeVar("T")

router = APIRouter(tags=["in-car delivery"])

_courier_key = HTTPBearer(
    auto_error=False, scheme_name="CourierKey", description="A courier's key: `Bearer ck_…`"
)
_car_key = HTTPBearer(
    auto_error=False, scheme_name="TelematicsKey", description="The car's key: `Bearer tk_…`"
)
CourierKey = Annotated[HTTPAuthorizationCredentials | None, Security(_courier_key)]
CarKey = Annotated[HTTPAuthorizationCredentials | None, Security(_car_key)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=NO_CONTROL_CHARACTERS)]
# Something besides spaces, which the service strips (Python's \s and pydantic's are the
# same characters outside the control range).
NAMED = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
NOT_YOURS = {404: "No such order, vehicle or delivery, or not yours"}
DENIED = {
    403: "The trunk stays shut: `reason` says why (wrong_code, wrong_vehicle, wrong_courier, "
    "outside_window, expired, locked_out, already_used, …), `attempts_left` how many wrong "
    "codes remain"
}


class VehicleIn(Input):
    plate: Annotated[
        str,
        StringConstraints(min_length=1, max_length=MAX_PLATE_LENGTH, pattern=PLATE_PATTERN),
        Field(description="Letters (A-Z, Hangul), digits and dashes; spaces are dropped"),
    ]
    make: Text
    model: Text
    lat: float = Field(ge=-90, le=90, description="Where the car is parked")
    lng: float = Field(ge=-180, le=180)


class ParkedIn(Input):
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)


class VehicleOut(BaseModel):
    id: str
    plate: str
    make: str
    model: str
    lat: float
    lng: float

    @classmethod
    def of(cls, v: Vehicle) -> VehicleOut:
        return cls(id=v.id, plate=v.plate, make=v.make, model=v.model, lat=v.lat, lng=v.lng)


class RegisteredOut(VehicleOut):
    telematics_key: str = Field(
        description="The car's credential for reporting its trunk locked; shown this once"
    )


class ConsentIn(Input):
    vehicle_id: Id
    window_start: AwareDatetime = Field(strict=False, description="ISO 8601 with a zone")
    window_end: AwareDatetime = Field(strict=False)


class TrunkDeliveryOut(BaseModel):
    id: str
    order_id: str
    vehicle_id: str
    courier_id: str | None
    window_start: datetime
    window_end: datetime
    state: str
    failed_attempts: int

    @classmethod
    def of(cls, d: TrunkDelivery) -> TrunkDeliveryOut:
        return cls(
            id=d.id,
            order_id=d.order_id,
            vehicle_id=d.vehicle_id,
            courier_id=d.courier_id,
            window_start=d.window_start,
            window_end=d.window_end,
            state=d.state.value,
            failed_attempts=d.failed_attempts,
        )


class CourierIn(Input):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NAMED)]


class CourierOut(BaseModel):
    id: str
    name: str
    key: str = Field(description="The courier's credential; shown this once")


class AssignIn(Input):
    courier_id: Id


class CourierJobOut(TrunkDeliveryOut):
    vehicle: VehicleOut


class AccessCodeOut(BaseModel):
    code: str = Field(description="One-time; shown this once")
    delivery_id: str
    vehicle_id: str
    valid_from: datetime
    valid_until: datetime


class OpenIn(Input):
    vehicle_id: Id = Field(description="The car the courier stands at")
    code: Annotated[
        str, StringConstraints(min_length=1, max_length=32, pattern=NO_CONTROL_CHARACTERS)
    ]


class LockedOut(BaseModel):
    delivered: list[TrunkDeliveryOut]


class AttemptOut(BaseModel):
    id: str
    courier_id: str | None
    vehicle_id: str | None
    outcome: str
    at: datetime

    @classmethod
    def of(cls, a: Attempt) -> AttemptOut:
        return cls(
            id=a.id, courier_id=a.courier_id, vehicle_id=a.vehicle_id, outcome=a.outcome, at=a.at
        )


# -- customers ---------------------------------------------------------------------------


@router.post(
    "/v1/vehicles",
    status_code=201,
    responses=errors(*AUTHENTICATED, *JSON_BODY, 409, described={409: "Plate already yours"}),
)
def register_vehicle(body: VehicleIn, who: CallerDep, platform: PlatformDep) -> RegisteredOut:
    """Register your car (and where it is parked). The answer carries the car's telematics
    key once: the car uses it to report its trunk locked."""
    registered = platform.trunk.register_vehicle(
        who.customer_id(),
        plate=body.plate,
        make=body.make,
        model=body.model,
        lat=body.lat,
        lng=body.lng,
    )
    return RegisteredOut(
        **VehicleOut.of(registered.vehicle).model_dump(), telematics_key=registered.telematics_key
    )


@router.get("/v1/vehicles", responses=errors(*AUTHENTICATED))
def my_vehicles(who: CallerDep, platform: PlatformDep) -> list[VehicleOut]:
    return [VehicleOut.of(v) for v in platform.trunk.vehicles(who.customer_id())]


@router.put(
    "/v1/vehicles/{vehicle_id}/location",
    responses=errors(*AUTHENTICATED, *JSON_BODY, 404, described=NOT_YOURS),
)
def park(vehicle_id: Id, body: ParkedIn, who: CallerDep, platform: PlatformDep) -> VehicleOut:
    """Where the car is parked now."""
    return VehicleOut.of(platform.trunk.park(who.customer_id(), vehicle_id, body.lat, body.lng))


@router.post(
    "/v1/orders/{order_id}/trunk",
    status_code=201,
    responses=replayed(TrunkDeliveryOut, "Given before: the same car and window")
    | errors(
        *AUTHENTICATED,
        *JSON_BODY,
        404,
        409,
        described=NOT_YOURS
        | {
            409: "The order already has another in-car consent",
            422: "Invalid input, or a window JSON Schema cannot check: one that ends before "
            "it starts, lasts over 12 hours, starts in the past or more than 14 days ahead "
            "(`earliest_start`, `latest_start`, `max_hours` say what holds)",
        },
    ),
)
def consent(
    order_id: Id, body: ConsentIn, who: CallerDep, platform: PlatformDep, response: Response
) -> TrunkDeliveryOut:
    """Let a courier open your car's trunk for this order, in this window. Safe to repeat."""
    order = platform.orders.get(who.customer(), order_id)
    if order.status in CLOSED:
        raise OrderNotOpenForTrunk(f"order {order_id} is {order.status.value}")
    delivery, replayed = platform.trunk.consent(
        order.customer_id, order.id, body.vehicle_id, body.window_start, body.window_end
    )
    if replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return TrunkDeliveryOut.of(delivery)


@router.get(
    "/v1/orders/{order_id}/trunk", responses=errors(*AUTHENTICATED, 404, 422, described=NOT_YOURS)
)
def my_trunk_delivery(order_id: Id, who: CallerDep, platform: PlatformDep) -> TrunkDeliveryOut:
    return TrunkDeliveryOut.of(platform.trunk.for_order(who.customer_id(), order_id))


@router.delete(
    "/v1/orders/{order_id}/trunk",
    responses=errors(*AUTHENTICATED, 404, 409, 422, described=NOT_YOURS),
)
def withdraw(order_id: Id, who: CallerDep, platform: PlatformDep) -> TrunkDeliveryOut:
    """Withdraw consent; a code already issued dies at once."""
    return TrunkDeliveryOut.of(platform.trunk.withdraw(who.customer_id(), order_id))


# -- operators ---------------------------------------------------------------------------


@router.post("/v1/admin/couriers", status_code=201, responses=errors(*AUTHENTICATED, *JSON_BODY))
def add_courier(body: CourierIn, who: CallerDep, platform: PlatformDep) -> CourierOut:
    who.admin()
    added = platform.trunk.add_courier(body.name)
    return CourierOut(id=added.courier.id, name=added.courier.name, key=added.key)


@router.post(
    "/v1/admin/trunk-deliveries/{delivery_id}/courier",
    responses=errors(*AUTHENTICATED, *JSON_BODY, 404, 409),
)
def assign(
    delivery_id: Id, body: AssignIn, who: CallerDep, platform: PlatformDep
) -> TrunkDeliveryOut:
    """Name the courier of an in-car delivery (reassigning voids a code already issued)."""
    who.admin()
    return TrunkDeliveryOut.of(platform.trunk.assign(delivery_id, body.courier_id))


@router.get(
    "/v1/admin/trunk-deliveries/{delivery_id}/attempts",
    responses=errors(*AUTHENTICATED, 422),
)
def attempts(delivery_id: Id, who: CallerDep, platform: PlatformDep) -> list[AttemptOut]:
    """The audit log: every attempt to open this delivery's trunk, good or bad."""
    who.admin()
    return [AttemptOut.of(a) for a in platform.trunk.attempts(delivery_id)]


# -- couriers ----------------------------------------------------------------------------


@router.get("/v1/courier/trunk-deliveries", responses=errors(*AUTHENTICATED))
def my_jobs(request: Request, key: CourierKey, platform: PlatformDep) -> list[CourierJobOut]:
    """Your in-car deliveries, with the car to find."""
    courier = _courier(request, key, platform)
    return [
        CourierJobOut(**TrunkDeliveryOut.of(d).model_dump(), vehicle=VehicleOut.of(v))
        for d, v in platform.trunk.assigned_to(courier.id)
    ]


@router.post(
    "/v1/courier/trunk-deliveries/{delivery_id}/code",
    status_code=201,
    responses=errors(
        *AUTHENTICATED,
        404,
        409,
        422,
        described={
            403: "Not assigned to you",
            409: "The code was already issued, or the window ended",
        },
    ),
)
def access_code(
    delivery_id: Id, request: Request, key: CourierKey, platform: PlatformDep, response: Response
) -> AccessCodeOut:
    """The one-time trunk code, for the assigned courier, shown once."""
    courier = _courier(request, key, platform)
    issued = platform.trunk.issue_code(courier.id, delivery_id)
    response.headers["Cache-Control"] = "no-store"
    return AccessCodeOut(
        code=issued.code,
        delivery_id=issued.delivery.id,
        vehicle_id=issued.delivery.vehicle_id,
        valid_from=issued.valid_from,
        valid_until=issued.valid_until,
    )


@router.post(
    "/v1/courier/trunk-deliveries/{delivery_id}/open",
    responses=errors(*AUTHENTICATED, *JSON_BODY, 404, described=DENIED),
)
def open_trunk(
    delivery_id: Id, body: OpenIn, request: Request, key: CourierKey, platform: PlatformDep
) -> TrunkDeliveryOut:
    """Open the trunk with the code: once, in the window, at the right car, by the assigned
    courier. Every attempt is logged; 5 wrong codes lock the code for good."""
    courier = _courier(request, key, platform)
    failed: FailedAttempts = request.app.state.failed_auth
    guesser = f"trunk-code:{courier.id}"
    refused = failed.refused(guesser)
    if refused is not None:
        raise refused
    try:
        delivery = platform.trunk.open_trunk(
            courier.id, delivery_id, body.vehicle_id, body.code, client=_client(request)
        )
    except (AccessDenied, TrunkDeliveryNotFound) as error:
        if failed.failed(guesser) is not None:
            raise TooManyAttempts("too many refused trunk codes; wait a minute") from error
        raise
    return TrunkDeliveryOut.of(delivery)


# -- cars --------------------------------------------------------------------------------


@router.post(
    "/v1/vehicles/{vehicle_id}/trunk-locked",
    responses=errors(*AUTHENTICATED, 422),
)
def trunk_locked(vehicle_id: Id, request: Request, key: CarKey, platform: PlatformDep) -> LockedOut:
    """The car (its telematics unit) reports its trunk locked: the deliveries it held open
    are done and their codes destroyed. Safe to repeat."""
    vehicle = _authenticate(request, key, platform.trunk.vehicle, VehicleNotAuthenticated)
    if vehicle.id != vehicle_id:
        raise VehicleNotAuthenticated("this key is not this vehicle's")
    return LockedOut(
        delivered=[TrunkDeliveryOut.of(d) for d in platform.trunk.trunk_locked(vehicle.id)]
    )


def _client(request: Request) -> str:
    return request.client.host[:64] if request.client else "unknown"


def _courier(
    request: Request, key: HTTPAuthorizationCredentials | None, platform: Platform
) -> Courier:
    return _authenticate(request, key, platform.trunk.courier, CourierNotAuthenticated)


def _authenticate(
    request: Request,
    key: HTTPAuthorizationCredentials | None,
    look_up: Callable[[str], T],
    error: type[CourierNotAuthenticated] | type[VehicleNotAuthenticated],
) -> T:
    """The courier or car a key belongs to; failures count against the client's address."""
    failed: FailedAttempts = request.app.state.failed_auth
    try:
        if key is None:
            raise error("send your key as 'Authorization: Bearer <key>'")
        return look_up(key.credentials)
    except error as refused:
        too_many = failed.failed(_client(request))
        raise (too_many or refused) from refused
