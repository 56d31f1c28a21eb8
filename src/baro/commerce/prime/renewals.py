"""The renewal run: every membership whose charge is due, renewed exactly once per period.

A run (``baro prime renew``, each tick of ``baro.jobs``) takes the memberships due by
``now`` as one batch, one ``_Item`` per membership through the steps:

    claim    each membership for this run, by compare and set on (period, attempt, status)
             with no live claim: a second run at the same moment waits on the row, then
             finds it taken and skips it; a claim older than ``abandoned_after`` (its run
             died) is taken over
    charge   outside any transaction, the owner's default card, with the gateway keys
             ``prime:<membership>:<period>:<attempt>:authorize|capture``: the run that takes
             over a dead run's claim uses the same keys, so the gateway answers with the
             dead run's charge instead of taking the money again
    record   one transaction: renewed (the next period, its charge row, benefits extended),
             or declined (retried on day 1, 3, 7 of the grace period, then lapsed), each
             with its outbox event and a notice to the owner; an unanswered charge only
             releases its claim, and the next run asks again with the same keys

The price charged is the plan's price in force when the new period starts: a change reaches
a member at their first renewal on or after it takes effect (they were told when it was
announced), never within a period already paid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from baro.commerce.customers import Customers, Notification, Notifications, notify, set_prime
from baro.commerce.payments import GatewayUnavailable, PaymentDeclined, PaymentGateway
from baro.core.clock import Clock
from baro.core.db import Database
from baro.core.errors import DomainError
from baro.core.events import record
from baro.core.failpoints import failpoint
from baro.core.ids import new_id
from baro.core.money import Money

from .domain import (
    OPEN,
    Membership,
    PlanPrice,
    Renewal,
    RenewalReport,
    RenewalResult,
    event,
    grace,
    moved,
    period_after,
    price_at,
    retry_at,
)
from .repository import (
    ChargeRow,
    MembershipRow,
    PriceRow,
    beneficiaries,
    end_benefits,
    membership_of,
    price_of,
)


@dataclass(frozen=True)
class Charged:
    authorization_id: str
    capture_id: str
    amount: Money
    at: datetime


def charge(
    gateway: PaymentGateway, token: str, amount: Money, key: str
) -> Charged | PaymentDeclined | GatewayUnavailable:
    """Authorize and capture ``amount`` with gateway keys derived from ``key``: charging the
    same key again (a retry, a run taking over) is answered with the first charge."""
    try:
        authorization = gateway.authorize(token, amount, idempotency_key=f"{key}:authorize")
        capture = gateway.capture(authorization, amount, idempotency_key=f"{key}:capture")
    except (PaymentDeclined, GatewayUnavailable) as failure:
        return failure
    return Charged(authorization.id, capture.id, amount, capture.captured_at)


def charge_key(membership_id: str, period: int, attempt: int) -> str:
    """The gateway key of a period's charge: one per membership, period and try."""
    return f"prime:{membership_id}:{period}:{attempt}"


def charge_row(membership_id: str, period: int, charged: Charged) -> ChargeRow:
    """The record that the period is paid: its primary key admits one per period."""
    return ChargeRow(
        membership_id=membership_id,
        period=period,
        currency=charged.amount.currency,
        amount_minor=charged.amount.minor,
        authorization_id=charged.authorization_id,
        capture_id=charged.capture_id,
        charged_at=charged.at,
    )


def all_prices(session: Session) -> list[PlanPrice]:
    return [price_of(row) for row in session.scalars(select(PriceRow))]


@dataclass
class _Item:
    """One due membership through a run: what each step made of it, and its outcome."""

    membership: Membership
    price: Money | None = None
    charged: Charged | DomainError | None = None
    outcome: Renewal | None = None

    @property
    def period(self) -> int:
        return self.membership.period + 1

    def skip(self, reason: str) -> None:
        self.outcome = Renewal(self.membership.id, self.period, RenewalResult.SKIPPED, None, reason)


class Renewals:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        gateway: PaymentGateway,
        customers: Customers,
        notifications: Notifications,
        *,
        abandoned_after: timedelta,
        batch: int,
        manage_link: str,
    ) -> None:
        self._db = db
        self._clock = clock
        self._gateway = gateway
        self._customers = customers
        self._notifications = notifications
        self._abandoned_after = abandoned_after
        self._batch = batch
        self._link = manage_link

    def run(self, now: datetime) -> RenewalReport:
        run_id = new_id("prun")
        with self._db.read() as session:
            rows = session.scalars(
                select(MembershipRow)
                .where(
                    MembershipRow.status.in_([s.value for s in OPEN]),
                    MembershipRow.next_charge_at <= now,
                )
                .order_by(MembershipRow.next_charge_at, MembershipRow.id)
                .limit(self._batch)
            )
            items = [_Item(membership_of(row)) for row in rows]
            prices = all_prices(session)
        self._claim(items, run_id)
        self._charge([i for i in items if i.outcome is None], prices)
        failpoint("prime.charged")  # charged, not recorded: a crash here is retried safely
        self._record([i for i in items if i.outcome is None], run_id, now)
        return RenewalReport(now, tuple(i.outcome for i in items if i.outcome is not None))

    def _claim(self, items: Sequence[_Item], run_id: str) -> None:
        """Take each membership's renewal for this run, or mark it skipped."""
        claimed_at = self._clock.now()
        with self._db.transaction() as session:
            for item in sorted(items, key=lambda i: i.membership.id):  # one lock order
                m = item.membership
                taken = session.execute(
                    update(MembershipRow)
                    .where(
                        MembershipRow.id == m.id,
                        MembershipRow.period == m.period,
                        MembershipRow.attempt == m.attempt,
                        MembershipRow.status == m.status.value,
                        MembershipRow.claimed_by.is_(None)
                        | (MembershipRow.claimed_at < claimed_at - self._abandoned_after),
                    )
                    .values(claimed_by=run_id, claimed_at=claimed_at)
                )
                if not taken.rowcount:  # type: ignore[attr-defined]
                    item.skip("another run is renewing it, or renewed it")
            failpoint("prime.claimed")  # claimed, not committed: races stop here

    def _charge(self, items: Sequence[_Item], prices: Sequence[PlanPrice]) -> None:
        owners = self._customers.principals_of([i.membership.customer_id for i in items])
        for item in items:
            m = item.membership
            owner = owners.get(m.customer_id)
            try:
                # The price in force when the new period starts, not today's.
                item.price = price_at(prices, m.plan_id, m.currency, m.period_end)
            except DomainError as error:
                item.charged = error
                continue
            if owner is None or owner.payment_method is None:
                item.charged = PaymentDeclined("no default card to charge")
                continue
            token = owner.payment_method.gateway_token
            item.charged = charge(
                self._gateway, token, item.price, charge_key(m.id, item.period, m.attempt)
            )

    def _record(self, items: Sequence[_Item], run_id: str, now: datetime) -> None:
        with self._db.transaction() as session:
            for item in items:
                if isinstance(item.charged, Charged):
                    self._renewed(session, item, item.charged, run_id, now)
                elif isinstance(item.charged, PaymentDeclined):
                    self._declined(session, item, item.charged, run_id, now)
                else:  # unanswered, or no price: the next run asks again with the same keys
                    reason = item.charged.message if item.charged else "not charged"
                    session.execute(
                        update(MembershipRow)
                        .where(MembershipRow.id == item.membership.id)
                        .where(MembershipRow.claimed_by == run_id)
                        .values(claimed_by=None, claimed_at=None, last_failure=reason[:300])
                    )
                    item.skip(reason)

    def _renewed(
        self, session: Session, item: _Item, charged: Charged, run_id: str, now: datetime
    ) -> None:
        m = item.membership
        start = m.period_end  # no day is lost to a late or retried renewal
        end = period_after(start, m.period_kind)
        advanced = session.execute(
            update(MembershipRow)
            .where(MembershipRow.id == m.id, MembershipRow.claimed_by == run_id)
            .values(
                status=moved(m.status, "renew").value,
                period=item.period,
                period_start=start,
                period_end=end,
                price_minor=charged.amount.minor,
                next_charge_at=end,
                attempt=0,
                last_failure=None,
                claimed_by=None,
                claimed_at=None,
            )
        )
        if not advanced.rowcount:  # type: ignore[attr-defined]
            item.skip("another run took this renewal over and recorded it")
            return
        session.add(charge_row(m.id, item.period, charged))
        set_prime(session, beneficiaries(session, m.id), m.id, end + grace())
        record(
            session,
            [
                event(
                    "renewed",
                    m.id,
                    now,
                    period=item.period,
                    amount_minor=charged.amount.minor,
                    currency=charged.amount.currency,
                    capture_id=charged.capture_id,
                    period_end=end.isoformat(),
                )
            ],
        )
        notify(
            session,
            self._notice(
                m.customer_id,
                "prime_renewed",
                "Your Prime membership is renewed",
                f"Charged {charged.amount.format()}. Your next renewal is on {end:%Y-%m-%d}.",
            ),
        )
        item.outcome = Renewal(m.id, item.period, RenewalResult.RENEWED, charged.amount, "", end)

    def _declined(
        self, session: Session, item: _Item, error: PaymentDeclined, run_id: str, now: datetime
    ) -> None:
        m = item.membership
        failures = m.attempt + 1
        retry = retry_at(m.period_end, failures)
        ours = (MembershipRow.id == m.id, MembershipRow.claimed_by == run_id)
        if retry is None:
            status = moved(m.status, "lapse")
            changed = session.execute(
                update(MembershipRow)
                .where(*ours)
                .values(
                    status=status.value,
                    attempt=failures,
                    next_charge_at=None,
                    ended_at=now,
                    last_failure=error.message[:300],
                    claimed_by=None,
                    claimed_at=None,
                )
            )
            if not changed.rowcount:  # type: ignore[attr-defined]
                item.skip("another run took this renewal over and recorded it")
                return
            end_benefits(session, m.id)
            record(session, [event("lapsed", m.id, now, period=m.period, attempts=failures)])
            notify(
                session,
                self._notice(
                    m.customer_id,
                    "prime_lapsed",
                    "Your Prime membership has ended",
                    "We could not charge your card after several tries. Join again "
                    "whenever you like.",
                ),
            )
            item.outcome = Renewal(m.id, item.period, RenewalResult.LAPSED, reason=error.message)
            return
        status = moved(m.status, "payment_failed")
        changed = session.execute(
            update(MembershipRow)
            .where(*ours)
            .values(
                status=status.value,
                attempt=failures,  # a declined key replays its decline: the retry needs its own
                next_charge_at=retry,
                last_failure=error.message[:300],
                claimed_by=None,
                claimed_at=None,
            )
        )
        if not changed.rowcount:  # type: ignore[attr-defined]
            item.skip("another run took this renewal over and recorded it")
            return
        record(
            session,
            [
                event(
                    "payment_failed",
                    m.id,
                    now,
                    period=item.period,
                    attempt=failures,
                    code=error.code,
                    retry_at=retry.isoformat(),
                )
            ],
        )
        notify(
            session,
            self._notice(
                m.customer_id,
                "prime_payment_failed",
                "We could not renew your Prime membership",
                f"Your card was declined. We will try again on {retry:%Y-%m-%d}; your benefits "
                f"continue until {m.period_end + grace():%Y-%m-%d}. Check your default card.",
            ),
        )
        item.outcome = Renewal(
            m.id, item.period, RenewalResult.FAILED, reason=error.message, next_charge_at=retry
        )

    def _notice(self, customer_id: str, kind: str, subject: str, body: str) -> Notification:
        return self._notifications.new(customer_id, kind, subject, body, link=self._link)
