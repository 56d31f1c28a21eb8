"""Prime membership: plans and their prices per currency (a change is a new row from its
date), memberships, who has each one's benefits (one per customer), free trials (once per
customer), each paid period's charge (one per period); on customers, whose benefits they
have and until when (read with the principal); on orders, the benefit the delivery got and
the fee the retailer absorbed. The yearly and monthly plans are seeded at their 2018 prices.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from baro.core.db import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# Amounts in each currency's minor units (KRW has none: 49,000 is ₩49,000).
SINCE = datetime(2018, 5, 11, tzinfo=UTC)
PRICES = {
    "yearly": {"USD": 11_900, "KRW": 49_000, "GBP": 7_900, "EUR": 6_900, "BRL": 11_900},
    "monthly": {"USD": 1_299, "KRW": 4_990, "GBP": 799, "EUR": 799, "BRL": 1_490},
}


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("prime_membership_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("prime_until", UTCDateTime(), nullable=True))
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("prime_membership_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("prime_benefit", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("prime_absorbed_minor", sa.BigInteger(), nullable=True))
    op.create_index(
        "ix_orders_prime_membership_placed", "orders", ["prime_membership_id", "placed_at"]
    )
    plans = op.create_table(
        "prime_plans",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("trial_days", sa.Integer(), nullable=False),
        sa.Column("household_max", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prime_plans")),
    )
    prices = op.create_table(
        "prime_prices",
        sa.Column("plan_id", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("effective_from", UTCDateTime(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("announced_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint(
            "plan_id", "currency", "effective_from", name=op.f("pk_prime_prices")
        ),
    )
    op.create_table(
        "prime_memberships",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("plan_id", sa.String(length=40), nullable=False),
        sa.Column("period_kind", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("period_start", UTCDateTime(), nullable=False),
        sa.Column("period_end", UTCDateTime(), nullable=False),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("next_charge_at", UTCDateTime(), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=40), nullable=True),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("join_key", sa.String(length=255), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("refund_minor", sa.BigInteger(), nullable=True),
        sa.Column("last_failure", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prime_memberships")),
    )
    op.create_index(op.f("ix_prime_memberships_customer_id"), "prime_memberships", ["customer_id"])
    op.create_index(
        "ix_prime_memberships_status_charge", "prime_memberships", ["status", "next_charge_at"]
    )
    op.create_table(
        "prime_beneficiaries",
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("membership_id", sa.String(length=40), nullable=False),
        sa.Column("owner", sa.Boolean(), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_prime_beneficiaries")),
    )
    op.create_index(
        op.f("ix_prime_beneficiaries_membership_id"), "prime_beneficiaries", ["membership_id"]
    )
    op.create_table(
        "prime_trials",
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("membership_id", sa.String(length=40), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_prime_trials")),
    )
    op.create_table(
        "prime_charges",
        sa.Column("membership_id", sa.String(length=40), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("authorization_id", sa.String(length=64), nullable=False),
        sa.Column("capture_id", sa.String(length=64), nullable=False),
        sa.Column("charged_at", UTCDateTime(), nullable=False),
        sa.Column("refund_id", sa.String(length=64), nullable=True),
        sa.Column("refund_minor", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("membership_id", "period", name=op.f("pk_prime_charges")),
    )
    op.create_index(op.f("ix_prime_charges_charged_at"), "prime_charges", ["charged_at"])
    op.bulk_insert(
        plans,
        [
            {"id": "yearly", "period": "yearly", "trial_days": 30, "household_max": 4},
            {"id": "monthly", "period": "monthly", "trial_days": 30, "household_max": 4},
        ],
    )
    op.bulk_insert(
        prices,
        [
            {
                "plan_id": plan,
                "currency": currency,
                "effective_from": SINCE,
                "amount_minor": minor,
                "announced_at": SINCE,
            }
            for plan, amounts in PRICES.items()
            for currency, minor in amounts.items()
        ],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_prime_charges_charged_at"), table_name="prime_charges")
    op.drop_table("prime_charges")
    op.drop_table("prime_trials")
    op.drop_index(op.f("ix_prime_beneficiaries_membership_id"), table_name="prime_beneficiaries")
    op.drop_table("prime_beneficiaries")
    op.drop_index("ix_prime_memberships_status_charge", table_name="prime_memberships")
    op.drop_index(op.f("ix_prime_memberships_customer_id"), table_name="prime_memberships")
    op.drop_table("prime_memberships")
    op.drop_table("prime_prices")
    op.drop_table("prime_plans")
    op.drop_index("ix_orders_prime_membership_placed", table_name="orders")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("prime_absorbed_minor")
        batch.drop_column("prime_benefit")
        batch.drop_column("prime_membership_id")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("prime_until")
        batch.drop_column("prime_membership_id")
