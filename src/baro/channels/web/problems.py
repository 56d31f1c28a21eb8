"""Every error reaches the client as RFC 9457 problem+json; never a traceback.

The HTTP status of each domain error is decided here, not in the domain. ``STATUS`` must
name every ``DomainError`` class explicitly (a test enforces it), so a new error cannot
slip through as a generic 400.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from baro.commerce.catalog import (
    InvalidProduct,
    InvalidSearch,
    ProductNotFound,
    ProductUnavailable,
)
from baro.commerce.customers import (
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
    EmptyCart,
    IllegalTransition,
    InvalidPage,
    InvalidQuantity,
    OrderNotFound,
    StockContention,
)
from baro.commerce.payments import GatewayUnavailable, PaymentDeclined
from baro.core.errors import Conflict, DomainError, InvalidRequest, NotFound, Unavailable
from baro.core.idempotency import (
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
)
from baro.core.money import CurrencyMismatch, InvalidMoney
from baro.network import (
    FacilityNotFound,
    InvalidFacility,
    InvalidLine,
    InvalidStockChange,
    OutOfStock,
    StockChanged,
)

from .ratelimit import TooManyAttempts

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("baro.web")

STATUS: Mapping[type[DomainError], int] = {
    DomainError: 400,
    NotFound: 404,
    Conflict: 409,
    InvalidRequest: 422,
    Unavailable: 502,
    NotAuthenticated: 401,
    Forbidden: 403,
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
    NoDefaultAddress: 409,
    NoDefaultPaymentMethod: 409,
    OrderNotFound: 404,
    IllegalTransition: 409,
    CancelWindowClosed: 409,
    AlreadyShipped: 409,
    InvalidQuantity: 422,
    InvalidPage: 422,
    EmptyCart: 422,
    StockContention: 409,
    PaymentDeclined: 402,
    GatewayUnavailable: 502,
    FacilityNotFound: 404,
    InvalidFacility: 422,
    InvalidLine: 422,
    InvalidStockChange: 422,
    OutOfStock: 409,
    StockChanged: 409,
}

RETRY_AFTER_SECONDS: Mapping[type[DomainError], int] = {
    IdempotencyKeyInFlight: 1,
    StockContention: 1,
    GatewayUnavailable: 5,
    TooManyAttempts: 60,
}


def status_for(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


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
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


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
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in error.errors()
        ]
        if any(e["type"] == "json_invalid" for e in errors):
            return problem(400, "malformed_json", "the request body is not valid JSON")
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
        return problem(422, "invalid_request", detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = HTTPStatus(error.status_code).phrase.lower().replace(" ", "_")
        return problem(error.status_code, code, str(error.detail), error.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
        return problem(500, "internal_error", "something went wrong on our side; it was logged")
