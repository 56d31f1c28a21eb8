"""Prime membership: plans and their prices, a membership's states and the rules that move
it (renewal, retries and grace, the refund on cancelling), and the errors a customer or a
renewal run may meet. No I/O.

    pending ──activate──▶ active            (joined without a trial: the first charge)
       └──decline──▶ declined              (the first charge was declined)
    trial ──renew──▶ active ──renew──▶ active
      │  └─payment_failed─▶ past_due ──renew──▶ active
      │                        └──lapse──▶ lapsed           (the last retry failed)
      └──────── cancel (from trial, active, past_due) ──▶ cancelled

``cancelled``, ``lapsed`` and ``declined`` are final: a customer joins again with a new
membership.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from baro.core.errors import Conflict, InvalidRequest, NotFound
from baro.core.events import DomainEvent
from baro.core.money import Money

DAY = timedelta(days=1)
# A failed renewal is tried again this many days after it was due; the last failure lapses
# the membership. Benefits go on meanwhile (the grace period), so a card that expired over
# the weekend does not cost a member their delivery promise.
RETRY_DAYS: tuple[int, ...] = (1, 3, 7)
MAX_HOUSEHOLD = 4  # people an owner may share with (the owner not counted)


class PlanNotFound(NotFound):
    code = "prime_plan_not_found"


class NoPriceInCurrency(Conflict):
    """A plan is sold in the currencies it has a price for, never at a converted guess."""

    code = "prime_no_price_in_currency"


class InvalidPrice(InvalidRequest):
    code = "prime_invalid_price"


class MembershipNotFound(NotFound):
    code = "membership_not_found"


class AlreadyMember(Conflict):
    """One membership's benefits per customer: their own, or a household's they belong to."""

    code = "already_member"


class MembershipEnded(Conflict):
    """A cancelled or lapsed membership does not come back: join again instead."""

    code = "membership_ended"


class HouseholdFull(Conflict):
    code = "household_full"


class HouseholdMemberNotFound(NotFound):
    code = "household_member_not_found"


class NotHouseholdOwner(Conflict):
    """Only the member who pays changes the household or cancels."""

    code = "not_household_owner"


class RenewalInProgress(Conflict):
    """A renewal run holds the membership (charging it now, or taking over a run that
    died): a cancel waits for it, so that a charge is never left unrecorded."""

    code = "prime_renewal_in_progress"


class PriceNoticeTooShort(InvalidRequest):
    code = "prime_price_notice_too_short"


class Period(StrEnum):
    YEARLY = "yearly"
    MONTHLY = "monthly"


class Status(StrEnum):
    PENDING = "pending"  # joined; the first charge is being taken
    DECLINED = "declined"
    TRIAL = "trial"
    ACTIVE = "active"
    PAST_DUE = "past_due"  # the renewal failed; retried within the grace period
    CANCELLED = "cancelled"
    LAPSED = "lapsed"


OPEN = frozenset({Status.TRIAL, Status.ACTIVE, Status.PAST_DUE})

# Which status each change leads to, from which (a literal table, tested as such).
MOVES: dict[str, dict[Status, Status]] = {
    "activate": {Status.PENDING: Status.ACTIVE},
    "decline": {Status.PENDING: Status.DECLINED},
    "renew": {
        Status.TRIAL: Status.ACTIVE,
        Status.ACTIVE: Status.ACTIVE,
        Status.PAST_DUE: Status.ACTIVE,
    },
    "payment_failed": {
        Status.TRIAL: Status.PAST_DUE,
        Status.ACTIVE: Status.PAST_DUE,
        Status.PAST_DUE: Status.PAST_DUE,
    },
    "lapse": {Status.PAST_DUE: Status.LAPSED},
    "cancel": {
        Status.TRIAL: Status.CANCELLED,
        Status.ACTIVE: Status.CANCELLED,
        Status.PAST_DUE: Status.CANCELLED,
    },
}


def moved(status: Status, action: str) -> Status:
    """The status after ``action``; ``MembershipEnded`` where the table has no move."""
    after = MOVES[action].get(status)
    if after is None:
        raise MembershipEnded(f"the membership is {status.value}: it cannot {action}")
    return after


def period_after(start: datetime, period: Period) -> datetime:
    """The end of a period that starts at ``start``: a month or a year later, on the same
    day, or the month's last day when it has no such day (31 Jan -> 28/29 Feb)."""
    months = 12 if period is Period.YEARLY else 1
    month0 = start.month - 1 + months
    year, month = start.year + month0 // 12, month0 % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)


def retry_at(due: datetime, failures: int) -> datetime | None:
    """When the renewal due at ``due`` is tried after its ``failures``-th failure; None
    once every retry has failed (the membership lapses)."""
    if failures > len(RETRY_DAYS):
        return None
    return due + RETRY_DAYS[failures - 1] * DAY


def grace() -> timedelta:
    """How long past the end of its period a member keeps benefits while the renewal is
    retried: a day past the last retry, so a renewal the job takes late costs nothing."""
    return (RETRY_DAYS[-1] + 1) * DAY


@dataclass(frozen=True)
class PrimeSettings:
    idempotency_ttl: timedelta = timedelta(hours=24)
    # A renewal claim or a pending join this old lost its process: the next run takes it
    # over, with the same gateway keys.
    abandoned_after: timedelta = timedelta(minutes=10)
    # A price change is announced at least this long before it takes effect.
    price_notice: timedelta = timedelta(days=30)
    batch: int = 500  # renewals per run; the rest wait for the next one
    manage_link: str = "/account/prime"  # where a notice sends the member


@dataclass(frozen=True)
class Plan:
    id: str
    period: Period
    trial_days: int
    household_max: int


@dataclass(frozen=True)
class PlanPrice:
    """What a plan costs in one currency from ``effective_from`` on. A change is announced
    at least the notice period before it takes effect, and reaches a member at their first
    renewal on or after that time, never within a period already paid."""

    plan_id: str
    amount: Money
    effective_from: datetime
    announced_at: datetime


def price_at(prices: Sequence[PlanPrice], plan_id: str, currency: str, at: datetime) -> Money:
    """The plan's price in ``currency`` in force at ``at`` (the latest to take effect)."""
    in_force = [
        p
        for p in prices
        if p.plan_id == plan_id and p.amount.currency == currency and p.effective_from <= at
    ]
    if not in_force:
        raise NoPriceInCurrency(
            f"plan {plan_id} has no price in {currency}", plan_id=plan_id, currency=currency
        )
    return max(in_force, key=lambda p: p.effective_from).amount


@dataclass(frozen=True)
class Membership:
    """A customer's Prime membership. ``period`` numbers the period it is in: 0 is the
    free trial, 1 the first paid one. ``price`` is what the current period cost (zero in
    the trial); ``next_charge_at`` is when the next renewal is tried (None once ended)."""

    id: str
    customer_id: str
    plan_id: str
    period_kind: Period
    status: Status
    period: int
    period_start: datetime
    period_end: datetime
    price: Money
    next_charge_at: datetime | None
    attempt: int  # failed tries of the renewal now due
    created_at: datetime
    ended_at: datetime | None = None
    refunded: Money | None = None
    last_failure: str | None = None
    household: tuple[str, ...] = ()  # customer ids sharing the benefits, oldest first

    @property
    def currency(self) -> str:
        return self.price.currency

    @property
    def open(self) -> bool:
        return self.status in OPEN

    @property
    def benefits_until(self) -> datetime | None:
        return self.period_end + grace() if self.open else None


def refund_on_cancel(
    price: Money,
    *,
    period_start: datetime,
    period_end: datetime,
    now: datetime,
    benefits_used: int,
) -> Money:
    """What a member gets back when they cancel at ``now``: everything they paid for the
    current period if they used no benefit in it; otherwise its unused whole days' share,
    rounded down to the minor unit (a won for KRW). Nothing for a trial (nothing was paid)
    or once the paid period is over (the grace period is not paid for)."""
    if price.minor == 0 or now >= period_end or now < period_start:
        return Money.zero(price.currency)
    if benefits_used == 0:
        return price
    unused_days = (period_end - now) // DAY
    total_days = max((period_end - period_start) // DAY, 1)
    return Money(price.minor * unused_days // total_days, price.currency)


@dataclass(frozen=True, kw_only=True)
class PrimeEvent(DomainEvent):
    """A membership's change (``prime.joined``, ``prime.renewed``, ``prime.cancelled``…);
    ``data`` holds ids, numbers and codes, never a name or an e-mail address."""

    kind: str

    @property
    def event_type(self) -> str:
        return f"prime.{self.kind}"


def event(kind: str, aggregate_id: str, at: datetime, **data: Any) -> PrimeEvent:
    return PrimeEvent(kind=kind, aggregate_id=aggregate_id, occurred_at=at, data=data)


class RenewalResult(StrEnum):
    RENEWED = "renewed"
    FAILED = "failed"  # declined: retried later, or lapsed after the last retry
    LAPSED = "lapsed"
    SKIPPED = "skipped"  # another run has it, or the gateway did not answer


@dataclass(frozen=True)
class Renewal:
    """What one run made of one due membership."""

    membership_id: str
    period: int  # the period it was renewing into
    result: RenewalResult
    charged: Money | None = None
    reason: str = ""
    next_charge_at: datetime | None = None


@dataclass(frozen=True)
class RenewalReport:
    at: datetime
    renewals: tuple[Renewal, ...]

    def of(self, result: RenewalResult) -> list[Renewal]:
        return [r for r in self.renewals if r.result is result]
