"""The OpenAPI document lists the errors each route really answers, as problem+json."""

from __future__ import annotations

import pytest

from baro.channels.web import create_app
from baro.core.config import Settings
from baro.platform import Platform

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


@pytest.fixture
def spec(platform: Platform) -> dict:
    return create_app(platform).openapi()


def operations(spec: dict):
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_every_error_response_is_a_documented_problem(spec: dict) -> None:
    for path, method, operation in operations(spec):
        if not path.startswith("/v1/"):
            continue
        for status, response in operation["responses"].items():
            if not status.startswith("2"):
                assert response["content"] == PROBLEM, (method, path, status)
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    problem = spec["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code"}


def test_routes_document_auth_body_and_validation_errors(spec: dict) -> None:
    for path, method, operation in operations(spec):
        if not path.startswith("/v1/"):
            continue
        statuses = set(operation["responses"])
        if operation.get("security"):
            assert {"401", "403", "429"} <= statuses, (method, path)
        if "requestBody" in operation:
            assert {"400", "413", "422"} <= statuses, (method, path)
        if operation.get("parameters") or "requestBody" in operation:
            assert "422" in statuses, (method, path)


def test_the_one_click_route_documents_every_outcome(spec: dict) -> None:
    responses = spec["paths"]["/v1/orders/one-click"]["post"]["responses"]

    assert set(responses) == {
        "201", "400", "401", "402", "403", "404", "409", "413", "422", "429", "502",
    }  # fmt: skip


def test_ids_and_texts_refuse_control_characters_in_the_schema(spec: dict) -> None:
    """So that a client generator (and schemathesis) knows what the 422 will refuse."""
    product = spec["paths"]["/v1/products/{product_id}"]["get"]["parameters"][0]["schema"]
    key = next(
        p
        for p in spec["paths"]["/v1/orders/one-click"]["post"]["parameters"]
        if p["name"] == "Idempotency-Key"
    )["schema"]

    assert product["maxLength"] == 40 and product["pattern"].startswith("^[^\\x00-\\x1f")
    assert key["maxLength"] == 255 and key["pattern"].startswith("^[^\\x00-\\x1f")


def test_quantities_document_the_shops_per_order_limit(database_url: str, clock) -> None:
    """The limit is a setting (BARO_MAX_ORDER_QUANTITY); the document states the one in force,
    so that a client knows 101 will be refused before sending it."""
    platform = Platform.start(
        Settings(database_url=database_url, max_order_quantity=7), clock=clock
    )
    try:
        spec = create_app(platform).openapi()
    finally:
        platform.close()

    schemas = spec["components"]["schemas"]
    for model in ("OneClickIn", "CartQuantityIn"):
        assert schemas[model]["properties"]["quantity"]["maximum"] == 7, model
    promise = spec["paths"]["/v1/promise"]["get"]["parameters"]
    assert next(p for p in promise if p["name"] == "quantity")["schema"]["maximum"] == 7


@pytest.mark.parametrize("path", ["/v1/orders/{order_id}/locker", "/v1/orders/{order_id}/trunk"])
def test_a_repeat_answered_with_200_is_in_the_document(spec: dict, path: str) -> None:
    """Reserving a locker or consenting to in-car delivery again answers with the first one
    and 200 (`Idempotent-Replayed: true`), not 201: the document must list that answer too,
    with the same body (schemathesis met the undocumented 200)."""
    responses = spec["paths"][path]["post"]["responses"]

    assert {"200", "201"} <= set(responses)
    assert responses["200"]["content"] == responses["201"]["content"]
    assert "Idempotent-Replayed" in responses["200"]["headers"]
