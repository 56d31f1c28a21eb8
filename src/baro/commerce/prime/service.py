"""Prime: plans and price changes with notice, joining (``joining.py``), the member's view,
cancelling with its refund, the household, and the reads the console shows. The renewal
run is ``renewals.py``; ``Prime.renew`` runs it and finishes what a process that died or an
unanswering gateway left (a join's first charge, a cancel's refund)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from baro.commerce.customers import (
    Customers,
    Notification,
    Notifications,
    customer_id_by_email,
    notify,
    set_prime,
)
from baro.commerce.orders import benefits_used
from baro.commerce.payments import GatewayUnavailable, PaymentGateway
from baro.core.clock import Clock
from baro.core.db import Database
from baro.core.events import record
from baro.core.money import Money

from .domain import (
    OPEN,
    AlreadyMember,
    HouseholdFull,
    HouseholdMemberNotFound,
    InvalidPrice,
    Membership,
    MembershipNotFound,
    NotHouseholdOwner,
    Plan,
    PlanNotFound,
    PlanPrice,
    PriceNoticeTooShort,
    PrimeSettings,
    RenewalInProgress,
    RenewalReport,
    Status,
    event,
    grace,
    moved,
    price_at,
    refund_on_cancel,
)
from .joining import Joined, Joining
from .renewals import Renewals, all_prices
from .repository import (
    BeneficiaryRow,
    ChargeRow,
    MembershipRow,
    PlanRow,
    PriceRow,
    end_benefits,
    household_of,
    membership_of,
    plan_of,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Offer:
    """A plan as sold now: its price per currency, and changes announced but not in force."""

    plan: Plan
    prices: tuple[Money, ...]
    upcoming: tuple[PlanPrice, ...]


@dataclass(frozen=True)
class Cancelled:
    membership: Membership
    refund: Money
    benefits_used: int


@dataclass(frozen=True)
class MemberView:
    """A customer's membership as they see it. ``owner`` False: they share someone's
    (the household), whose price and household are not theirs to see."""

    membership: Membership
    owner: bool
    renewal_price: Money | None  # what the next renewal charges, at its date
    benefits_used: int  # orders with a benefit in the current period (owner and household)


class Prime:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        gateway: PaymentGateway,
        customers: Customers,
        notifications: Notifications,
        settings: PrimeSettings | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._gateway = gateway
        self._customers = customers
        self._notifications = notifications
        self.settings = settings or PrimeSettings()
        self._joining = Joining(db, clock, gateway, customers, notifications, self.settings)
        self._renewals = Renewals(
            db,
            clock,
            gateway,
            customers,
            notifications,
            abandoned_after=self.settings.abandoned_after,
            batch=self.settings.batch,
            manage_link=self.settings.manage_link,
        )

    # plans -----------------------------------------------------------------------------------

    def plans(self) -> list[Offer]:
        now = self._clock.now()
        with self._db.read() as session:
            plans = [plan_of(row) for row in session.scalars(select(PlanRow).order_by(PlanRow.id))]
            prices = all_prices(session)
        offers = []
        for plan in plans:
            currencies = sorted({p.amount.currency for p in prices if p.plan_id == plan.id})
            in_force = [
                price_at(prices, plan.id, c, now)
                for c in currencies
                if any(p.effective_from <= now for p in prices if p.amount.currency == c)
            ]
            upcoming = sorted(
                (p for p in prices if p.plan_id == plan.id and p.effective_from > now),
                key=lambda p: (p.effective_from, p.amount.currency),
            )
            offers.append(Offer(plan, tuple(in_force), tuple(upcoming)))
        return offers

    def announce_price(self, plan_id: str, amount: Money, effective_from: datetime) -> PlanPrice:
        """A new price for a plan in one currency from ``effective_from``, at least the
        notice period away. Every open member of the plan paying in that currency is told
        now; each pays it from their first renewal on or after that date."""
        now = self._clock.now()
        if amount.minor <= 0:
            raise InvalidPrice(f"a plan's price is positive, got {amount}")
        if effective_from < now + self.settings.price_notice:
            raise PriceNoticeTooShort(
                f"a price change takes effect at least {self.settings.price_notice.days} days "
                f"after it is announced; {effective_from:%Y-%m-%d} is too soon"
            )
        price = PlanPrice(plan_id, amount, effective_from, now)
        try:
            with self._db.transaction() as session:
                if session.get(PlanRow, plan_id) is None:
                    raise PlanNotFound(f"no plan {plan_id!r}")
                session.add(
                    PriceRow(
                        plan_id=plan_id,
                        currency=amount.currency,
                        effective_from=effective_from,
                        amount_minor=amount.minor,
                        announced_at=now,
                    )
                )
                session.flush()
                owners = session.scalars(
                    select(MembershipRow.customer_id).where(
                        MembershipRow.plan_id == plan_id,
                        MembershipRow.currency == amount.currency,
                        MembershipRow.status.in_([s.value for s in OPEN]),
                    )
                )
                for owner in owners:
                    notify(
                        session,
                        self._notice(
                            owner,
                            "prime_price_change",
                            "Prime's price is changing",
                            f"From your first renewal on or after {effective_from:%Y-%m-%d}, "
                            f"Prime costs {amount.format()}. You can cancel before then.",
                        ),
                    )
                record(
                    session,
                    [
                        event(
                            "price_announced",
                            plan_id,
                            now,
                            currency=amount.currency,
                            amount_minor=amount.minor,
                            effective_from=effective_from.isoformat(),
                        )
                    ],
                )
        except IntegrityError as error:
            raise InvalidPrice(
                f"plan {plan_id} already has a {amount.currency} price from {effective_from}"
            ) from error
        return price

    def join(
        self, customer_id: str, plan_id: str, currency: str, *, idempotency_key: str | None
    ) -> Joined:
        """Join ``plan_id``, paying in ``currency`` with the default card (``joining.py``).
        A repeated key returns the first answer."""
        return self._joining.join(customer_id, plan_id, currency, idempotency_key=idempotency_key)

    # the member's side -------------------------------------------------------------------------

    def view(self, customer_id: str) -> MemberView | None:
        """The membership whose benefits the customer has, else their latest one (ended),
        else None."""
        with self._db.read() as session:
            slot = session.get(BeneficiaryRow, customer_id)
            row = (
                session.get(MembershipRow, slot.membership_id)
                if slot is not None
                else session.scalar(
                    select(MembershipRow)
                    .where(MembershipRow.customer_id == customer_id)
                    .order_by(MembershipRow.created_at.desc(), MembershipRow.id.desc())
                    .limit(1)
                )
            )
            if row is None:
                return None
            owner = row.customer_id == customer_id
            membership = membership_of(row, household_of(session, [row.id])[row.id])
            if not owner:  # the household sees the benefits, not the owner's bill
                membership = _shared(membership)
            renewal_price = None
            if owner and membership.open and membership.next_charge_at is not None:
                renewal_price = price_at(
                    all_prices(session), row.plan_id, row.currency, row.period_end
                )
            used = benefits_used(session, row.id, row.period_start) if membership.open else 0
        return MemberView(membership, owner, renewal_price, used)

    def cancel(self, customer_id: str) -> Cancelled:
        """End the membership now. The refund (``refund_on_cancel``): everything paid for
        the current period if no benefit was used in it, else its unused whole days' share;
        nothing for a trial or in the grace period. The household loses its benefits too."""
        now = self._clock.now()
        with self._db.transaction() as session:
            row = self._owned(session, customer_id)
            if row.claimed_by is not None:
                raise RenewalInProgress("your membership is being renewed right now; try again")
            status = moved(Status(row.status), "cancel")
            used = benefits_used(session, row.id, row.period_start)
            paid = session.get(ChargeRow, (row.id, row.period)) if row.period > 0 else None
            price = Money(paid.amount_minor, paid.currency) if paid else Money.zero(row.currency)
            refund = refund_on_cancel(
                price,
                period_start=row.period_start,
                period_end=row.period_end,
                now=now,
                benefits_used=used,
            )
            end_benefits(session, row.id)
            row.status, row.ended_at, row.next_charge_at = status.value, now, None
            row.refund_minor = refund.minor
            record(
                session,
                [
                    event(
                        "cancelled",
                        row.id,
                        now,
                        period=row.period,
                        benefits_used=used,
                        refund_minor=refund.minor,
                        currency=refund.currency,
                    )
                ],
            )
            refund_text = f"We refund {refund.format()}." if refund.minor else "Nothing to refund."
            notify(
                session,
                self._notice(
                    customer_id,
                    "prime_cancelled",
                    "Your Prime membership is cancelled",
                    refund_text,
                ),
            )
            cancelled = Cancelled(membership_of(row), refund, used)
            capture = paid.capture_id if paid and refund.minor else None
        if capture is not None:
            self._refund(row.id, row.period, capture, refund)
        return cancelled

    def _refund(self, membership_id: str, period: int, capture_id: str, amount: Money) -> bool:
        """Give a cancelled period's refund back, with its own gateway key; an unanswered
        refund is given by the next renewal run, with the same key."""
        try:
            refund = self._gateway.refund(
                capture_id, amount, idempotency_key=f"prime:{membership_id}:{period}:refund"
            )
        except GatewayUnavailable as error:
            log.warning("prime refund of %s waits for the gateway: %s", membership_id, error)
            return False
        with self._db.transaction() as session:
            updated = session.execute(
                update(ChargeRow)
                .where(
                    ChargeRow.membership_id == membership_id,
                    ChargeRow.period == period,
                    ChargeRow.refund_id.is_(None),
                )
                .values(refund_id=refund.id, refund_minor=amount.minor)
            )
            if updated.rowcount:  # type: ignore[attr-defined]
                record(
                    session,
                    [
                        event(
                            "refunded",
                            membership_id,
                            refund.refunded_at,
                            period=period,
                            refund_id=refund.id,
                            amount_minor=amount.minor,
                            currency=amount.currency,
                        )
                    ],
                )
        return True

    # the household -----------------------------------------------------------------------------

    def add_to_household(self, owner_id: str, email: str) -> Membership:
        """Share the owner's benefits with the registered customer of ``email``, up to the
        plan's household size. The owner pays; the member is told."""
        now = self._clock.now()
        try:
            with self._db.transaction() as session:
                row = self._owned(session, owner_id)  # locked: additions count one at a time
                if row.status not in {s.value for s in OPEN}:
                    raise MembershipNotFound("your membership is not active yet")
                plan = session.get(PlanRow, row.plan_id)
                assert plan is not None
                member = customer_id_by_email(session, email)
                if member is None:
                    raise HouseholdMemberNotFound(
                        "no customer is registered with that e-mail address"
                    )
                if member == owner_id:
                    raise AlreadyMember("you are the member who pays: add someone else")
                count = session.scalar(
                    select(func.count()).where(
                        BeneficiaryRow.membership_id == row.id, BeneficiaryRow.owner.is_(False)
                    )
                )
                if (count or 0) >= plan.household_max:
                    raise HouseholdFull(
                        f"your plan shares with up to {plan.household_max} people",
                        household_max=plan.household_max,
                    )
                session.add(BeneficiaryRow(customer_id=member, membership_id=row.id,
                                           owner=False, added_at=now))  # fmt: skip
                session.flush()
                set_prime(session, [member], row.id, row.period_end + grace())
                record(session, [event("household_added", row.id, now, customer_id=member)])
                notify(
                    session,
                    self._notice(
                        member,
                        "prime_household",
                        "Prime is shared with you",
                        "A member's household now includes you: free fast delivery on eligible "
                        "items while their membership lasts.",
                    ),
                )
                return membership_of(row, household_of(session, [row.id])[row.id])
        except IntegrityError as error:
            raise AlreadyMember(
                "that customer already has Prime benefits", field="email"
            ) from error

    def remove_from_household(self, owner_id: str, member_id: str) -> Membership:
        now = self._clock.now()
        with self._db.transaction() as session:
            row = self._owned(session, owner_id)
            removed = session.execute(
                delete(BeneficiaryRow).where(
                    BeneficiaryRow.customer_id == member_id,
                    BeneficiaryRow.membership_id == row.id,
                    BeneficiaryRow.owner.is_(False),
                )
            )
            if not removed.rowcount:  # type: ignore[attr-defined]
                raise HouseholdMemberNotFound(f"{member_id!r} is not in your household")
            set_prime(session, [member_id], None, None)
            record(session, [event("household_removed", row.id, now, customer_id=member_id)])
            return membership_of(row, household_of(session, [row.id])[row.id])

    def _owned(self, session: Session, customer_id: str) -> MembershipRow:
        """The customer's own open (or pending) membership, locked; a household member who
        asks gets ``NotHouseholdOwner``, anyone else ``MembershipNotFound``."""
        slot = session.get(BeneficiaryRow, customer_id)
        if slot is None:
            raise MembershipNotFound("you have no Prime membership")
        if not slot.owner:
            raise NotHouseholdOwner("only the member who pays manages the membership")
        row = session.get(MembershipRow, slot.membership_id, with_for_update=True)
        assert row is not None
        return row

    # operators and the job ---------------------------------------------------------------------

    def renew(self, now: datetime | None = None) -> RenewalReport:
        """Renew every membership due by ``now`` once per period (``renewals.py``); then
        finish joins and refunds a dead process or an unanswering gateway left."""
        now = now or self._clock.now()
        report = self._renewals.run(now)
        self._joining.finish_abandoned(now)
        self._finish_refunds()
        return report

    def _finish_refunds(self) -> None:
        with self._db.read() as session:
            rows = session.execute(
                select(
                    ChargeRow.membership_id,
                    ChargeRow.period,
                    ChargeRow.capture_id,
                    MembershipRow.refund_minor,
                    MembershipRow.currency,
                )
                .join(MembershipRow, MembershipRow.id == ChargeRow.membership_id)
                .where(
                    MembershipRow.status == Status.CANCELLED.value,
                    MembershipRow.period == ChargeRow.period,
                    MembershipRow.refund_minor > 0,
                    ChargeRow.refund_id.is_(None),
                )
                .limit(self.settings.batch)
            ).all()
        for membership_id, period, capture_id, minor, currency in rows:
            self._refund(membership_id, period, capture_id, Money(minor or 0, currency))

    def members(self, *, limit: int = 100) -> list[Membership]:
        """Open memberships, newest first, with their households."""
        return self._listed(MembershipRow.status.in_([s.value for s in OPEN]), limit)

    def due(self, within: timedelta = timedelta(days=7), *, limit: int = 100) -> list[Membership]:
        """Open memberships whose next charge falls within ``within`` from now, soonest first."""
        horizon = self._clock.now() + within
        return self._listed(
            MembershipRow.status.in_([s.value for s in OPEN])
            & (MembershipRow.next_charge_at <= horizon),
            limit,
            order=(MembershipRow.next_charge_at, MembershipRow.id),
        )

    def failed_payments(self, *, limit: int = 100) -> list[Membership]:
        """Memberships in their grace period after a declined renewal, next retry first."""
        return self._listed(
            MembershipRow.status == Status.PAST_DUE.value,
            limit,
            order=(MembershipRow.next_charge_at, MembershipRow.id),
        )

    def _listed(self, where: object, limit: int, order: Sequence[object] = ()) -> list[Membership]:
        with self._db.read() as session:
            query = select(MembershipRow).where(where)  # type: ignore[arg-type]
            query = query.order_by(
                *(order or (MembershipRow.created_at.desc(), MembershipRow.id.desc()))  # type: ignore[arg-type]
            )
            rows = list(session.scalars(query.limit(limit)))
            households = household_of(session, [row.id for row in rows])
            return [membership_of(row, households[row.id]) for row in rows]

    def _notice(self, customer_id: str, kind: str, subject: str, body: str) -> Notification:
        return self._notifications.new(
            customer_id, kind, subject, body, link=self.settings.manage_link
        )


def _shared(membership: Membership) -> Membership:
    """What a household member sees of the owner's membership: no price, no household."""
    return replace(membership, price=Money.zero(membership.currency), household=())
