"""Demand signals a client reports: a customer viewed a product (``product.viewed``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from .deps import CallerDep, PlatformDep
from .problems import AUTHENTICATED, JSON_BODY, errors
from .schemas import KeyText, ViewIn

router = APIRouter(prefix="/v1/events", tags=["signals"])

OptionalIdempotencyKey = Annotated[
    KeyText | None,
    Header(
        alias="Idempotency-Key",
        description="Optional: a unique key per view (a UUID). A retry with the same key is "
        "not counted again (answered with `Idempotent-Replayed: true`).",
    ),
]
RECORDED = {
    204: {
        "description": "Recorded (or, with a key already used for this view, recorded before)",
        "headers": {
            "Idempotent-Replayed": {
                "description": "true: recorded by an earlier request with this key",
                "schema": {"type": "string", "enum": ["true"]},
            }
        },
    }
}


@router.post(
    "/view",
    status_code=204,
    response_class=Response,
    responses=RECORDED
    | errors(
        *AUTHENTICATED,
        *JSON_BODY,
        404,
        described={
            400: "Malformed JSON, or a malformed Idempotency-Key",
            404: "No such product",
            422: "Invalid input, or the key was used for another product",
        },
    ),
)
def record_view(
    body: ViewIn, who: CallerDep, platform: PlatformDep, key: OptionalIdempotencyKey = None
) -> Response:
    """Your customer looked at a product (a product page or card shown in your app): a
    demand signal (`product.viewed`) that forecasts read. Each call is one view; send an
    `Idempotency-Key` so that a retry of the same view counts once."""
    replayed = platform.catalog.record_view(who.customer_id(), body.product_id, idempotency_key=key)
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return Response(status_code=204, headers=headers)
