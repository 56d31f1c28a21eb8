"""Prime: joining, the household, cancelling with its refund, price changes with notice, and
the reads the pages show. The renewal run is ``renewals.py``; ``Prime.renew`` runs it and
finishes what a process that died left (a join's first charge, a cancel's refund).

Joining a plan with a trial the customer has not had starts the trial at once: nothing is
charged, the first charge is the renewal at its end. Without a trial the first period is
charged before the membership is active:

    claim    one transaction: the Idempotency-Key, the customer's benefits slot (the primary
             key of ``prime_beneficiaries``: one membership's benefits per customer) and the
             membership, ``pending``
    charge   outside it, with the gateway keys of period 1 (``prime:<membership>:1:0``)
    settle   one transaction: ``active`` with its charge row, benefits, event, notice and the
             key's outcome; a decline ends it ``declined`` (its 402 stored for the key); an
             unanswered charge leaves it ``pending`` with the key in flight: a retry with
             the same key, or the next renewal run, pays it with the same gateway keys
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from baro.commerce.customers import (
    CustomerNotFound,
    Customers,
    NoDefaultPaymentMethod,
    Notification,
    Notifications,
    customer_id_by_email,
    notify,
    set_prime,
)
from baro.commerce.orders import benefits_used
from baro.commerce.payments import GatewayUnavailable, PaymentGateway
from baro.core import idempotency
from baro.core.clock import Clock
from baro.core.db import Database, insert_or_ignore, table_of
from baro.core.errors import DomainError, error_class_for
from baro.core.events import record
from baro.core.failpoints import failpoint
from baro.core.idempotency import IdempotencyKeyInFlight, IdempotentRequest
from baro.core.ids import new_id
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
    RenewalInProgress,
    RenewalReport,
    Status,
    event,
    grace,
    moved,
    period_after,
    price_at,
    refund_on_cancel,
)
from .renewals import Charged, Renewals, all_prices, charge, charge_key, charge_row
from .repository import (
    BeneficiaryRow,
    ChargeRow,
    MembershipRow,
    PlanRow,
    PriceRow,
    TrialRow,
    end_benefits,
    household_of,
    membership_of,
    plan_of,
)

log = logging.getLogger(__name__)


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
class Offer:
    """A plan as sold now: its price per currency, and changes announced but not in force."""

    plan: Plan
    prices: tuple[Money, ...]
    upcoming: tuple[PlanPrice, ...]


@dataclass(frozen=True)
class Joined:
    membership: Membership
    replayed: bool


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

    # joining -----------------------------------------------------------------------------------

    def join(
        self, customer_id: str, plan_id: str, currency: str, *, idempotency_key: str | None
    ) -> Joined:
        """Join ``plan_id``, paying in ``currency`` with the default card (see the module).
        A repeated key returns the first answer."""
        request = IdempotentRequest.of(
            f"prime:{customer_id}", idempotency_key, "join", plan_id=plan_id, currency=currency
        )
        now = self._clock.now()
        with self._db.read() as session:
            plan_row = session.get(PlanRow, plan_id)
            if plan_row is None:
                raise PlanNotFound(f"no plan {plan_id!r}")
            price = price_at(all_prices(session), plan_id, currency, now)
        plan = plan_of(plan_row)
        card = self._card(customer_id)
        membership_id = new_id("mem")
        try:
            with self._db.transaction() as session:
                try:
                    earlier = idempotency.claim(
                        session, request, now=now, ttl=self.settings.idempotency_ttl
                    )
                except IdempotencyKeyInFlight:
                    pending = self._resumable_join(session, customer_id, request.key, now)
                    if pending is None:
                        raise
                    earlier, row = None, pending
                else:
                    if earlier is not None:
                        return Joined(self._replayed(session, earlier), replayed=True)
                    row = self._new_membership(session, membership_id, customer_id, plan, price)
                    row.join_key = request.key
                    session.add(row)
                    session.flush()
                    if row.status == Status.TRIAL.value:
                        self._started(session, row, request, now, trial=True)
                        return Joined(membership_of(row), replayed=False)
                pending_membership = membership_of(row)
        except IntegrityError as error:
            raise AlreadyMember(
                "you already have Prime benefits (your own membership, or a household's)"
            ) from error
        return self._pay_join(pending_membership, card, request.key)

    def _new_membership(
        self, session: Session, membership_id: str, customer_id: str, plan: Plan, price: Money
    ) -> MembershipRow:
        """The membership and the customer's benefits slot (a trial if they never had one)."""
        now = self._clock.now()
        session.add(BeneficiaryRow(customer_id=customer_id, membership_id=membership_id,
                                   owner=True, added_at=now))  # fmt: skip
        session.flush()  # a second membership fails here, before anything else is written
        trial = plan.trial_days > 0 and insert_or_ignore(
            session,
            table_of(TrialRow),
            {"customer_id": customer_id, "membership_id": membership_id, "started_at": now},
        )
        end = now + timedelta(days=plan.trial_days) if trial else period_after(now, plan.period)
        return MembershipRow(
            id=membership_id,
            customer_id=customer_id,
            plan_id=plan.id,
            period_kind=plan.period.value,
            currency=price.currency,
            status=(Status.TRIAL if trial else Status.PENDING).value,
            period=0 if trial else 1,
            period_start=now,
            period_end=end,
            price_minor=0 if trial else price.minor,
            next_charge_at=end if trial else None,
            attempt=0,
            created_at=now,
        )

    def _started(
        self,
        session: Session,
        row: MembershipRow,
        request: IdempotentRequest,
        now: datetime,
        *,
        trial: bool,
    ) -> None:
        """The membership's benefits begin: the owner's, its event, the notice, the key."""
        set_prime(session, [row.customer_id], row.id, row.period_end + grace())
        price = Money(row.price_minor, row.currency)
        record(
            session,
            [
                event(
                    "joined",
                    row.id,
                    now,
                    customer_id=row.customer_id,
                    plan_id=row.plan_id,
                    currency=row.currency,
                    amount_minor=row.price_minor,
                    trial=trial,
                    period_end=row.period_end.isoformat(),
                )
            ],
        )
        body = (
            f"Your free trial runs until {row.period_end:%Y-%m-%d}; then we renew it."
            if trial
            else f"Charged {price.format()}. Your next renewal is on {row.period_end:%Y-%m-%d}."
        )
        notify(session, self._notice(row.customer_id, "prime_joined", "Welcome to Prime", body))
        idempotency.complete(session, request, {"id": row.id})

    def _pay_join(self, pending: Membership, card: str, key: str) -> Joined:
        charged = charge(self._gateway, card, pending.price, charge_key(pending.id, 1, 0))
        failpoint("prime.join_charged")
        request = IdempotentRequest(f"prime:{pending.customer_id}", key, fingerprint="")
        now = self._clock.now()
        with self._db.transaction() as session:
            row = session.get(MembershipRow, pending.id, with_for_update=True)
            assert row is not None
            if row.status != Status.PENDING.value:  # settled meanwhile (a retry, the sweep)
                return Joined(membership_of(row), replayed=True)
            if isinstance(charged, Charged):
                row.status = moved(Status.PENDING, "activate").value
                row.next_charge_at, row.last_failure = row.period_end, None
                session.add(charge_row(pending.id, 1, charged))
                self._started(session, row, request, now, trial=False)
                return Joined(membership_of(row), replayed=False)
            if isinstance(charged, GatewayUnavailable):
                row.last_failure = charged.message[:300]
            else:
                row.status = moved(Status.PENDING, "decline").value
                row.ended_at, row.last_failure = now, charged.message[:300]
                session.execute(
                    delete(BeneficiaryRow).where(BeneficiaryRow.membership_id == row.id)
                )
                record(session, [event("declined", row.id, now, code=charged.code)])
                outcome = {"error": {"code": charged.code, "message": charged.message}}
                idempotency.complete(session, request, outcome)
        raise charged

    def _resumable_join(
        self, session: Session, customer_id: str, key: str, now: datetime
    ) -> MembershipRow | None:
        """The pending membership of this key, if its charge went unanswered or its process
        died: the retry pays it with the same gateway keys."""
        return session.scalar(
            select(MembershipRow).where(
                MembershipRow.customer_id == customer_id,
                MembershipRow.join_key == key,
                MembershipRow.status == Status.PENDING.value,
                MembershipRow.last_failure.is_not(None)
                | (MembershipRow.created_at < now - self.settings.abandoned_after),
            )
        )

    def _replayed(self, session: Session, earlier: dict[str, object]) -> Membership:
        error = earlier.get("error")
        if isinstance(error, dict):
            replayed = error_class_for(str(error["code"]))(str(error["message"]))
            replayed.context["replayed"] = True
            raise replayed
        row = session.get(MembershipRow, str(earlier["id"]))
        assert row is not None
        return membership_of(row)

    def _card(self, customer_id: str) -> str:
        principal = self._customers.principals_of([customer_id]).get(customer_id)
        if principal is None:
            raise CustomerNotFound(f"no customer {customer_id!r}")
        if principal.payment_method is None:
            raise NoDefaultPaymentMethod("save a default card before joining Prime")
        return principal.payment_method.gateway_token

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
        self._finish_joins(now)
        self._finish_refunds()
        return report

    def _finish_joins(self, now: datetime) -> None:
        with self._db.read() as session:
            rows = session.scalars(
                select(MembershipRow)
                .where(
                    MembershipRow.status == Status.PENDING.value,
                    MembershipRow.created_at < now - self.settings.abandoned_after,
                )
                .limit(self.settings.batch)
            )
            pending = [(membership_of(row), row.join_key or "") for row in rows]
        owners = self._customers.principals_of([m.customer_id for m, _ in pending])
        for membership, key in pending:
            owner = owners.get(membership.customer_id)
            card = owner.payment_method.gateway_token if owner and owner.payment_method else ""
            try:
                self._pay_join(membership, card, key)
            except DomainError as error:  # declined (recorded), or the gateway still away
                log.info("pending join %s: %s", membership.id, error.code)

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
