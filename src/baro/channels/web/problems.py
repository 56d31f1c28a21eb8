"""Every error reaches the client as RFC 9457 problem+json; never a traceback.

The HTTP status of each domain error is decided here, not in the domain. ``STATUS`` must
name every ``DomainError`` class explicitly (a test enforces it), so a new error cannot
slip through as a generic 400. ``errors(...)`` documents, per route, which of these
statuses it answers, so that the OpenAPI document lists every status a client may see.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from baro.channels.devices import (
    DeviceNotAuthenticated,
    DeviceNotClaimed,
    DeviceNotFound,
    DuplicateSlot,
    InvalidClaimCode,
    InvalidDevice,
    NothingHeld,
    SlotNotFound,
)
from baro.commerce.catalog import (
    InvalidProduct,
    InvalidSearch,
    ProductNotFound,
    ProductUnavailable,
)
from baro.commerce.customers import (
    ApiKeyNotFound,
    CustomerNotFound,
    EmailTaken,
    Forbidden,
    InvalidCustomer,
    NoDefaultAddress,
    NoDefaultPaymentMethod,
    NotAuthenticated,
)
from baro.commerce.orders import (
    AlreadyShipped,
    CancelWindowClosed,
    DuplicateReturnLine,
    EmptyCart,
    EmptyReturn,
    IllegalTransition,
    InvalidPage,
    InvalidQuantity,
    LockerNeedsLockerOption,
    NotLosable,
    NotReturnable,
    OrderNotFound,
    ProductNotInOrder,
    ReshipLimitReached,
    ReturnExceedsOrder,
    ReturnWindowClosed,
    StockContention,
)
from baro.commerce.payments import GatewayUnavailable, InvalidCard, PaymentDeclined
from baro.commerce.prime import (
    AlreadyMember,
    HouseholdFull,
    HouseholdMemberNotFound,
    InvalidPrice,
    MembershipEnded,
    MembershipNotFound,
    NoPriceInCurrency,
    NotHouseholdOwner,
    PlanNotFound,
    PriceNoticeTooShort,
    RenewalInProgress,
)
from baro.commerce.replenishment import (
    AlreadySubscribed,
    CycleModelUnavailable,
    InvalidSubscription,
    NoPurchaseCycle,
    SubscriptionClosed,
    SubscriptionNotFound,
)
from baro.core.errors import Conflict, DomainError, InvalidRequest, NotFound, Unavailable
from baro.core.idempotency import (
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
)
from baro.core.money import CurrencyMismatch, InvalidMoney
from baro.delivery.access import (
    AccessDenied,
    AlreadyConsented,
    CodeAlreadyIssued,
    CourierNotAuthenticated,
    CourierNotFound,
    InvalidVehicle,
    InvalidWindow,
    NotYourDelivery,
    OrderNotOpenForTrunk,
    TrunkDeliveryNotFound,
    TrunkStateConflict,
    VehicleAlreadyRegistered,
    VehicleNotAuthenticated,
    VehicleNotFound,
)
from baro.delivery.drones import (
    DroneBaseExists,
    DroneBaseNotFound,
    DroneNotEligible,
    DronesGrounded,
    DropZoneTooFar,
    InNoFlyZone,
    InvalidDropZone,
    InvalidFleet,
    InvalidZone,
    NoDroneAvailable,
    NoDropZone,
    OutOfDroneRange,
    TooBigForDrone,
    TooHeavyForDrone,
)
from baro.delivery.lockers import (
    AlreadyReserved,
    InvalidLocker,
    InvalidParcel,
    InvalidPickupCode,
    LockerFull,
    LockerNotFound,
    LockerOutOfRange,
    OrderNotOpen,
    ParcelTooLarge,
    PickupCodeExpired,
    PickupCodeNotFound,
    ReservationNotFound,
    ReservationStateConflict,
)
from baro.delivery.promise import (
    DeliveryOptionUnavailable,
    NoDeliveryOption,
    NoFeeTable,
    UnknownDeliveryOption,
)
from baro.delivery.routing import (
    FleetTooSmall,
    InvalidWave,
    NoFeasibleRoutes,
    OverCapacityStop,
    UnreachableStop,
)
from baro.fulfillment import (
    BadScan,
    BinNotFound,
    CellOutsideGrid,
    CellTaken,
    InboundNotFound,
    InvalidBin,
    InvalidLayout,
    NoBinRoom,
    NoBoxFits,
    NothingToStow,
    NotInFulfillment,
    StationInUse,
    UnknownBarcode,
    WeightMismatch,
    WrongBin,
    WrongItem,
    WrongStep,
)
from baro.network import (
    FacilityNotFound,
    InvalidFacility,
    InvalidLine,
    InvalidStockChange,
    InvalidTransfer,
    NotEnoughToSend,
    OutOfStock,
    StockChanged,
    TransferNotFound,
    TransferNotInTransit,
    UnknownProduct,
)
from baro.recommendations import RecommendationsUnavailable

from . import openapi
from .access import CustomerKeyRequired
from .ratelimit import TooManyAttempts

PROBLEM_JSON = "application/problem+json"

STATUS: Mapping[type[DomainError], int] = {
    DeviceNotAuthenticated: 401,
    DomainError: 400,
    NotFound: 404,
    Conflict: 409,
    InvalidRequest: 422,
    Unavailable: 502,
    NotAuthenticated: 401,
    Forbidden: 403,
    CustomerKeyRequired: 403,
    TooManyAttempts: 429,
    InvalidIdempotencyKey: 400,
    IdempotencyKeyReused: 422,
    IdempotencyKeyInFlight: 409,
    CurrencyMismatch: 422,
    InvalidMoney: 422,
    ProductNotFound: 404,
    ProductUnavailable: 404,
    InvalidProduct: 422,
    InvalidSearch: 422,
    CustomerNotFound: 404,
    EmailTaken: 409,
    InvalidCustomer: 422,
    ApiKeyNotFound: 404,
    InvalidCard: 422,
    NoDefaultAddress: 409,
    NoDefaultPaymentMethod: 409,
    OrderNotFound: 404,
    IllegalTransition: 409,
    CancelWindowClosed: 409,
    AlreadyShipped: 409,
    NotReturnable: 409,  # not delivered (yet, or any more): the order's state refuses it
    ReturnWindowClosed: 409,
    # A partial return's lines that the schema cannot refuse (a product the order lacks,
    # one named twice, more than is left) are refused by the order: 409. No lines at all is
    # the schema's (minItems) and the request's fault.
    ReturnExceedsOrder: 409,
    ProductNotInOrder: 409,
    DuplicateReturnLine: 409,
    EmptyReturn: 422,
    InvalidQuantity: 422,
    InvalidPage: 422,
    EmptyCart: 409,  # the request is fine; the cart's state refuses it
    StockContention: 409,
    PaymentDeclined: 402,
    GatewayUnavailable: 502,
    FacilityNotFound: 404,
    InvalidFacility: 422,
    InvalidLine: 422,
    InvalidStockChange: 422,
    UnknownProduct: 404,
    OutOfStock: 409,
    StockChanged: 409,
    InvalidTransfer: 422,
    NotEnoughToSend: 409,
    TransferNotFound: 404,
    # The fulfillment floor (its scanners and operators).
    BadScan: 422,
    UnknownBarcode: 422,
    WrongItem: 422,
    WrongBin: 422,
    InvalidBin: 422,
    InvalidLayout: 422,
    CellOutsideGrid: 422,
    CellTaken: 422,
    StationInUse: 409,
    BinNotFound: 404,
    InboundNotFound: 404,
    NotInFulfillment: 404,
    NoBinRoom: 409,
    NothingToStow: 409,
    WrongStep: 409,
    NoBoxFits: 409,
    WeightMismatch: 409,
    DeviceNotFound: 404,
    SlotNotFound: 404,
    InvalidClaimCode: 404,
    DeviceNotClaimed: 409,
    NothingHeld: 409,
    InvalidDevice: 422,
    DuplicateSlot: 409,
    TransferNotInTransit: 409,
    NotLosable: 409,
    ReshipLimitReached: 409,  # the trust policy's limit per customer and period
    # Whether an order can fly depends on the stored product, address, bases and zones:
    # a conflict with that state, like any option that does not hold.
    DroneNotEligible: 409,
    TooHeavyForDrone: 409,
    TooBigForDrone: 409,
    OutOfDroneRange: 409,
    InNoFlyZone: 409,
    InvalidZone: 422,
    InvalidDropZone: 422,
    DropZoneTooFar: 409,  # the spot is fine; the customer's address is elsewhere
    InvalidFleet: 422,
    NoDropZone: 409,  # the request is fine; the customer has not set a drop zone
    DronesGrounded: 409,
    NoDroneAvailable: 409,
    DroneBaseNotFound: 404,
    DroneBaseExists: 409,
    UnknownDeliveryOption: 422,
    # What holds depends on the state of stock, lockers, bases and the customer's address:
    # a conflict with that state (409), not a malformed request.
    DeliveryOptionUnavailable: 409,  # the body names an option this order cannot have
    NoDeliveryOption: 409,  # an address out of every range: nothing to choose from
    NoFeeTable: 422,  # goods priced in a currency delivery has no fees for
    LockerNeedsLockerOption: 422,  # a locker named with another delivery option
    InvalidWave: 422,
    UnreachableStop: 422,
    OverCapacityStop: 422,
    FleetTooSmall: 409,
    NoFeasibleRoutes: 409,
    LockerNotFound: 404,
    ReservationNotFound: 404,
    InvalidLocker: 422,
    InvalidParcel: 422,
    ParcelTooLarge: 409,  # the order's goods, not the request, are too large
    LockerFull: 409,
    LockerOutOfRange: 409,  # from the order's address
    AlreadyReserved: 409,
    OrderNotOpen: 409,
    ReservationStateConflict: 409,
    InvalidPickupCode: 422,
    PickupCodeNotFound: 404,
    PickupCodeExpired: 409,
    VehicleNotFound: 404,
    CourierNotFound: 404,
    TrunkDeliveryNotFound: 404,
    InvalidVehicle: 422,
    VehicleAlreadyRegistered: 409,
    InvalidWindow: 422,
    AlreadyConsented: 409,
    TrunkStateConflict: 409,
    OrderNotOpenForTrunk: 409,
    CodeAlreadyIssued: 409,
    CourierNotAuthenticated: 401,
    VehicleNotAuthenticated: 401,
    NotYourDelivery: 403,
    AccessDenied: 403,
    SubscriptionNotFound: 404,
    InvalidSubscription: 422,
    AlreadySubscribed: 409,
    SubscriptionClosed: 409,  # cancelled: it does not come back (subscribe again)
    NoPurchaseCycle: 409,  # the request is fine; the history has no cycle for it yet
    CycleModelUnavailable: 503,  # the server lacks baro's intelligence extra
    RecommendationsUnavailable: 503,
    PlanNotFound: 404,
    # The request is well formed; the plan is just not sold in that currency (409, not
    # 422: any ISO code is valid input, and the plans can change).
    NoPriceInCurrency: 409,
    InvalidPrice: 422,
    PriceNoticeTooShort: 422,
    MembershipNotFound: 404,
    AlreadyMember: 409,
    MembershipEnded: 409,
    HouseholdFull: 409,
    HouseholdMemberNotFound: 404,
    NotHouseholdOwner: 403,  # a household member may see the membership, not change it
    RenewalInProgress: 409,
}

RETRY_AFTER_SECONDS: Mapping[type[DomainError], int] = {
    IdempotencyKeyInFlight: 1,
    StockContention: 1,
    GatewayUnavailable: 5,
    TooManyAttempts: 60,
}


# What each status means on any route; ``errors(..., described={...})`` says it per route.
MEANING: Mapping[int, str] = {
    400: "Malformed JSON, or a malformed Idempotency-Key",
    401: "No API key, or an unknown one",
    402: "The card was declined",
    403: "This key may not call this route: customer routes want a customer's key, "
    "/v1/admin routes an operator's",
    404: "Not found, or not yours",
    409: "The request clashes with the current state; the detail says how",
    413: "The request body is over the limit (BARO_MAX_BODY_BYTES, 1 MB by default)",
    422: "Invalid input (`errors` says where), or a request that cannot apply",
    429: "Too many failed API keys from this address: wait `Retry-After` seconds",
    502: "The payment gateway failed; retry with the same Idempotency-Key",
    503: "This server lacks an optional part the request needs; the detail names it",
}
# Every route with a bearer key may answer these; every route with a JSON body these.
AUTHENTICATED = (401, 403, 429)
JSON_BODY = (400, 413, 422)
# The statuses Starlette itself raises: their codes are fixed here, not derived from a phrase
# that changes between Python versions (413 is "Content Too Large" from 3.13).
HTTP_CODES: Mapping[int, str] = {
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
}


def errors(
    *statuses: int, described: Mapping[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route: each status as problem+json (see ``install``)."""
    described = described or {}
    return {
        status: {
            "description": described.get(status, MEANING[status]),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in sorted(set(statuses) | set(described))
    }


def status_for(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


class ProblemResponse(JSONResponse):
    """problem+json, escaped to ASCII: a detail that quotes input (an id, a field name)
    can always be encoded, even when the input held a lone surrogate."""

    media_type = PROBLEM_JSON

    def render(self, content: Any) -> bytes:
        return json.dumps(content, allow_nan=False, separators=(",", ":")).encode("ascii")


def problem(
    status: int, code: str, detail: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {
        "type": f"urn:baro:problem:{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
        **jsonable_encoder(extra),
    }
    return ProblemResponse(body, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, error: DomainError) -> JSONResponse:
        headers = {}
        context = dict(error.context)
        if isinstance(error, NotAuthenticated):
            headers["WWW-Authenticate"] = "Bearer"
        if context.pop("replayed", False):
            headers["Idempotent-Replayed"] = "true"
        retry = RETRY_AFTER_SECONDS.get(type(error))
        if retry:
            headers["Retry-After"] = str(retry)
        return problem(status_for(error), error.code, error.message, headers, **context)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        found = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in error.errors()
        ]
        if any(e["type"] == "json_invalid" for e in found):
            return problem(400, "malformed_json", "the request body is not valid JSON")
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in found)
        return problem(422, "invalid_request", detail, errors=found)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        status = error.status_code
        code = HTTP_CODES.get(status) or HTTPStatus(status).phrase.lower().replace(" ", "_")
        headers = dict(error.headers or {})
        if status == 405:
            headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
        return problem(status, code, str(error.detail), headers)

    openapi.document(app)


def _allowed_methods(request: Request) -> str:
    """The methods of this path in the OpenAPI document, FastAPI's public view of every route
    (Starlette names only the first route's). As in OpenAPI, a concrete path is matched
    before a templated one: /v1/orders/one-click is not /v1/orders/{order_id}."""
    table: list[tuple[re.Pattern[str], bool, set[str]]] | None = getattr(
        request.app.state, "methods_by_path", None
    )
    if table is None:
        table = []
        for template, operations in request.app.openapi()["paths"].items():
            parts = re.split(r"(\{[^/}]+\})", template)
            pattern = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
            methods = {method.upper() for method in operations if method.upper() in _METHODS}
            if "GET" in methods:
                methods.add("HEAD")
            table.append((re.compile(pattern), "{" in template, methods))
        request.app.state.methods_by_path = table
    path = request.scope["path"]
    matches = [(templated, methods) for p, templated, methods in table if p.fullmatch(path)]
    concrete = [methods for templated, methods in matches if not templated]
    found = concrete or [methods for _templated, methods in matches]
    return ", ".join(sorted(set().union(*found)))


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"})
