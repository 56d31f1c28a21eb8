"""Prime membership: the plans (public), and the caller's membership: join, cancel, and the
household. Each route acts for the customer whose key calls it; only the member who pays
changes the membership (a household member gets 403, anyone else 404). Joining and
cancelling wait on the payment gateway, on the gateway threads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field, StringConstraints

from baro.commerce.prime import (
    Cancelled,
    Membership,
    MembershipNotFound,
    MemberView,
    Offer,
    PlanPrice,
)
from baro.platform import Platform

from .deps import CallerDep, IdempotencyKey, PlatformDep
from .gateway_threads import GatewayThreadsDep
from .openapi import replayed
from .problems import AUTHENTICATED, JSON_BODY, errors
from .schemas import Id, Input, MoneyOut

router = APIRouter(prefix="/v1/membership", tags=["membership"])

Currency = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{3}$"),
    Field(description="ISO 4217 code of a currency the plan is priced in, e.g. USD or KRW"),
]
Email = Annotated[
    str,
    StringConstraints(
        min_length=3, max_length=320, pattern=r"^[^\x00-\x20\x7f-\x9f@]+@[^\x00-\x20\x7f-\x9f@]+$"
    ),
]
NO_MEMBERSHIP = {404: "You have no Prime membership (or it is not yours to change)"}
NOT_OWNER = {403: "You share someone's membership: only the member who pays changes it"}


class PriceChangeOut(BaseModel):
    price: MoneyOut
    effective_from: datetime = Field(description="Members pay it from their first renewal after")
    announced_at: datetime

    @classmethod
    def of(cls, price: PlanPrice) -> PriceChangeOut:
        return cls(
            price=MoneyOut.of(price.amount),
            effective_from=price.effective_from,
            announced_at=price.announced_at,
        )


class PlanOut(BaseModel):
    id: str
    period: Literal["yearly", "monthly"]
    trial_days: int = Field(description="Free days on joining, once per customer")
    household_max: int = Field(description="People the member may share benefits with")
    prices: list[MoneyOut] = Field(description="One per currency the plan is sold in")
    upcoming: list[PriceChangeOut] = Field(description="Changes announced, not yet in force")

    @classmethod
    def of(cls, offer: Offer) -> PlanOut:
        return cls(
            id=offer.plan.id,
            period=offer.plan.period.value,
            trial_days=offer.plan.trial_days,
            household_max=offer.plan.household_max,
            prices=[MoneyOut.of(p) for p in offer.prices],
            upcoming=[PriceChangeOut.of(p) for p in offer.upcoming],
        )


Status = Literal["pending", "declined", "trial", "active", "past_due", "cancelled", "lapsed"]


class MembershipOut(BaseModel):
    id: str
    role: Literal["owner", "household"] = Field(
        description="owner: you pay; household: you share the owner's benefits"
    )
    plan_id: str
    status: Status
    period: int = Field(description="0: the free trial; 1: the first paid period")
    period_start: datetime
    period_end: datetime
    benefits_until: datetime | None = Field(
        description="Benefits last until then (the period's end plus the grace period)"
    )
    price: MoneyOut | None = Field(description="What the current period cost (owner only)")
    renewal_price: MoneyOut | None = Field(
        description="What the next renewal charges, at the price in force then (owner only)"
    )
    next_charge_at: datetime | None
    benefits_used: int = Field(description="Orders with a benefit in the current period")
    household: list[str] = Field(description="Customer ids sharing it (owner only)")
    ended_at: datetime | None
    refunded: MoneyOut | None
    last_failure: str | None = Field(description="Why the last charge failed; retried later")

    @classmethod
    def of(cls, view: MemberView) -> MembershipOut:
        m = view.membership
        return cls(
            id=m.id,
            role="owner" if view.owner else "household",
            plan_id=m.plan_id,
            status=m.status.value,
            period=m.period,
            period_start=m.period_start,
            period_end=m.period_end,
            benefits_until=m.benefits_until,
            price=MoneyOut.of(m.price) if view.owner else None,
            renewal_price=MoneyOut.of(view.renewal_price) if view.renewal_price else None,
            next_charge_at=m.next_charge_at if view.owner else None,
            benefits_used=view.benefits_used,
            household=list(m.household),
            ended_at=m.ended_at,
            refunded=MoneyOut.of(m.refunded) if m.refunded and view.owner else None,
            last_failure=m.last_failure if view.owner else None,
        )

    @classmethod
    def owned(cls, membership: Membership) -> MembershipOut:
        return cls.of(MemberView(membership, True, None, 0))


class CancelledOut(BaseModel):
    membership: MembershipOut
    refund: MoneyOut = Field(
        description="Everything paid for the current period if no benefit was used in it, "
        "else its unused whole days' share; nothing for a trial"
    )
    benefits_used: int

    @classmethod
    def of(cls, cancelled: Cancelled) -> CancelledOut:
        return cls(
            membership=MembershipOut.owned(cancelled.membership),
            refund=MoneyOut.of(cancelled.refund),
            benefits_used=cancelled.benefits_used,
        )


class JoinIn(Input):
    plan_id: Literal["yearly", "monthly"]
    currency: Currency


class HouseholdIn(Input):
    email: Email = Field(description="The e-mail address the person is registered with")


@router.get("/plans")
def plans(platform: PlatformDep) -> list[PlanOut]:
    """The plans, their price in each currency (minor units: KRW has none), and price
    changes announced. Needs no key."""
    return [PlanOut.of(offer) for offer in platform.prime.plans()]


@router.get("", responses=errors(*AUTHENTICATED, 404, described=NO_MEMBERSHIP))
def membership(who: CallerDep, platform: PlatformDep) -> MembershipOut:
    """Your membership: your own, or the household's you share; else your latest (ended)."""
    return _yours(platform, who.customer_id())


def _yours(platform: Platform, customer_id: str) -> MembershipOut:
    view = platform.prime.view(customer_id)
    if view is None:
        raise MembershipNotFound("you have no Prime membership")
    return MembershipOut.of(view)


@router.post(
    "",
    status_code=201,
    responses=replayed(MembershipOut, "Joined before with this Idempotency-Key")
    | errors(
        *AUTHENTICATED,
        *JSON_BODY,
        402,
        409,
        502,
        described={
            402: "The card was declined (replayed for this key)",
            409: "You already have Prime benefits (`already_member`), have no default card "
            "(`no_default_payment_method`), the plan is not sold in that currency "
            "(`prime_no_price_in_currency`), or the key's first request is still running",
            422: "Invalid input, or the key was used with other parameters",
            502: "The payment gateway did not answer: retry with the same key",
        },
    ),
)
async def join(
    body: JoinIn,
    who: CallerDep,
    key: IdempotencyKey,
    platform: PlatformDep,
    threads: GatewayThreadsDep,
    response: Response,
) -> MembershipOut:
    """Join a plan, paying in `currency` with your default card. Your first membership
    starts with the free trial (nothing charged until it ends); otherwise the first
    period is charged now. Renewed automatically; cancel any time."""
    customer_id = who.customer_id()
    joined = await threads.run(
        lambda: platform.prime.join(customer_id, body.plan_id, body.currency, idempotency_key=key)
    )
    if joined.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return _yours(platform, customer_id)


@router.post(
    "/cancel",
    responses=errors(
        *AUTHENTICATED,
        404,
        409,
        described=NO_MEMBERSHIP
        | NOT_OWNER
        | {409: "The membership has ended, or a renewal is being charged right now"},
    ),
)
async def cancel(who: CallerDep, platform: PlatformDep, threads: GatewayThreadsDep) -> CancelledOut:
    """End your membership now, with its refund (see `refund`); your household loses its
    benefits too. A second cancel answers 404: there is no membership left to cancel."""
    return CancelledOut.of(await threads.run(lambda: platform.prime.cancel(who.customer_id())))


@router.post(
    "/household",
    responses=errors(
        *AUTHENTICATED,
        *JSON_BODY,
        404,
        409,
        described=NO_MEMBERSHIP
        | NOT_OWNER
        | {
            404: "You have no membership, or nobody is registered with that e-mail address",
            409: "That person has Prime benefits already, or your household is full",
        },
    ),
)
def add_to_household(body: HouseholdIn, who: CallerDep, platform: PlatformDep) -> MembershipOut:
    """Share your benefits with a registered customer (you pay; they are told). Up to the
    plan's `household_max` people."""
    platform.prime.add_to_household(who.customer_id(), body.email)
    return _yours(platform, who.customer_id())


@router.delete(
    "/household/{customer_id}",
    responses=errors(
        *AUTHENTICATED,
        404,
        422,
        described=NO_MEMBERSHIP | NOT_OWNER | {404: "Not in your household"},
    ),
)
def remove_from_household(customer_id: Id, who: CallerDep, platform: PlatformDep) -> MembershipOut:
    """Stop sharing your benefits with this customer."""
    platform.prime.remove_from_household(who.customer_id(), customer_id)
    return _yours(platform, who.customer_id())
