"""A parcel's tracking, and reporting it lost (a free re-ship at once, within the trust
policy's limits)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from .deps import CallerDep, PlatformDep
from .orders import placed
from .problems import AUTHENTICATED, errors
from .schemas import Id, OrderOut

router = APIRouter(prefix="/v1/orders", tags=["tracking"])

NOT_YOURS = {404: "No such order, or not yours"}


class TrackingEventOut(BaseModel):
    at: datetime
    type: str = Field(description="order.shipped, drone.launched, parcel.eta, …")
    details: dict[str, Any]


class TrackingOut(BaseModel):
    order_id: str
    status: str
    reship_of: str | None = Field(description="The lost order this one re-ships, if any")
    events: list[TrackingEventOut] = Field(description="Oldest first")


@router.get("/{order_id}/tracking", responses=errors(*AUTHENTICATED, 404, 422, described=NOT_YOURS))
def tracking(order_id: Id, who: CallerDep, platform: PlatformDep) -> TrackingOut:
    """Where your parcel is: each step from fulfilment to the door, oldest first."""
    order = platform.orders.get(who.customer(), order_id)  # 404 unless it is yours
    return TrackingOut(
        order_id=order.id,
        status=order.status.value,
        reship_of=order.reship_of,
        events=[
            TrackingEventOut(at=e.at, type=e.type, details=dict(e.details))
            for e in platform.tracking.history(order.id)
        ],
    )


@router.post(
    "/{order_id}/report-lost",
    status_code=201,
    responses=errors(
        *AUTHENTICATED,
        404,
        409,
        422,
        described=NOT_YOURS
        | {
            409: "The parcel has not shipped (or was cancelled), or you reached the limit of "
            "free re-ships for the period (`limit`, `used`, `next_allowed_at`)"
        },
    ),
)
def report_lost(
    order_id: Id, who: CallerDep, platform: PlatformDep, response: Response
) -> OrderOut:
    """Your parcel never arrived: the same goods leave again at once, free of charge, as a
    new order linked to this one (which is marked lost). Safe to repeat: a repeat returns the
    same re-ship (`Idempotent-Replayed: true`)."""
    placement = platform.orders.reships.report_lost(who.customer(), order_id)
    return placed(placement, response, platform)
