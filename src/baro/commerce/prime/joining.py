"""Joining Prime. A plan with a trial the customer has not had starts the trial at once:
nothing is charged, the first charge is the renewal at its end. Without a trial the first
period is charged before the membership is active:

    claim    one transaction: the Idempotency-Key, the customer's benefits slot (the primary
             key of ``prime_beneficiaries``: one membership's benefits per customer) and the
             membership, ``pending``
    charge   outside it, with the gateway keys of period 1 (``prime:<membership>:1:0``)
    settle   one transaction: ``active`` with its charge row, benefits, event, notice and the
             key's outcome; a decline ends it ``declined`` (its 402 stored for the key); an
             unanswered charge leaves it ``pending`` with the key in flight: a retry with
             the same key, or the next renewal run (``finish_abandoned``), pays it with the
             same gateway keys
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from baro.commerce.customers import (
    CustomerNotFound,
    Customers,
    NoDefaultPaymentMethod,
    Notifications,
    notify,
    set_prime,
)
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
    AlreadyMember,
    Membership,
    Plan,
    PlanNotFound,
    PrimeSettings,
    Status,
    event,
    grace,
    moved,
    period_after,
    price_at,
)
from .renewals import Charged, all_prices, charge, charge_key, charge_row
from .repository import (
    BeneficiaryRow,
    MembershipRow,
    PlanRow,
    TrialRow,
    end_benefits,
    membership_of,
    plan_of,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Joined:
    membership: Membership
    replayed: bool


class Joining:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        gateway: PaymentGateway,
        customers: Customers,
        notifications: Notifications,
        settings: PrimeSettings,
    ) -> None:
        self._db = db
        self._clock = clock
        self._gateway = gateway
        self._customers = customers
        self._notifications = notifications
        self.settings = settings

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
        notify(
            session,
            self._notifications.new(
                row.customer_id,
                "prime_joined",
                "Welcome to Prime",
                body,
                link=self.settings.manage_link,
            ),
        )
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
                end_benefits(session, row.id)  # free to join again
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

    def finish_abandoned(self, now: datetime) -> None:
        """Pay the joins whose process died before their first charge was settled."""
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
