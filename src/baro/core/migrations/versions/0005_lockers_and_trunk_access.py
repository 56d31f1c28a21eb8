"""Locker compartments and reservations; in-car delivery: vehicles, couriers, trunk
deliveries and the audit log of every attempt to open a trunk.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from baro.core.db import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "locker_compartments",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("locker_id", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=8), nullable=False),
        sa.Column("size", sa.String(length=1), nullable=False),
        sa.Column("length_cm", sa.Integer(), nullable=False),
        sa.Column("width_cm", sa.Integer(), nullable=False),
        sa.Column("height_cm", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["locker_id"],
            ["facilities.id"],
            name=op.f("fk_locker_compartments_locker_id_facilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locker_compartments")),
        sa.UniqueConstraint(
            "locker_id", "label", name=op.f("uq_locker_compartments_locker_id_label")
        ),
    )
    op.create_index(op.f("ix_locker_compartments_locker_id"), "locker_compartments", ["locker_id"])
    op.create_table(
        "locker_reservations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("locker_id", sa.String(length=40), nullable=False),
        sa.Column("compartment_id", sa.String(length=40), nullable=False),
        sa.Column("active_compartment_id", sa.String(length=40), nullable=True),
        sa.Column("active_order_id", sa.String(length=40), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("reserved_at", UTCDateTime(), nullable=False),
        sa.Column("arrived_at", UTCDateTime(), nullable=True),
        sa.Column("collect_by", UTCDateTime(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["locker_id"],
            ["facilities.id"],
            name=op.f("fk_locker_reservations_locker_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["compartment_id"],
            ["locker_compartments.id"],
            name=op.f("fk_locker_reservations_compartment_id_locker_compartments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locker_reservations")),
        sa.UniqueConstraint(
            "active_compartment_id", name=op.f("uq_locker_reservations_active_compartment_id")
        ),
        sa.UniqueConstraint("active_order_id", name=op.f("uq_locker_reservations_active_order_id")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_locker_reservations_code_hash")),
    )
    for column in ("order_id", "customer_id"):
        op.create_index(op.f(f"ix_locker_reservations_{column}"), "locker_reservations", [column])
    op.create_index(
        "ix_locker_reservations_state_collect_by", "locker_reservations", ["state", "collect_by"]
    )
    op.create_table(
        "vehicles",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("make", sa.String(length=60), nullable=False),
        sa.Column("model", sa.String(length=60), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("telematics_key_hash", sa.String(length=64), nullable=False),
        sa.Column("registered_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicles")),
        sa.UniqueConstraint("customer_id", "plate", name=op.f("uq_vehicles_customer_id_plate")),
        sa.UniqueConstraint("telematics_key_hash", name=op.f("uq_vehicles_telematics_key_hash")),
    )
    op.create_index(op.f("ix_vehicles_customer_id"), "vehicles", ["customer_id"])
    op.create_table(
        "couriers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_couriers")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_couriers_key_hash")),
    )
    op.create_table(
        "trunk_deliveries",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("vehicle_id", sa.String(length=40), nullable=False),
        sa.Column("courier_id", sa.String(length=40), nullable=True),
        sa.Column("window_start", UTCDateTime(), nullable=False),
        sa.Column("window_end", UTCDateTime(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("code_issued_at", UTCDateTime(), nullable=True),
        sa.Column("opened_at", UTCDateTime(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_trunk_deliveries_vehicle_id_vehicles")
        ),
        sa.ForeignKeyConstraint(
            ["courier_id"], ["couriers.id"], name=op.f("fk_trunk_deliveries_courier_id_couriers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trunk_deliveries")),
        sa.UniqueConstraint("order_id", name=op.f("uq_trunk_deliveries_order_id")),
    )
    for column in ("customer_id", "vehicle_id", "courier_id"):
        op.create_index(op.f(f"ix_trunk_deliveries_{column}"), "trunk_deliveries", [column])
    op.create_table(
        "trunk_access_attempts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("delivery_id", sa.String(length=40), nullable=False),
        sa.Column("courier_id", sa.String(length=40), nullable=True),
        sa.Column("vehicle_id", sa.String(length=40), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trunk_access_attempts")),
    )
    for column in ("delivery_id", "courier_id"):
        op.create_index(
            op.f(f"ix_trunk_access_attempts_{column}"), "trunk_access_attempts", [column]
        )


def downgrade() -> None:
    op.drop_table("trunk_access_attempts")
    op.drop_table("trunk_deliveries")
    op.drop_table("couriers")
    op.drop_table("vehicles")
    op.drop_table("locker_reservations")
    op.drop_table("locker_compartments")
