"""Drones: bases at facilities with their fleets, sorties (one per order), customers'
drop zones and no-fly zones.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from baro.core.db import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "drone_bases",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("facility_id", sa.String(length=40), nullable=False),
        sa.Column("wind_ms", sa.Float(), nullable=False),
        sa.Column("rain_mm_h", sa.Float(), nullable=False),
        sa.Column("visibility_km", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_drone_bases_facility_id_facilities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drone_bases")),
        sa.UniqueConstraint("facility_id", name=op.f("uq_drone_bases_facility_id")),
    )
    op.create_table(
        "drones",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("base_id", sa.String(length=40), nullable=False),
        sa.Column("free_at", UTCDateTime(), nullable=False),
        sa.Column("battery", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["base_id"], ["drone_bases.id"], name=op.f("fk_drones_base_id_drone_bases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drones")),
    )
    op.create_index(op.f("ix_drones_base_id"), "drones", ["base_id"], unique=False)
    op.create_table(
        "drone_sorties",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("drone_id", sa.String(length=40), nullable=False),
        sa.Column("base_id", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("distance_km", sa.Float(), nullable=False),
        sa.Column("ready_at", UTCDateTime(), nullable=False),
        sa.Column("launch_at", UTCDateTime(), nullable=False),
        sa.Column("drop_at", UTCDateTime(), nullable=False),
        sa.Column("return_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["base_id"], ["drone_bases.id"], name=op.f("fk_drone_sorties_base_id_drone_bases")
        ),
        sa.ForeignKeyConstraint(
            ["drone_id"], ["drones.id"], name=op.f("fk_drone_sorties_drone_id_drones")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drone_sorties")),
        sa.UniqueConstraint("order_id", name=op.f("uq_drone_sorties_order_id")),
    )
    op.create_index(op.f("ix_drone_sorties_drone_id"), "drone_sorties", ["drone_id"])
    op.create_index(op.f("ix_drone_sorties_state"), "drone_sorties", ["state"])
    op.create_table(
        "drone_drop_zones",
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("set_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_drone_drop_zones_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_drone_drop_zones")),
    )
    op.create_table(
        "drone_no_fly_zones",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("vertices", JSON, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drone_no_fly_zones")),
    )


def downgrade() -> None:
    op.drop_table("drone_no_fly_zones")
    op.drop_table("drone_drop_zones")
    op.drop_index(op.f("ix_drone_sorties_state"), table_name="drone_sorties")
    op.drop_index(op.f("ix_drone_sorties_drone_id"), table_name="drone_sorties")
    op.drop_table("drone_sorties")
    op.drop_index(op.f("ix_drones_base_id"), table_name="drones")
    op.drop_table("drones")
    op.drop_table("drone_bases")
