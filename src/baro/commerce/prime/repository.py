"""Prime's tables. Rows never leave this module: callers get domain objects."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from baro.commerce.customers import set_prime
from baro.core.db import Base, UTCDateTime
from baro.core.money import Money

from .domain import Membership, Period, Plan, PlanPrice, Status


class PlanRow(Base):
    __tablename__ = "prime_plans"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    period: Mapped[str] = mapped_column(String(16))
    trial_days: Mapped[int] = mapped_column(Integer)
    household_max: Mapped[int] = mapped_column(Integer)


class PriceRow(Base):
    """A plan's price in one currency from a moment on; a change is a new row."""

    __tablename__ = "prime_prices"

    plan_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    announced_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MembershipRow(Base):
    __tablename__ = "prime_memberships"
    __table_args__ = (Index("ix_prime_memberships_status_charge", "status", "next_charge_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(40), index=True)  # the owner, who pays
    plan_id: Mapped[str] = mapped_column(String(40))
    period_kind: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    period: Mapped[int] = mapped_column(Integer)  # 0: the trial; 1: the first paid period
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    price_minor: Mapped[int] = mapped_column(BigInteger)  # what the current period cost
    next_charge_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Failed tries of the renewal now due: each retry has gateway keys of its own (a
    # declined key replays its decline), and the same ones if a run died mid-charge.
    attempt: Mapped[int] = mapped_column(Integer)
    # The run renewing it now (compare and set): a second run skips it.
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The client's Idempotency-Key of the join: a retry of a join whose first charge was
    # left unanswered finds this membership and pays it with the same gateway keys.
    join_key: Mapped[str | None] = mapped_column(String(255))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refund_minor: Mapped[int | None] = mapped_column(BigInteger)
    last_failure: Mapped[str | None] = mapped_column(String(300))


class BeneficiaryRow(Base):
    """Who has which open membership's benefits, the owner included: the primary key keeps
    one per customer, so nobody joins twice or into two households."""

    __tablename__ = "prime_beneficiaries"

    customer_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    membership_id: Mapped[str] = mapped_column(String(40), index=True)
    owner: Mapped[bool] = mapped_column(Boolean)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TrialRow(Base):
    """A customer's free trial, once in their life: a second one is refused by the key."""

    __tablename__ = "prime_trials"

    customer_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    membership_id: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChargeRow(Base):
    """What each paid period was charged: one row per membership and period, by primary
    key, so a period cannot be recorded as paid twice; its refund when cancelled."""

    __tablename__ = "prime_charges"

    membership_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    period: Mapped[int] = mapped_column(Integer, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    authorization_id: Mapped[str] = mapped_column(String(64))
    capture_id: Mapped[str] = mapped_column(String(64))
    charged_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    refund_id: Mapped[str | None] = mapped_column(String(64))
    refund_minor: Mapped[int | None] = mapped_column(BigInteger)


def plan_of(row: PlanRow) -> Plan:
    return Plan(row.id, Period(row.period), row.trial_days, row.household_max)


def price_of(row: PriceRow) -> PlanPrice:
    return PlanPrice(
        row.plan_id, Money(row.amount_minor, row.currency), row.effective_from, row.announced_at
    )


def membership_of(row: MembershipRow, household: Sequence[str] = ()) -> Membership:
    return Membership(
        id=row.id,
        customer_id=row.customer_id,
        plan_id=row.plan_id,
        period_kind=Period(row.period_kind),
        status=Status(row.status),
        period=row.period,
        period_start=row.period_start,
        period_end=row.period_end,
        price=Money(row.price_minor, row.currency),
        next_charge_at=row.next_charge_at,
        attempt=row.attempt,
        created_at=row.created_at,
        ended_at=row.ended_at,
        refunded=Money(row.refund_minor, row.currency) if row.refund_minor is not None else None,
        last_failure=row.last_failure,
        household=tuple(household),
    )


def household_of(session: Session, membership_ids: Sequence[str]) -> dict[str, list[str]]:
    """Each membership's household (not the owner), oldest first: one query for them all."""
    found: dict[str, list[str]] = {m: [] for m in membership_ids}
    if membership_ids:
        rows = session.execute(
            select(BeneficiaryRow.membership_id, BeneficiaryRow.customer_id)
            .where(
                BeneficiaryRow.membership_id.in_(sorted(set(membership_ids))),
                BeneficiaryRow.owner.is_(False),
            )
            .order_by(BeneficiaryRow.added_at, BeneficiaryRow.customer_id)
        )
        for membership_id, customer_id in rows:
            found[membership_id].append(customer_id)
    return found


def beneficiaries(session: Session, membership_id: str) -> list[str]:
    """Everyone with the membership's benefits, the owner first."""
    rows = session.execute(
        select(BeneficiaryRow.customer_id)
        .where(BeneficiaryRow.membership_id == membership_id)
        .order_by(BeneficiaryRow.owner.desc(), BeneficiaryRow.added_at)
    )
    return [customer_id for (customer_id,) in rows]


def end_benefits(session: Session, membership_id: str) -> None:
    """The membership ended: nobody has its benefits any more, and each may join again."""
    set_prime(session, beneficiaries(session, membership_id), None, None)
    session.execute(delete(BeneficiaryRow).where(BeneficiaryRow.membership_id == membership_id))
