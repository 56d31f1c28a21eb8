"""Replenishment: a customer's subscriptions (subscribe, pause, resume, cancel), the products
suggested from their purchase cycles, and the orders subscriptions placed for them. Each
route acts for the customer whose key calls it: another customer's subscription is not found.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from baro.commerce.replenishment import (
    MAX_INTERVAL_DAYS,
    MAX_QUANTITY,
    PlacedForYou,
    Subscription,
    Suggestion,
)

from .deps import CallerDep, IdempotencyKey, PlatformDep
from .openapi import replayed
from .problems import AUTHENTICATED, JSON_BODY, errors
from .schemas import Id, Input, MoneyOut

router = APIRouter(prefix="/v1/replenishment", tags=["replenishment"])

NOT_YOURS = {404: "No such subscription, or not yours"}
NO_MODEL = {
    503: "Purchase cycles need baro's intelligence extra, which this server lacks "
    "(`cycle_model_unavailable`): subscribe with `interval_days` instead"
}


class SubscribeIn(Input):
    product_id: Id
    quantity: Annotated[int, Field(ge=1, le=MAX_QUANTITY)] = 1
    interval_days: Annotated[
        int | None,
        Field(
            ge=1,
            le=MAX_INTERVAL_DAYS,
            description="Order every so many days (the first that many days from now); null "
            "or absent: when your own purchase cycle says (the first on its expected date)",
        ),
    ] = None


class SubscriptionOut(BaseModel):
    id: str
    product_id: str
    quantity: int
    schedule: Literal["interval", "purchase_cycle"]
    interval_days: int | None
    status: Literal["active", "paused", "cancelled"]
    cycle: int = Field(description="The order it waits for, from 1")
    next_due_at: datetime
    created_at: datetime
    last_order_id: str | None
    last_failure: str | None = Field(description="Why the last try failed; retried next run")

    @classmethod
    def of(cls, sub: Subscription) -> SubscriptionOut:
        return cls(
            id=sub.id,
            product_id=sub.product_id,
            quantity=sub.quantity,
            schedule="purchase_cycle" if sub.from_cycle else "interval",
            interval_days=sub.interval_days,
            status=sub.status.value,
            cycle=sub.cycle,
            next_due_at=sub.next_due_at,
            created_at=sub.created_at,
            last_order_id=sub.last_order_id,
            last_failure=sub.last_failure,
        )


class SuggestionOut(BaseModel):
    product_id: str
    title: str
    price: MoneyOut
    purchases: int
    interval_days: float = Field(description="Your median interval between purchases")
    last_bought: date
    expected_next: date
    earliest: date = Field(description="The 80 % range of the next purchase: from")
    latest: date = Field(description="… to")

    @classmethod
    def of(cls, suggestion: Suggestion) -> SuggestionOut:
        c = suggestion.cycle
        return cls(
            product_id=suggestion.product_id,
            title=suggestion.title,
            price=MoneyOut.of(suggestion.price),
            purchases=c.purchases,
            interval_days=round(c.interval_days, 2),
            last_bought=c.last_bought,
            expected_next=c.expected_next,
            earliest=c.earliest,
            latest=c.latest,
        )


class PlacedOut(BaseModel):
    subscription_id: str
    cycle: int
    order_id: str = Field(description="Read or cancel it at /v1/orders/{order_id}")
    product_id: str
    placed_at: datetime

    @classmethod
    def of(cls, placed: PlacedForYou) -> PlacedOut:
        return cls(
            subscription_id=placed.subscription_id,
            cycle=placed.cycle,
            order_id=placed.order_id,
            product_id=placed.product_id,
            placed_at=placed.placed_at,
        )


@router.get("/subscriptions", responses=errors(*AUTHENTICATED))
def list_subscriptions(who: CallerDep, platform: PlatformDep) -> list[SubscriptionOut]:
    """Your active and paused subscriptions, next due first."""
    subs = platform.replenishment.subscriptions_of(who.customer_id())
    return [SubscriptionOut.of(sub) for sub in subs]


@router.post(
    "/subscriptions",
    status_code=201,
    responses=replayed(SubscriptionOut, "Subscribed before with this Idempotency-Key")
    | errors(
        *AUTHENTICATED,
        *JSON_BODY,
        404,
        409,
        described={
            404: "No such product for sale",
            409: "You already subscribe to this product (`already_subscribed`), you have not "
            "bought it twice yet for a purchase cycle (`no_purchase_cycle`), or the key's "
            "first request is still running",
            422: "Invalid input (`errors` says where), or the key was used with other parameters",
        }
        | NO_MODEL,
    ),
)
def subscribe(
    body: SubscribeIn,
    who: CallerDep,
    key: IdempotencyKey,
    platform: PlatformDep,
    response: Response,
) -> SubscriptionOut:
    """Have a product ordered for you with your 1-Click defaults: every `interval_days`, or
    when your purchase cycle says. Each order is yours to cancel in its cancel window."""
    subscribed = platform.replenishment.subscribe(
        who.customer_id(),
        body.product_id,
        quantity=body.quantity,
        interval_days=body.interval_days,
        idempotency_key=key,
    )
    sub = subscribed.subscription
    response.headers["Location"] = f"/v1/replenishment/subscriptions/{sub.id}"
    if subscribed.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return SubscriptionOut.of(sub)


@router.get(
    "/subscriptions/{subscription_id}",
    responses=errors(*AUTHENTICATED, 404, 422, described=NOT_YOURS),
)
def get_subscription(subscription_id: Id, who: CallerDep, platform: PlatformDep) -> SubscriptionOut:
    return SubscriptionOut.of(platform.replenishment.get(who.customer_id(), subscription_id))


CHANGED = errors(
    *AUTHENTICATED,
    404,
    409,
    422,
    described=NOT_YOURS | {409: "The subscription is cancelled: subscribe again"},
)


@router.post("/subscriptions/{subscription_id}/pause", responses=CHANGED)
def pause(subscription_id: Id, who: CallerDep, platform: PlatformDep) -> SubscriptionOut:
    """Nothing is ordered while paused. Safe to repeat."""
    return SubscriptionOut.of(platform.replenishment.pause(who.customer_id(), subscription_id))


@router.post("/subscriptions/{subscription_id}/resume", responses=CHANGED)
def resume(subscription_id: Id, who: CallerDep, platform: PlatformDep) -> SubscriptionOut:
    """Active again; a due date missed while paused is ordered at the next run."""
    return SubscriptionOut.of(platform.replenishment.resume(who.customer_id(), subscription_id))


@router.post(
    "/subscriptions/{subscription_id}/cancel",
    responses=errors(*AUTHENTICATED, 404, 422, described=NOT_YOURS),
)
def cancel(subscription_id: Id, who: CallerDep, platform: PlatformDep) -> SubscriptionOut:
    """Nothing more is ordered. Orders already placed keep their own cancel window. Safe
    to repeat."""
    return SubscriptionOut.of(platform.replenishment.cancel(who.customer_id(), subscription_id))


@router.get("/suggestions", responses=errors(*AUTHENTICATED, described=NO_MODEL))
def suggestions(who: CallerDep, platform: PlatformDep) -> list[SuggestionOut]:
    """Products you buy on a regular cycle and do not subscribe to, soonest due first.
    Nothing is ordered until you subscribe."""
    return [SuggestionOut.of(s) for s in platform.replenishment.suggestions(who.customer_id())]


@router.get("/orders", responses=errors(*AUTHENTICATED))
def placed_orders(who: CallerDep, platform: PlatformDep) -> list[PlacedOut]:
    """The orders your subscriptions placed, newest first."""
    return [PlacedOut.of(p) for p in platform.replenishment.placed_for(who.customer_id())]
