"""What the OpenAPI document says beyond what FastAPI derives from the routes: the Problem
schema that every error response refers to (``problems.errors``), the shop's per-order
quantity limit, a setting the request models cannot know when they are defined, and the 200
of a repeat answered with the first result (``replayed``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from baro.platform import Platform

from .schemas import CartQuantityIn, OneClickIn, Problem, ReturnLineIn

# Request bodies whose ``quantity`` the order service holds to BARO_MAX_ORDER_QUANTITY.
ORDERED_QUANTITIES = (OneClickIn, CartQuantityIn, ReturnLineIn)
# Operations whose ``quantity`` query parameter is held to the same limit (a promise is
# for a quantity one order may hold).
QUOTED_QUANTITIES = (("/v1/promise", "get"),)


def document(app: FastAPI) -> None:
    """Complete the document FastAPI builds (once, on first request of /openapi.json), with
    the settings of the platform the app serves."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["Problem"] = Problem.model_json_schema()
        platform: Platform = app.state.platform
        limit = platform.settings.max_order_quantity
        for model in ORDERED_QUANTITIES:
            schemas[model.__name__]["properties"]["quantity"]["maximum"] = limit
        for path, method in QUOTED_QUANTITIES:
            parameters = schema["paths"][path][method]["parameters"]
            quantity = next(p for p in parameters if p["name"] == "quantity")
            quantity["schema"]["maximum"] = limit
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def replayed(model: type[BaseModel], what: str) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a create that answers a repeat with what the first made, as
    200 with ``Idempotent-Replayed: true`` instead of 201."""
    header = {
        "description": "true: made by an earlier request",
        "schema": {"type": "string", "enum": ["true"]},
    }
    return {200: {"model": model, "description": what, "headers": {"Idempotent-Replayed": header}}}
